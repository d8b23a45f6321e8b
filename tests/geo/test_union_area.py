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
from geo.measure.overlap import _must_unite, union_area_m2
from tests.conftest import X0, Y0, gk_boxes

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


# Layers where overlaps hide from a check that looks only at each polygon and its
# neighbours, and clean layers that must stay cheap (nothing unioned). Shapes are given in
# metres relative to (X0, Y0) in EPSG:4543; shared vertices are transformed identically.


def _gk(*shapes: shapely.Geometry) -> gpd.GeoDataFrame:
    """Shapes in EPSG:4543 metres relative to (X0, Y0), as a layer in EPSG:4326."""
    moved = shapely.transform(np.array(shapes, dtype=object), lambda xy: xy + np.array([X0, Y0]))
    return gpd.GeoDataFrame(geometry=moved, crs="EPSG:4543").to_crs("EPSG:4326")


def _cells(x0: int, y0: int, nx: int, ny: int, side: int = 100) -> list[shapely.Polygon]:
    """A clean tiling: nx x ny squares of ``side`` metres from (x0, y0)."""
    return [
        shapely.box(x0 + side * i, y0 + side * j, x0 + side * (i + 1), y0 + side * (j + 1))
        for i in range(nx)
        for j in range(ny)
    ]


def _geod_sum_m2(frame: gpd.GeoDataFrame) -> float:
    """Sum of each feature's geodesic area (what a layer without overlaps covers)."""
    oriented = shapely.orient_polygons(np.asarray(frame.geometry.array))
    return float(sum(abs(CGCS2000.geometry_area_perimeter(g)[0]) for g in oriented))


def _nothing_unioned(frame: gpd.GeoDataFrame) -> bool:
    return not _must_unite(np.asarray(frame.geometry.array)).any()


def test_a_tiling_inside_a_polygon_whose_edges_all_match() -> None:
    """S (the centre of a 3 x 3 grid of 1 km squares) has every edge matched by its
    neighbours; inside it lies a clean 8 x 8 tiling of 100 m cells. The cells deep in that
    tiling touch no polygon with a loose edge, yet S covers them: counted once."""
    grid = _cells(-1000, -1000, 3, 3, side=1000)  # S is grid[4] = (0, 0, 1000, 1000)
    frame = _gk(*grid, *_cells(100, 100, 8, 8))
    assert _km2(union_area_m2(frame)) == pytest.approx(9.0, rel=1e-3)
    assert union_area_m2(frame) == pytest.approx(_geod_union_m2(frame), rel=1e-7)


def test_two_clean_tilings_laid_over_each_other() -> None:
    """Every edge of each 5 x 5 tiling is matched within it; the second is moved 50 m
    east and north. Union of two 500 m squares offset by (50, 50): 2 x 0.25 - 0.45²."""
    frame = _gk(*_cells(0, 0, 5, 5), *_cells(50, 50, 5, 5))
    assert _km2(union_area_m2(frame)) == pytest.approx(0.5 - 0.45**2, rel=1e-3)
    assert union_area_m2(frame) == pytest.approx(_geod_union_m2(frame), rel=1e-7)


def test_a_hole_filled_by_another_polygon_adds_up() -> None:
    ring = shapely.box(0, 0, 1000, 1000).difference(shapely.box(250, 250, 750, 750))
    frame = _gk(ring, shapely.box(250, 250, 750, 750))
    assert _km2(union_area_m2(frame)) == pytest.approx(1.0, rel=1e-3)
    assert union_area_m2(frame) == pytest.approx(_geod_sum_m2(frame), rel=1e-7)
    assert _nothing_unioned(frame)


def test_a_hole_filled_by_a_larger_polygon_is_counted_once() -> None:
    ring = shapely.box(0, 0, 1000, 1000).difference(shapely.box(250, 250, 750, 750))
    frame = _gk(ring, shapely.box(200, 200, 800, 800))
    assert _km2(union_area_m2(frame)) == pytest.approx(1.0, rel=1e-3)
    assert union_area_m2(frame) == pytest.approx(_geod_union_m2(frame), rel=1e-7)


def test_a_multipolygon_whose_parts_tile_with_others() -> None:
    parts = shapely.MultiPolygon([shapely.box(0, 0, 100, 100), shapely.box(200, 0, 300, 100)])
    frame = _gk(parts, shapely.box(100, 0, 200, 100), *_cells(0, 100, 3, 1))
    assert _km2(union_area_m2(frame)) == pytest.approx(0.06, rel=1e-3)
    assert union_area_m2(frame) == pytest.approx(_geod_sum_m2(frame), rel=1e-7)
    assert _nothing_unioned(frame)
    # One part of it overlapped by half by another square: 0.35 x 0.1 km in all.
    frame = _gk(parts, shapely.box(100, 0, 200, 100), shapely.box(250, 0, 350, 100))
    assert _km2(union_area_m2(frame)) == pytest.approx(0.035, rel=1e-3)
    assert union_area_m2(frame) == pytest.approx(_geod_union_m2(frame), rel=1e-7)


