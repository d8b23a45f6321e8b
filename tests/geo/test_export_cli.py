"""``python -m geo export …`` writes what it is asked for, from files made here."""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd
import pyogrio
import pytest
from pypdf import PdfReader

from geo.export.cli import add_parser
from geo.io import write_geojson_atomic
from tests.geo.export_sample import sample_features


def run(argv: list[str]) -> int:
    """Parse as ``python -m geo`` would once geo/cli.py calls ``add_parser``."""
    parser = argparse.ArgumentParser(prog="python -m geo")
    add_parser(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return int(args.func(args))


@pytest.fixture
def data_file(tmp_path: Path) -> Path:
    path = tmp_path / "zones.geojson"
    write_geojson_atomic(sample_features(), path)
    return path


def test_export_map_pdf_with_own_title(data_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "fin.pdf"
    argv = ["export", "map", "--preset", "financial_district", "--title", "金融片区汇报图"]
    argv += ["--paper", "A4", "--orientation", "portrait", "--data", str(data_file)]
    assert run([*argv, "--out", str(out)]) == 0
    text = PdfReader(out).pages[0].extract_text()
    assert "金融片区汇报图" in text
    assert "科技金融服务中心与总部聚集区" in text  # the preset's subtitle... or legend name
    assert "zones.geojson" in text  # the fingerprint names the data file


def test_export_layer_gpkg_selected_layers(data_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "fin.gpkg"
    argv = ["export", "layer", "--format", "gpkg", "--layers", "finance_business"]
    assert run([*argv, "--data", str(data_file), "--out", str(out)]) == 0
    back = pyogrio.read_dataframe(out)
    assert sorted(back["id"]) == ["fin_centre", "fin_hq"]


def test_export_table_areas_csv(data_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "areas.csv"
    argv = ["export", "table", "--kind", "areas", "--unit", "ha", "--data", str(data_file)]
    assert run([*argv, "--out", str(out)]) == 0
    back = pd.read_csv(out, encoding="utf-8-sig")
    assert set(back["unit"]) == {"ha"}
    assert "洛龙湖" in set(back["name_zh"])
