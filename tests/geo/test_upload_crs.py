"""Coordinates of uploads: CRS candidates by magnitude, swapped axes, far away, GCJ-02."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from pyproj import Transformer

from geo.errors import CRSError
from geo.measure.area import ellipsoidal_area_m2
from geo.measure.gcj02 import gcj02_to_bd09, wgs84_to_gcj02
from geo.upload import LoadedLayer, NeedsCRS, crs_candidates, default_settings, read_upload
from tests.conftest import LAT0, LON0
from tests.geo import upload_samples as s

REGION = default_settings().region


def _projected_square(epsg: int, *, swap: bool = False) -> bytes:
    """A CSV with one 100 m x 100 m square at Chenggong in ``epsg`` metres, no CRS."""
    x, y = Transformer.from_crs(4326, epsg, always_xy=True).transform(LON0, LAT0)
    square = shapely.box(x, y, x + 100, y + 100)
    if swap:
        square = shapely.transform(square, lambda c: c[:, ::-1])
    return f'name,wkt\nsq,"{square.wkt}"\n'.encode()


@pytest.mark.parametrize(
    ("epsg", "swap", "expected"),
    [
        (4543, False, ("EPSG:4543", False)),  # x ~ 583 000: 500 000 false easting, CM 102
        (4522, False, ("EPSG:4522", False)),  # x ~ 34 583 000: zone number in front
        (32648, False, ("EPSG:32648", False)),  # x ~ 285 000: UTM 48N, CM 105
        (4543, True, ("EPSG:4543", True)),  # Chinese survey order: X = northing
    ],
)
def test_projected_magnitudes_rank_the_right_crs_first(
    epsg: int, swap: bool, expected: tuple[str, bool]
) -> None:
    result = read_upload(_projected_square(epsg, swap=swap), "sq.csv")
    assert isinstance(result, NeedsCRS)
    best = result.candidates[0]
    assert (best.crs, best.swap_xy) == expected
    assert best.inside_region
    assert best.distance_km < 10
    assert best.describe() in result.message
    # Confirming the candidate gives the hand-known area (100 m x 100 m, within 0.1 %).
    loaded = read_upload(
        _projected_square(epsg, swap=swap), "sq.csv", crs=best.crs, swap_xy=best.swap_xy
    )
    assert isinstance(loaded, LoadedLayer)
    assert ellipsoidal_area_m2(loaded.frame).iloc[0] == pytest.approx(10_000, rel=1e-3)


def test_lonlat_magnitudes_propose_wgs84_first() -> None:
    data = s.csv_lonlat_bytes([(LON0, LAT0), (LON0 + 0.05, LAT0 + 0.05)])
    result = read_upload(data, "p.csv")
    assert isinstance(result, NeedsCRS)
    assert (result.candidates[0].crs, result.candidates[0].swap_xy) == ("EPSG:4326", False)


def test_swapped_lonlat_candidate_when_crs_unknown() -> None:
    data = s.csv_lonlat_bytes([(LAT0, LON0)], header=("x", "y"))
    result = read_upload(data, "p.csv")
    assert isinstance(result, NeedsCRS)
    assert (result.candidates[0].crs, result.candidates[0].swap_xy) == ("EPSG:4326", True)


def test_magnitudes_that_fit_nothing_give_no_candidates() -> None:
    frame = gpd.GeoDataFrame(geometry=[shapely.Point(9e9, 9e9)])
    assert crs_candidates(frame, region=REGION) == ()
    result = read_upload(b"x,y\n9e9,9e9\n", "far.csv")
    assert isinstance(result, NeedsCRS)
    assert "give its EPSG code" in result.message


def test_swapped_lat_lon_is_caught() -> None:
    data = s.csv_lonlat_bytes([(24.88, 102.82), (24.89, 102.83)], header=("lon", "lat"))
    with pytest.raises(CRSError, match="latitude and longitude look swapped") as info:
        read_upload(data, "swapped.csv", crs="EPSG:4326")
    assert "(102.8250 E, 24.8850 N)" in str(info.value)
    fixed = read_upload(data, "swapped.csv", crs="EPSG:4326", swap_xy=True)
    assert isinstance(fixed, LoadedLayer)
    assert (fixed.frame.geometry.iloc[0].x, fixed.frame.geometry.iloc[0].y) == (102.82, 24.88)


def test_data_far_outside_yunnan_is_caught() -> None:
    beijing = s.csv_lonlat_bytes([(116.397, 39.909)])
    with pytest.raises(CRSError, match="far outside Yunnan Province") as info:
        read_upload(beijing, "bj.csv", crs="EPSG:4326")
    assert "116.3970 E, 39.9090 N" in str(info.value)
    allowed = read_upload(beijing, "bj.csv", crs="EPSG:4326", allow_outside_region=True)
    assert isinstance(allowed, LoadedLayer)
    assert any("outside Yunnan Province" in m for m in allowed.messages())


def test_some_features_outside_yunnan_are_reported() -> None:
    data = s.csv_lonlat_bytes([(LON0, LAT0), (110.0, 30.0)])
    result = read_upload(data, "p.csv", crs="EPSG:4326")
    assert isinstance(result, LoadedLayer)
    assert any("1 feature(s) lie outside" in m for m in result.messages())


def test_degrees_crs_with_metre_values_is_caught(tmp_path: Path) -> None:
    parcels = s.parcels_gk().set_crs("EPSG:4326", allow_override=True)  # mislabelled
    path = tmp_path / "wrong.gpkg"
    parcels.to_file(path, engine="pyogrio")
    # The declared CRS cannot be right: the user is asked, with candidates, as for a file
    # that declares none (and a CRS they choose explicitly is still checked: below).
    result = read_upload(path.read_bytes(), "wrong.gpkg")
    assert isinstance(result, NeedsCRS)
    assert result.declared == "EPSG:4326"
    assert "projected metres, not degrees" in result.message
    assert result.candidates[0].crs == "EPSG:4543"
    with pytest.raises(CRSError, match="projected metres, not degrees: the CRS is wrong") as e:
        read_upload(path.read_bytes(), "wrong.gpkg", crs="EPSG:4326")
    assert "EPSG:4543" in str(e.value)


def test_geojson_without_crs_member_in_metres_asks(tmp_path: Path) -> None:
    data = json.loads(s.parcels_gk().to_json(drop_id=True))
    del data["crs"]  # coordinates in metres, no "crs" member: GDAL would say WGS 84
    result = read_upload(json.dumps(data).encode(), "gk.geojson")
    assert isinstance(result, NeedsCRS)
    assert result.candidates[0].crs == "EPSG:4543"


def test_overriding_a_declared_crs_is_noted(tmp_path: Path) -> None:
    data = s.shapefile_zip(tmp_path)
    result = read_upload(data, "p.zip", crs="EPSG:4543")
    assert isinstance(result, LoadedLayer)
    assert result.source.crs_source == "chosen by the user"


# Points picked on Amap (GCJ-02) and Baidu (BD-09) are moved back to WGS-84 when asked.
WGS = [(102.8603804, 24.8733628), (102.82, 24.88)]


def _offset_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    from pyproj import Geod

    return float(Geod(ellps="WGS84").inv(a[0], a[1], b[0], b[1])[2])


@pytest.mark.parametrize(("system", "tolerance_deg"), [("gcj02", 1e-8), ("bd09", 2e-6)])
def test_web_map_offsets_are_removed_when_asked(system: str, tolerance_deg: float) -> None:
    lon, lat = wgs84_to_gcj02([p[0] for p in WGS], [p[1] for p in WGS])
    if system == "bd09":
        lon, lat = gcj02_to_bd09(lon, lat)
    shifted = list(zip(lon.tolist(), lat.tolist(), strict=True))
    data = s.csv_lonlat_bytes(shifted)
    plain = read_upload(data, "amap.csv", crs="EPSG:4326")
    converted = read_upload(data, "amap.csv", crs="EPSG:4326", coordinate_system=system)  # type: ignore[arg-type]
    assert isinstance(plain, LoadedLayer) and isinstance(converted, LoadedLayer)
    got = [(p.x, p.y) for p in converted.frame.geometry]
    for (gx, gy), (wx, wy) in zip(got, WGS, strict=True):
        assert abs(gx - wx) < tolerance_deg and abs(gy - wy) < tolerance_deg
    # Unconverted, the points are off by hundreds of metres here.
    raw = [(p.x, p.y) for p in plain.frame.geometry]
    assert all(100 < _offset_m(r, w) < 1500 for r, w in zip(raw, WGS, strict=True))
    assert converted.source.coordinate_system == system
    assert any("converted from" in m for m in converted.messages())


def test_gcj_conversion_refused_for_projected_data() -> None:
    with pytest.raises(CRSError, match="GCJ-02/BD-09 offsets apply to longitude/latitude"):
        read_upload(_projected_square(4543), "sq.csv", crs="EPSG:4543", coordinate_system="gcj02")


def test_shapefile_without_prj_asks_and_says_why(tmp_path: Path) -> None:
    result = read_upload(s.shapefile_zip(tmp_path, prj=False), "noprj.zip")
    assert isinstance(result, NeedsCRS)
    assert "the zip has no .prj file" in result.message
    assert result.candidates[0].crs == "EPSG:4543"


def test_unreadable_prj_asks_and_says_why(tmp_path: Path) -> None:
    parts = s.shapefile_parts(tmp_path) | {"parcels.prj": b"NOT A CRS"}
    result = read_upload(s.zip_files(parts), "badprj.zip")
    assert isinstance(result, NeedsCRS)
    assert "the .prj file could not be understood" in result.message
