"""The zones layer as the app reads it: schema, figures, click lookup, views."""

from __future__ import annotations

import io

import geopandas as gpd
import openpyxl
import pandas as pd
import pytest

from geo.declared.registry import load_registry
from geo.measure.overlap import union_area_m2
from geo.plan.views import overlaps_between, visible_area_table, zone_neighbours
from geo.plan.zones import load_plan_layers, zone_figures, zone_problems, zones_at
from geo.tables import csv_bytes, xlsx_bytes
from tests.geo.geod_reference import geod_area_m2


@pytest.fixture(scope="module")
def zones() -> gpd.GeoDataFrame:
    return load_plan_layers(registry=load_registry())


@pytest.fixture(scope="module")
def figures(zones: gpd.GeoDataFrame) -> pd.DataFrame:
    return zone_figures(zones)


def test_schema_problems_are_found(zones: gpd.GeoDataFrame) -> None:
    assert zone_problems(zones, registry=load_registry()) == []
    broken = zones.copy()
    broken.loc[broken.index[0], "geometry_source"] = "survey"
    broken.loc[broken.index[1], "layer"] = "mystery"
    problems = zone_problems(broken, registry=load_registry())
    assert any("'survey' is not one of" in p for p in problems)
    assert any("'mystery' is not declared" in p for p in problems)
    assert zone_problems(zones.drop(columns="accuracy_m")) == ["missing property 'accuracy_m'"]


def test_figures_deviation_and_calibration(zones: gpd.GeoDataFrame, figures: pd.DataFrame) -> None:
    fin = figures.loc["fin_sci_tech_finance_centre"]
    # Expected: pyproj's Geod on the CGCS2000 ellipsoid (a, 1/f given here) applied to
    # the zone's stored outline, not through geo.measure.area.
    expected_km2 = geod_area_m2(zones.loc["fin_sci_tech_finance_centre"].geometry) / 1e6
    assert 4.0 < expected_km2 < 6.0  # the plan's "5 平方公里" district, as drawn
    assert fin["area_km2"] == pytest.approx(expected_km2)
    assert fin["deviation_share"] == pytest.approx((expected_km2 - 5.0) / 5.0)
    assert not fin["calibrated"]
    assert figures.loc["fin_enterprise_rd_cluster", "calibrated"]
    assert figures.loc["caiyun_lu_axis", "area_m2"] == 0.0  # a street line has no area


def test_click_finds_the_smallest_zone_first(zones: gpd.GeoDataFrame) -> None:
    point = zones.loc["fin_enterprise_rd_cluster"].geometry.representative_point()
    hits = zones_at(zones, lon=point.x, lat=point.y)
    assert hits[0] == "fin_enterprise_rd_cluster"
    assert "fin_sci_tech_finance_centre" in hits
    assert "ext_chenggong_admin" in hits
    assert zones_at(zones, lon=100.0, lat=20.0) == []


def test_area_table_totals(zones: gpd.GeoDataFrame, figures: pd.DataFrame) -> None:
    layers = ("finance_business", "university_industry")
    table, totals = visible_area_table(zones, figures, layer_ids=layers, unit="ha")
    assert set(table["layer"]) == set(layers)
    assert totals["sum"] == pytest.approx(table["area_ha"].sum())
    subset = zones[zones["layer"].isin(layers)]
    assert totals["union"] == pytest.approx(union_area_m2(subset) / 10_000)
    assert totals["union"] < totals["sum"], "the finance and university areas overlap"


def test_university_and_financial_district_overlap_is_visible(zones: gpd.GeoDataFrame) -> None:
    pairs = overlaps_between(
        zones, ids_a=["fin_sci_tech_finance_centre"], ids_b=["uni_innovation_area"]
    )
    assert len(pairs) == 1
    assert 0 < pairs["a_share"].iloc[0] < 1
    near = zone_neighbours(zones, zone_id="fin_sci_tech_finance_centre")
    assert "uni_innovation_area" in set(near["id"])
    assert "fin_sci_tech_finance_centre" not in set(near["id"])


def test_overlaps_within_one_set_list_each_pair_once(zones: gpd.GeoDataFrame) -> None:
    ids = list(zones.index[zones["layer"] == "finance_business"])
    pairs = overlaps_between(zones, ids_a=ids, ids_b=ids)
    keys = {frozenset(p) for p in zip(pairs["a_id"], pairs["b_id"], strict=True)}
    assert len(keys) == len(pairs)
    assert (pairs["a_id"] != pairs["b_id"]).all()


def test_tables_open_in_excel_with_chinese() -> None:
    table = pd.DataFrame({"名称": ["七步场村"], "area_ha": [12.5]})
    data = csv_bytes(table)
    assert data.startswith(b"\xef\xbb\xbf")
    assert "七步场村" in data.decode("utf-8-sig")
    book = openpyxl.load_workbook(io.BytesIO(xlsx_bytes(table, sheet="areas")))
    assert book["areas"]["A2"].value == "七步场村"
    assert book["areas"]["B2"].value == 12.5


def test_tables_keep_formula_like_text_as_text() -> None:
    table = pd.DataFrame(
        {"name": ['=HYPERLINK("http://x")', "+1", "normal"], "n": [-1.5, 2.0, 3.0]}
    )
    text = csv_bytes(table).decode("utf-8-sig")
    assert "'=HYPERLINK" in text
    assert "'+1" in text
    assert "-1.5" in text  # numbers are numbers, not text
    book = openpyxl.load_workbook(io.BytesIO(xlsx_bytes(table, notes={"method": "CGCS2000"})))
    sheet = book["table"]
    assert sheet["A2"].value == '\'=HYPERLINK("http://x")'
    assert sheet["A2"].data_type == "s"
    assert book["notes"]["B2"].value == "CGCS2000"
