"""CSV from the command line (``areas``, ``overlaps``, ``plan-check``) keeps text that a
spreadsheet would run as a formula as text, and numbers as numbers."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd
import pytest

from geo.cli import _emit, main
from geo.io import write_geojson_atomic
from geo.plan.check import format_plan_check, plan_figure_table
from tests.conftest import gk_boxes
from tests.geo.geod_reference import geod_area_m2

HOSTILE = ["=1+1", "@SUM(A1)", "+x", "-x"]


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def _boxes() -> pd.DataFrame:
    return gk_boxes(*[(i * 2000, 0, i * 2000 + 1000, 1000) for i in range(4)], ids=HOSTILE)


@pytest.fixture
def hostile_file(tmp_path: Path) -> Path:
    path = tmp_path / "hostile.geojson"
    write_geojson_atomic(_boxes(), path)
    return path


def test_areas_csv_defuses_ids(hostile_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["areas", str(hostile_file), "--unit", "ha", "--format", "csv"]) == 0
    rows = _rows(capsys.readouterr().out)
    assert [r["id"] for r in rows] == ["'" + v for v in HOSTILE]
    assert all(99 < float(r["area_ha"]) < 101 for r in rows)  # numbers, not text


def test_overlaps_csv_defuses_ids(
    hostile_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    other = tmp_path / "other.geojson"
    write_geojson_atomic(gk_boxes((500, 0, 1500, 1000), ids=["-y"]), other)
    assert main(["overlaps", str(hostile_file), str(other), "--format", "csv"]) == 0
    rows = _rows(capsys.readouterr().out)
    assert [(r["a"], r["b"]) for r in rows] == [("'=1+1", "'-y")]
    assert float(rows[0]["a_share"]) == pytest.approx(0.5, abs=1e-3)


def test_emit_keeps_negative_numbers_numbers() -> None:
    lines: list[str] = []
    _emit(pd.DataFrame({"id": HOSTILE, "value": [-12.5, 1.0, 2.0, 3.0]}), "csv", lines.append)
    rows = _rows(lines[0])
    assert [r["id"] for r in rows] == ["'" + v for v in HOSTILE]
    assert rows[0]["value"] == "-12.5"


def test_plan_check_csv_defuses_ids() -> None:
    zones = _boxes()
    true_km2 = [geod_area_m2(g) / 1e6 for g in zones.geometry]
    zones["name_zh"] = "区"
    zones["name_en"] = "zone"
    zones["plan_land_km2"] = [t / 0.875 for t in true_km2]  # deviation -12.5 %
    zones["land_figure_check"] = "independent"
    zones["geometry_source"] = "street_derived"
    zones["accuracy_m"] = 100
    rows = _rows(format_plan_check(plan_figure_table(zones), fmt="csv"))
    assert sorted(r["id"] for r in rows) == sorted("'" + v for v in HOSTILE)
    assert all(float(r["deviation_pct"]) == pytest.approx(-12.5) for r in rows)
