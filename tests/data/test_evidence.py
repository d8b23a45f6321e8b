"""Labels that match their evidence (issue 12): the accuracy rule, the elements that are
not located, and the parts of Chenggong other zones administer (460 -> 160)."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import geopandas as gpd
import pytest
from pyproj import Geod
from shapely.geometry import shape

from geo.errors import ConfigError
from geo.plan import build
from geo.plan.check import format_plan_check, plan_figure_table, reconciliation_table
from geo.plan.sources import load_inputs
from geo.plan.zones import load_zones, zone_figures

ROOT = Path(__file__).resolve().parents[2]
CGCS2000 = Geod(a=6378137.0, rf=298.257222101)
FEATURES = {
    f["properties"]["id"]: f
    for f in json.loads((ROOT / "data" / "zones.geojson").read_text("utf-8"))["features"]
}
PLACEHOLDERS = (
    "park_sports_base",
    "eco_kunming_lake",
    "eco_yingchun_lake",
    "base_zhongguancun_egu",
    "base_women_entrepreneurship",
    "base_chenggong_startup_park",
)
PARTS = {"p3_hitech_majinpu": 86.88, "ext_dayu_resort_part": 24.99}


def _km2(fid: str) -> float:
    return abs(CGCS2000.geometry_area_perimeter(shape(FEATURES[fid]["geometry"]))[0]) / 1e6


def _with(elements: list[dict[str, Any]], eid: str, **changes: Any) -> list[dict[str, Any]]:
    return [dict(e, **changes) if e["id"] == eid else e for e in elements]


def test_the_build_refuses_a_feature_finer_than_its_sources() -> None:
    inputs = load_inputs()
    # The financial district rests on 和谐路 and the west line (±500 m); 昆工创客 on a
    # campus point whose two sources lie 832 m apart. Both claims together are refused.
    bad = _with(inputs.elements, "fin_sci_tech_finance_centre", accuracy_m=300)
    bad = _with(bad, "base_kunming_ligong_maker", accuracy_m=800)
    with pytest.raises(ConfigError) as err:
        build.build_features(dataclasses.replace(inputs, elements=bad))
    message = str(err.value)
    assert "fin_sci_tech_finance_centre: accuracy_m 300 is finer than its street" in message
    assert "base_kunming_ligong_maker: accuracy_m 800" in message and "850" in message


def test_no_feature_claims_more_than_its_sources() -> None:
    p = {fid: f["properties"] for fid, f in FEATURES.items()}
    assert p["fin_sci_tech_finance_centre"]["accuracy_m"] >= 500
    assert p["base_kunming_ligong_maker"]["accuracy_m"] >= 832
    # Two of the university area's four streets are placed from memory (±1.5 km).
    assert p["uni_innovation_area"]["geometry_source"] == "sketch"
    assert p["uni_innovation_area"]["accuracy_m"] >= 1500
    streets = json.loads((ROOT / "data" / "streets.geojson").read_text("utf-8"))["features"]
    hexie = next(s for s in streets if s["properties"]["id"] == "hexie_lu")
    assert hexie["properties"]["geometry_source"] == "sketch"  # no coordinates exist


def test_placeholders_are_listed_without_shape_or_area() -> None:
    zones = load_zones()
    figures = zone_figures(zones)
    for fid in PLACEHOLDERS:
        assert FEATURES[fid]["geometry"] is None, fid
        assert FEATURES[fid]["properties"]["geometry_source"] == "not_located"
        assert zones.loc[fid, "name_zh"]  # still there to be found by name
        assert figures.loc[fid, ["area_m2", "area_mu", "land_area_m2"]].isna().all()
    text = format_plan_check(plan_figure_table(zones), zones=zones)
    listed = text.split("Not located")[1]
    assert all(fid in listed for fid in PLACEHOLDERS)
    # No two placeholder lakes read as the same tidy disc any more.
    assert "0.196" not in text


def test_entrusted_parts_have_their_published_size_inside_the_land() -> None:
    land = shape(FEATURES["ext_chenggong_land"]["geometry"])
    for fid, km2 in PARTS.items():
        props = FEATURES[fid]["properties"]
        assert props["geometry_source"] == props["land_figure_check"] == "calibrated"
        assert _km2(fid) == pytest.approx(km2, rel=1e-5)
        assert "86.88" in props["figure_source"] or "24.99" in props["figure_source"]
        part = shape(FEATURES[fid]["geometry"])
        assert part.difference(land).area < 1e-6 * part.area  # 1e-7 degree rounding only
    parts = [shape(FEATURES[f]["geometry"]) for f in (*PARTS, "ext_luoyang_etdz_part")]
    for i, a in enumerate(parts):  # disjoint
        for b in parts[i + 1 :]:
            assert a.intersection(b).area < 1e-10


def test_jurisdiction_is_the_land_minus_the_parts() -> None:
    expected = _km2("ext_chenggong_land") - sum(_km2(f) for f in (*PARTS, "ext_luoyang_etdz_part"))
    assert _km2("ext_chenggong_jurisdiction") == pytest.approx(expected, abs=0.01)
    props = FEATURES["ext_chenggong_jurisdiction"]["properties"]
    assert props["geometry_source"] == "calibrated"  # it follows from calibrated parts
    assert props["land_figure_check"] == "calibrated"


def test_reconciliation_runs_460_to_160_term_by_term() -> None:
    zones = gpd.read_file(ROOT / "data" / "zones.geojson")
    table = reconciliation_table(zones)
    outline, water, land = table["map_km2"].iloc[:3]
    assert outline == pytest.approx(water + land, rel=1e-9)
    parts = table[table["step"] == "− part"]
    assert parts["kind"].tolist() == ["published", "published", "residual"]
    stated = table.set_index("step")["figure_km2"]
    assert stated["= land"] - parts["figure_km2"].sum() == pytest.approx(stated["= jurisdiction"])
    assert table["source"].str.len().min() > 10  # every term says where it comes from
    text = format_plan_check(plan_figure_table(zones), zones=zones)
    assert "460" in text and "160" in text and "31.5" in text


def test_partner_zones_at_their_published_size() -> None:
    for fid, km2 in (("p3_kunming_etdz", 156.6), ("p3_dianzhong_new_area", 482.0)):
        assert FEATURES[fid]["properties"]["geometry_source"] == "calibrated"
        assert _km2(fid) == pytest.approx(km2, rel=1e-5)
    # The ETDZ lies north-east of the district's centre, on its located point (S3).
    etdz = shape(FEATURES["p3_kunming_etdz"]["geometry"]).centroid
    centre = shape(FEATURES["ext_chenggong_land"]["geometry"]).centroid
    assert etdz.y > centre.y


def test_city_tiers_are_disjoint_with_the_core_first() -> None:
    inputs = load_inputs()
    order = inputs.assumptions["tier_precedence"]["value"]
    assert order[0] == "city_core"
    elements = {e["id"]: e for e in inputs.elements}
    for i, tier in enumerate(order):  # each tier subtracts exactly the tiers before it
        assert elements[tier]["geometry"].get("subtract", []) == order[:i]
    gk = gpd.GeoSeries([shape(FEATURES[t]["geometry"]) for t in order], crs=4326).to_crs(4543)
    for i in range(len(order)):
        for j in range(i + 1, len(order)):
            shared_m2 = gk.iloc[i].intersection(gk.iloc[j]).area
            assert shared_m2 < 1e-6 * min(gk.iloc[i].area, gk.iloc[j].area), (order[i], order[j])
    # The core keeps what the plan moved into it (云上云小镇, 高校片): the whole of its members.
    core = shape(FEATURES["city_core"]["geometry"]).buffer(1e-6)
    for member in inputs.assumptions["core_members"]["value"]:
        assert core.covers(shape(FEATURES[member]["geometry"])), member


def test_a_street_finer_than_its_point_is_refused() -> None:
    inputs = load_inputs()
    streets = [dict(s, accuracy_m=50) if s["id"] == "lianda_jie" else s for s in inputs.streets]
    with pytest.raises(ConfigError, match="street lianda_jie: accuracy_m 50 is finer than"):
        build.build_features(dataclasses.replace(inputs, streets=streets))
