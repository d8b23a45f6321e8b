"""Conflict rules: the schema of config/rules.toml and hand-built cases of every kind.

The synthetic three-control-lines layer and the zones are rectangles drawn in metres in
EPSG:4543 near Chenggong; every expected area is the CGCS2000 Geod area of the expected
piece, built independently of the code (tests.geo.geod_reference).
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import geopandas as gpd
import pytest
import shapely

from geo.cli import main
from geo.errors import ConfigError
from geo.review.conflicts import run_rules
from geo.review.features import control_lines
from geo.review.report import area_text, format_report
from geo.review.rules import load_rules, parse_rules
from tests.conftest import X0, Y0
from tests.geo.geod_reference import geod_area_m2, gk_polygon

BASE: dict[str, Any] = {
    "defaults": {"user_accuracy_m": 5.0, "control_line_columns": ["类型", "type"]},
    "control_lines": {
        "permanent_basic_farmland": {
            "name_zh": "永久基本农田",
            "name_en": "Permanent basic farmland",
            "values": ["永久基本农田", "farmland"],
        },
        "ecological_red_line": {
            "name_zh": "生态保护红线",
            "name_en": "Ecological red line",
            "values": ["生态保护红线", "red line"],
        },
        "urban_development_boundary": {
            "name_zh": "城镇开发边界",
            "name_en": "Urban development boundary",
            "values": ["城镇开发边界"],
        },
    },
    "rules": [],
}


def rule(**kw: Any) -> dict[str, Any]:
    out = {
        "id": "r",
        "name_zh": "规则",
        "name_en": "rule",
        "source": "test",
        "reasoning_zh": "理由",
        "reasoning_en": "why",
        "kind": "must_not_overlap",
        "a": ["kind:industrial_park"],
        "tolerance_m2": 1000.0,
    }
    out.update(kw)
    return out


def ruleset(*rules: dict[str, Any]) -> Any:
    raw = copy.deepcopy(BASE)
    raw["rules"] = list(rules)
    return parse_rules(raw, where="test.toml")


def box(x0: float, y0: float, x1: float, y1: float) -> shapely.Polygon:
    return gk_polygon([(x0, y0), (x1, y0), (x1, y1), (x0, y1)])


def zones(*rows: tuple[str, str, str, shapely.Polygon, float]) -> gpd.GeoDataFrame:
    """Plan-like zones: (id, layer, kind, geometry, accuracy_m)."""
    return gpd.GeoDataFrame(
        {
            "id": [r[0] for r in rows],
            "name_zh": [f"{r[0]}区" for r in rows],
            "name_en": [r[0] for r in rows],
            "layer": [r[1] for r in rows],
            "group": [r[2] for r in rows],
            "level": "district",
            "accuracy_m": [r[4] for r in rows],
            "geometry_source": "sketch",
        },
        geometry=[r[3] for r in rows],
        crs="EPSG:4326",
    )


def three_lines() -> gpd.GeoDataFrame:
    """A synthetic 三区三线 layer, types in a 类型 column, no accuracy (5 m assumed)."""
    return gpd.GeoDataFrame(
        {"类型": ["永久基本农田", "生态保护红线", "城镇开发边界"]},
        geometry=[
            box(1500, 0, 2500, 1000),  # farmland: overlaps the park's east quarter
            box(5000, 5000, 6000, 6000),  # red line: far from everything
            box(-100, -100, 1800, 1100),  # boundary: leaves the park's east 200 m out
        ],
        crs="EPSG:4326",
    )


PARK = ("park", "university_industry", "industrial_park", box(0, 0, 2000, 1000), 10.0)


# ------------------------------------------------------------------------------- schema


def test_the_declared_rules_load() -> None:
    rules = load_rules()
    assert {"industry_off_ecology", "city_tiers_disjoint", "no_zone_on_basic_farmland"} <= set(
        rules.ids
    )
    assert {c.kind for c in rules.control_lines} == {
        "permanent_basic_farmland",
        "ecological_red_line",
        "urban_development_boundary",
    }
    for r in rules.rules:
        assert r.name_zh and r.name_en and r.source and r.reasoning_zh and r.reasoning_en


def test_every_problem_is_reported_at_once() -> None:
    raw = copy.deepcopy(BASE)
    raw["surprise"] = 1
    raw["rules"] = [
        rule(colour="red"),
        rule(id="Bad-Id", kind="must_touch"),
        rule(id="x", a=["layr:ecology"], b=["line:wetlands"]),
        rule(id="y", kind="max_area"),
        rule(id="z", kind="disjoint_within", b=["layer:ecology"], tolerance_m2=-1),
    ]
    with pytest.raises(ConfigError) as err:
        parse_rules(raw, where="test.toml")
    text = str(err.value)
    for expected in (
        "unknown key 'surprise'",
        "unknown key 'colour'",
        "id must be lower-case",
        "kind must be one of must_not_overlap",
        "(found 'must_touch')",
        "selector 'layr:ecology'",
        "control line must be one of",
        "needs stated_km2",
        "has one side; remove 'b'",
        "tolerance_m2 must be a number ≥ 0",
    ):
        assert expected in text
    assert "problem(s)" in text


def test_a_pairwise_rule_needs_b() -> None:
    with pytest.raises(ConfigError, match="needs 'b'"):
        ruleset(rule())


# -------------------------------------------------------------------- three control lines


def test_control_lines_are_found_by_column_or_layer_name() -> None:
    rules = ruleset()
    lines = control_lines(three_lines(), name="upload", rules=rules)
    assert list(lines) == [
        "permanent_basic_farmland",
        "ecological_red_line",
        "urban_development_boundary",
    ]
    bare = three_lines().drop(columns="类型")
    assert set(control_lines(bare, name="呈贡区永久基本农田", rules=rules)) == {
        "permanent_basic_farmland"
    }
    assert set(control_lines(bare, name="parcels", rules=rules).dropna()) == set()


def test_zone_on_farmland_fails_with_the_geod_area_and_share() -> None:
    rules = ruleset(rule(b=["line:permanent_basic_farmland"]))
    report = run_rules(rules, zones=zones(PARK), user_layers={"sanxian": three_lines()})
    result = report.results[0]
    assert result.status == "fail" and report.failed
    v = result.violations.iloc[0]
    expected = geod_area_m2(box(1500, 0, 2000, 1000))  # 500 m x 1 km
    assert v["violation_m2"] == pytest.approx(expected, rel=1e-6)
    assert v["feature_share"] == pytest.approx(expected / geod_area_m2(PARK[3]), rel=1e-6)
    assert v["feature"] == "park" and v["other"] == "sanxian#0"
    # band: the piece's perimeter (3 km) times the larger accuracy (park 10 m, lines 5 m)
    assert v["perimeter_m"] == pytest.approx(3000.0, rel=1e-3)
    assert v["band_m2"] == pytest.approx(30_000.0, rel=1e-3)
    assert bool(v["accuracy_assumed"])  # the control lines carry no accuracy_m
    piece = box(1500, 0, 2000, 1000)  # cut in the equal-area CRS: edges move by < 1e-5
    assert v.geometry.symmetric_difference(piece).area < 1e-5 * piece.area


def test_a_violation_inside_the_accuracy_band_is_uncertain() -> None:
    rough = (*PARK[:4], 1000.0)  # a sketch good to 1 km: band 3 km x 1 km = 3 km²
    rules = ruleset(rule(b=["line:permanent_basic_farmland"]))
    result = run_rules(rules, zones=zones(rough), user_layers={"s": three_lines()}).results[0]
    assert result.status == "uncertain"
    assert result.violations.iloc[0]["band_m2"] == pytest.approx(3e6, rel=1e-3)


def test_an_overlap_within_the_tolerance_passes() -> None:
    corner = ("corner", "university_industry", "industrial_park", box(2490, 990, 2500, 1000), 1.0)
    rules = ruleset(rule(b=["line:permanent_basic_farmland"], tolerance_m2=150.0))
    result = run_rules(rules, zones=zones(corner), user_layers={"s": three_lines()}).results[0]
    assert result.status == "pass"
    assert result.within_tolerance == 1 and result.violations.empty


def test_part_outside_the_urban_development_boundary() -> None:
    rules = ruleset(rule(kind="must_lie_within", b=["line:urban_development_boundary"]))
    result = run_rules(rules, zones=zones(PARK), user_layers={"s": three_lines()}).results[0]
    assert result.status == "fail"
    v = result.violations.iloc[0]
    assert v["violation_m2"] == pytest.approx(geod_area_m2(box(1800, 0, 2000, 1000)), rel=1e-6)
    assert v["feature_share"] == pytest.approx(0.1, rel=1e-4)
    piece = box(1800, 0, 2000, 1000)
    assert v.geometry.symmetric_difference(piece).area < 1e-5 * piece.area


def test_must_cover_is_lie_within_from_the_other_side() -> None:
    rules = ruleset(
        rule(kind="must_cover", a=["line:urban_development_boundary"], b=["kind:industrial_park"])
    )
    result = run_rules(rules, zones=zones(PARK), user_layers={"s": three_lines()}).results[0]
    assert result.violations.iloc[0]["feature"] == "park"
    assert result.violations.iloc[0]["violation_m2"] == pytest.approx(
        geod_area_m2(box(1800, 0, 2000, 1000)), rel=1e-6
    )


def test_the_red_line_far_away_passes_and_a_missing_line_is_not_run() -> None:
    rules = ruleset(
        rule(id="red", b=["line:ecological_red_line"]),
        rule(id="farm", b=["line:permanent_basic_farmland"]),
    )
    report = run_rules(rules, zones=zones(PARK), user_layers={})
    assert [r.status for r in report.results] == ["not_run", "not_run"]
    assert "needs a user layer" in report.results[0].notes[0]
    assert not report.failed
    report = run_rules(rules, zones=zones(PARK), user_layers={"s": three_lines()})
    assert [r.status for r in report.results] == ["pass", "fail"]


def test_tiers_disjoint_lists_each_pair_once() -> None:
    tiers = zones(
        ("core", "city_tiers", "tiers", box(0, 0, 1000, 1000), 1.0),
        ("dev", "city_tiers", "tiers", box(800, 0, 2000, 1000), 1.0),
        ("link", "city_tiers", "tiers", box(2000, 0, 3000, 1000), 1.0),  # only touches dev
    )
    rules = ruleset(rule(kind="disjoint_within", a=["layer:city_tiers"]))
    result = run_rules(rules, zones=tiers).results[0]
    assert len(result.violations) == 1
    v = result.violations.iloc[0]
    assert (v["feature"], v["other"]) == ("core", "dev")
    assert v["violation_m2"] == pytest.approx(geod_area_m2(box(800, 0, 1000, 1000)), rel=1e-6)


def test_max_and_min_area_against_a_stated_figure() -> None:
    park_m2 = geod_area_m2(PARK[3])
    rules = ruleset(
        rule(id="max", kind="max_area", stated_km2=1.5, tolerance_m2=0.0),
        rule(id="min", kind="min_area", stated_km2=3.0, tolerance_m2=0.0),
        rule(id="ok", kind="max_area", stated_km2=2.1, tolerance_m2=0.0),
    )
    report = run_rules(rules, zones=zones(PARK))
    by_id = {r.rule.id: r for r in report.results}
    assert by_id["max"].violations.iloc[0]["violation_m2"] == pytest.approx(
        park_m2 - 1.5e6, rel=1e-6
    )
    assert by_id["min"].violations.iloc[0]["violation_m2"] == pytest.approx(
        3.0e6 - park_m2, rel=1e-6
    )
    assert by_id["max"].status == by_id["min"].status == "fail"  # band 6 km x 10 m
    assert by_id["ok"].status == "pass"


# -------------------------------------------------------------------------- the report


def test_rounding_follows_the_band() -> None:
    # figures down to the band's leading digit: 579,645 m² ± 7.5 km² is 0.6 km²
    assert area_text(579_645.39, 7_544_191.0) == "0.6 km² / 60 公顷 / 900 亩 (± 7.5 km²)"
    # 0.5 km² ± 0.03 km²: two figures in every unit (750 亩 = 0.5 km² x 1,500)
    assert area_text(500_000.0, 30_000.0) == "0.50 km² / 50 公顷 / 750 亩 (± 0.030 km²)"
    assert area_text(123_456.0, 3_000.0).startswith("0.123 km² / 12.3 公顷 / 185 亩")


def test_check_cli_exits_1_on_failure_and_writes_the_pieces(tmp_path: Path) -> None:
    rules_file = tmp_path / "rules.toml"
    lines_file = tmp_path / "sanxian.geojson"
    zones_file = tmp_path / "zones.geojson"
    three_lines().to_file(lines_file)
    zones(PARK).to_file(zones_file)
    rules_file.write_text(
        """
