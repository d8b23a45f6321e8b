"""The atlas and the review pack: pages, bookmarks, figures printed, sheets written.

Zones are rectangles drawn in metres in EPSG:4543 (areas from Geod directly); the PDF
is read back with pypdf and its text compared without whitespace.
"""

from __future__ import annotations

import io
import warnings
from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from openpyxl import load_workbook
from PIL import Image
from pypdf import PdfReader

from geo.cli import main
from geo.export.atlas import AtlasRequest, atlas_features, atlas_pages, render_atlas
from geo.export.pages import page_png, pdf_bytes
from geo.export.review_pack import ReviewInputs, write_review_pack
from geo.review.conflicts import run_rules
from geo.review.rules import load_rules, parse_rules
from tests.geo.geod_reference import geod_area_m2, gk_polygon
from tests.geo.test_review_rules import BASE, rule


def box(x0: float, y0: float, x1: float, y1: float) -> shapely.Polygon:
    return gk_polygon([(x0, y0), (x1, y0), (x1, y1), (x0, y1)])


def zones() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "id": ["park_a", "village_b"],
            "name_zh": ["甲产业园", "乙村"],
            "name_en": ["Park A", "Village B"],
            "layer": ["university_industry", "village_renewal"],
            "group": ["industrial_park", "featured_village"],
            "level": "district",
            "plan_article": ["第二十一条", "第二十四条"],
            "plan_quote_zh": ["建设甲产业园", "改造乙村"],
            "plan_land_km2": [2.0, None],
            "geometry_source": ["street_derived", "sketch"],
            "land_figure_check": ["independent", "schematic"],
            "source_detail": ["test streets", "test sketch"],
            "accuracy_m": [10.0, 100.0],
            "assumptions": ["none", "drawn by hand"],
            "schematic": [False, True],
        },
        geometry=[box(0, 0, 2000, 1000), box(1500, 0, 2500, 1000)],
        crs="EPSG:4326",
    )


def _text(data: bytes) -> list[str]:
    return ["".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(data)).pages]


def test_atlas_pages_bookmarks_and_figures(tmp_path: Path) -> None:
    features = atlas_features(zones())
    out = render_atlas(features, tmp_path / "atlas.pdf", request=AtlasRequest())
    reader = PdfReader(out)
    assert len(reader.pages) == 3  # cover with contents, then one page per zone
    titles = [item.title for item in reader.outline]  # type: ignore[union-attr]
    assert titles == ["封面与目录 · Cover and contents", "甲产业园 · Park A", "乙村 · Village B"]
    width, height = (float(v) for v in reader.pages[1].mediabox.upper_right)
    assert (round(width), round(height)) == (595, 842)  # A4 portrait in points
    text = _text(out.read_bytes())
    assert "第1/3页" in text[0] and "第3/3页" in text[2]
    # park A: 2 km² (Geod), its band 6 km x 10 m = 0.06 km², stated 2.00 km²
    area_km2 = geod_area_m2(box(0, 0, 2000, 1000)) / 1e6
    assert f"{area_km2:,.2f}km²" in text[1]
    assert "±0.060km²" in text[1]
    assert "「建设甲产业园」" in text[1] and "第二十一条" in text[1]
    # the overlap with village B: 500 m x 1 km, a quarter of the park, half the village
    assert "乙村0.50025%50%" in text[1]
    assert "示意：非测量成果" in text[2] and "±100m" in text[2]


def test_an_uploaded_layer_prints_and_a_page_can_be_looked_at(tmp_path: Path) -> None:
    upload = gpd.GeoDataFrame({"名称": ["地块1"]}, geometry=[box(0, 0, 300, 300)], crs="EPSG:4326")
    features = atlas_features(upload, name="parcels")
    assert features["layer"].tolist() == ["user"]
    assert features["geometry_source"].tolist() == ["unknown"]
    pages, _fp = atlas_pages(features, request=AtlasRequest(paper="A3", orientation="landscape"))
    png = page_png(pages[1], dpi=50)
    image = Image.open(io.BytesIO(png))
    assert image.size == (int(420 / 25.4 * 50), int(297 / 25.4 * 50))  # as matplotlib rounds
    assert features["name_zh"].tolist() == ["地块1"]
    assert len(image.convert("L").getcolors(maxcolors=100_000) or []) > 10  # drawn, not blank


