"""The command line (geo.io.read_layer) reads the upload formats too."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from geo.cli import main
from geo.errors import CRSError
from geo.io import read_layer
from geo.measure.area import ellipsoidal_area_m2
from tests.conftest import LAT0, LON0
from tests.geo import upload_samples as s


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def test_zipped_gbk_shapefile(tmp_path: Path) -> None:
    path = _write(tmp_path / "p.zip", s.shapefile_zip(tmp_path, encoding="GBK", cpg=False))
    layer = read_layer(path)
    assert layer.crs.to_epsg() == 4326
    assert layer["name"].tolist() == s.NAMES
    assert ellipsoidal_area_m2(layer).tolist() == pytest.approx(s.AREAS_M2, rel=1e-3)


def test_kmz(tmp_path: Path) -> None:
    path = _write(tmp_path / "p.kmz", s.zip_files({"doc.kml": s.kml_bytes(tmp_path)}))
    assert ellipsoidal_area_m2(read_layer(path)).tolist() == pytest.approx(s.AREAS_M2, rel=1e-3)


def test_csv_lonlat_in_yunnan_is_taken_as_wgs84(tmp_path: Path) -> None:
    path = _write(tmp_path / "p.csv", s.csv_lonlat_bytes([(LON0, LAT0)]))
    layer = read_layer(path)
    assert layer.crs.to_epsg() == 4326
    assert (layer.geometry.iloc[0].x, layer.geometry.iloc[0].y) == (LON0, LAT0)


@pytest.mark.parametrize(
    "points", [[(583_000.0, 2_753_000.0)], [(LAT0, LON0)], [(116.4, 39.9)]],
    ids=["metres", "swapped", "beijing"],
)  # fmt: skip
def test_csv_without_crs_elsewhere_is_refused(
    tmp_path: Path, points: list[tuple[float, float]]
) -> None:
    path = _write(tmp_path / "p.csv", s.csv_lonlat_bytes(points))
    with pytest.raises(CRSError, match="declares no coordinate reference system"):
        read_layer(path)


def test_shapefile_without_prj_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path / "p.zip", s.shapefile_zip(tmp_path, prj=False))
    with pytest.raises(CRSError, match="it is not guessed"):
        read_layer(path)


def test_cli_areas_of_csv_wkt_and_zip(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    csv_path = tmp_path / "p.csv"
    csv_path.write_bytes(s.csv_wkt_bytes().replace(b'"POLYGON', b'"SRID=4326;POLYGON'))
    zip_path = _write(tmp_path / "p.zip", s.shapefile_zip(tmp_path, encoding="GBK"))
    for path in (csv_path, zip_path):
        assert main(["areas", str(path), "--unit", "m2", "--format", "json"]) == 0
        rows = json.loads(capsys.readouterr().out)
        assert [r["area_m2"] for r in rows] == pytest.approx(s.AREAS_M2, rel=1e-3)


def test_cli_overlaps_reads_a_zip(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    zip_path = _write(tmp_path / "p.zip", s.shapefile_zip(tmp_path))
    gj = _write(tmp_path / "p.geojson", s.geojson_bytes(tmp_path))
    assert main(["overlaps", str(zip_path), str(gj), "--unit", "m2", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert sorted(r["overlap_m2"] for r in rows) == pytest.approx(sorted(s.AREAS_M2), rel=1e-3)


def test_cli_bad_zip_prints_one_message(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path / "x.zip", s.zip_files({"a.txt": b"x"}))
    assert main(["areas", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: x.zip: zip with no layer")
    assert "Traceback" not in err