[defaults]
user_accuracy_m = 5.0
control_line_columns = ["类型"]
[control_lines.permanent_basic_farmland]
name_zh = "永久基本农田"
name_en = "farmland"
values = ["永久基本农田"]
[control_lines.ecological_red_line]
name_zh = "生态保护红线"
name_en = "red line"
values = ["生态保护红线"]
[control_lines.urban_development_boundary]
name_zh = "城镇开发边界"
name_en = "boundary"
values = ["城镇开发边界"]
[[rules]]
id = "farm"
name_zh = "不占农田"
name_en = "off farmland"
source = "test"
reasoning_zh = "理由"
reasoning_en = "why"
kind = "must_not_overlap"
a = ["user:zones"]
b = ["line:permanent_basic_farmland"]
tolerance_m2 = 100.0
""",
        encoding="utf-8",
    )
    out = tmp_path / "pieces.geojson"
    argv = ["check", "--rules", str(rules_file), "--no-plan", "--layer", str(zones_file)]
    argv += ["--layer", str(lines_file), "--out", str(out)]
    assert main([*argv, "--format", "json"]) == 1
    pieces = gpd.read_file(out)
    assert len(pieces) == 1 and pieces.loc[0, "status"] == "fail"
    assert pieces.loc[0, "violation_m2"] == pytest.approx(
        geod_area_m2(box(1500, 0, 2000, 1000)), rel=1e-6
    )


def test_check_cli_json_and_table(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--rule", "industry_off_ecology", "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["rules"][0]["rule_id"] == "industry_off_ecology"
    assert set(doc["counts"]) == {"fail", "uncertain", "pass", "not_run"}


def test_the_plan_report_reads_as_text() -> None:
    report = run_rules(load_rules(), zones=None, user_layers={"s": three_lines()})
    text = format_report(report)
    assert "未运行 NOT RUN" in text  # the plan rules select nothing without the plan
    assert f"{X0:.0f}" not in text and f"{Y0:.0f}" not in text  # no raw metres leak
