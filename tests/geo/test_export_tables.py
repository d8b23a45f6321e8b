"""Area and overlap tables: hand-checkable figures, unit/method/CRS columns, BOM, XLSX."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import shapely
from openpyxl import load_workbook
from pyproj import Geod

from geo.export.tables import area_export_table, overlap_export_table, write_table
from tests.conftest import gk_boxes
from tests.geo.export_sample import sample_features

GRS80 = Geod(ellps="GRS80")  # the CGCS2000 ellipsoid's shape


def geod_area_m2(geom: shapely.Geometry) -> float:
    area, _ = GRS80.geometry_area_perimeter(shapely.orient_polygons(geom))
    return abs(float(area))


def test_area_table_figures_and_provenance_columns() -> None:
    squares = gk_boxes((0, 0, 1000, 1000), (0, 2000, 2000, 3000), ids=["a", "b"])
    squares["name_zh"] = ["一号地块", "二号地块"]
    table = area_export_table(squares, unit="ha")
    assert list(table["id"]) == ["a", "b"]
    assert table["gk_area"].tolist() == pytest.approx([100.0, 200.0], rel=1e-9)
    expected = [geod_area_m2(g) for g in squares.geometry]
    assert table["area_m2"].tolist() == pytest.approx(expected, rel=1e-9)
    assert table["area"].tolist() == pytest.approx([v / 10_000 for v in expected], rel=1e-9)
    assert set(table["unit"]) == {"ha"} and set(table["unit_zh"]) == {"公顷"}
    assert set(table["crs"]) == {"EPSG:4490"} and set(table["gk_crs"]) == {"EPSG:4543"}
    assert table["method"].str.contains("ellipsoidal").all()


def test_area_table_leaves_out_points_and_lines() -> None:
    features = sample_features()
    table = area_export_table(features)
    assert set(table["id"]) == {"ext_box", "fin_centre", "fin_hq", "eco_lake"}


def test_overlap_table_quarter_overlap() -> None:
    squares = gk_boxes((0, 0, 1000, 1000), (500, 500, 1500, 1500), ids=["a", "b"])
    table = overlap_export_table(squares, squares, unit="m2")
    assert len(table) == 1  # one pair, not (a, b) and (b, a), and no self-pairs
    row = table.iloc[0]
    assert (row["a_id"], row["b_id"]) == ("a", "b")
    assert row["a_share"] == pytest.approx(0.25, rel=1e-5)  # scale varies across 1 km
    piece = shapely.box(500, 500, 1000, 1000)
    expected = geod_area_m2(gk_boxes((500, 500, 1000, 1000)).geometry.iloc[0])
    assert piece.area == 250_000
    assert row["overlap_m2"] == pytest.approx(expected, rel=1e-6)
    assert row["unit"] == "m2" and row["crs"] == "EPSG:4490"


def test_csv_has_bom_and_chinese_survives(tmp_path: Path) -> None:
    table = area_export_table(sample_features(), unit="mu")
    out = write_table(table, tmp_path / "areas.csv")
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    back = pd.read_csv(out, encoding="utf-8-sig")
    assert list(back["name_zh"]) == list(table["name_zh"])
    assert back["area_m2"].tolist() == pytest.approx(table["area_m2"].tolist(), rel=1e-12)
    assert set(back["unit_zh"]) == {"亩"}


def test_xlsx_round_trip_with_notes(tmp_path: Path) -> None:
    table = area_export_table(sample_features(), unit="km2")
    out = write_table(table, tmp_path / "areas.xlsx", notes={"fingerprint": "sha256:abc"})
    wb = load_workbook(out)
    ws = wb["areas"]
    rows = list(ws.iter_rows(values_only=True))
    assert list(rows[0]) == list(table.columns)
    back = pd.DataFrame(rows[1:], columns=rows[0])
    assert list(back["name_zh"]) == list(table["name_zh"])
    assert back["area_m2"].tolist() == pytest.approx(table["area_m2"].tolist(), rel=1e-12)
    assert list(back["schematic"]) == list(table["schematic"])
    notes = dict(wb["notes"].iter_rows(min_row=2, values_only=True))
    assert notes == {"fingerprint": "sha256:abc"}
    wb.close()


def test_unknown_table_suffix_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"\.ods"):
        write_table(pd.DataFrame({"a": [1]}), tmp_path / "t.ods")


def test_table_bytes_for_download() -> None:
    from io import BytesIO

    from geo.export.tables import table_bytes

    table = area_export_table(sample_features())
    assert table_bytes(table, fmt="csv").startswith(b"\xef\xbb\xbf")
    wb = load_workbook(BytesIO(table_bytes(table, fmt="xlsx")))
    assert wb["areas"].max_row == len(table) + 1
    wb.close()
