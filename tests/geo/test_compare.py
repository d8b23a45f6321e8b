"""Comparing versions: per-element areas before/after, Δ in km²/公顷/亩, the share
changed, added/removed/unchanged pieces; the XLSX table and ``python -m geo diff``.

Shapes are rectangles in Gauss-Kruger metres (tests.conftest.gk_boxes); expected areas
come from pyproj's Geod applied directly to hand-built pieces (tests.geo.geod_reference).
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from openpyxl import load_workbook

from geo.cli import main
from geo.edit.compare import compare_layers, compare_with_plan, diff_table
from geo.errors import InputFileError
from geo.export.tables import write_table
from geo.io import write_geojson_atomic
from tests.conftest import gk_boxes
from tests.geo.geod_reference import geod_area_m2
from tests.geo.test_adopt import plan_zones
from tests.geo.test_dxf import bureau_drawing, gk_origin

M2_PER_MU = 10_000 / 15


def versions() -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Before: a, b, c (1 km squares). After: a grown 500 m north, b as it was, c gone,
    d new, e moved 100 m east."""
    before = gk_boxes(
        (0, 0, 1000, 1000), (2000, 0, 3000, 1000), (4000, 0, 5000, 1000), (8000, 0, 9000, 1000),
        ids=["a", "b", "c", "e"],
    )  # fmt: skip
    after = gk_boxes(
        (0, 0, 1000, 1500), (2000, 0, 3000, 1000), (6000, 0, 7000, 1000), (8100, 0, 9100, 1000),
        ids=["a", "b", "d", "e"],
    )  # fmt: skip
    before["name_zh"] = ["甲", "乙", "丙", "戊"]
    after["name_zh"] = ["甲（新）", None, "丁", "戊"]
    return before, after


def test_each_element_has_its_status_areas_and_change() -> None:
    before, after = versions()
    table = compare_layers(before, after).table.set_index("id")
    assert list(table.index) == ["a", "b", "c", "e", "d"]
    assert dict(table["status"]) == {
        "a": "changed", "b": "unchanged", "c": "removed", "e": "changed", "d": "added",
    }  # fmt: skip
    assert dict(table["name_zh"]) == {"a": "甲（新）", "b": "乙", "c": "丙", "e": "戊", "d": "丁"}
    grown = gk_boxes((0, 1000, 1000, 1500)).geometry.iloc[0]
    a = table.loc["a"]
    assert a["area_before_m2"] == pytest.approx(geod_area_m2(before.geometry.iloc[0]), rel=1e-8)
    assert a["area_after_m2"] == pytest.approx(geod_area_m2(after.geometry.iloc[0]), rel=1e-8)
    assert a["added_m2"] == pytest.approx(geod_area_m2(grown), rel=1e-6)
    # The shared west and east edges were straight in Gauss-Kruger, not in longitude/
    # latitude where the cut is made: a sliver under a square metre, below the tolerance.
    assert a["removed_m2"] < 1.0
    assert a["delta_m2"] == pytest.approx(geod_area_m2(grown), rel=1e-6)
    assert a["delta_km2"] == pytest.approx(a["delta_m2"] / 1e6)
    assert a["delta_ha"] == pytest.approx(a["delta_m2"] / 1e4)
    assert a["delta_mu"] == pytest.approx(a["delta_m2"] / M2_PER_MU)
    # 0.5 km² differs of the 1.5 km² either covers.
    assert a["changed_share"] == pytest.approx(1 / 3, rel=1e-5)
    assert table.loc["b", "changed_share"] == 0.0
    assert table.loc["c", "area_after_m2"] == 0.0
    assert table.loc["c", "changed_share"] == 1.0
    assert table.loc["d", "area_before_m2"] == 0.0
    moved = table.loc["e"]
    strip = geod_area_m2(gk_boxes((9000, 0, 9100, 1000)).geometry.iloc[0])
    # The strips' 1 km long edges are cut where they were straight in Gauss-Kruger: 1e-5.
    assert moved["added_m2"] == pytest.approx(strip, rel=2e-5)
    assert moved["removed_m2"] == pytest.approx(
        geod_area_m2(gk_boxes((8000, 0, 8100, 1000)).geometry.iloc[0]), rel=2e-5
    )
    assert abs(moved["delta_m2"]) < 1.0  # the same size, elsewhere
    assert moved["changed_share"] == pytest.approx(200 / 1100, rel=1e-5)


