"""The review's totals follow the one rounding rule: a rule's violating area is read to
the sum of its pieces' bands (never finer than its least certain piece), in the rule
table and in the printed pack, not to a fixed two decimals of 公顷."""

from __future__ import annotations

import io
from pathlib import Path

import geopandas as gpd
import pytest
from pypdf import PdfReader

from geo.export.review_pack import ReviewInputs, write_review_pack
from geo.review.conflicts import run_rules
from geo.review.report import rule_table
from geo.review.rules import load_rules
from tests.geo.geod_reference import geod_area_m2
from tests.geo.precision_reference import expected_total_text
from tests.geo.test_export_atlas import box, zones

RULE = "no_zone_on_basic_farmland"


def _farmland() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"类型": ["永久基本农田"]}, geometry=[box(1800, 0, 3000, 500)], crs="EPSG:4326"
    )


def test_a_rules_violating_area_is_read_to_its_pieces_bands() -> None:
    report = run_rules(load_rules(), zones=zones(), user_layers={"sanxian": _farmland()})
    row = rule_table(report).set_index("rule_id").loc[RULE]
    pieces = next(r for r in report.results if r.rule.id == RULE).violations
    # the pieces by hand: park_a ∩ farmland = 200 m × 500 m, village_b ∩ farmland = 700 × 500
    by_hand = [box(1800, 0, 2000, 500), box(1800, 0, 2500, 500)]
    total_m2 = sum(geod_area_m2(g) for g in by_hand)
    assert row["violation_m2"] == pytest.approx(total_m2, rel=1e-6)
    # each piece at its feature's accuracy (park 10 m, village 100 m), perimeters by Geod
    members = gpd.GeoDataFrame(
        {"accuracy_m": pieces["accuracy_m"].to_numpy()}, geometry=list(pieces.geometry), crs=4326
    )
    expected = " / ".join(
        f"{expected_total_text(total_m2, members, unit=u)} {label}"
        for u, label in (("km2", "km²"), ("ha", "公顷"), ("mu", "亩"))
    )
    assert str(row["violation_text"]).startswith(expected + " (± ")
    assert "40 公顷" in expected  # 45 公顷 ± 25 公顷: one figure, not "44.99"


def test_a_rule_without_violations_reads_a_dash() -> None:
    report = run_rules(load_rules(), zones=zones(), user_layers={})
    table = rule_table(report)
    assert (table.loc[table["violation_m2"] == 0, "violation_text"] == "—").all()


def test_the_pack_prints_the_rounded_reading(tmp_path: Path) -> None:
    inputs = ReviewInputs(zones=zones(), rules=load_rules(), user_layers={"sanxian": _farmland()})
    pdf, _xlsx = write_review_pack(inputs, tmp_path / "review.pdf")
    text = "".join(
        "".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(pdf.read_bytes())).pages
    )
    assert "0.4km²/40公顷/700亩" in text
    assert "44.99" not in text and "49.99" not in text  # no fixed two decimals of 公顷
