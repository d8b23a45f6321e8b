"""The command line refuses what would give a silent wrong figure: it exits non-zero and
says why, exactly as the app does for the same file (it reads files as uploads are read).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import shapely
from pyproj import Geod

from geo.cli import main
from tests.geo import upload_samples as s

CGCS2000 = Geod(a=6378137.0, rf=298.257222101)


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, out, err


def _feature_collection(coordinates: list[list[float]]) -> str:
    ring = [*coordinates, coordinates[0]]
    feature = {
        "type": "Feature",
        "properties": {"id": "a"},
        "geometry": {"type": "Polygon", "coordinates": [ring]},
    }
    return json.dumps({"type": "FeatureCollection", "features": [feature]})


def test_swapped_latitude_longitude_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bad_swapped_latlon.geojson"
    path.write_text(
        _feature_collection([[24.87, 102.85], [24.87, 102.86], [24.88, 102.86], [24.88, 102.85]])
    )
    code, out, err = _run(capsys, "areas", str(path))
    assert code == 2
    assert "X and Y swapped" in err  # the one candidate that puts it in Yunnan
    assert "sum" not in out


def test_metres_without_a_crs_are_refused_with_candidates(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = json.loads(s.parcels_gk().to_json(drop_id=True))
    del data["crs"]
    path = tmp_path / "gk.geojson"
    path.write_text(json.dumps(data))
    code, out, err = _run(capsys, "areas", str(path))
    assert code == 2
    assert "declares no coordinate reference system" in err and "EPSG:4543" in err
    assert out == ""
    # With the CRS given the figure is the hand-known one (1 km x 1 km and 500 m x 400 m
    # rectangles in EPSG:4543; the ellipsoidal area is within 0.1 % of the planar one).
    code, out, err = _run(capsys, "areas", str(path), "--crs", "EPSG:4543", "--format", "json")
    assert code == 0
    rows = json.loads(out)
    for row, expected in zip(rows, s.AREAS_M2, strict=True):
        assert row["area_km2"] * 1e6 == pytest.approx(expected, rel=1e-3)


def test_metres_declared_as_degrees_are_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "metres_as_4326.gpkg"
    s.parcels_gk().set_crs("EPSG:4326", allow_override=True).to_file(path, engine="pyogrio")
    code, _out, err = _run(capsys, "areas", str(path))
    assert code == 2
    assert "declares EPSG:4326, but that cannot be right" in err
    assert "EPSG:4543" in err


def test_coordinates_of_1e308_are_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "huge.geojson"
    path.write_text(_feature_collection([[0, 0], [1e308, 0], [1e308, 1e308], [0, 1e308]]))
    code, out, _err = _run(capsys, "areas", str(path))
    assert code == 2
    assert out == ""


def test_state_plane_prj_on_gauss_kruger_data_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "ca.gpkg"
    s.parcels_gk().set_crs("EPSG:2227", allow_override=True).to_file(path, engine="pyogrio")
    code, out, err = _run(capsys, "areas", str(path))
    assert code == 2
    assert "far outside Yunnan Province" in err and "EPSG:4543" in err
    assert out == ""


def test_kml_without_placemarks(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "empty.kml"
    path.write_text('<kml xmlns="http://www.opengis.net/kml/2.2"><Document/></kml>')
    code, _out, err = _run(capsys, "areas", str(path))
    assert code == 2
    assert "no placemarks" in err


def test_gbk_geojson(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "gbk.geojson"
    path.write_bytes(
        _feature_collection([[102.85, 24.87], [102.86, 24.87], [102.86, 24.88]])
        .replace('"a"', '"地块"')
        .encode("gbk")
    )
    code, _out, err = _run(capsys, "areas", str(path))
    assert code == 2
    assert "not UTF-8" in err


def test_file_above_the_upload_limit_needs_a_flag(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ring = [[102.85, 24.87], [102.86, 24.87], [102.86, 24.88], [102.85, 24.88]]
    text = _feature_collection(ring)
    path = tmp_path / "padded.geojson"
    path.write_text(text + " " * 51_000_000)  # 51 MB > 50 MB (JSON allows the blanks)
    code, out, err = _run(capsys, "areas", str(path))
    assert code == 2
    assert "the limit is 50.0 MB" in err and "--max-file-mb" in err
    code, out, err = _run(capsys, "areas", str(path), "--max-file-mb", "60", "--format", "json")
    assert code == 0
    polygon = shapely.Polygon(ring)
    expected_m2 = abs(CGCS2000.geometry_area_perimeter(polygon)[0])
    assert json.loads(out)[0]["area_km2"] * 1e6 == pytest.approx(expected_m2, rel=1e-9)


def test_feature_limit_applies_and_can_be_raised(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "p.gpkg"
    s.parcels_gk().to_file(path, engine="pyogrio")
    code, _out, err = _run(capsys, "areas", str(path), "--max-features", "1")
    assert code == 2
    assert "2 features; the limit is 1" in err
    code, _out, _err = _run(capsys, "areas", str(path), "--max-features", "2")
    assert code == 0
