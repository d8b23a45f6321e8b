"""An imported layer in the app (AppTest, embedded store): listed with the figures its
import kept, drawn from its tiles over the kept grid cells, a click on a parcel answered
by reading that one feature — the layer itself is never read back whole."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pyproj import Geod
from streamlit.testing.v1 import AppTest

import ui.upload_map
from geo.declared.i18n import t
from geo.io import geojson_text
from geo.store.importer import ImportedLayer, import_layer
from geo.store.store import Store
from geo.store.tiles import TileStore
from tests.app.embedded import LOCAL_USER
from tests.conftest import gk_boxes
from ui import state

APP = str(Path(__file__).resolve().parents[2] / "streamlit_app.py")
COLUMNS, ROWS = 6, 5
BOXES = [
    (i * 100.0, j * 100.0, i * 100.0 + 100, j * 100.0 + 100)
    for j in range(ROWS)
    for i in range(COLUMNS)
]
CGCS2000 = Geod(a=6378137.0, rf=298.257222101)


def _page_source(at: AppTest) -> str:
    return "\n".join(str(getattr(node, "proto", "")) for node in at._tree)


@pytest.fixture
def imported(
    app_plan_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[ImportedLayer]:
    """30 parcels of 100 m imported as the local user's; drawn from tiles (any size)."""
    monkeypatch.setattr(ui.upload_map, "LARGE_LAYER_FEATURES", 1)
    path = tmp_path / "parcels.geojson"
    path.write_text(geojson_text(gk_boxes(*BOXES)), encoding="utf-8")
    root = tmp_path / "workspace"
    store = app_plan_store
    done = import_layer(store, store.local_user(LOCAL_USER), path, workspace_dir=root)
    yield done
    TileStore(root / "store-cache").remove(done.layer.layer_id)


def _spy_reads(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Every Store.read from now on, by the feature numbers it asked for (None: all)."""
    calls: list[Any] = []
    read = Store.read

    def spied(self: Store, *args: Any, **kwargs: Any) -> Any:
        calls.append(kwargs.get("feature_nos"))
        return read(self, *args, **kwargs)

    monkeypatch.setattr(Store, "read", spied)
    return calls


def test_an_imported_layer_is_listed_drawn_and_clicked_without_reading_it(
    imported: ImportedLayer, monkeypatch: pytest.MonkeyPatch
) -> None:
    layer_id = imported.layer.layer_id
    reads = _spy_reads(monkeypatch)
    at = AppTest.from_file(APP, default_timeout=180)
    at.session_state[state.MAIN_TABS] = t("upload_tab", "zh")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    # Listed, with the figures its import kept: Geod on the corners as the file has them.
    assert imported.summary.line("km2", "zh") in [x.value for x in at.text]
    written = json.loads(Path(os.environ["PLANMAP_WORKSPACE"], "..", "parcels.geojson").read_text())
    rings = [f["geometry"]["coordinates"][0] for f in written["features"]]
    geod_m2 = sum(
        abs(CGCS2000.polygon_area_perimeter([p[0] for p in r], [p[1] for p in r])[0]) for r in rings
    )
    assert imported.summary.union_m2 == pytest.approx(geod_m2, rel=1e-7)
    assert f"{geod_m2 / 1e6:.6f} 平方公里" in imported.summary.line("km2", "zh")

    at.checkbox(key=state.user_layer_on(layer_id)).check().run()
    assert not at.exception, [e.value for e in at.exception]
    root = Path(os.environ["PLANMAP_WORKSPACE"]) / "store-cache"
    token = TileStore(root).capability(layer_id)
    assert token is not None and token in _page_source(at), "drawn from its tiles"
    assert reads == [], "the layer was read back to be drawn"

    # A click on parcel 17 (tile id 18): the panel shows it, and only it was read.
    row = 2 * COLUMNS + 5
    square = gk_boxes((500.0, 200.0, 600.0, 300.0)).geometry.iloc[0]
    centre = square.centroid
    clicked = {"lat": centre.y, "lng": centre.x}
    at.session_state[state.PLAN_MAP] = {
        "last_clicked": clicked,
        "last_object_clicked": clicked,
        "last_object_clicked_tooltip": f"{imported.layer.name}\n{t('tile_feature', 'zh')} #18",
    }
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    texts = [x.value for x in at.text]
    assert f"id: f{row}" in texts
    assert any(f"{t('tile_feature', 'zh')} #{row + 1}" in x for x in texts)
    assert reads == [[row]]
