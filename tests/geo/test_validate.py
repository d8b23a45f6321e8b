"""Repair and reporting of awkward geometries."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from typing import Any

import geopandas as gpd
import pytest
import shapely
from pyproj import Geod

from geo.measure.validate import Repair, ValidationReport, repair_geometries
from tests.conftest import gk_boxes
from tests.geo.geod_reference import geod_area_m2

LON, LAT = 102.82, 24.88


def test_bow_tie_is_repaired_and_the_area_change_reported() -> None:
    d = 0.01
    bow = shapely.Polygon([(LON, LAT), (LON + d, LAT + d), (LON + d, LAT), (LON, LAT + d)])
    layer = gpd.GeoDataFrame({"id": ["bow"]}, geometry=[bow], crs="EPSG:4326")
    fixed, report = repair_geometries(layer)
    assert fixed.geometry.iloc[0].is_valid
    assert fixed.geometry.iloc[0].geom_type == "MultiPolygon"
    (repair,) = report.repairs
    assert "Self-intersection" in repair.problem
    # The shoelace area of a symmetric bow-tie cancels to zero; the two triangles are
    # each a quarter of the d x d square.
    square_m2 = geod_area_m2(shapely.box(LON, LAT, LON + d, LAT + d))  # Geod, directly
    assert repair.area_before_m2 == pytest.approx(0, abs=1.0)
    assert repair.area_after_m2 == pytest.approx(square_m2 / 2, rel=1e-3)
    assert "make_valid" in report.messages()[0]
    assert layer.geometry.iloc[0].equals(bow), "the input must not be modified"


def test_empty_missing_points_z_and_duplicates_are_all_reported() -> None:
    square = gk_boxes((0, 0, 100, 100)).geometry.iloc[0]
    layer = gpd.GeoDataFrame(
        {"id": ["a", "a", "c", "d", "e"]},
        geometry=[
            square,
            None,
            shapely.Polygon(),
            shapely.Point(LON, LAT),
            shapely.force_3d(square),
        ],
        crs="EPSG:4326",
    )
    fixed, report = repair_geometries(layer, id_column="id")
    assert len(fixed) == len(layer), "nothing is silently dropped"
    assert report.missing == (1,)
    assert report.empty == (2,)
    assert report.non_areal == (3,)
    assert report.z_dropped == (4,)
    assert report.duplicated_ids == ("a",)
    assert not shapely.has_z(fixed.geometry.iloc[4])
    assert not report.ok
    assert len(report.messages()) == 5


def test_valid_layer_passes_untouched() -> None:
    layer = gk_boxes((0, 0, 100, 100), (200, 0, 300, 100))
    fixed, report = repair_geometries(layer)
    assert report.ok
    assert report.messages() == []
    assert fixed.geometry.equals(layer.geometry)


# --------------------------------------------------------------------------------------
# The signed area change of a repair, against areas computed independently.
# --------------------------------------------------------------------------------------

# The CGCS2000 ellipsoid, given by its defining constants (not through geo.measure.area).
GEOD = Geod(a=6378137.0, rf=298.257222101)
D = 0.001  # one unit of the hand-drawn shapes below: 0.001° (about 100 m by 111 m)


def _ll(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Hand-drawn unit coordinates to longitude/latitude near Chenggong."""
    return [(LON + x * D, LAT + y * D) for x, y in points]


def _ring_signed_m2(points: list[tuple[float, float]]) -> float:
    """Geod's signed area of a ring (anticlockwise positive), i.e. the naive shoelace
    sum on the ellipsoid: lobes that run the other way count negative, a region the
    ring goes round twice counts twice."""
    lons, lats = zip(*_ll(points), strict=True)
    area, _perimeter = GEOD.polygon_area_perimeter(lons, lats)
    return float(area)


