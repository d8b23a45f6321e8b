"""Layers with date, time and datetime attributes export in every format.

A GeoJSON export of any layer with a date field used to fail with "Timestamp is not
JSON serializable". GeoJSON and the Shapefile have no date-time type: there the values
are ISO 8601 text; the GeoPackage keeps real date-times; KML holds ISO text too.
Read back with an independent reader (json, fiona) where there is one.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import warnings
import zipfile
from pathlib import Path

import fiona
import geopandas as gpd
import pandas as pd
import pyogrio
import pytest

from geo.export.cli import add_parser
from geo.export.layers import FORMATS, export_layer, layer_bytes
from tests.conftest import gk_boxes

# What each value must read back as, in the formats that store text.
ISO = {
    "surveyed": ["2024-03-01T08:30:00", None],
    "surveyed_tz": ["2024-03-01T08:30:00+08:00", "2025-01-02T00:00:00+08:00"],
    "approved": ["2023-05-06", None],
    "opened": ["2023-05-06T07:08:09", "2024-01-01T00:00:00"],
    "opens_at": ["07:08:09", None],
}


def dated_layer() -> gpd.GeoDataFrame:
    layer = gk_boxes((0, 0, 100, 100), (200, 0, 300, 100), ids=["a", "b"])
    layer["surveyed"] = pd.to_datetime(pd.Series(["2024-03-01 08:30:00", None]))  # with NaT
    layer["surveyed_tz"] = pd.to_datetime(
        ["2024-03-01 08:30:00", "2025-01-02 00:00:00"]
    ).tz_localize("Asia/Shanghai")
    layer["approved"] = [dt.date(2023, 5, 6), None]  # Python dates (object column)
    layer["opened"] = [dt.datetime(2023, 5, 6, 7, 8, 9), dt.datetime(2024, 1, 1)]
    layer["opens_at"] = [dt.time(7, 8, 9), None]
    layer["name_zh"] = ["七步场村", "万溪冲"]
    return layer


def _missing_as_none(values: list[object]) -> list[object]:
    return [None if v is None or (isinstance(v, float) and v != v) else v for v in values]


@pytest.fixture(scope="module")
def layer() -> gpd.GeoDataFrame:
    return dated_layer()


def test_geojson(layer: gpd.GeoDataFrame, tmp_path: Path) -> None:
    before = layer.copy()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = export_layer(layer, tmp_path / "dated.geojson")
    props = [f["properties"] for f in json.loads(out.read_text("utf-8"))["features"]]
    for column, expected in ISO.items():
        assert [p[column] for p in props] == expected, column
    assert [p["name_zh"] for p in props] == ["七步场村", "万溪冲"]
    pd.testing.assert_frame_equal(layer, before)  # the caller's layer is not changed


def test_shapefile(layer: gpd.GeoDataFrame, tmp_path: Path) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no GDAL "created as String field" warnings
        out = export_layer(layer, tmp_path / "dated.zip")
    with zipfile.ZipFile(out) as zf:
        zf.extractall(tmp_path / "shp")
    with fiona.open(tmp_path / "shp" / "dated.shp") as src:
        records = [dict(f["properties"]) for f in src]
    renamed = {"surveyed_tz": "surveyed_t"}  # dBASE names are 10 characters at most
    for column, expected in ISO.items():
        got = [r[renamed.get(column, column)] for r in records]
        assert _missing_as_none(got) == expected, column


def test_geopackage_keeps_date_times(layer: gpd.GeoDataFrame, tmp_path: Path) -> None:
    out = export_layer(layer, tmp_path / "dated.gpkg")
    with fiona.open(out) as src:
        schema = dict(src.schema["properties"])
        records = [dict(f["properties"]) for f in src]
    assert schema["surveyed"] == "datetime" and schema["opened"] == "datetime"
    assert [r["surveyed"] for r in records] == ["2024-03-01T08:30:00", None]
    assert [r["opened"] for r in records] == ["2023-05-06T07:08:09", "2024-01-01T00:00:00"]
    # Time-zone aware values are stored in UTC, as the GeoPackage standard asks: the
    # same instant (08:30 in Beijing is 00:30 UTC), read back without any warning.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        back = pyogrio.read_dataframe(out)
    assert back["surveyed_tz"].tolist() == [
        pd.Timestamp("2024-03-01T00:30:00Z"),
        pd.Timestamp("2025-01-01T16:00:00Z"),
    ]


def test_kml(layer: gpd.GeoDataFrame, tmp_path: Path) -> None:
    out = export_layer(layer, tmp_path / "dated.kml")
    back = pyogrio.read_dataframe(out)
    for column, expected in ISO.items():
        assert _missing_as_none(back[column].tolist()) == expected, column


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_layer_bytes_for_download(layer: gpd.GeoDataFrame, fmt: str) -> None:
    data = layer_bytes(layer, fmt=fmt, name="dated")  # type: ignore[arg-type]
    assert len(data) > 100


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_cli_exports_a_file_with_date_fields(tmp_path: Path, fmt: str) -> None:
    """``python -m geo export layer`` on a file whose date fields GDAL reads as dates."""
    source = tmp_path / "dated.geojson"
    square = [[102.82, 24.87], [102.83, 24.87], [102.83, 24.88], [102.82, 24.88]]
    feature = {
        "type": "Feature",
        "properties": {"id": "a", "approved": "2023-05-06", "surveyed": "2024-03-01T08:30:00"},
        "geometry": {"type": "Polygon", "coordinates": [[*square, square[0]]]},
    }
    source.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}), "utf-8")
    read = pyogrio.read_dataframe(source)
    assert pd.api.types.is_datetime64_any_dtype(read["surveyed"]), "GDAL reads it as a date"
    parser = argparse.ArgumentParser(prog="python -m geo")
    add_parser(parser.add_subparsers(dest="command", required=True))
    out = tmp_path / f"out{FORMATS[fmt]}"
    args = parser.parse_args(
        ["export", "layer", "--format", fmt, "--data", str(source), "--out", str(out)]
    )
    assert int(args.func(args)) == 0
    assert out.exists() and out.stat().st_size > 100
    if fmt == "geojson":
        props = json.loads(out.read_text("utf-8"))["features"][0]["properties"]
        assert props["surveyed"] == "2024-03-01T08:30:00"
        assert str(props["approved"]).startswith("2023-05-06")


def test_tables_with_dates_open_as_csv_and_xlsx() -> None:
    """An attribute table with dates (e.g. an upload's by-feature table) downloads in
    both formats; Excel has no time zones, so a zone-aware value is ISO text there."""
    import io

    import openpyxl

    from geo.tables import csv_bytes, xlsx_bytes

    frame = pd.DataFrame(dated_layer().drop(columns="geometry"))
    text = csv_bytes(frame).decode("utf-8-sig")
    assert "2024-03-01 08:30:00+08:00" in text and "2023-05-06" in text
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx_bytes(frame))).active
    assert sheet is not None
    rows = {c[0].value: [c[i].value for i in range(1, 3)] for c in sheet.iter_cols()}
    assert rows["surveyed"] == [dt.datetime(2024, 3, 1, 8, 30), None]
    assert rows["surveyed_tz"] == ["2024-03-01T08:30:00+08:00", "2025-01-02T00:00:00+08:00"]
    assert rows["approved"] == [dt.datetime(2023, 5, 6), None]
    assert rows["opened"] == [dt.datetime(2023, 5, 6, 7, 8, 9), dt.datetime(2024, 1, 1)]
