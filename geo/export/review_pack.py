"""The review pack: one PDF and one XLSX with everything a plan review found.

    python -m geo export review --out review.pdf                 # the plan, default rules
    python -m geo export review --layer sanxian.gpkg --landuse parcels.gpkg --out review.pdf

Sections (PDF pages, and one XLSX sheet per table): the inputs with their SHA-256
fingerprints and the app version (so every figure can be traced and reproduced); the
rule results and every violating piece; the topology findings of each checked layer;
the overlaps between the plan's main zones; the plan check (stated land areas against
computed ones); and, with a coded land-use layer, its class statistics at levels 1
and 2, by plan zone, and its code problems. Every area is ellipsoidal on CGCS2000.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

import geopandas as gpd
import pandas as pd

from geo import __version__
from geo.export.atlas import MAIN_LAYERS
from geo.export.fonts import font_properties
from geo.export.furniture import Lang
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
from geo.export.provenance import Fingerprint, file_sha256, fingerprint, today_in_china
from geo.export.sheet import Box, Sheet, make_sheet
from geo.export.tables import overlap_export_table
from geo.io import atomic_write
from geo.plan.check import plan_figure_table, shown_areas
from geo.review.conflicts import CheckReport, run_rules
from geo.review.landuse import CodeTable, landuse_tables
from geo.review.report import rule_table, violation_table
from geo.review.rules import RuleSet
from geo.review.topology import check_topology
from geo.tables import xlsx_book_bytes

TITLE: Final = "呈贡规划审查报告 · Plan review pack"


@dataclass(frozen=True)
class ReviewInputs:
    """What the review reads. ``files`` maps each input's role to its file (fingerprinted)."""

    zones: gpd.GeoDataFrame
    rules: RuleSet
    user_layers: Mapping[str, gpd.GeoDataFrame] = field(default_factory=dict)
    landuse: tuple[str, gpd.GeoDataFrame] | None = None
    files: Mapping[str, Path] = field(default_factory=dict)
    topology_layers: tuple[str, ...] = MAIN_LAYERS
    gap_width_m: float = 1.0
    sliver_width_m: float = 1.0


def inputs_table(files: Mapping[str, Path]) -> pd.DataFrame:
    """One row per input file: role, file, bytes, SHA-256 and the app version."""
    rows = [
        {
            "role": role,
            "file": str(path),
            "bytes": path.stat().st_size,
            "sha256": file_sha256(path),
            "geo_version": __version__,
        }
        for role, path in files.items()
    ]
    return pd.DataFrame(rows, columns=["role", "file", "bytes", "sha256", "geo_version"])


def review_tables(
    inputs: ReviewInputs, *, codes: CodeTable | None = None
) -> tuple[dict[str, pd.DataFrame], CheckReport]:
    """Every table of the pack, by sheet name, and the rule report they came from."""
    report = run_rules(
        inputs.rules,
        zones=inputs.zones,
        user_layers=inputs.user_layers,
        inputs=tuple(str(p) for p in inputs.files.values()),
    )
    tables: dict[str, pd.DataFrame] = {"inputs": inputs_table(inputs.files)}
    tables["rules"] = rule_table(report)
    tables["violations"] = violation_table(report)

    main = inputs.zones[inputs.zones["layer"].isin(list(inputs.topology_layers))]
    main = main[main.geometry.geom_type.isin(["Polygon", "MultiPolygon"])]
    # Topology is checked within each layer: zones of different layers overlap by design.
    checked = {f"plan:{layer}": part for layer, part in main.groupby("layer", sort=False)}
    checked.update(inputs.user_layers)
    if inputs.landuse is not None:
        checked[inputs.landuse[0]] = inputs.landuse[1]
    findings = []
    for name, layer in checked.items():
        found = check_topology(
            layer, gap_width_m=inputs.gap_width_m, sliver_width_m=inputs.sliver_width_m
        )
        findings.append(pd.DataFrame(found.drop(columns="geometry")).assign(layer=name))
    tables["topology"] = pd.concat(findings, ignore_index=True) if findings else pd.DataFrame()
    tables["overlaps"] = overlap_export_table(main, main, unit="km2")
    plan_check = plan_figure_table(inputs.zones)
    tables["plan_check"] = plan_check.assign(area_km2_shown=shown_areas(plan_check))
    if inputs.landuse is not None:
        layer = inputs.landuse[1]
        tables.update(landuse_tables(layer, zones=main.to_crs(layer.crs), table=codes))
    return tables, report


# ----------------------------------------------------------------------------- the PDF

