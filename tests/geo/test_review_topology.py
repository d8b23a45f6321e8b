"""Topology checks on a hand-built layer: one finding of each kind, areas from Geod."""

from __future__ import annotations

import geopandas as gpd
import pytest
import shapely

from geo.review.topology import FINDING_KINDS, check_topology, topology_summary
from tests.geo.geod_reference import geod_area_m2, gk_polygon


def box(x0: float, y0: float, x1: float, y1: float) -> shapely.Polygon:
    return gk_polygon([(x0, y0), (x1, y0), (x1, y1), (x0, y1)])


def layer() -> gpd.GeoDataFrame:
    bow_tie = gk_polygon([(3000, 0), (3100, 100), (3100, 0), (3000, 100)])
    geoms = [
        box(0, 0, 100, 100),  # a
        box(100.5, 0, 200, 100),  # b: 0.5 m gap to a
        box(150, 0, 250, 100),  # c: overlaps b by 50 m x 100 m
        box(150, 0, 250, 100),  # d: duplicate of c
        bow_tie,  # e: invalid
        box(500, 0, 600, 0.4),  # f: sliver 0.4 m wide
        None,  # g: no geometry
        box(1000, 0, 1100, 100),  # h: clean, far away
    ]
    ids = list("abcdefgh")
    return gpd.GeoDataFrame({"id": ids}, geometry=geoms, crs="EPSG:4326")


def test_each_kind_is_found_once_with_its_area() -> None:
    findings = check_topology(layer())
    by_kind = {k: findings[findings["kind"] == k] for k in FINDING_KINDS}
    assert {k: len(v) for k, v in by_kind.items()} == {
        "invalid": 1,
        "empty": 1,
        "duplicate": 1,
        "overlap": 1,
        "gap": 1,
        "sliver": 1,
    }
    overlap = by_kind["overlap"].iloc[0]
    assert (overlap["feature"], overlap["other"]) == ("b", "c")  # not the duplicate d
    assert overlap["area_m2"] == pytest.approx(geod_area_m2(box(150, 0, 200, 100)), rel=1e-6)
    dup = by_kind["duplicate"].iloc[0]
    assert (dup["feature"], dup["other"]) == ("d", "c")
    gap = by_kind["gap"].iloc[0]
    assert gap["area_m2"] == pytest.approx(geod_area_m2(box(100, 0, 100.5, 100)), rel=1e-3)
    assert gap["width_m"] == pytest.approx(2 * 50 / 201, rel=1e-3)  # 2A/P of 0.5 m x 100 m
    assert {gap["feature"], *gap["other"].split(", ")} >= {"a", "b"}
    sliver = by_kind["sliver"].iloc[0]
    assert sliver["feature"] == "f"
    assert sliver["area_m2"] == pytest.approx(geod_area_m2(box(500, 0, 600, 0.4)), rel=1e-4)
    invalid = by_kind["invalid"].iloc[0]
    assert invalid["feature"] == "e" and "Self-intersection" in invalid["detail"]
    # make_valid turns the bow-tie into two triangles of 2,500 m² each; its naive area is 0
    assert invalid["area_m2"] == pytest.approx(geod_area_m2(box(3000, 0, 3100, 100)) / 2, rel=1e-3)
    assert by_kind["empty"].iloc[0]["feature"] == "g"
    located = findings[findings["kind"] != "empty"]
    assert located["lon"].between(102.8, 102.9).all() and located["lat"].between(24.8, 24.9).all()


def test_wider_gaps_and_a_clean_layer_give_nothing() -> None:
    clean = gpd.GeoDataFrame(
        {"id": ["a", "b"]}, geometry=[box(0, 0, 100, 100), box(105, 0, 200, 100)], crs="EPSG:4326"
    )
    assert check_topology(clean, gap_width_m=1.0).empty
    assert len(check_topology(clean, gap_width_m=10.0)) == 1  # a 5 m gap below 10 m


def test_the_summary_lists_every_kind() -> None:
    summary = topology_summary(check_topology(layer()))
    assert list(summary["kind"]) == list(FINDING_KINDS)
    assert summary["count"].sum() == 6
    assert summary["label_zh"].str.len().gt(0).all()


def test_the_input_is_not_modified() -> None:
    original = layer()
    before = original.copy()
    check_topology(original)
    assert original.equals(before)
