"""The plan-figure report: calibrated or sketched areas never count as agreement."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest

from geo.plan.check import AGREEMENT_TOLERANCE_PCT, format_plan_check, plan_figure_table
from tests.conftest import gk_boxes
from tests.geo.geod_reference import geod_area_m2


def _zones(checks: list[str], stated_factor: list[float | None]) -> gpd.GeoDataFrame:
    """1 km squares (EPSG:4543 drawn, stored 4326) whose stated area is factor x true area."""
    gdf = gk_boxes(*[(i * 2000, 0, i * 2000 + 1000, 1000) for i in range(len(checks))])
    # The true area: Geod on the CGCS2000 ellipsoid applied to each square directly
    # (about 0.99983 km²: 1 km² in Gauss-Kruger over the scale factor squared).
    true_km2 = [geod_area_m2(g) / 1e6 for g in gdf.geometry]
    gdf["name_zh"] = "区"
    gdf["name_en"] = "zone"
    gdf["plan_land_km2"] = [
        None if f is None else float(t) * f for t, f in zip(true_km2, stated_factor, strict=True)
    ]
    gdf["land_figure_check"] = checks
    gdf["geometry_source"] = [
        {"independent": "street_derived", "calibrated": "calibrated"}.get(c, "sketch")
        for c in checks
    ]
    gdf["accuracy_m"] = 100
    return gdf


def test_deviation_and_agreement_by_kind() -> None:
    zones = _zones(
        ["independent", "calibrated", "schematic", "independent", "partly_fitted", "independent"],
        [1.0, 1.0, 1.0, 1.5, 1.0, None],
    )
    before = zones.copy()
    table = plan_figure_table(zones)
    pd.testing.assert_frame_equal(zones, before)  # input untouched
    assert table["id"].tolist() == ["f0", "f1", "f2", "f3", "f4"]  # no figure, no row
    assert table["deviation_pct"].tolist()[:3] == pytest.approx([0.0, 0.0, 0.0], abs=1e-9)
    # stated = 1.5 x true  ->  computed is a third below the stated figure
    assert table.loc[3, "deviation_pct"] == pytest.approx(-100.0 / 3.0)
    assert table["counts_as_agreement"].tolist() == [True, False, False, False, False]
    # Computed areas are the squares' own (Geod directly; the two area methods of
    # geo.measure.area agree to about 1e-8), not the stated figures.
    own_km2 = [geod_area_m2(g) / 1e6 for g in zones.geometry.iloc[:5]]
    assert table["area_km2"].tolist() == pytest.approx(own_km2, rel=1e-8)


def test_calibrated_exact_match_is_not_agreement_in_text() -> None:
    text = format_plan_check(plan_figure_table(_zones(["calibrated"], [1.0])))
    row = next(line for line in text.splitlines() if line.startswith("f0"))
    assert row.rstrip().endswith("no")
    assert f"±{AGREEMENT_TOLERANCE_PCT:g} %" in text


def test_csv_and_json_formats() -> None:
    table = plan_figure_table(_zones(["independent"], [1.0]))
    assert format_plan_check(table, fmt="csv").splitlines()[0].startswith("id,name_zh")
    assert '"counts_as_agreement":true' in format_plan_check(table, fmt="json").replace(" ", "")


def test_shown_areas_follow_accuracy() -> None:
    from geo.plan.check import shown_areas

    zones = _zones(["independent", "schematic"], [1.0, 1.0])
    zones["accuracy_m"] = [1, 300]  # ±4 000 m² and ±1.2 km² on a 1 km square
    table = plan_figure_table(zones)
    # 999 830 m² ± 4 000 m²: three figures (1.00); the ±300 m sketch one. Both are not
    # public boundaries, so both are schematic (≈).
    assert shown_areas(table).tolist() == ["≈1.00", "≈1"]
    text = format_plan_check(table)
    row = next(line for line in text.splitlines() if line.startswith("f0")).split()
    assert row[2] == "≈1.00"  # computed: no false precision on screen; CSV keeps it
    assert "0.99982" in format_plan_check(table, fmt="csv")