_CLASS_COLUMNS: Final[tuple[Column, ...]] = (
    ("code", "代码", 0.1, cell_text),
    ("name_zh", "名称", 0.3, cell_text),
    ("feature_count", "图斑数", 0.12, cell_text),
    ("area_ha", "公顷", 0.16, cell_number(2)),
    ("area_mu", "亩", 0.16, cell_number(0)),
    ("share", "占比", 0.16, cell_percent),
)
SECTIONS: Final[dict[str, tuple[str, tuple[Column, ...]]]] = {
    "inputs": (
        "输入与指纹 Inputs and fingerprints",
        (
            ("role", "用途 Role", 0.14, cell_text),
            ("file", "文件 File", 0.34, cell_text),
            ("sha256", "SHA-256", 0.44, cell_text),
            ("geo_version", "版本", 0.08, cell_text),
        ),
    ),
    "rules": (
        "规则检查 Rule results",
        (
            ("status_zh", "结果", 0.06, cell_text),
            ("rule_id", "规则 Rule", 0.18, cell_text),
            ("name_zh", "名称", 0.22, cell_text),
            ("fail_count", "不通过", 0.06, cell_text),
            ("uncertain_count", "不确定", 0.06, cell_text),
            ("violation_text", "违规面积（按精度取舍） Area", 0.27, cell_text),  # the one rule
            ("kind", "类型 Kind", 0.15, cell_text),
        ),
    ),
    "violations": (
        "违规图斑 Violating pieces",
        (
            ("rule_id", "规则 Rule", 0.2, cell_text),
            ("status_zh", "结果", 0.07, cell_text),
            ("feature", "要素 Feature", 0.2, cell_text),
            ("other", "对方 Other", 0.18, cell_text),
            ("violation_text", "面积（按精度取舍） Area", 0.25, cell_text),
            ("feature_share", "占比", 0.1, cell_percent),
        ),
    ),
    "topology": (
        "拓扑检查 Topology findings",
        (
            ("layer", "图层 Layer", 0.1, cell_text),
            ("kind", "类型 Kind", 0.1, cell_text),
            ("feature", "要素 Feature", 0.2, cell_text),
            ("other", "对方 Other", 0.2, cell_text),
            ("area_m2", "m²", 0.1, cell_number(1)),
            ("lon", "经度 lon", 0.1, cell_number(5)),
            ("lat", "纬度 lat", 0.1, cell_number(5)),
            ("width_m", "宽 m", 0.1, cell_number(2)),
        ),
    ),
    "overlaps": (
        "主要分区之间的重叠 Overlaps between the main zones",
        (
            ("a_name_zh", "分区 A", 0.34, cell_text),
            ("b_name_zh", "分区 B", 0.34, cell_text),
            ("overlap", "km²", 0.1, cell_number(3)),
            ("a_share", "占 A", 0.11, cell_percent),
            ("b_share", "占 B", 0.11, cell_percent),
        ),
    ),
    "plan_check": (
        "规划面积核对 Plan check (stated vs computed land)",
        (
            ("name_zh", "分区", 0.3, cell_text),
            ("plan_land_km2", "规划 km²", 0.11, cell_number(2)),
            ("area_km2_shown", "计算 km²", 0.11, cell_text),  # to its accuracy (issue 12)
            ("deviation_pct", "偏差 %", 0.1, cell_number(1)),
            ("geometry_source", "来源", 0.14, cell_text),
            ("land_figure_check", "解读", 0.14, cell_text),
            ("counts_as_agreement", "吻合", 0.1, cell_text),
        ),
    ),
    "landuse_level1": (
        "用地分类统计（一级类） Land use by class, level 1",
        _CLASS_COLUMNS,
    ),
    "landuse_level2": (
        "用地分类统计（二级类） Land use by class, level 2",
        _CLASS_COLUMNS,
    ),
    "landuse_by_zone": (
        "分区 × 用地分类 Land use by plan zone",
        (
            ("zone_name_zh", "分区", 0.36, cell_text),
            ("code", "代码", 0.1, cell_text),
            ("name_zh", "名称", 0.24, cell_text),
            ("area_ha", "公顷", 0.15, cell_number(2)),
            ("zone_share", "占分区", 0.15, cell_percent),
        ),
    ),
    "landuse_codes": (
        "用地代码问题 Land-use code problems",
        (
            ("feature", "要素", 0.14, cell_text),
            ("status", "状态", 0.16, cell_text),
            ("code", "代码", 0.1, cell_text),
            ("name", "名称", 0.2, cell_text),
            ("problem", "问题 Problem", 0.4, cell_text),
        ),
    ),
}