def test_a_ring_with_a_repeated_vertex_still_matches_its_neighbour() -> None:
    repeated = shapely.Polygon([(0, 0), (100, 0), (100, 0), (100, 100), (0, 100), (0, 0)])
    frame = _gk(repeated, shapely.box(100, 0, 200, 100), shapely.box(0, 100, 100, 200))
    assert _km2(union_area_m2(frame)) == pytest.approx(0.03, rel=1e-3)
    assert union_area_m2(frame) == pytest.approx(_geod_sum_m2(frame), rel=1e-7)
    assert _nothing_unioned(frame)


# A C-shaped polygon whose first three vertices' centre lies in its notch, as a part of a
# multipolygon after an empty part and a square; the notch filled by another polygon.
_C_RING = [(300, 100), (100, 100), (100, 200), (300, 200), (300, 300), (0, 300), (0, 0), (300, 0)]


def test_a_concave_part_is_tried_with_a_point_on_its_surface() -> None:
    c_shape = shapely.Polygon(_C_RING)
    parts = shapely.multipolygons([shapely.Polygon(), shapely.box(1000, 0, 1100, 100), c_shape])
    frame = _gk(parts, shapely.box(100, 100, 300, 200))
    assert _km2(union_area_m2(frame)) == pytest.approx(0.01 + 0.07 + 0.02, rel=1e-3)
    assert union_area_m2(frame) == pytest.approx(_geod_sum_m2(frame), rel=1e-7)
    assert _nothing_unioned(frame)
    # A rectangle across the notch's mouth, over 100 x 50 m of the C's lower arm.
    frame = _gk(parts, shapely.box(200, 50, 400, 200))
    assert _km2(union_area_m2(frame)) == pytest.approx(0.01 + 0.07 + 0.03 - 0.005, rel=1e-3)
    assert union_area_m2(frame) == pytest.approx(_geod_union_m2(frame), rel=1e-7)


@pytest.mark.parametrize(
    "shapes",
    [
        _cells(0, 0, 6, 4),  # a clean tiling: its outline polygons have loose edges
        _cells(0, 0, 5, 5) + _cells(700, 0, 5, 5),  # two blocks with a street between
        [shapely.box(40 * i, 40 * j, 40 * i + 20, 40 * j + 20) for i in range(6) for j in range(5)],
        _cells(0, 0, 2, 2) + _cells(200, 200, 2, 2),  # two tilings touching at a corner
    ],
    ids=["tiling", "blocks", "disjoint-buildings", "corner"],
)
def test_layers_without_overlaps_add_their_areas(shapes: list[shapely.Polygon]) -> None:
    frame = _gk(*shapes)
    expected_m2 = float(sum(shape.area for shape in shapes))  # EPSG:4543, 0.017 % larger
    assert union_area_m2(frame) == pytest.approx(expected_m2, rel=1e-3)
    assert union_area_m2(frame) == pytest.approx(_geod_union_m2(frame), rel=1e-7)
    assert _nothing_unioned(frame)


_BLOCK = st.tuples(
    st.sampled_from(["tiling", "shifted", "nested", "box"]),
    st.integers(0, 6),  # where (100 m steps)
    st.integers(0, 6),
    st.integers(1, 4),  # cells per side
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_BLOCK, min_size=1, max_size=6))
def test_mixed_layers_same_as_one_union(blocks: list[tuple[str, int, int, int]]) -> None:
    """Tilings (edges matched), tilings with a copy moved 30 m, a tiling inside a square
    whose edges a surrounding ring of squares matches, and lone squares, overlapping at
    random."""
    shapes: list[shapely.Geometry] = []
    for kind, i, j, n in blocks:
        x, y = 100 * i, 100 * j
        shapes += _cells(x, y, n, n)
        if kind == "shifted":
            shapes += _cells(x + 30, y + 30, n, n)
        elif kind == "nested":  # the centre of a 3 x 3 ring around the tiling
            shapes += _cells(x - 100 * (n + 2), y - 100 * (n + 2), 3, 3, side=100 * (n + 4))
        elif kind == "box":
            shapes = [*shapes[: len(shapes) - n * n], shapely.box(x, y, x + 100 * n, y + 50 * n)]
    frame = _gk(*shapes)
    plain = shapely.area(shapely.union_all(np.asarray(frame.to_crs(EQUAL_AREA).geometry.array)))
    assert union_area_m2(frame) == pytest.approx(float(plain), rel=1e-9)


@pytest.mark.parametrize("inside", [True, False], ids=["overlapping", "beside"])
def test_a_detailed_shape_among_parcels(inside: bool) -> None:
    """A 400-vertex disc over (or beside) a tiling: it is united without testing each loose
    edge against its 400 vertices (the plan's 3,000-vertex zones made those tests take
    minutes), and the figure is still one union's."""
    disc = shapely.Point(450 if inside else 2600, 450).buffer(300, quad_segs=100)
    frame = _gk(*_cells(0, 0, 10, 10), disc)
    expected = _geod_union_m2(frame)
    assert union_area_m2(frame) == pytest.approx(expected, rel=1e-7)
    disc_m2, tiles_m2 = _geod_sum_m2(frame.iloc[[-1]]), _geod_sum_m2(frame.iloc[:-1])
    if inside:  # the disc lies wholly inside the 1 km square: it adds nothing
        assert union_area_m2(frame) == pytest.approx(tiles_m2, rel=1e-7)
    else:
        assert union_area_m2(frame) == pytest.approx(tiles_m2 + disc_m2, rel=1e-7)
