"""Areas enclosed by street lines, on hand-made grids (metres)."""

from __future__ import annotations

import pytest
from shapely.geometry import LineString

from geo.errors import GeometryError
from geo.plan.streets import enclosed_polygon, missing_boundary_streets, street_contact_m


def _grid() -> dict[str, LineString]:
    """A 1000 m x 500 m block; every street overshoots its crossings by 100 m."""
    return {
        "north": LineString([(-100, 500), (1100, 500)]),
        "south": LineString([(-100, 0), (1100, 0)]),
        "west": LineString([(0, -100), (0, 600)]),
        "east": LineString([(1000, -100), (1000, 600)]),
    }


def test_rectangle_enclosed_by_four_streets() -> None:
    poly = enclosed_polygon(_grid())
    assert poly.area == pytest.approx(500_000.0)
    assert poly.bounds == pytest.approx((0.0, 0.0, 1000.0, 500.0))


def test_street_through_the_block_does_not_split_the_area() -> None:
    lines = _grid() | {"middle": LineString([(500, -100), (500, 600)])}
    assert enclosed_polygon(lines).area == pytest.approx(500_000.0)


def test_one_side_named_twice_for_two_overlapping_stretches() -> None:
    # Like 春融东路 / 和谐路: two names on one line, overlapping where they meet, with
    # floating-point noise in the shared coordinates.
    lines = _grid()
    del lines["east"]
    lines["east_south"] = LineString([(1000.0000000001, -100), (1000.0, 300)])
    lines["east_north"] = LineString([(1000.0, 200), (999.9999999999, 600)])
    poly = enclosed_polygon(lines, grid_size=0.01)
    assert poly.area == pytest.approx(500_000.0, rel=1e-6)
    assert missing_boundary_streets(poly, lines) == []


def test_streets_that_do_not_meet_enclose_nothing() -> None:
    lines = _grid()
    lines["east"] = LineString([(1000, 100), (1000, 400)])  # stops short of both
    with pytest.raises(GeometryError, match="enclose no area"):
        enclosed_polygon(lines)


def test_two_separate_loops_are_rejected() -> None:
    far = {f"{k}_far": LineString([(x + 5000, y) for x, y in v.coords]) for k, v in _grid().items()}
    with pytest.raises(GeometryError, match="separate areas"):
        enclosed_polygon(_grid() | far)


def test_no_streets_is_an_error() -> None:
    with pytest.raises(GeometryError, match="no street lines"):
        enclosed_polygon({})


def test_contact_lengths() -> None:
    lines = _grid()
    poly = enclosed_polygon(lines)
    far = LineString([(0, 2000), (1000, 2000)])
    contact = street_contact_m(poly, lines | {"far": far})
    assert contact["north"] == pytest.approx(1000.0, abs=2.0)
    assert contact["west"] == pytest.approx(500.0, abs=2.0)
    assert contact["far"] == 0.0
    assert missing_boundary_streets(poly, lines | {"far": far}) == ["far"]
