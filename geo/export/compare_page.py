"""A comparison of two plan versions as a PDF page: the difference map and the table.

The first page (A4 landscape) holds the title with the two versions named, a map of the
difference pieces drawn in EPSG:4543 (added green, removed red hatched, unchanged grey;
scale bar and north arrow, as the print maps have), a legend, and the difference table:
element, area before and after (km²), Δ in km² / 公顷 / 亩, the share changed, who
changed it and why. A table longer than the page continues on further pages. Every page
carries the footer of the print documents (page, date, app version, fingerprint); the
fingerprint is of the compared shapes of both sides (:func:`comparison_fingerprint`).

The figures are :mod:`geo.edit.compare`'s (ellipsoidal on CGCS2000), unrounded until
they are printed. Names, reasons and user names are user text: drawn as plain text
(:func:`geo.export.pages.plain_text`), never parsed as mathtext.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, Final

import geopandas as gpd
import pandas as pd
from matplotlib.colors import to_rgba
from matplotlib.patches import Patch

from geo import __version__
from geo.edit.compare import ADDED, REMOVED, UNCHANGED, Comparison, side_shapes
from geo.export.fonts import font_properties
from geo.export.furniture import Lang, draw_north_arrow, draw_scale_bar
from geo.export.maps import MapRequest, frame_bounds
from geo.export.pages import (
    Column,
    Page,
    TextFlow,
    cell_number,
    cell_percent,
    cell_text,
    content_box,
    draw_footer,
    new_page,
    pdf_bytes,
    plain_text,
)
from geo.export.provenance import Fingerprint, fingerprint, today_in_china
from geo.export.sheet import Box, Sheet, make_sheet
from geo.measure.area import M2_PER_HA, M2_PER_KM2, M2_PER_MU
from geo.measure.crs import GK_CM102

TITLE: Final = "规划版本比较 · Plan comparison"
PIECE_STYLES: Final[dict[str, dict[str, Any]]] = {
    UNCHANGED: {"facecolor": to_rgba("#bdbdbd", 0.5), "edgecolor": "#737373", "hatch": None},
    REMOVED: {"facecolor": to_rgba("#d73027", 0.3), "edgecolor": "#d73027", "hatch": "////"},
    ADDED: {"facecolor": to_rgba("#1a9850", 0.55), "edgecolor": "#1a9850", "hatch": None},
}
"""The pieces as the app's difference map draws them: grey, red hatched, green."""
PIECE_WORDS: Final[dict[str, str]] = {
    ADDED: "新增 added",
    REMOVED: "删除 removed",
    UNCHANGED: "未变 unchanged",
}
STATUS_WORDS: Final[dict[str, str]] = {
    "added": "新增 added",
    "removed": "删除 removed",
    "changed": "已修改 changed",
    "unchanged": "未变 unchanged",
}


def _signed(digits: int) -> Callable[[object], str]:
    return cell_number(digits, sign="+")


COLUMNS: Final[tuple[Column, ...]] = (
    ("element", "要素 Element", 0.2, cell_text),
    ("status", "状态 Status", 0.09, cell_text),
    ("area_before_km2", "之前 km²", 0.07, cell_number(4)),
    ("area_after_km2", "之后 km²", 0.07, cell_number(4)),
    ("delta_km2", "Δ km²", 0.07, _signed(4)),
    ("delta_ha", "Δ 公顷 ha", 0.07, _signed(2)),
    ("delta_mu", "Δ 亩 mu", 0.07, _signed(0)),
    ("changed_share", "变化比例 Share", 0.07, cell_percent),
    ("changed_by", "修改人 By", 0.09, cell_text),
    ("reason", "原因 Reason", 0.2, cell_text),
)
"""The table's columns: key, header (Chinese first), width share, how a value is printed."""


def page_table(comparison: Comparison, *, only_changed: bool = True) -> pd.DataFrame:
    """The rows the page prints: element (name and id), status in words, areas in km²,
    Δ in km² / 公顷 / 亩, share changed, who and why (unrounded figures)."""
    t = comparison.table
    if only_changed:
        t = t[t["status"] != UNCHANGED]
    names = t["name_zh"] if "name_zh" in t.columns else pd.Series(None, index=t.index)
    element = [
        f"{n} · {i}" if isinstance(n, str) and n else str(i)
        for n, i in zip(names, t["id"], strict=True)
    ]
    return pd.DataFrame(
        {
            "element": element,
            "status": [STATUS_WORDS.get(str(s), str(s)) for s in t["status"]],
            "area_before_km2": t["area_before_m2"].to_numpy() / M2_PER_KM2,
            "area_after_km2": t["area_after_m2"].to_numpy() / M2_PER_KM2,
            "delta_km2": t["delta_m2"].to_numpy() / M2_PER_KM2,
            "delta_ha": t["delta_m2"].to_numpy() / M2_PER_HA,
            "delta_mu": t["delta_m2"].to_numpy() / M2_PER_MU,
            "changed_share": t["changed_share"].to_numpy(),
            "changed_by": t["changed_by"].to_numpy() if "changed_by" in t else None,
            "reason": t["reason"].to_numpy() if "reason" in t else None,
        }
    )


def comparison_fingerprint(comparison: Comparison) -> Fingerprint:
    """The fingerprint of the compared shapes of both sides (ids, side and geometry)."""
    sides = [
        side_shapes(comparison, side)[["id", "geometry"]].assign(side=side)
        for side in ("before", "after")
    ]
    both = gpd.GeoDataFrame(pd.concat(sides, ignore_index=True), crs=sides[0].crs)
    return fingerprint(data=both)


