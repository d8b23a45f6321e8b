"""Fast reprojection: the same figures as GeoSeries.to_crs followed by shapely."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely
from pyproj import CRS

from geo.measure.crs import EQUAL_AREA, GK_CM102
from geo.measure.projection import ProjectedCoordinates, project_geometries, transformer
from tests.conftest import gk_boxes

WGS84 = CRS("EPSG:4326")


def _catalogue() -> np.ndarray:
    """Awkward geometries in EPSG:4326: simple, reversed, holed, multipart, collection,
    point, line, empty, missing."""
    outer = gk_boxes((0, 0, 1000, 1000)).geometry.iloc[0]
    inner = gk_boxes((250, 250, 750, 750)).geometry.iloc[0]
    far = gk_boxes((5000, 0, 6000, 800)).geometry.iloc[0]
    return np.array(
        [
            outer,
            shapely.Polygon(list(outer.exterior.coords)[::-1]),
            shapely.Polygon(outer.exterior, [inner.exterior]),
            shapely.MultiPolygon([outer, far]),
            shapely.GeometryCollection([far, shapely.Point(102.8, 24.9)]),
            shapely.Point(102.8, 24.9),
            shapely.LineString([(102.8, 24.9), (102.81, 24.9)]),
            shapely.Polygon(),
            None,
        ],
        dtype=object,
    )


def test_areas_match_to_crs_then_shapely() -> None:
    geoms = _catalogue()
    got = ProjectedCoordinates(geoms, source=WGS84, target=EQUAL_AREA).areas()
    expected = gpd.GeoSeries(geoms, crs=WGS84).to_crs(EQUAL_AREA).area.fillna(0.0).to_numpy()
    assert got == pytest.approx(expected, rel=1e-12, abs=1e-9)
    assert got[0] > 0 and got[1] == pytest.approx(got[0], rel=1e-12)  # orientation-free
    assert got[2] == pytest.approx(0.75 * got[0], rel=1e-3)  # the hole is a quarter
    assert list(got[5:]) == [0.0, 0.0, 0.0, 0.0]


def test_area_of_a_subset_keeps_the_order_asked_for() -> None:
    geoms = _catalogue()
    coords = ProjectedCoordinates(geoms, source=WGS84, target=EQUAL_AREA)
    every = coords.areas()
    assert coords.areas(np.array([3, 0, 2])) == pytest.approx(every[[3, 0, 2]], rel=1e-15)


def test_gauss_kruger_square_is_exact_in_its_own_plane() -> None:
    square = np.asarray(gk_boxes((0, 0, 1000, 1000)).geometry.array, dtype=object)
    area = ProjectedCoordinates(square, source=WGS84, target=CRS(GK_CM102)).areas()[0]
    assert area == pytest.approx(1_000_000.0, rel=1e-9)


def test_bounds_and_rebuilt_geometries_match_to_crs() -> None:
    geoms = _catalogue()
    coords = ProjectedCoordinates(geoms, source=WGS84, target=EQUAL_AREA)
    reference = gpd.GeoSeries(geoms, crs=WGS84).to_crs(EQUAL_AREA)
    boxes = coords.bounds()
    present = ~(reference.is_empty | reference.isna()).to_numpy()
    assert np.allclose(boxes[present], reference.bounds.to_numpy()[present], rtol=0, atol=1e-6)
    assert np.isnan(boxes[~present]).all()
    positions = np.array([4, 0, 2, 3])
    rebuilt = coords.geometries(positions)
    expected = reference.array[positions]
    assert shapely.equals_exact(rebuilt, expected, tolerance=1e-6).all()


def test_z_is_dropped_and_input_is_not_modified() -> None:
    ring = [(102.8, 24.9, 5.0), (102.81, 24.9, 5.0), (102.81, 24.91, 5.0), (102.8, 24.9, 5.0)]
    geoms = np.array([shapely.Polygon(ring)], dtype=object)
    out = project_geometries(geoms, source=WGS84, target=EQUAL_AREA)
    assert not shapely.has_z(out[0])
    assert shapely.has_z(geoms[0])  # the caller's geometry is untouched
    assert shapely.get_coordinates(geoms[0])[0, 0] == 102.8


def test_same_crs_is_a_no_op_and_transformers_are_cached() -> None:
    geoms = np.asarray(gk_boxes((0, 0, 10, 10)).geometry.array, dtype=object)
    same = project_geometries(geoms, source=WGS84, target=WGS84)
    assert shapely.equals_exact(same, geoms, tolerance=0).all()
    assert transformer(WGS84, EQUAL_AREA) is transformer(WGS84, EQUAL_AREA)
