"""data/zones.geojson: schema of every feature, valid geometry inside Yunnan, the
brief's checklist, and the derived areas bounded by their named streets."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import geopandas as gpd
import pytest
import shapely
from shapely.geometry import shape

from geo.declared.registry import load_registry
from geo.plan.build import PROPERTY_ORDER
from geo.plan.check import plan_figure_table
from geo.plan.construct import SOURCE_KINDS
from geo.plan.sources import LAND_FIGURE_CHECKS, LEVELS, TIERS

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "data"


def _features(name: str) -> list[dict[str, Any]]:
    return list(json.loads((DATA / name).read_text(encoding="utf-8"))["features"])


ZONES = _features("zones.geojson")
STREETS = {f["properties"]["id"]: f for f in _features("streets.geojson")}
BOUNDARIES = {f["properties"]["id"]: f for f in _features("boundaries.geojson")}
LAYERS = {spec.id for spec in load_registry().layers}
ARTICLE = re.compile(r"^(第[一二三四五六七八九十]+条|序言|第七章)$")


@pytest.mark.parametrize("feature", ZONES, ids=[f["properties"]["id"] for f in ZONES])
def test_feature_schema(feature: dict[str, Any]) -> None:
    p = feature["properties"]
    assert tuple(p) == PROPERTY_ORDER
    assert re.fullmatch(r"[A-Za-z0-9_]+", p["id"])
    assert p["name_zh"] and p["name_en"] and p["plan_quote_zh"] and p["source_detail"]
    assert re.search(r"[\u4e00-\u9fff]", p["name_zh"]) and p["name_en"].isascii()
    assert p["layer"] in LAYERS
    assert p["level"] in LEVELS
    assert p["tier"] is None or p["tier"] in TIERS
    assert ARTICLE.match(p["plan_article"]), p["plan_article"]
    assert p["geometry_source"] in SOURCE_KINDS
    if p["geometry_source"] == "not_located":  # listed, never drawn or measured
        assert feature["geometry"] is None and p["accuracy_m"] is None
        assert p["plan_land_km2"] is None and "Not located" in p["assumptions"]
    else:
        assert isinstance(p["accuracy_m"], int | float) and p["accuracy_m"] > 0
        assert feature["geometry"] is not None
    # Only public boundary data is drawn solid; everything inferred is schematic.
    assert p["schematic"] is (p["geometry_source"] != "public_boundary")
    for key in ("plan_land_km2", "plan_floor_m2"):
        assert p[key] is None or (isinstance(p[key], int | float) and p[key] > 0)
    # a land figure always says how it may be read; no figure, no reading
    assert (p["land_figure_check"] is None) == (p["plan_land_km2"] is None)
    assert p["land_figure_check"] is None or p["land_figure_check"] in LAND_FIGURE_CHECKS
    if p["geometry_source"] == "calibrated":  # its area was set, or follows from one set
        assert p["land_figure_check"] in (None, "calibrated")
        detail = p["source_detail"]
        assert "set to" in detail or "minus" in detail or "union of" in detail
    if p["geometry_source"] in ("sketch", "point_buffer"):  # never independent
        assert p["land_figure_check"] in (None, "schematic", "partly_fitted")


def test_ids_unique_and_sorted() -> None:
    ids = [f["properties"]["id"] for f in ZONES]
    assert ids == sorted(set(ids))


LOCATED = [f for f in ZONES if f["geometry"] is not None]


def test_geometries_valid_and_of_expected_type() -> None:
    for f in LOCATED:
        geom = shape(f["geometry"])
        assert geom.is_valid and not geom.is_empty, f["properties"]["id"]
        kind = geom.geom_type
        if f["properties"]["plan_land_km2"] is not None:
            assert kind in ("Polygon", "MultiPolygon"), f["properties"]["id"]
        if f["properties"]["layer"] == "infrastructure":
            assert kind in ("LineString", "MultiLineString")


def test_everything_inside_yunnan() -> None:
    # The province outline is simplified by 0.0005°; allow twice that.
    yunnan = shape(BOUNDARIES["cn_530000"]["geometry"]).buffer(0.001)
    outside = [f["properties"]["id"] for f in LOCATED if not yunnan.covers(shape(f["geometry"]))]
    outside += [sid for sid, f in STREETS.items() if not yunnan.covers(shape(f["geometry"]))]
    assert outside == []


def test_coordinates_on_the_1e7_grid() -> None:
    text = (DATA / "zones.geojson").read_text(encoding="utf-8")
    decimals = re.findall(r"\[-?\d+\.(\d+),-?\d+\.(\d+)\]", text)
    assert decimals
    assert max(len(d) for pair in decimals for d in pair) <= 7


# Brief sections 1-10: each element and a distinctive part of its Chinese name.
CHECKLIST = {
    "1": [
        "呈贡区行政区域",
        "实际管辖范围",
        "云南滇中新区",
        "昆明经济技术开发区",
        "昆明国家高新技术产业开发区",
    ],
    "2a": [
        "圈层结构：核心圈",
        "圈层结构：内圈层",
        "圈层结构：外圈层",
        "产学研创新发展轴",
        "行政中心",
    ],
    "2b": ["核心区", "发展区", "联动区", "昆明市"],
    "2c": [
        "呈贡科创新城",
        "云南滇中新区",
        "昆明经济技术开发区",
        "马金铺片区",
        "曲靖高新区",
        "玉溪高新区",
        "楚雄高新区",
        "曲靖市",
        "玉溪市",
        "楚雄彝族自治州",
        "安宁工业园区",
        "杨林经济技术开发区",
        "昆明空港经济区",
    ],
    "3": [
        "云上云小镇和高校片",
        "万溪冲信息产业园一期",
        "万溪冲信息产业园二期",
        "大健康产业园",
        "大学院校集聚区",
        "大学科学园",
        "斗南花卉产业园",
        "体育基地",
        "宝珠梨产业园区",
        "临界园区",
    ],
    "4": ["科技金融服务中心", "企业研发聚集区", "科技企业总部聚集区"],
    "5": ["七步场村", "万溪冲村", "下庄村", "宝珠梨产业园区", "古城社区", "吴家营社区", "人文街区"],
    "6": ["兴呈路", "石龙路"],
    "7": ["雨花片区、旧城片区", "斗南片区", "职工公寓", "乌龙片区"],
    "8": [
        "云上小镇双创基地",
        "呈贡新区创新园",
        "斗南花艺双创基地",
        "KK栈",
        "昆工创客",
        "中关村 e谷",
        "妇女创业创新示范中心",
    ],
    "9": ["斗南湿地公园", "捞鱼河湿地公园", "梁王山", "洛龙湖", "昆明湖", "映春湖", "万溪湖"],
    "10": [
        "渝昆铁路",
        "南昆铁路",
        "信息产业园内轨道交通",
        "古滇路",
        "国道213",
        "广福路延长线",
        "福宜高速",
        "呈贡至安丰营高速",
        "东外环线",
    ],
}
# Named in the brief but with no position at all: documented in data/README.md instead.
NOT_MAPPED = ["72号路", "花都路", "三铝公路", "黄马高速联络线", "151号路", "一般村"]


@pytest.mark.parametrize("section", sorted(CHECKLIST))
def test_every_brief_element_is_present(section: str) -> None:
    names = [f["properties"]["name_zh"] for f in ZONES]
    missing = [item for item in CHECKLIST[section] if not any(item in n for n in names)]
    assert missing == []


def test_unmapped_elements_are_documented() -> None:
    readme = (DATA / "README.md").read_text(encoding="utf-8")
    assert [item for item in NOT_MAPPED if item not in readme] == []


def _gk(geom: shapely.Geometry) -> shapely.Geometry:
    return gpd.GeoSeries([geom], crs="EPSG:4326").to_crs("EPSG:4543").iloc[0]


@pytest.mark.parametrize(
    ("zone_id", "street_ids"),
    [
        (
            "fin_sci_tech_finance_centre",
            [
                "hexie_lu",
                "chunrong_donglu",
                "juxian_jie",
                "yikang_beilu",
                "chunrong_xilu",
                "yikang_nanlu",
                "xianghe_jie",
            ],
        ),
        (
            "uni_innovation_area",
            ["lianda_jie", "liangwang_lu", "kunmo_expressway", "yunnan_baiyao_jie"],
        ),
    ],
)
def test_derived_area_touches_each_named_street(zone_id: str, street_ids: list[str]) -> None:
    zone = next(f for f in ZONES if f["properties"]["id"] == zone_id)
    outline = _gk(shape(zone["geometry"])).exterior.buffer(1.0)  # 1 m
    for sid in street_ids:
        on_outline_m = _gk(shape(STREETS[sid]["geometry"])).intersection(outline).length
        assert on_outline_m > 100.0, f"{zone_id} does not follow {sid}"
    # Both areas have sketched sides (昆磨高速 and 云南白药街; the west line and 和谐路), so
    # an area that follows its streets is still only as located as its weakest street.
    weakest = {STREETS[sid]["properties"]["geometry_source"] for sid in street_ids}
    assert "sketch" in weakest
    assert zone["properties"]["geometry_source"] == "sketch"


def test_calibrated_features_never_count_as_agreement() -> None:
    table = plan_figure_table(gpd.read_file(DATA / "zones.geojson"))
    calibrated = table[table["geometry_source"] == "calibrated"]
    assert len(calibrated) >= 2  # the R&D cluster (0.8 km²) and Dounan housing (2.5 km²)
    assert not calibrated["counts_as_agreement"].any()
    assert not table[table["land_figure_check"] != "independent"]["counts_as_agreement"].any()


def test_financial_district_overlaps_university_area_between_lianda_and_juxian() -> None:
    # Gazetteer D1: a real consequence of the plan's two street descriptions, kept visible.
    fin = _gk(
        shape(
            next(f for f in ZONES if f["properties"]["id"] == "fin_sci_tech_finance_centre")[
                "geometry"
            ]
        )
    )
    uni = _gk(
        shape(next(f for f in ZONES if f["properties"]["id"] == "uni_innovation_area")["geometry"])
    )
    overlap = fin.intersection(uni)
    assert overlap.area > 0
    juxian = _gk(shape(STREETS["juxian_jie"]["geometry"]))
    lianda = _gk(shape(STREETS["lianda_jie"]["geometry"]))
    assert overlap.buffer(1.0).intersects(juxian) and overlap.buffer(1.0).intersects(lianda)