def _draw_pieces(page: Page, box: Box, pieces: gpd.GeoDataFrame, *, lang: Lang) -> None:
    """The pieces in EPSG:4543 with scale bar, north arrow and a legend inside the map."""
    k = page.sheet.text_scale
    ax = page.figure.add_axes(box.fraction(page.sheet))
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_facecolor("#fbfbf8")
    drawn = pieces[pieces.geometry.notna() & ~pieces.geometry.is_empty].to_crs(GK_CM102)
    if drawn.empty:
        ax.text(0.5, 0.5, "无差异 · no difference", ha="center", va="center",
                fontproperties=font_properties(lang=lang, size=8.0 * k))  # fmt: skip
        return
    for piece in (UNCHANGED, REMOVED, ADDED):  # added on top
        part = drawn[drawn["piece"] == piece]
        if not part.empty:
            style = PIECE_STYLES[piece]
            part.plot(ax=ax, facecolor=style["facecolor"], edgecolor=style["edgecolor"],
                      hatch=style["hatch"], linewidth=0.6 * k)  # fmt: skip
    request = MapRequest(layers=(), title="", pad_share=0.08)
    x0, y0, x1, y1 = frame_bounds(drawn, request=request, aspect=box.w / box.h)
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect("equal", adjustable="box")
    ax.set_xlabel("")  # geopandas names the CRS's axes; the scale bar says it
    ax.set_ylabel("")
    draw_scale_bar(ax, lang=lang, k=k, map_width_mm=box.w)
    draw_north_arrow(ax, lang=lang, k=k)
    handles = [
        Patch(facecolor=s["facecolor"], edgecolor=s["edgecolor"], hatch=s["hatch"],
              label=PIECE_WORDS[p])
        for p, s in PIECE_STYLES.items()
    ]  # fmt: skip
    ax.legend(handles=handles, loc="upper left", prop=font_properties(lang=lang, size=6.5 * k))


def _rows(table: pd.DataFrame) -> list[list[str]]:
    return [[fmt(r[key]) for key, _h, _w, fmt in COLUMNS] for r in table.to_dict("records")]


def _table_pages(sheet: Sheet, flow: TextFlow, rows: list[list[str]], *, lang: Lang) -> list[Page]:
    """Set ``rows`` in ``flow``, then on as many further pages as they need."""
    header = [c[1] for c in COLUMNS]
    widths = [c[2] for c in COLUMNS]
    total = sum(widths)
    widths = [w / total for w in widths]
    pages: list[Page] = []
    while True:
        if not rows:
            flow.paragraph("无变化 · no change")
            return pages
        done = flow.table(header, rows, widths=widths)
        rows = rows[done:]
        if not rows:
            return pages
        page = new_page(sheet, bookmark="差异表（续） · Difference table, continued")
        pages.append(page)
        flow = TextFlow(page, content_box(sheet), lang=lang, size=6.5)
        flow.heading("差异表（续 continued）")


@plain_text
def comparison_pages(
    comparison: Comparison,
    *,
    before_name: str,
    after_name: str,
    fp: Fingerprint,
    only_changed: bool = True,
    paper: str = "A4",
    lang: Lang = "zh",
    date: dt.date | None = None,
) -> list[Page]:
    """The comparison's pages (landscape): title, versions, map and table, then the
    table continued. ``before_name`` / ``after_name`` say which versions these are."""
    sheet = make_sheet(paper=paper, orientation="landscape", dpi=150)
    k = sheet.text_scale
    c = content_box(sheet)
    page = new_page(sheet, bookmark=TITLE)
    page.figure.text(
        c.x / sheet.width_mm, (c.y + c.h) / sheet.height_mm, TITLE,
        fontproperties=font_properties(lang=lang, size=14.0 * k), va="top",
    )  # fmt: skip
    head = TextFlow(page, Box(c.x, c.y, c.w, c.h - 9.0 * k), lang=lang, size=7.2)
    head.paragraph(f"之前 before: {before_name}")
    head.paragraph(f"之后 after: {after_name}")
    head.paragraph(
        f"数据指纹 fingerprint sha256:{fp.sha256} · geo {__version__} · 面积为 CGCS2000 椭球面积 "
        "(areas ellipsoidal on CGCS2000); 1 km² = 100 公顷 = 1 500 亩 · 变化比例 = 变化面积 / "
        "两版本并集面积 (share changed = added + removed over the union of both shapes)",
        size=6.3,
        color="#444444",
    )
    body_top = head.y_mm - 2.0 * k
    gap = 4.0 * k
    map_w = c.w * 0.36
    _draw_pieces(page, Box(c.x, c.y, map_w, body_top - c.y), comparison.pieces, lang=lang)
    flow = TextFlow(
        page, Box(c.x + map_w + gap, c.y, c.w - map_w - gap, body_top - c.y), lang=lang, size=6.5
    )
    flow.heading("差异表 · Difference table", size=9.0)
    rows = _rows(page_table(comparison, only_changed=only_changed))
    pages = [page, *_table_pages(sheet, flow, rows, lang=lang)]
    day = (date or today_in_china()).isoformat()
    for i, p in enumerate(pages, start=1):
        draw_footer(p, number=i, total=len(pages), fp=fp, date=day, lang=lang)
    return pages


def comparison_pdf_bytes(
    comparison: Comparison,
    *,
    before_name: str,
    after_name: str,
    only_changed: bool = True,
    paper: str = "A4",
    date: dt.date | None = None,
) -> bytes:
    """The comparison as one PDF (see the module doc), fingerprinted."""
    fp = comparison_fingerprint(comparison)
    pages = comparison_pages(
        comparison, before_name=before_name, after_name=after_name, fp=fp,
        only_changed=only_changed, paper=paper, date=date,
    )  # fmt: skip
    return pdf_bytes(pages, title=TITLE, fp=fp)
