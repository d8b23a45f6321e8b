"""Totals follow the one rounding rule: a total of several zones is shown to the figures
the sum of their uncertainty bands supports, so never more precisely than its least
accurate member (geo.measure.precision.total_display, geo.plan.views.totals_display)."""

from __future__ import annotations

import math

import geopandas as gpd
import pytest

from geo.declared.registry import load_registry
from geo.measure.precision import area_display, total_display
from geo.plan.views import areal, totals_display, visible_area_table
from geo.plan.zones import load_plan_layers, zone_figures
from tests.conftest import gk_boxes
from tests.geo.geod_reference import geod_area_m2
from tests.geo.precision_reference import expected_total_text, geod_perimeter_m


def _decimals(text: str) -> int:
    digits = text.lstrip("≈").replace(",", "")
    return len(digits.split(".")[1]) if "." in digits else -(len(digits) - len(digits.rstrip("0")))


def _members(accuracies: list[float], schematic: list[bool]) -> gpd.GeoDataFrame:
    # Two 1 km squares 1 km apart (EPSG:4543 metres), stored in EPSG:4326.
    frame = gk_boxes((0, 0, 1000, 1000), (2000, 0, 3000, 1000))
    frame["accuracy_m"] = accuracies
    frame["schematic"] = schematic
    return frame


def test_a_total_is_rounded_to_the_sum_of_its_members_bands() -> None:
    members = _members([1.0, 50.0], [False, False])
    total_m2 = sum(geod_area_m2(g) for g in members.geometry)
    # band = 1 m x 4 km + 50 m x 4 km ~ 204,000 m²: its leading digit is the 100,000 m²
    # (0.1 km², 10 公顷) place, so 2.0 km² and 200 公顷 (1.99966... km² before rounding).
    band = sum(a * geod_perimeter_m(g) for a, g in zip([1.0, 50.0], members.geometry, strict=True))
    assert 200_000 < band < 210_000
    place_m2 = 10 ** math.floor(math.log10(band))
    assert place_m2 == 100_000
    assert total_display(total_m2, members, unit="km2") == "2.0"
    assert total_display(total_m2, members, unit="ha") == "200"
    assert total_display(total_m2, members, unit="mu") == "3,000"  # 3,000 亩 to 150 亩
    assert total_display(total_m2, members, unit="m2") == "2,000,000"


def test_never_more_precise_than_the_least_accurate_member() -> None:
    members = _members([0.5, 300.0], [False, True])
    total_m2 = sum(geod_area_m2(g) for g in members.geometry)
    shown = total_display(total_m2, members, unit="ha")
    assert shown.startswith("≈")  # one member is a sketch
    for geom, accuracy in zip(members.geometry, members["accuracy_m"], strict=True):
        alone = area_display(
            geod_area_m2(geom), unit="ha", accuracy_m=accuracy, perimeter_m=geod_perimeter_m(geom)
        )
        assert _decimals(shown) <= _decimals(alone), (shown, alone)
    # 300 m x 4 km = 1.2 km² band on 2 km²: one figure, ≈200 公顷
    assert shown == "≈200"


def test_no_stated_accuracy_keeps_six_figures_and_no_area_is_a_dash() -> None:
    members = gk_boxes((0, 0, 1000, 1000))  # a user's layer: no accuracy_m, no schematic
    area = geod_area_m2(members.geometry.iloc[0])
    assert (
        total_display(area, members, unit="km2") == f"{area / 1e6:.6g}"
    )  # six significant figures
    assert total_display(0.0, members, unit="km2") == "—"
    assert total_display(float("nan"), members, unit="km2") == "—"


def test_the_area_tables_totals_follow_the_rule() -> None:
    zones = load_plan_layers(registry=load_registry())
    layers = ("finance_business", "university_industry")
    _, totals = visible_area_table(zones, zone_figures(zones), layer_ids=layers, unit="km2")
    shown = totals_display(zones, totals, layer_ids=layers, unit="km2")
    members = areal(zones[zones["layer"].isin(layers)])
    assert members["schematic"].any()  # the university area and financial district: sketches
    assert shown == {
        kind: expected_total_text(totals[kind] * 1e6, members, unit="km2")
        for kind in ("sum", "union")
    }
    assert shown["sum"].startswith("≈")


def test_a_layer_without_accuracy_has_no_band_and_no_perimeters_are_computed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import geo.measure.precision as precision

    def no_perimeters(_: object) -> None:
        raise AssertionError("perimeters computed for a layer that states no accuracy")

    monkeypatch.setattr(precision, "perimeter_m", no_perimeters)
    upload = gk_boxes((0, 0, 1000, 1000), (500, 500, 1500, 1500))  # a user's layer
    assert precision.band_m2(upload).tolist() == [0.0, 0.0]
    total = sum(geod_area_m2(g) for g in upload.geometry)
    assert total_display(total, upload, unit="ha") == f"{total / 1e4:.6g}"  # six figures
