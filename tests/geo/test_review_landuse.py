"""Land-use class statistics on a coded layer of known areas (rectangles in EPSG:4543)."""

from __future__ import annotations

import copy

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from geo.errors import ConfigError, GeometryError
from geo.measure.area import M2_PER_HA, M2_PER_MU
from geo.review.landuse import (
    class_areas,
    classify,
    code_problems,
    detect_columns,
    load_codes,
    normalise_code,
    parse_codes,
    zone_class_areas,
)
from tests.geo.geod_reference import geod_area_m2, gk_polygon


def box(x0: float, y0: float, x1: float, y1: float) -> shapely.Polygon:
    return gk_polygon([(x0, y0), (x1, y0), (x1, y1), (x0, y1)])


# Four parcels side by side, 1 km tall: widths 100, 200, 300 and 400 m.
PARCELS = [box(0, 0, 100, 1000), box(100, 0, 300, 1000), box(300, 0, 600, 1000)]
PARCELS.append(box(600, 0, 1000, 1000))


def coded() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "DLBM": ["0701", "701", "0804", "1001"],  # "701": a leading zero lost in Excel
            "DLMC": ["城镇住宅用地", "城镇住宅用地", "教育用地", "商业用地"],  # last disagrees
        },
        geometry=PARCELS,
        crs="EPSG:4326",
    )


def test_the_code_table_loads_with_all_first_level_classes() -> None:
    table = load_codes()
    first = [c for c in table.classes.values() if c.level == 1]
    assert [c.code for c in first] == [f"{i:02d}" for i in range(1, 25)]
    assert table.name("0701") == "城镇住宅用地" and table.name("14") == "绿地与开敞空间用地"
    assert "自然资发〔2023〕234号" in table.citation
    assert "level 2" in table.levels_covered


def test_code_table_problems_are_reported_together() -> None:
    raw = {
        "source": {"title_zh": "t", "title_en": "t", "document": "d", "levels_covered": "1"},
        "columns": {"code": ["code"], "name": ["name"], "extra": []},
        "classes": [
            {"code": "7", "name_zh": "x", "name_en": "x"},
            {"code": "0901", "name_zh": "商业用地", "name_en": "Commerce"},
            {"code": "01", "name_zh": "耕地", "name_en": "Cropland", "colour": "green"},
        ],
    }
    with pytest.raises(ConfigError) as err:
        parse_codes(copy.deepcopy(raw), where="t.toml")
    text = str(err.value)
    assert "unknown key 'extra'" in text and "unknown key 'colour'" in text
    assert "two or four digits" in text and "first-level class 09 must be declared" in text


def test_columns_are_detected_forgivingly() -> None:
    table = load_codes()
    cols = detect_columns(coded(), table=table)
    assert (cols.code, cols.name) == ("DLBM", "DLMC")
    chinese = coded().rename(columns={"DLBM": "用地代码 ", "DLMC": "用地名称（现状）"})
    cols = detect_columns(chinese, table=table)
    assert (cols.code, cols.name) == ("用地代码 ", "用地名称（现状）")
    with pytest.raises(GeometryError, match=r"no land-use code column found.*DLMC"):
        detect_columns(coded().drop(columns="DLBM"), table=table)


@pytest.mark.parametrize(
    ("raw", "code"),
    [("0701", "0701"), (701, "0701"), (7.0, "07"), ("080403", "0804"), (" 12 ", "12"), (None, "")],
)
def test_codes_are_normalised(raw: object, code: str) -> None:
    assert normalise_code(raw) == code


def test_areas_by_class_at_both_levels() -> None:
    table = load_codes()
    layer = coded()
    classified = classify(layer, table=table, columns=detect_columns(layer, table=table))
    expected = [geod_area_m2(g) for g in PARCELS]
    level1 = class_areas(layer, classified, table=table, level=1).set_index("code")
    assert level1.loc["07", "area_m2"] == pytest.approx(expected[0] + expected[1], rel=1e-6)
    assert level1.loc["07", "feature_count"] == 2
    assert level1.loc["08", "area_ha"] == pytest.approx(expected[2] / M2_PER_HA, rel=1e-6)
    assert level1.loc["10", "area_mu"] == pytest.approx(expected[3] / M2_PER_MU, rel=1e-6)
    assert level1["share"].sum() == pytest.approx(1.0)
    assert level1.loc["10", "share"] == pytest.approx(expected[3] / sum(expected), rel=1e-6)
    level2 = class_areas(layer, classified, table=table, level=2).set_index("code")
    assert level2.loc["0701", "name_zh"] == "城镇住宅用地"
    assert level2.loc["0804", "area_m2"] == pytest.approx(expected[2], rel=1e-6)


def test_unknown_codes_and_disagreeing_names_are_reported() -> None:
    table = load_codes()
    layer = coded()
    layer.loc[2, "DLBM"] = "9999"
    layer.loc[1, "DLBM"] = "1305"  # a real level-2 code of class 13 the table does not list
    layer.loc[1, "DLMC"] = "供热用地"
    classified = classify(layer, table=table, columns=detect_columns(layer, table=table))
    assert list(classified["status"]) == ["ok", "level2_not_listed", "unknown", "ok"]
    problems = code_problems(classified).set_index("feature")
    assert "not a class" in problems.loc[2, "problem"]
    assert "counted under 13" in problems.loc[1, "problem"]
    assert "disagrees with code 1001" in problems.loc[3, "problem"]
    assert "that name is code 0901" in problems.loc[3, "problem"]
    assert 0 not in problems.index


def test_area_by_zone_and_class() -> None:
    table = load_codes()
    layer = coded()
    classified = classify(layer, table=table, columns=detect_columns(layer, table=table))
    zones = gpd.GeoDataFrame(
        {"id": ["west", "east"], "name_zh": ["西区", "东区"]},
        geometry=[box(0, 0, 200, 1000), box(200, 0, 1000, 500)],
        crs="EPSG:4326",
    )
    table_zc = zone_class_areas(layer, classified, zones, table=table, level=1)
    cell = table_zc.set_index(["zone", "code"])
    # west (200 m x 1 km) holds parcel 1 and half of parcel 2: all class 07
    assert cell.loc[("west", "07"), "area_m2"] == pytest.approx(
        geod_area_m2(box(0, 0, 200, 1000)), rel=1e-6
    )
    assert cell.loc[("west", "07"), "zone_share"] == pytest.approx(1.0, rel=1e-6)
    # east (800 m x 500 m): 07 100 m, 08 300 m, 10 400 m wide, each 500 m tall
    assert cell.loc[("east", "08"), "area_m2"] == pytest.approx(
        geod_area_m2(box(300, 0, 600, 500)), rel=1e-6
    )
    assert cell.loc[("east", "10"), "zone_share"] == pytest.approx(0.5, rel=1e-4)
    assert isinstance(table_zc, pd.DataFrame) and set(table_zc["zone_name_zh"]) == {"西区", "东区"}
