"""Adoption saved in the versioned store and compared: a DXF red line becomes the
university area as a new version with geometry_source = authoritative, and the plan
before and after differs in that element only (the Done-when steps below the UI)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import URL

from geo.edit.adopt import AUTHORITATIVE, adoption_edits, match_features, propose_adoption
from geo.edit.compare import compare_layers
from geo.plan.zones import load_zones
from geo.store.store import EMBEDDED_FILE, Store
from geo.upload import LoadedLayer, read_upload
from tests.geo.test_adopt import SOURCE
from tests.geo.test_dxf import H_M, W_M, bureau_drawing, expected_ellipsoidal_m2, gk_origin

UNI = "uni_innovation_area"


def test_an_adopted_dxf_polygon_is_a_new_version_and_the_only_change(tmp_path: Path) -> None:
    x0, y0 = gk_origin()
    data = bureau_drawing(x0, y0).replace("大学城".encode("gbk"), "大学院校集聚区".encode("gbk"))
    loaded = read_upload(data, "控规.dxf", crs="EPSG:4543")
    assert isinstance(loaded, LoadedLayer)
    zones = load_zones()
    store = Store(URL.create("sqlite", database=str(tmp_path / EMBEDDED_FILE)))
    try:
        store.seed_plan(zones, seed_name="zones.geojson")
        planner = store.add_user("planner", "correct horse battery", "editor")
        before = store.current_plan()
        proposal = propose_adoption(
            loaded.frame, before, match_features(loaded.frame, before), source=SOURCE
        )
        (edit,) = adoption_edits(before, proposal)
        assert edit.element_id == UNI
        base = store.get(planner, UNI).version
        saved = store.edit(
            planner, UNI, edit.frame, expected_version=base, reason="控规批复",
            source=edit.source, accuracy=edit.accuracy,
        )  # fmt: skip
        assert saved.version == base + 1
        assert saved.author == "planner"
        assert "呈政复〔2021〕12号" in saved.source
        after = store.current_plan()
    finally:
        store.close()
    assert after.loc[UNI, "geometry_source"] == AUTHORITATIVE
    comparison = compare_layers(before, after).table.set_index("id")
    assert comparison.loc[UNI, "status"] == "changed"
    expected = expected_ellipsoidal_m2(x0 + W_M / 2 - 500_000, 24.88, W_M * H_M)
    assert comparison.loc[UNI, "area_after_m2"] == pytest.approx(expected, rel=2e-5)
    others = comparison.drop(index=UNI)
    assert set(others["status"]) == {"unchanged"}


def test_python_m_geo_diff_compares_the_stored_plan_then_and_now(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from geo.cli import main
    from geo.store.store import URL_VARIABLE, open_plan_store

    monkeypatch.setenv(URL_VARIABLE, f"sqlite:///{tmp_path / EMBEDDED_FILE}")
    with open_plan_store() as store:
        planner = store.add_user("planner", "correct horse battery", "editor")
        seeded = store.get(planner, UNI)
        frame = store.read(planner, UNI)
        moved = frame.to_crs("EPSG:4543").translate(xoff=-200.0).to_crs(frame.crs)
        frame = frame.set_geometry(moved)  # the whole area 200 m west
        store.edit(
            planner, UNI, frame, expected_version=seeded.version,
            reason="west edge moved", source="edited on the map", accuracy="20 m",
        )  # fmt: skip
    code = main(["diff", f"store@{seeded.time_utc}", "store", "--format", "csv"])
    out = capsys.readouterr().out.splitlines()
    assert code == 0
    changed = [line for line in out if line.startswith(UNI)]
    assert len(changed) == 1 and ",changed," in changed[0]
    assert sum(",changed," in line for line in out) == 1
    assert main(["diff", "store@yesterday", "store"]) == 2
    assert "not a time" in capsys.readouterr().err