def test_export_atlas_cli_defaults_to_the_plans_zones(tmp_path: Path) -> None:
    out = tmp_path / "a.pdf"
    argv = ["export", "atlas", "--zones", "fin_sci_tech_finance_centre", "--out", str(out)]
    assert main(argv) == 0
    reader = PdfReader(out)
    assert len(reader.pages) == 2
    assert "科技金融服务中心" in reader.outline[1].title  # type: ignore[union-attr,index]


def test_review_pack_pdf_and_xlsx(tmp_path: Path) -> None:
    lines = gpd.GeoDataFrame(
        {"类型": ["永久基本农田"]}, geometry=[box(1800, 0, 3000, 500)], crs="EPSG:4326"
    )
    landuse = gpd.GeoDataFrame(
        {"DLBM": ["0701", "1001"], "DLMC": ["城镇住宅用地", "工业用地"]},
        geometry=[box(0, 0, 1000, 1000), box(1000, 0, 2000, 1000)],
        crs="EPSG:4326",
    )
    rules_file = tmp_path / "rules.toml"
    rules_file.write_text("x", encoding="utf-8")
    inputs = ReviewInputs(
        zones=zones(),
        rules=load_rules(),
        user_layers={"sanxian": lines},
        landuse=("parcels", landuse),
        files={"rules": rules_file},
    )
    pdf, xlsx = write_review_pack(inputs, tmp_path / "review.pdf")
    reader = PdfReader(pdf)
    titles = [item.title for item in reader.outline]  # type: ignore[union-attr]
    for section in (
        "规则检查",
        "违规图斑",
        "拓扑检查",
        "重叠",
        "规划面积核对",
        "用地分类统计（一级类）",
    ):
        assert any(section in t for t in titles), titles
    text = "".join(_text(pdf.read_bytes()))
    assert "no_zone_on_basic_farmland" in text and "不通过" in text
    book = load_workbook(xlsx)
    assert {"inputs", "rules", "violations", "topology", "overlaps", "plan_check"} <= set(
        book.sheetnames
    )
    assert {"landuse_level1", "landuse_level2", "landuse_by_zone", "landuse_codes"} <= set(
        book.sheetnames
    )
    inputs_sheet = book["inputs"]
    assert inputs_sheet["D2"].value == __import__("hashlib").sha256(b"x").hexdigest()
    level1 = {r[0]: r for r in book["landuse_level1"].iter_rows(min_row=2, values_only=True)}
    assert level1["10"][4] == pytest.approx(geod_area_m2(box(1000, 0, 2000, 1000)), rel=1e-6)


def test_atlas_by_findings_pages_every_violating_piece() -> None:
    raw = {**BASE, "rules": [rule(a=["layer:university_industry"], b=["layer:village_renewal"])]}
    report = run_rules(parse_rules(raw), zones=zones())
    features = atlas_features(zones())
    pages, _fp = atlas_pages(features, request=AtlasRequest(by="findings"), report=report)
    assert len(pages) == 2  # the summary, then the one piece: park A x village B
    assert pages[1].bookmark == "规则 · park_a × village_b"
    text = _text(pdf_bytes(pages, title="t", fp=_fp))
    assert "不通过" in text[1] and "25.0%" in text[1]  # a quarter of park A


def test_export_review_cli_writes_the_pdf_and_the_xlsx(tmp_path: Path) -> None:
    lines = tmp_path / "sanxian.geojson"
    gpd.GeoDataFrame(
        {"类型": ["生态保护红线"]}, geometry=[box(0, 0, 100, 100)], crs="EPSG:4326"
    ).to_file(lines)
    out = tmp_path / "review.pdf"
    assert main(["export", "review", "--layer", str(lines), "--out", str(out)]) == 0
    assert len(PdfReader(out).pages) >= 5
    book = load_workbook(tmp_path / "review.xlsx")
    roles = [r[0] for r in book["inputs"].iter_rows(min_row=2, values_only=True)]
    assert roles == ["rules", "zones", "layer sanxian"]


def test_names_and_quotes_are_printed_literally() -> None:
    hostile = zones()
    hostile.loc[0, ["name_zh", "plan_quote_zh"]] = ["$x^2$ 园", r"$\notacommand$ 50%$"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no mathtext error, no missing glyph
        pages, fp = atlas_pages(atlas_features(hostile), request=AtlasRequest())
        text = _text(pdf_bytes(pages, title="t", fp=fp))
    assert "$x^2$园" in text[1] and r"$\notacommand$50%$" in text[1]
