"""read_upload with a CRS the file declares (a GeoPackage) that cannot be right: it asks,
naming the declared CRS and why; the same CRS chosen by the user is an error instead."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import Point, Polygon

from geo.errors import CRSError, InputFileError
from geo.upload import LoadedLayer, NeedsCRS, read_upload
from tests.geo import upload_samples as s


def _gpkg(tmp_path: Path, frame: gpd.GeoDataFrame) -> bytes:
    path = tmp_path / "layer.gpkg"
    frame.to_file(path, engine="pyogrio")
    return path.read_bytes()


def test_metres_declared_as_degrees_ask(tmp_path: Path) -> None:
    data = _gpkg(tmp_path, s.parcels_gk().set_crs("EPSG:4490", allow_override=True))
    result = read_upload(data, "layer.gpkg")
    assert isinstance(result, NeedsCRS)
    assert result.declared is not None and "4490" in result.declared
    assert "far beyond ±180/±90" in result.message
    assert result.candidates[0].crs == "EPSG:4543"


def test_metres_chosen_as_degrees_are_an_error(tmp_path: Path) -> None:
    data = _gpkg(tmp_path, s.parcels_gk())
    with pytest.raises(CRSError, match="the CRS EPSG:4326 is in degrees but"):
        read_upload(data, "layer.gpkg", crs="EPSG:4326")


def test_coordinates_off_the_earth_ask_when_declared_and_fail_when_chosen(
    tmp_path: Path,
) -> None:
    # 1e9 m from Gauss-Kruger's origin has no longitude/latitude: the projection gives inf.
    far = gpd.GeoDataFrame({"id": [1]}, geometry=[Point(1e9, 1e9)], crs="EPSG:4543")
    data = _gpkg(tmp_path, far)
    asked = read_upload(data, "layer.gpkg")
    assert isinstance(asked, NeedsCRS)
    assert asked.notes == ("the coordinates cannot be placed on the earth in EPSG:4543",)
    with pytest.raises(CRSError, match="cannot be placed on the earth in EPSG:4543; the CRS is"):
        read_upload(data, "layer.gpkg", crs="EPSG:4543")


def test_web_map_offsets_need_longitude_and_latitude(tmp_path: Path) -> None:
    data = _gpkg(tmp_path, s.parcels_gk())
    with pytest.raises(CRSError, match="but the file is in projected EPSG:4543"):
        read_upload(data, "layer.gpkg", coordinate_system="gcj02")
    lonlat = read_upload(
        _gpkg(tmp_path, s.parcels_lonlat()), "layer.gpkg", coordinate_system="gcj02"
    )
    assert isinstance(lonlat, LoadedLayer)
    assert "converted from GCJ-02 (Amap/Tencent) to WGS-84" in " ".join(lonlat.notes)


def test_a_chosen_crs_other_than_the_declared_one_is_noted(tmp_path: Path) -> None:
    data = _gpkg(tmp_path, s.parcels_gk().set_crs("EPSG:4544", allow_override=True))
    result = read_upload(data, "layer.gpkg", crs="EPSG:4543", allow_outside_region=True)
    assert isinstance(result, LoadedLayer)
    assert result.source.crs_source == "chosen by the user"
    assert any("declares EPSG:4544; read as EPSG:4543" in n for n in result.notes)


def test_only_empty_geometries_are_refused(tmp_path: Path) -> None:
    empty = gpd.GeoDataFrame({"id": [1, 2]}, geometry=[None, None], crs=4326)
    with pytest.raises(InputFileError, match="every one of the 2 feature"):
        read_upload(_gpkg(tmp_path, empty), "layer.gpkg")


def test_an_empty_geometry_among_others_is_read_without_a_warning(tmp_path: Path) -> None:
    # pytest turns warnings into errors: GeoPandas warns when notna() meets an empty shape.
    frame = s.parcels_lonlat()
    frame.loc[len(frame)] = ["0014", "空", 1.0, Polygon()]
    result = read_upload(_gpkg(tmp_path, frame), "layer.gpkg")
    assert isinstance(result, LoadedLayer)
    assert len(result.frame) == 3