def _section_pages(sheet: Sheet, key: str, frame: pd.DataFrame, *, lang: Lang) -> list[Page]:
    """A section on pages of its own (the first bookmarked by its title), the table
    continued on as many pages as it needs."""
    title, columns = SECTIONS[key]
    present = [c for c in columns if c[0] in frame.columns]
    widths = [c[2] for c in present]
    total = sum(widths) or 1.0
    widths = [w / total for w in widths]
    rows = [[fmt(r[col]) for col, _h, _w, fmt in present] for r in frame.to_dict("records")]
    pages: list[Page] = []
    flow: TextFlow | None = None
    continued = False
    while True:
        if flow is None or flow.full:
            page = new_page(sheet, bookmark=title + (" （续）" if continued else ""))
            pages.append(page)
            flow = TextFlow(page, content_box(sheet), lang=lang, size=6.8)
        flow.heading(title + ("（续 continued）" if continued else ""))
        if not rows:
            flow.paragraph("无 · none")
            return pages
        done = flow.table([c[1] for c in present], rows, widths=widths)
        rows = rows[done:]
        if not rows:
            flow.space(1.0)
            return pages
        flow.full = True
        continued = True


@plain_text
def review_pages(
    tables: dict[str, pd.DataFrame],
    report: CheckReport,
    *,
    fp: Fingerprint,
    paper: str = "A4",
    lang: Lang = "zh",
    date: dt.date | None = None,
) -> list[Page]:
    """The pack's pages: a cover with the summary, then a section per table."""
    sheet = make_sheet(paper=paper, orientation="portrait", dpi=150)
    cover = new_page(sheet, bookmark="封面 · Summary")
    k = sheet.text_scale
    c = content_box(sheet)
    cover.figure.text(
        c.x / sheet.width_mm,
        (c.y + c.h) / sheet.height_mm,
        TITLE,
        fontproperties=font_properties(lang=lang, size=16.0 * k),
        va="top",
    )
    flow = TextFlow(cover, Box(c.x, c.y, c.w, c.h - 14.0 * k), lang=lang, size=7.2)
    counts = report.counts()
    day = (date or today_in_china()).isoformat()
    flow.paragraph(
        f"{day} · geo {__version__} · 数据指纹 sha256:{fp.sha256}",
        size=7.0,
        color="#444444",
    )
    flow.paragraph(
        f"规则 {len(report.results)} 条：不通过 {counts['fail']}、不确定 {counts['uncertain']}、"
        f"通过 {counts['pass']}、未运行 {counts['not_run']}。· {len(report.results)} rules: "
        f"{counts['fail']} fail, {counts['uncertain']} uncertain, {counts['pass']} pass, "
        f"{counts['not_run']} not run."
    )
    flow.paragraph(
        "面积均为 CGCS2000 椭球面积；“不确定”表示违规面积小于精度带（图斑周长 × 要素估计精度），"
        "示意草图无法判定；“未运行”表示缺少所需图层（如三区三线）。· Areas are ellipsoidal on "
        "CGCS2000. 'Uncertain': the violation is smaller than the accuracy band (piece perimeter "
        "× the features' accuracy), which sketches cannot resolve. 'Not run': a layer it needs "
        "(e.g. the three control lines) was not given.",
        size=6.8,
    )
    for result in report.results:
        if result.status in ("fail", "uncertain"):
            flow.paragraph(
                f"· {result.rule.id}: {result.rule.reasoning_zh}", size=6.5, color="#333333"
            )
    pages = [cover]
    for key in SECTIONS:
        if key in tables:
            pages += _section_pages(sheet, key, tables[key], lang=lang)
    for i, page in enumerate(pages, start=1):
        draw_footer(page, number=i, total=len(pages), fp=fp, date=day, lang=lang)
    return pages


def write_review_pack(
    inputs: ReviewInputs,
    out_pdf: str | Path,
    *,
    out_xlsx: str | Path | None = None,
    paper: str = "A4",
) -> tuple[Path, Path]:
    """Write the review PDF and its XLSX (default: beside it, same name) atomically."""
    pdf_path = Path(out_pdf)
    xlsx_path = Path(out_xlsx) if out_xlsx else pdf_path.with_suffix(".xlsx")
    tables, report = review_tables(inputs)
    fp = (
        fingerprint(files=list(inputs.files.values()))
        if inputs.files
        else fingerprint(data=inputs.zones)
    )
    pages = review_pages(tables, report, fp=fp, paper=paper)
    with atomic_write(pdf_path, mode="wb") as fh:
        fh.write(pdf_bytes(pages, title=TITLE, fp=fp))
    notes = {
        "title": TITLE,
        "date": today_in_china().isoformat(),
        "fingerprint": fp.describe(),
        "areas": "ellipsoidal on CGCS2000 (m² unless the column says otherwise)",
    }
    with atomic_write(xlsx_path, mode="wb") as fh:
        fh.write(xlsx_book_bytes(tables, notes=notes))
    return pdf_path, xlsx_path
