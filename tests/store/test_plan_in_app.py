"""The app's plan comes from the store: an element edited through ``Store.edit`` shows
its new area (pyproj Geod on the new shape, directly) and the new revision on the next
run, and the downloaded table names that revision."""

from __future__ import annotations

from pathlib import Path

import pytest
import shapely
from streamlit.testing.v1 import AppTest

from geo.declared.i18n import t
from geo.store.store import EMBEDDED_FILE, Store
from tests.conftest import gk_boxes
from tests.geo.geod_reference import geod_area_m2

APP = str(Path(__file__).resolve().parents[2] / "streamlit_app.py")
ELEMENT = "fin_sci_tech_finance_centre"  # shown by default


def _area_km2(at: AppTest) -> float:
    table = at.dataframe[0].value
    row = table[table[t("col_id", "zh")] == ELEMENT] if t("col_id", "zh") in table else None
    if row is None:  # headers in the page's language; the id column comes first
        row = table[table.iloc[:, 0] == ELEMENT]
    assert len(row) == 1, table.iloc[:, 0].tolist()
    area_column = next(c for c in table.columns if "椭球面积" in str(c))
    return float(str(row[area_column].iloc[0]).lstrip("≈约 ").replace(",", ""))


def _revision_caption(at: AppTest) -> str:
    head = t("plan_revision_note", "zh").split("{")[0]
    return next(str(c.value) for c in at.caption if str(c.value).startswith(head))


def test_an_edit_in_the_store_changes_the_area_table_and_its_revision(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "workspace"
    monkeypatch.setenv("PLANMAP_WORKSPACE", str(root))
    monkeypatch.delenv("PLANMAP_DATABASE_URL", raising=False)
    monkeypatch.delenv("PLANMAP_REQUIRE_LOGIN", raising=False)
    at = AppTest.from_file(APP, default_timeout=180)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    before_km2 = _area_km2(at)
    before_caption = _revision_caption(at)

    store = Store(f"sqlite:///{root / EMBEDDED_FILE}")
    editor = store.add_user("editor1", "editor-pass-1", "editor")
    old = store.read(editor, ELEMENT)
    new = gk_boxes((0, 0, 1800, 1250)).drop(columns="id")  # 2.25 km², hand-built
    for column in old.columns.drop("geometry"):
        new[column] = old[column].to_numpy()
    new["geometry_source"], new["schematic"], new["accuracy_m"] = "authoritative", False, 1.0
    version = store.edit(
        editor, ELEMENT, new, expected_version=store.get(editor, ELEMENT).version,
        reason="test: the bureau's boundary", source="hand-built rectangle", accuracy="±1 m",
    )  # fmt: skip
    revision = store.plan_revision()
    store.close()
    expected_km2 = geod_area_m2(shapely.union_all(new.geometry.array)) / 1e6  # Geod directly
    assert abs(before_km2 - expected_km2) > 0.1, "the edit must change the figure"

    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert _area_km2(at) == pytest.approx(expected_km2, rel=5e-3)  # as shown: 3-4 digits
    caption = _revision_caption(at)
    assert caption != before_caption
    assert f"{revision.number}" in caption and revision.time_utc[:10] in caption
    assert version.time_utc[:19].replace("T", " ") in caption
