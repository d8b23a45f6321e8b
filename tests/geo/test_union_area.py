"""union_area_m2: overlaps counted once, whether the layer is a clean tiling (areas add)
or not (the overlapping part is unioned). Expected figures: pyproj Geod on a union made
by shapely in longitude/latitude, or a plain union_all in the equal-area CRS."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyproj import Geod

from geo.measure.crs import EQUAL_AREA
from geo.measure.overlap import union_area_m2
from tests.conftest import gk_boxes

CGCS2000 = Geod(a=6_378_137.0, f=1 / 298.257222101)


def _geod_union_m2(frame: gpd.GeoDataFrame) -> float:
    """Geodesic area of the union made in EPSG:4326 (independent of the equal-area path)."""
    union = shapely.union_all(np.asarray(frame.geometry.array))
    return abs(CGCS2000.geometry_area_perimeter(shapely.orient_polygons(union))[0])


def _km2(m2: float) -> float:
    return m2 / 1e6


def test_a_tiling_adds_up() -> None:
    tiles = gk_boxes(*[(x, y, x + 500, y + 500) for x in (0, 500, 1000) for y in (0, 500)])
    assert _km2(union_area_m2(tiles)) == pytest.approx(1.5, rel=1e-3)  # 6 x 0.25 km²
    assert union_area_m2(tiles) == pytest.approx(_geod_union_m2(tiles), rel=1e-7)


@pytest.mark.parametrize(
    ("boxes", "km2"),
    [
        (((0, 0, 1000, 1000), (0, 0, 1000, 1000)), 1.0),  # a duplicate
        (((0, 0, 2000, 2000), (500, 500, 1000, 1000)), 4.0),  # one inside another
        (((0, 0, 2000, 2000), (0, 0, 1000, 1000)), 4.0),  # inside, sharing a corner
        (((0, 0, 1000, 1000), (500, 500, 1500, 1500)), 1.75),  # overlapping by a quarter
        (((0, 0, 1000, 2000), (1000, 0, 2000, 1000), (1000, 1000, 2000, 2000)), 4.0),  # T
        (((0, 0, 1000, 1000), (1000, 0, 2000, 1000), (1000, 0, 2000, 1000)), 2.0),
    ],
    ids=["duplicate", "contained", "contained-touching", "quarter", "t-junction", "dup-tile"],
)
def test_overlaps_counted_once(boxes: tuple[tuple[float, ...], ...], km2: float) -> None:
    frame = gk_boxes(*boxes)  # type: ignore[arg-type]
    assert _km2(union_area_m2(frame)) == pytest.approx(km2, rel=1e-3)
    assert union_area_m2(frame) == pytest.approx(_geod_union_m2(frame), rel=1e-7)


def test_an_overlap_far_away_in_a_tiling() -> None:
    """Most of the layer tiles cleanly; one pair at its far end overlaps by a quarter."""
    tiles = [(x, y, x + 100, y + 100) for x in range(0, 3000, 100) for y in range(0, 1000, 100)]
    frame = gk_boxes(*tiles, (5000, 0, 6000, 1000), (5500, 500, 6500, 1500))
    expected_km2 = 3.0 + 1.75
    assert _km2(union_area_m2(frame)) == pytest.approx(expected_km2, rel=1e-3)
    assert union_area_m2(frame) == pytest.approx(_geod_union_m2(frame), rel=1e-7)


def test_missing_empty_points_and_lines_add_nothing() -> None:
    frame = gk_boxes((0, 0, 1000, 1000), (1000, 0, 2000, 1000))
    a, b = frame.geometry.iloc[0], frame.geometry.iloc[1]
    mixed = gpd.GeoDataFrame(
        geometry=[
            a,
            b,
            None,
            shapely.Polygon(),
            a.centroid,
            shapely.LineString([a.centroid, b.centroid]),
            shapely.GeometryCollection([a]),  # a's area again, in a collection
        ],
        crs=frame.crs,
    )
    assert _km2(union_area_m2(mixed)) == pytest.approx(2.0, rel=1e-3)
    assert union_area_m2(mixed.iloc[:4]) == pytest.approx(union_area_m2(frame), rel=1e-12)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(st.integers(0, 9), st.integers(0, 9), st.integers(1, 3), st.integers(1, 3)),
        min_size=1,
        max_size=25,
    )
)
def test_same_as_one_union_in_the_equal_area_crs(cells: list[tuple[int, int, int, int]]) -> None:
    """Boxes on a 100 m grid (edges shared, overlapping, duplicated at random)."""
    frame = gk_boxes(*[(100 * x, 100 * y, 100 * (x + w), 100 * (y + h)) for x, y, w, h in cells])
    plain = shapely.area(shapely.union_all(np.asarray(frame.to_crs(EQUAL_AREA).geometry.array)))
    assert union_area_m2(frame) == pytest.approx(float(plain), rel=1e-9)
    assert union_area_m2(frame) <= float(
        pd.Series(shapely.area(frame.to_crs(EQUAL_AREA).geometry.array)).sum()
    ) * (1 + 1e-12)
