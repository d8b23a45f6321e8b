"""The comparison's exports: the PDF page (the two versions named, the fingerprint, the
difference table's figures) and the XLSX table's Δ columns, against areas from pyproj's
Geod applied directly to the hand-built shapes (tests.geo.geod_reference)."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from geo.edit.compare import compare_layers, diff_table
from geo.export.compare_page import (
    TITLE,
    comparison_fingerprint,
    comparison_pages,
    comparison_pdf_bytes,
)
from geo.export.pages import page_png
from geo.tables import xlsx_bytes
from tests.conftest import gk_boxes
from tests.geo.geod_reference import geod_area_m2

M2_PER_MU = 10_000 / 15
BEFORE_NAME = "2026-12-01T09:00:00Z · seed"
AFTER_NAME = "现状 · the plan now"


def versions() -> tuple:  # type: ignore[type-arg]
    """Before: a and c (1 km squares). After: a grown 500 m north (edited by 王工 with a
    reason that looks like mathtext), c gone, d new."""
    before = gk_boxes((0, 0, 1000, 1000), (4000, 0, 5000, 1000), ids=["a", "c"])
    after = gk_boxes((0, 0, 1000, 1500), (6000, 0, 7000, 1000), ids=["a", "d"])
    before["name_zh"] = ["大学城", "旧区"]
    after["name_zh"] = ["大学城", "新区"]
    after["changed_by"] = ["王工", "李工"]
    after["reason"] = ["控规批复 $x^2$ 调整", "新增"]
    return before, after


def _text(data: bytes) -> str:
    return "".join("".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(data)).pages)


def test_the_pdf_names_both_versions_the_fingerprint_and_the_change() -> None:
    before, after = versions()
    comparison = compare_layers(before, after)
    data = comparison_pdf_bytes(
        comparison, before_name=BEFORE_NAME, after_name=AFTER_NAME, date=dt.date(2026, 12, 1)
    )
    text = _text(data)
    fp = comparison_fingerprint(comparison)
    assert "".join(TITLE.split()) in text
    assert "".join(BEFORE_NAME.split()) in text and "".join(AFTER_NAME.split()) in text
    assert fp.sha256 in text, "the full fingerprint on the page"
    assert f"sha256:{fp.short}" in text, "and in the footer"
    # Element a: Δ from Geod on the two shapes, printed in km², 公顷 and 亩.
    delta_m2 = geod_area_m2(after.geometry.iloc[0]) - geod_area_m2(before.geometry.iloc[0])
    assert f"{delta_m2 / 1e6:+,.4f}" in text
    assert f"{delta_m2 / 1e4:+,.2f}" in text
    assert f"{delta_m2 / M2_PER_MU:+,.0f}" in text
    assert f"{geod_area_m2(after.geometry.iloc[0]) / 1e6:,.4f}" in text
    # The share changed: 0.5 km² added over the union of 1.5 km².
    assert "33.3%" in text
    assert "大学城·a" in text and "旧区·c" in text and "新区·d" in text
    assert "王工" in text and "控规批复$x^2$调整" in text, "user text drawn as typed"
    assert PdfReader(io.BytesIO(data)).metadata["/Keywords"] == f"sha256:{fp.sha256}"


def test_a_long_table_continues_on_further_pages() -> None:
    n = 60
    before = gk_boxes(*[(i * 2000, 0, i * 2000 + 1000, 1000) for i in range(n)],
                      ids=[f"e{i}" for i in range(n)])  # fmt: skip
    after = gk_boxes(*[(i * 2000, 0, i * 2000 + 1000, 1100) for i in range(n)],
                     ids=[f"e{i}" for i in range(n)])  # fmt: skip
    comparison = compare_layers(before, after)
    fp = comparison_fingerprint(comparison)
    pages = comparison_pages(comparison, before_name="v1", after_name="v2", fp=fp)
    assert len(pages) >= 2
    text = _text(comparison_pdf_bytes(comparison, before_name="v1", after_name="v2"))
    for i in (0, n // 2, n - 1):
        assert f"e{i}" in text
    assert page_png(pages[0], dpi=50).startswith(b"\x89PNG")


def test_the_fingerprint_follows_the_shapes() -> None:
    before, after = versions()
    one = comparison_fingerprint(compare_layers(before, after))
    moved = after.copy()
    moved.geometry = gk_boxes((0, 0, 1000, 1501), (6000, 0, 7000, 1000)).geometry.to_numpy()
    assert comparison_fingerprint(compare_layers(before, moved)).sha256 != one.sha256
    assert comparison_fingerprint(compare_layers(before, after)).sha256 == one.sha256


def test_the_xlsx_table_has_the_change_in_km2_hectares_and_mu() -> None:
    before, after = versions()
    table = diff_table(compare_layers(before, after), unit="km2")
    sheet = load_workbook(io.BytesIO(xlsx_bytes(table, sheet="diff")))["diff"]
    header = [c.value for c in sheet[1]]
    rows = {
        r[0].value: {h: c.value for h, c in zip(header, r, strict=True)}
        for r in sheet.iter_rows(min_row=2)
    }
    geod = {
        "a": geod_area_m2(after.geometry.iloc[0]) - geod_area_m2(before.geometry.iloc[0]),
        "c": -geod_area_m2(before.geometry.iloc[1]),
        "d": geod_area_m2(after.geometry.iloc[1]),
    }
    for element, delta_m2 in geod.items():
        row = rows[element]
        assert row["delta_km2"] == pytest.approx(delta_m2 / 1e6, rel=1e-7)
        assert row["delta_ha"] == pytest.approx(delta_m2 / 1e4, rel=1e-7)
        assert row["delta_mu"] == pytest.approx(delta_m2 / M2_PER_MU, rel=1e-7)
    assert rows["a"]["changed_by"] == "王工"
    assert rows["a"]["reason"] == "控规批复 $x^2$ 调整"
