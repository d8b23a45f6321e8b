"""The plan check after adoption: an element whose shape was adopted from the bureau's
file counts as independent agreement (within the tolerance) or disagreement (outside),
where the sketch it replaced was calibrated and counted as neither. The expected area is
pyproj's Geod applied to the hand-built square directly."""

from __future__ import annotations

import geopandas as gpd
import pytest

from geo.edit.adopt import SourceDocument, adopted_zones, match_features, propose_adoption
from geo.plan.check import AGREEMENT_TOLERANCE_PCT, format_plan_check, plan_figure_table
from tests.conftest import gk_boxes
from tests.geo.geod_reference import geod_area_m2
from tests.geo.test_adopt import plan_zones

FIN = "fin_district"
SOURCE = SourceDocument(file="控规.dxf", document="呈政复〔2021〕12号", accuracy_m=0.5)
RED_LINE = (2000, 0, 3200, 1000)
"""The bureau's shape of the financial district: 1.2 km x 1 km in Gauss-Kruger."""


def _plan(stated_km2: float) -> gpd.GeoDataFrame:
    """The plan with the financial district calibrated to ``stated_km2``."""
    zones = plan_zones()
    zones["plan_land_km2"] = [float("nan"), stated_km2, float("nan")]
    zones["land_figure_check"] = [None, "calibrated", None]
    zones.loc[zones["id"] == FIN, "geometry_source"] = "calibrated"
    return zones


def _adopt(zones: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    layer = gk_boxes(RED_LINE)
    layer["名称"] = ["金融片区"]
    matching = match_features(layer, zones)
    return adopted_zones(zones, propose_adoption(layer, zones, matching, source=SOURCE))


def _row(zones: gpd.GeoDataFrame) -> dict[str, object]:
    table = plan_figure_table(zones).set_index("id")
    return dict(table.loc[FIN])


def red_line_km2() -> float:
    return geod_area_m2(gk_boxes(RED_LINE).geometry.iloc[0]) / 1e6


@pytest.mark.parametrize(
    ("factor", "agrees"),
    [(1.02, True), (0.97, True), (1.2, False), (0.8, False)],
)
def test_an_adopted_shape_counts_as_agreement_or_disagreement(factor: float, agrees: bool) -> None:
    true_km2 = red_line_km2()
    assert true_km2 == pytest.approx(1.2, rel=1e-3)  # 1.2 km² in GK, less the scale factor
    stated = true_km2 * factor
    zones = _plan(stated)
    calibrated = _row(zones)
    assert calibrated["land_figure_check"] == "calibrated"
    assert not calibrated["counts_as_agreement"] and not calibrated["counts_as_disagreement"]
    row = _row(_adopt(zones))
    assert row["geometry_source"] == "authoritative"
    assert row["land_figure_check"] == "independent"
    assert row["area_km2"] == pytest.approx(true_km2, rel=1e-8)
    assert row["deviation_pct"] == pytest.approx((1 / factor - 1) * 100, rel=1e-6)
    assert abs(float(row["deviation_pct"])) <= AGREEMENT_TOLERANCE_PCT or not agrees
    assert bool(row["counts_as_agreement"]) is agrees
    assert bool(row["counts_as_disagreement"]) is (not agrees)


def test_the_text_report_says_the_adopted_element_disagrees() -> None:
    zones = _adopt(_plan(red_line_km2() * 1.2))
    text = format_plan_check(plan_figure_table(zones))
    line = next(x for x in text.splitlines() if x.startswith(FIN))
    assert "authoritative" in line and "independent" in line
    assert line.rstrip().endswith("no (disagrees)")


def test_a_shape_edited_in_the_app_is_never_agreement() -> None:
    zones = _plan(red_line_km2())
    zones.loc[zones["id"] == FIN, "geometry_source"] = "edited"
    zones.loc[zones["id"] == FIN, "land_figure_check"] = "independent"  # claimed, not so
    row = _row(zones)
    assert row["land_figure_check"] == "schematic"
    assert not row["counts_as_agreement"] and not row["counts_as_disagreement"]


def test_the_adopted_row_itself_says_independent() -> None:
    zones = _adopt(_plan(1.2))
    by_id = zones.set_index("id")
    assert by_id.loc[FIN, "land_figure_check"] == "independent"
    assert by_id["land_figure_check"].isna().sum() == 2, "the others without a figure stay so"
