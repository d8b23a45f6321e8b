"""The review tab (ui/review.py) on its own page, driven with Streamlit's AppTest."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from streamlit.testing.v1 import AppTest

from geo.declared.i18n import t
from geo.io import geojson_text
from geo.review.conflicts import STATUS_LABELS
from geo.upload import read_upload
from tests.app.embedded import embedded_layers
from ui import state


def _page() -> None:
    from ui.review import review_tab

    review_tab("zh")


def _saved_control_lines(root: Path) -> str:
    """A 三区三线 layer saved as an upload would be: farmland over the finance centre."""
    from geo.plan.zones import load_zones

    centre = load_zones().loc["fin_sci_tech_finance_centre"].geometry
    lines = gpd.GeoDataFrame(
        {"类型": ["永久基本农田"]},
        geometry=[shapely.box(*centre.buffer(0.01).bounds)],
        crs="EPSG:4326",
    )
    data = geojson_text(lines).encode()
    result = read_upload(data, "sanxian.geojson")
    return embedded_layers(root).save(result, data, name="三区三线").layer_id  # type: ignore[arg-type]


# The tables as the page shows them: headers and statuses in the page's language (zh).
RULE = t("col_rule_id", "zh")
STATUS = t("col_status", "zh")
LABEL = {status: labels["zh"] for status, labels in STATUS_LABELS.items()}


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "workspace"
    monkeypatch.setenv("PLANMAP_WORKSPACE", str(root))
    return root


def test_the_tab_shows_every_rule_and_the_control_line_rules_not_run(workspace: Path) -> None:
    at = AppTest.from_function(_page, default_timeout=180)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    rules = at.dataframe[0].value
    assert "no_zone_on_basic_farmland" in set(rules[RULE])
    assert set(rules.loc[rules[RULE].str.startswith("no_zone"), STATUS]) == {LABEL["not_run"]}
    assert [s.value for s in at.subheader][:3] == ["冲突规则检查", "拓扑检查", "用地用海分类统计"]


def test_a_saved_control_line_layer_runs_the_farmland_rule(workspace: Path) -> None:
    layer_id = _saved_control_lines(workspace)
    at = AppTest.from_function(_page, default_timeout=180)
    at.run()
    at.multiselect(key=state.REVIEW_LAYERS).set_value([layer_id]).run()
    assert not at.exception, [e.value for e in at.exception]
    rules = at.dataframe[0].value.set_index(RULE)
    # The sketches' accuracy (hundreds of metres) makes even a whole zone on farmland
    # "uncertain" by the perimeter band; either way the rule ran and found the zone.
    assert rules.loc["no_zone_on_basic_farmland", STATUS] in {LABEL["fail"], LABEL["uncertain"]}
    assert rules.loc["no_zone_on_basic_farmland", t("col_uncertain_count", "zh")] >= 1
    violations = at.dataframe[1].value
    hit = violations[violations[RULE] == "no_zone_on_basic_farmland"]
    assert "fin_sci_tech_finance_centre" in set(hit[t("col_feature", "zh")])
    assert at.image, "the violating pieces are drawn"


def test_a_saved_coded_layer_gives_areas_by_class(workspace: Path) -> None:
    from tests.geo.geod_reference import geod_area_m2, gk_polygon

    parcels = [gk_polygon([(0, 0), (100, 0), (100, 100), (0, 100)])]
    parcels.append(gk_polygon([(100, 0), (300, 0), (300, 100), (100, 100)]))
    coded = gpd.GeoDataFrame(
        {"DLBM": ["0701", "1001"], "DLMC": ["城镇住宅用地", "商业用地"]},
        geometry=parcels,
        crs="EPSG:4326",
    )
    data = geojson_text(coded).encode()
    embedded_layers(workspace).save(read_upload(data, "parcels.geojson"), data, name="用地")  # type: ignore[arg-type]
    at = AppTest.from_function(_page, default_timeout=180)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    tables = [d.value for d in at.dataframe]
    level1 = next(t for t in tables if "code" in t.columns and "share" in t.columns)
    row = level1.set_index("code").loc["10"]
    # the file holds 7 decimals (~1 cm): a 200 m x 100 m parcel's area moves by ~1 m²
    assert row["area_m2"] == pytest.approx(geod_area_m2(parcels[1]), rel=2e-4)
    problems = next(t for t in tables if "problem" in t.columns)
    assert "disagrees with code 1001" in problems["problem"].iloc[0]
