"""Repair and reporting of awkward geometries."""

from __future__ import annotations

import geopandas as gpd
import pytest
import shapely

from geo.area import ellipsoidal_area_m2
from geo.validate import repair_geometries
from tests.conftest import gk_boxes

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
    square = ellipsoidal_area_m2(gpd.GeoSeries([shapely.box(LON, LAT, LON + d, LAT + d)], crs=4326))
    assert repair.area_before_m2 == pytest.approx(0, abs=1.0)
    assert repair.area_after_m2 == pytest.approx(square.iloc[0] / 2, rel=1e-3)
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
