"""Areas shown to the figures their accuracy supports (geo.measure.precision)."""

from __future__ import annotations

import math

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import LineString

from geo.measure.precision import (
    area_display,
    area_displays,
    perimeter_m,
    round_significant,
    significant_figures,
)
from tests.conftest import gk_boxes


@pytest.mark.parametrize(
    ("area_m2", "accuracy_m", "perimeter", "figures"),
    [
        # band = accuracy x perimeter; figures run from the area's leading digit to the band's
        (5.14e6, 300, 10_000, 1),  # 5.14 km² ± 3 km²: one figure
        (5.14e6, 10, 10_000, 2),  # ± 0.1 km²
        (499.1e6, 100, 130_000, 2),  # ± 13 km²
        (1.0e6, 1, 4_000, 4),  # ± 4 000 m² on 1 000 000 m²: 1.000 km²
        (1.0e6, 10_000, 40_000, 1),  # band larger than the area: still one figure
        (2.5e6, 0, 6_000, 6),  # no stated uncertainty: the most ever shown
    ],
)
def test_significant_figures(
    area_m2: float, accuracy_m: float, perimeter: float, figures: int
) -> None:
    assert significant_figures(area_m2, accuracy_m=accuracy_m, perimeter_m=perimeter) == figures


def test_the_issue_example_is_no_longer_false_precision() -> None:
    # A ±300 m sketch of 7,715.5178 亩 (5.1437 km², perimeter ~9.9 km) shows one figure.
    text = area_display(5_143_679.0, unit="mu", accuracy_m=300, perimeter_m=9_900, schematic=True)
    assert text == "≈8,000"
    assert area_display(5_143_679.0, unit="km2", accuracy_m=300, perimeter_m=9_900) == "5"


def test_rounding_and_units() -> None:
    assert round_significant(454.8127, 2) == 450.0
    assert round_significant(0.0123, 1) == 0.01
    assert area_display(454.8127e6, unit="km2", accuracy_m=100, perimeter_m=130_000) == "450"
    # 1 km² ± 4 000 m² in hectares: 100.0 ha, four figures
    assert area_display(1.0e6, unit="ha", accuracy_m=1, perimeter_m=4_000) == "100.0"
    assert area_display(12_346.0, unit="m2", accuracy_m=0.1, perimeter_m=500) == "12,350"


@pytest.mark.parametrize("area", [None, float("nan"), 0.0])
def test_no_area_is_a_dash(area: float | None) -> None:
    assert area_display(area, unit="km2", accuracy_m=300, perimeter_m=1_000) == "—"
    # no stated accuracy is not no area: six figures
    assert area_display(1e6, unit="km2", accuracy_m=None, perimeter_m=4_000) == "1.00000"


def test_unknown_unit_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown area unit"):
        area_display(1e6, unit="acre", accuracy_m=1, perimeter_m=4_000)


def test_perimeter_of_a_1_km_square_and_of_a_line() -> None:
    squares = gk_boxes((0, 0, 1000, 1000))
    # A 1 km Gauss-Kruger square: 4 km on the map, over the GK scale factor on the ground.
    assert perimeter_m(squares).iloc[0] == pytest.approx(4000.0, rel=5e-4)
    lines = gpd.GeoSeries([LineString([(102.8, 24.8), (102.81, 24.8)]), None], crs=4326)
    assert perimeter_m(lines).tolist() == [0.0, 0.0]


def test_displays_follow_each_rows_accuracy() -> None:
    zones = gk_boxes((0, 0, 1000, 1000), (2000, 0, 3000, 1000))
    zones["accuracy_m"] = [1.0, 500.0]
    zones["schematic"] = [False, True]
    area = pd.Series([1.0e6, 1.0e6], index=zones.index)
    shown = area_displays(zones, area, unit="km2")
    assert shown.tolist() == ["1.000", "≈1"]
    assert not math.isnan(float(shown.iloc[0]))