def _valid_m2(
    *polygons: list[tuple[float, float]], holes: Sequence[list[tuple[float, float]]] = ()
) -> float:
    """Geod area of valid, non-overlapping hand-built rings minus hole rings."""
    return sum(abs(_ring_signed_m2(p)) for p in polygons) - sum(
        abs(_ring_signed_m2(h)) for h in holes
    )


SQUARE = [(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0)]

# Each case: the invalid geometry, its "before" area (what a shoelace formula gives for
# the invalid rings) and its "after" area (the valid shape make_valid must produce),
# both computed here with Geod from hand-built rings.
REPAIR_CASES = {
    # Bow-tie with unequal lobes: edge (0,0)-(3,3) crosses edge (3,0)-(0,1) where
    # y = x = 1 - x/3, at (0.75, 0.75). The lobe (0.75,0.75),(3,3),(3,0) (3.375 units)
    # runs clockwise, the lobe (0.75,0.75),(0,1),(0,0) (0.375 units) anticlockwise, so
    # the shoelace gives |0.375 - 3.375| = 3 units and the repair 3.75: the area grows.
    "unequal bow-tie": (
        shapely.Polygon(_ll([(0, 0), (3, 3), (3, 0), (0, 1)])),
        abs(_ring_signed_m2([(0, 0), (3, 3), (3, 0), (0, 1)])),
        _valid_m2([(0, 0), (0.75, 0.75), (0, 1)], [(0.75, 0.75), (3, 3), (3, 0)]),
    ),
    # A ring that goes round the unit square twice: the shoelace counts it twice, the
    # repair keeps the square once. The area shrinks by one square.
    "ring traced twice": (
        shapely.Polygon(_ll(SQUARE + SQUARE)),
        2 * abs(_ring_signed_m2(SQUARE)),
        _valid_m2(SQUARE),
    ),
    # The same polygon twice in one MultiPolygon: parts are summed before, merged after.
    "duplicated part": (
        shapely.MultiPolygon([shapely.Polygon(_ll(SQUARE))] * 2),
        2 * abs(_ring_signed_m2(SQUARE)),
        _valid_m2(SQUARE),
    ),
    # A 2 x 2 hole that sticks out of a 4 x 4 shell: the naive area subtracts all of
    # it (16 - 4); the repair subtracts only the half inside the shell (16 - 2).
    "hole crossing the shell": (
        shapely.Polygon(
            _ll([(0, 0), (4, 0), (4, 4), (0, 4)]), [_ll([(3, 1), (5, 1), (5, 3), (3, 3)])]
        ),
        _valid_m2([(0, 0), (4, 0), (4, 4), (0, 4)], holes=([(3, 1), (5, 1), (5, 3), (3, 3)],)),
        _valid_m2([(0, 0), (4, 0), (4, 4), (0, 4)], holes=([(3, 1), (4, 1), (4, 3), (3, 3)],)),
    ),
}


@pytest.mark.parametrize("case", sorted(REPAIR_CASES))
def test_repair_reports_the_signed_area_change(case: str) -> None:
    geom, before_m2, after_m2 = REPAIR_CASES[case]
    assert not geom.is_valid
    layer = gpd.GeoDataFrame({"id": [case]}, geometry=[geom], crs="EPSG:4326")
    _fixed, report = repair_geometries(layer)
    (repair,) = report.repairs
    # The engine measures in a Lambert equal-area projection with straight edges, Geod
    # along geodesics: on shapes of a few hundred metres the two agree to ~1e-8, so
    # rel=1e-6 is loose for the method and far tighter than any sign or term error.
    assert repair.area_before_m2 == pytest.approx(before_m2, rel=1e-6)
    assert repair.area_after_m2 == pytest.approx(after_m2, rel=1e-6)
    expected_change = after_m2 - before_m2
    assert abs(expected_change) > 0.1 * min(before_m2, after_m2), "each case changes the area"
    assert repair.area_change_m2 == pytest.approx(expected_change, rel=1e-5)
    # The message prints the same signed figure (one decimal, with its sign).
    printed = re.search(r"area changed by ([+-][\d,]+\.\d) m²", report.messages()[0])
    assert printed is not None, report.messages()[0]
    assert float(printed.group(1).replace(",", "")) == pytest.approx(expected_change, abs=0.2)


