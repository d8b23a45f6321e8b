"""Areas on the CGCS2000 ellipsoid, checked against figures computed independently."""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from pyproj import Geod

from geo.errors import CRSError
from geo.measure.area import (
    M2_PER_HA,
    M2_PER_KM2,
    M2_PER_MU,
    area_table,
    convert_area,
    ellipsoidal_area_m2,
    gauss_kruger_area_m2,
)
from tests.conftest import LAT0, LON0, gk_boxes

# CGCS2000 ellipsoid, from its definition (not from the code under test).
A_M = 6_378_137.0
F = 1 / 298.257222101
E2 = F * (2 - F)
E = math.sqrt(E2)
B_M = A_M * (1 - F)


def _q(phi: float) -> float:
    s = math.sin(phi)
    return (1 - E2) * (s / (1 - E2 * s * s) - (1 / (2 * E)) * math.log((1 - E * s) / (1 + E * s)))


def quadrangle_area_m2(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Closed-form area of the ellipsoidal quadrangle bounded by two meridians and two
    parallels (authalic formula, Snyder 1987, eq. 3-12)."""
    dlam = math.radians(lon2 - lon1)
    return A_M * A_M * dlam / 2 * (_q(math.radians(lat2)) - _q(math.radians(lat1)))


def test_unit_constants_follow_their_definitions() -> None:
    assert M2_PER_KM2 == 1_000_000
    assert M2_PER_HA == 10_000
    assert pytest.approx(10_000) == M2_PER_MU * 15
    assert convert_area(1_000_000.0, unit="mu") == pytest.approx(1500.0)
    with pytest.raises(ValueError, match="unknown area unit"):
        convert_area(1.0, unit="acre")


@pytest.mark.parametrize("method", ["geod", "equal_area"])
def test_quadrangle_matches_closed_form(method: str) -> None:
    lon1, lat1, lon2, lat2 = 102.80, 24.80, 102.90, 24.90
    # Densify so the edges follow the parallels, as the closed form assumes.
    poly = shapely.segmentize(shapely.box(lon1, lat1, lon2, lat2), 0.0005)
    got = ellipsoidal_area_m2(gpd.GeoSeries([poly], crs="EPSG:4326"), method=method).iloc[0]
    assert got == pytest.approx(quadrangle_area_m2(lon1, lat1, lon2, lat2), rel=2e-6)


def test_ground_square_of_one_km_is_one_km2_by_both_methods() -> None:
    """A 1 km x 1 km square laid out on the ground with geodesic distances."""
    geod = Geod(ellps="GRS80")
    lon_e, lat_e, _ = geod.fwd(LON0, LAT0, 90, 1000)
    lon_n, lat_n, _ = geod.fwd(LON0, LAT0, 0, 1000)
    lon_ne, lat_ne, _ = geod.fwd(lon_n, lat_n, 90, 1000)
    square = shapely.Polygon([(LON0, LAT0), (lon_e, lat_e), (lon_ne, lat_ne), (lon_n, lat_n)])
    layer = gpd.GeoSeries([square], crs="EPSG:4326")
    assert ellipsoidal_area_m2(layer).iloc[0] / M2_PER_KM2 == pytest.approx(1.0, rel=1e-3)
    assert gauss_kruger_area_m2(layer).iloc[0] / M2_PER_KM2 == pytest.approx(1.0, rel=1e-3)


def test_gauss_kruger_square_is_exactly_one_km2_in_its_own_plane() -> None:
    layer = gk_boxes((0, 0, 1000, 1000))
    assert gauss_kruger_area_m2(layer).iloc[0] == pytest.approx(1_000_000, rel=1e-9)


def test_web_mercator_would_be_wrong_by_a_fifth() -> None:
    """Why areas are never measured in EPSG:3857: at 24.9°N it overstates by ~22 %."""
    layer = gk_boxes((0, 0, 1000, 1000))
    mercator = layer.to_crs("EPSG:3857").area.iloc[0]
    ellipsoidal = ellipsoidal_area_m2(layer).iloc[0]
    assert mercator / ellipsoidal == pytest.approx(1 / math.cos(math.radians(LAT0)) ** 2, rel=0.01)
    assert mercator / ellipsoidal > 1.2


def test_district_sized_polygon_methods_agree() -> None:
    district = gk_boxes((-10_000, -12_000, 12_000, 9_000))
    geod = ellipsoidal_area_m2(district, method="geod").iloc[0]
    fast = ellipsoidal_area_m2(district, method="equal_area").iloc[0]
    gk = gauss_kruger_area_m2(district).iloc[0]
    # Geod joins vertices by geodesics, the projection by straight lines: with 20 km
    # edges they differ by ~1e-6; on real boundaries (edges of metres) by ~1e-10.
    assert fast == pytest.approx(geod, rel=1e-5)
    parcel = gk_boxes((0, 0, 80, 120))
    assert ellipsoidal_area_m2(parcel, method="equal_area").iloc[0] == pytest.approx(
        ellipsoidal_area_m2(parcel, method="geod").iloc[0], rel=1e-9
    )
    assert gk == pytest.approx(geod, rel=5e-4)


def test_hole_and_multipart() -> None:
    outer = gk_boxes((0, 0, 1000, 1000)).geometry.iloc[0]
    inner = gk_boxes((250, 250, 750, 750)).geometry.iloc[0]
    far = gk_boxes((5000, 0, 6000, 1000)).geometry.iloc[0]
    with_hole = shapely.Polygon(outer.exterior, [inner.exterior])
    multi = shapely.MultiPolygon([outer, far])
    layer = gpd.GeoSeries([outer, with_hole, multi], crs="EPSG:4326")
    for method in ("geod", "equal_area"):
        a = ellipsoidal_area_m2(layer, method=method)  # type: ignore[arg-type]
        assert a.iloc[1] == pytest.approx(a.iloc[0] * 0.75, rel=1e-3)
        assert a.iloc[2] == pytest.approx(a.iloc[0] * 2, rel=1e-3)


def test_ring_orientation_does_not_change_the_area() -> None:
    poly = gk_boxes((0, 0, 1000, 1000)).geometry.iloc[0]
    reversed_poly = shapely.Polygon(list(poly.exterior.coords)[::-1])
    a = ellipsoidal_area_m2(gpd.GeoSeries([poly, reversed_poly], crs="EPSG:4326"))
    assert a.iloc[0] == pytest.approx(a.iloc[1], rel=1e-12)
    assert a.iloc[0] > 0


def test_points_lines_and_empty_have_zero_area_and_index_is_kept() -> None:
    layer = gpd.GeoSeries(
        [
            shapely.Point(LON0, LAT0),
            shapely.LineString([(LON0, LAT0), (LON0 + 0.01, LAT0)]),
            shapely.Polygon(),
        ],
        index=[10, 20, 30],
        crs="EPSG:4326",
    )
    for method in ("geod", "equal_area"):
        a = ellipsoidal_area_m2(layer, method=method)  # type: ignore[arg-type]
        assert list(a.index) == [10, 20, 30]
        assert a.tolist() == [0.0, 0.0, 0.0]


def test_projected_input_gives_the_same_area() -> None:
    layer = gk_boxes((0, 0, 1000, 1000))
    assert ellipsoidal_area_m2(layer.to_crs("EPSG:4543")).iloc[0] == pytest.approx(
        ellipsoidal_area_m2(layer).iloc[0], rel=1e-9
    )


def test_missing_crs_is_an_error() -> None:
    with pytest.raises(CRSError, match="no coordinate reference system"):
        ellipsoidal_area_m2(gpd.GeoSeries([shapely.box(0, 0, 1, 1)]))


def test_area_table_units_and_grouping() -> None:
    layer = gk_boxes((0, 0, 1000, 1000), (2000, 0, 2500, 1000), (4000, 0, 5000, 1000))
    layer["kind"] = ["park", "park", "housing"]
    table = area_table(layer)
    assert np.allclose(table["area_km2"] * M2_PER_KM2, table["area_m2"])
    assert np.allclose(table["area_mu"] * M2_PER_MU, table["area_m2"])
    assert np.allclose(table["area_ha"], table["area_km2"] * 100)
    grouped = area_table(layer, by="kind")
    assert grouped.loc["park", "feature_count"] == 2
    assert grouped.loc["park", "area_m2"] == pytest.approx(table["area_m2"].iloc[:2].sum())
    assert (grouped["gk_minus_ellipsoidal_share"].abs() < 5e-4).all()
    with pytest.raises(KeyError, match="not in the layer"):
        area_table(layer, by="nope")


@settings(max_examples=60, deadline=None)
@given(
    lon=st.floats(min_value=100.6, max_value=103.4),
    lat=st.floats(min_value=21.5, max_value=29.0),
    width_m=st.floats(min_value=50, max_value=5000),
    height_m=st.floats(min_value=50, max_value=5000),
)
def test_gauss_kruger_differs_from_ellipsoidal_by_its_scale_factor(
    lon: float, lat: float, width_m: float, height_m: float
) -> None:
    """Anywhere in the 3° zone around 102°E the GK area is the ellipsoidal area times the
    square of the projection's point scale, k ≈ 1 + (Δλ·cos φ)²/2 (Δλ in radians from the
    central meridian) — a property derived from the projection, not from the code."""
    geod = Geod(ellps="GRS80")
    lon_e, lat_e, _ = geod.fwd(lon, lat, 90, width_m)
    lon_n, lat_n, _ = geod.fwd(lon, lat, 0, height_m)
    lon_ne, lat_ne, _ = geod.fwd(lon_n, lat_n, 90, width_m)
    poly = shapely.Polygon([(lon, lat), (lon_e, lat_e), (lon_ne, lat_ne), (lon_n, lat_n)])
    layer = gpd.GeoSeries([poly], crs="EPSG:4326")
    ellipsoidal = ellipsoidal_area_m2(layer).iloc[0]
    gk = gauss_kruger_area_m2(layer).iloc[0]
    dlam = math.radians(poly.centroid.x - 102.0)
    expected_ratio = (1 + (dlam * math.cos(math.radians(poly.centroid.y))) ** 2 / 2) ** 2
    assert gk / ellipsoidal == pytest.approx(expected_ratio, abs=2e-5)
    assert ellipsoidal_area_m2(layer, method="equal_area").iloc[0] == pytest.approx(
        ellipsoidal, rel=1e-7
    )