def test_pieces_add_up_to_both_shapes() -> None:
    before, after = versions()
    comparison = compare_layers(before, after)
    pieces = comparison.pieces
    assert set(pieces["piece"]) == {"added", "removed", "unchanged"}
    assert pieces.crs == before.crs
    table = comparison.table.set_index("id")
    for element, row in table.iterrows():
        mine = pieces[pieces["id"] == element].groupby("piece")["area_m2"].sum()
        before_m2 = mine.get("removed", 0.0) + mine.get("unchanged", 0.0)
        after_m2 = mine.get("added", 0.0) + mine.get("unchanged", 0.0)
        # Geodesic edges between the cut's new vertices: within 1e-6 of the whole.
        assert before_m2 == pytest.approx(row["area_before_m2"], rel=1e-6, abs=1e-6)
        assert after_m2 == pytest.approx(row["area_after_m2"], rel=1e-6, abs=1e-6)
    assert not ((pieces["id"] == "b") & (pieces["piece"] != "unchanged")).any()


def test_a_layer_without_the_key_is_refused_with_its_columns() -> None:
    before, after = versions()
    with pytest.raises(InputFileError, match=r"no column 'code'.*its columns are id, name_zh"):
        compare_layers(before, after, key="code")


def test_a_user_layer_against_the_plan_is_matched_by_name() -> None:
    zones = plan_zones()
    layer = gk_boxes((0, 0, 1000, 1200), (9000, 0, 9100, 100), ids=["x1", "x2"])
    layer["名称"] = ["大学城", "停车场"]
    comparison = compare_with_plan(layer, zones)
    assert list(comparison.table["id"]) == ["uni_area"]
    assert comparison.table["name_zh"].iloc[0] == "大学城（示意）"
    assert comparison.table["changed_share"].iloc[0] == pytest.approx(0.2 / 1.2, rel=1e-5)
    assert any("1 feature(s) match no plan element: #2" in n for n in comparison.notes)


def test_the_difference_table_exports_as_xlsx(tmp_path: Path) -> None:
    before, after = versions()
    table = diff_table(compare_layers(before, after), unit="ha")
    path = write_table(table, tmp_path / "diff.xlsx", sheet="diff", notes={"before": "v1"})
    sheet = load_workbook(path)["diff"]
    header = [c.value for c in sheet[1]]
    assert header[:4] == ["id", "name_zh", "status", "area_before"]
    row = {h: c.value for h, c in zip(header, sheet[2], strict=True)}
    assert row["id"] == "a"
    assert row["unit"] == "ha"
    assert row["area_before"] == pytest.approx(geod_area_m2(before.geometry.iloc[0]) / 1e4)
    assert row["changed_share"] == pytest.approx(1 / 3, rel=1e-5)
    share_cell = sheet.cell(row=2, column=header.index("changed_share") + 1)
    assert share_cell.number_format == "0.00%"


def test_python_m_geo_diff_prints_the_table(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before, after = versions()
    write_geojson_atomic(before, tmp_path / "v1.geojson")
    write_geojson_atomic(after, tmp_path / "v2.geojson")
    out = tmp_path / "diff.xlsx"
    code = main(["diff", str(tmp_path / "v1.geojson"), str(tmp_path / "v2.geojson"),
                 "--unit", "mu", "--out", str(out)])  # fmt: skip
    printed = capsys.readouterr().out
    assert code == 0
    lines = printed.splitlines()
    assert lines[0].split()[:4] == ["id", "name_zh", "status", "area_before"]
    assert any(line.split()[:3] == ["c", "丙", "removed"] for line in lines)
    assert any(line.split()[:2] == ["b", "乙"] and "unchanged" in line for line in lines)
    assert out.is_file()


def test_python_m_geo_diff_plan_against_a_dxf(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    x0, y0 = gk_origin()
    data = bureau_drawing(x0, y0).replace("大学城".encode("gbk"), "大学院校集聚区".encode("gbk"))
    (tmp_path / "控规.dxf").write_bytes(data)
    code = main(["diff", "plan", str(tmp_path / "控规.dxf"), "--crs", "EPSG:4543",
                 "--format", "csv"])  # fmt: skip
    captured = capsys.readouterr()
    assert code == 0
    assert "uni_innovation_area" in captured.out
    assert "matched on column 'cad_text'" in captured.err


def test_python_m_geo_diff_names_a_missing_file(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["diff", "plan", "nowhere.geojson"]) == 2
    assert "neither a file nor 'plan'" in capsys.readouterr().err


def test_sources_and_who_changed_why_are_carried_from_the_versions() -> None:
    before, after = versions()
    before["geometry_source"] = "sketch"
    after["geometry_source"] = ["authoritative", "sketch", "edited", "sketch"]
    after["changed_by"] = ["张工", None, "李工", None]
    after["reason"] = ["控规批复", None, "=HYPERLINK(1)", None]
    table = diff_table(compare_layers(before, after)).set_index("id")
    assert table.loc["a", "geometry_source_before"] == "sketch"
    assert table.loc["a", "geometry_source_after"] == "authoritative"
    assert pd.isna(table.loc["c", "geometry_source_after"])
    assert table.loc["a", "changed_by"] == "张工"
    assert table.loc["d", "reason"] == "=HYPERLINK(1)"  # kept as given; files defuse it