def test_growing_and_shrinking_repairs_have_opposite_signs() -> None:
    grows = REPAIR_CASES["unequal bow-tie"][0]
    shrinks = REPAIR_CASES["ring traced twice"][0]
    layer = gpd.GeoDataFrame({"id": ["g", "s"]}, geometry=[grows, shrinks], crs="EPSG:4326")
    _fixed, report = repair_geometries(layer)
    changes = {r.index: r.area_change_m2 for r in report.repairs}
    assert changes[0] > 0 > changes[1]
    assert "area changed by +" in report.messages()[0]
    assert "area changed by -" in report.messages()[1]


# --------------------------------------------------------------------------------------
# ok means: nothing was repaired, dropped or found missing.
# --------------------------------------------------------------------------------------


def test_a_report_with_only_a_repair_is_not_ok() -> None:
    layer = gpd.GeoDataFrame(
        {"id": ["bow"]}, geometry=[REPAIR_CASES["unequal bow-tie"][0]], crs="EPSG:4326"
    )
    _fixed, report = repair_geometries(layer)
    assert report.repairs and not (report.empty or report.missing or report.z_dropped)
    assert report.ok is False


@pytest.mark.parametrize("finding", ["repairs", "empty", "missing", "z_dropped"])
def test_each_kind_of_change_alone_makes_the_report_not_ok(finding: str) -> None:
    repair = Repair(index=0, problem="Self-intersection", area_before_m2=1.0, area_after_m2=2.0)
    value: tuple[Any, ...] = (repair,) if finding == "repairs" else (0,)
    assert ValidationReport().ok is True
    assert dataclasses.replace(ValidationReport(), **{finding: value}).ok is False


def test_findings_name_index_labels_and_leave_the_input_as_it_was() -> None:
    # A labelled index (not positions), one bow-tie among valid squares, one 3-D square:
    # only the bow-tie is repaired, only the 3-D one flattened, each named by its label;
    # the valid ones come back as they were and the input keeps its own geometries.
    d = 0.01
    bow = shapely.Polygon([(LON, LAT), (LON + d, LAT + d), (LON + d, LAT), (LON, LAT + d)])
    square = shapely.box(LON, LAT, LON + d, LAT + d)
    high = shapely.force_3d(shapely.box(LON + 2 * d, LAT, LON + 3 * d, LAT + d), 1800.0)
    layer = gpd.GeoDataFrame(
        {"name": ["a", "b", "c", "d"]},
        geometry=[square, bow, high, square],
        index=["P-7", "P-3", "P-9", "P-1"],
        crs="EPSG:4326",
    )
    fixed, report = repair_geometries(layer)
    assert [r.index for r in report.repairs] == ["P-3"]
    assert report.z_dropped == ("P-9",)
    assert (report.missing, report.empty, report.non_areal) == ((), (), ())
    assert list(fixed.index) == ["P-7", "P-3", "P-9", "P-1"]
    assert fixed.geometry.is_valid.all() and not fixed.geometry.has_z.any()
    assert fixed.geometry.loc["P-7"].equals_exact(square, tolerance=0)
    assert fixed.geometry.loc["P-9"].equals_exact(shapely.force_2d(high), tolerance=0)
    # Two triangles, each a quarter of the square (Geod directly, not geo.measure.area).
    (repair,) = report.repairs
    assert repair.area_after_m2 == pytest.approx(geod_area_m2(square) / 2, rel=1e-3)
    assert layer.geometry.loc["P-3"].equals_exact(bow, tolerance=0), "input modified"
    assert layer.geometry.loc["P-9"].has_z, "input modified"
    assert layer.geometry.iloc[1] is bow
