"""The briefing atlas: a cover with an overview map and contents, then one page per zone.

    python -m geo export atlas --out atlas.pdf            # the plan's main zones
    python -m geo export atlas --layers housing --paper A3 --out housing.pdf
    python -m geo export atlas --data parcels.gpkg --out parcels.pdf   # an uploaded layer

Each zone page has the zone framed on a map (EPSG:4543, with its neighbours faint and
its overlaps hatched), its figures (ellipsoidal area in km² / 公顷 / 亩 with the accuracy
band, the Gauss-Kruger area, the plan's stated land area and the deviation, said to
prove nothing when the extent was calibrated), the plan's words, the geometry's source
and accuracy, the zones it overlaps and the rule findings that name it. Pages are
numbered and bookmarked; A4 or A3, portrait or landscape; CJK throughout; offline.

Features need only a geometry and a CRS: ``id``, ``name_zh``/``name_en``, ``layer``,
``plan_article``, ``plan_quote_zh``, ``plan_land_km2``, ``geometry_source``,
``source_detail``, ``accuracy_m`` and ``assumptions`` are used when present and said
to be missing when not (:func:`atlas_features`), so uploaded layers print too.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.colors import to_rgba

from geo.declared.registry import LayerSpec, Registry, load_registry
from geo.errors import GeometryError
from geo.export.fonts import font_properties
from geo.export.furniture import Lang, draw_north_arrow, draw_scale_bar, short_label
from geo.export.maps import MapRequest, draw_layer, frame_bounds
from geo.export.pages import (
    Page,
    TextFlow,
    content_box,
    draw_footer,
    new_page,
    page_png,
    plain_text,
    write_pdf,
)
from geo.export.provenance import SOURCE_LABELS, Fingerprint, fingerprint, today_in_china
from geo.export.sheet import Box, Sheet, make_sheet
from geo.measure.area import (
    M2_PER_HA,
    M2_PER_KM2,
    M2_PER_MU,
    ellipsoidal_area_m2,
    gauss_kruger_area_m2,
)
from geo.measure.crs import GK_CM102, STORAGE_CRS, require_crs
from geo.measure.overlap import overlap_pairs
from geo.measure.precision import perimeter_m
from geo.measure.validate import has_geometry
from geo.review.conflicts import STATUS_LABELS, CheckReport
from geo.review.report import area_text
from geo.review.rules import Rule

MAIN_LAYERS: Final = (
    "city_tiers",
    "district_structure",
    "finance_business",
    "university_industry",
    "village_renewal",
    "housing",
    "innovation_bases",
    "ecology",
)
"""The plan's main zones: the atlas's default (their polygons, in registry order)."""
CONTEXT_LAYERS: Final = ("extents",)
"""Drawn faintly on every map for orientation (not paged)."""
OVERLAP_ROWS: Final = 12
USER_LAYER: Final = "user"
_USER_STYLE: Final = LayerSpec(
    id=USER_LAYER,
    group="user",
    name_zh="导入图层",
    name_en="Uploaded layer",
    visible=True,
    order=90,
    color="#6a3d9a",
    fill="#cab2d6",
    fill_opacity=0.35,
    weight=1.5,
    label=True,
    tooltip=(),
)
NAME_COLUMNS: Final = ("name", "名称", "NAME", "mc", "MC", "zone_name")
"""Columns read as a feature's name when a layer has no ``name_zh``."""
MISSING: Final = {"zh": "（未注明）", "en": "(not recorded)"}


@dataclass(frozen=True)
class AtlasRequest:
    """What goes into the atlas and how it is printed."""

    layers: tuple[str, ...] = MAIN_LAYERS
    zone_ids: tuple[str, ...] = ()
    paper: str = "A4"
    orientation: str = "portrait"
    lang: Lang = "zh"
    title: str = "呈贡规划分区图册 · Atlas of the plan's zones"
    subtitle: str = (
        "《昆明市呈贡区创建国家自主创新示范区战略规划（2020—2030年）》 · "
        "Chenggong innovation-demonstration-zone plan"
    )
    date: dt.date | None = None
    by: Literal["zones", "findings"] = "zones"
    """``findings``: a page per violating piece of the rule report instead of per zone."""


def _text_column(gdf: gpd.GeoDataFrame, name: str) -> pd.Series:
    if name in gdf.columns:
        values = pd.Series(gdf[name], index=gdf.index, dtype=object)
        return values.where(values.notna(), None)
    return pd.Series([None] * len(gdf), index=gdf.index, dtype=object)


def atlas_features(gdf: gpd.GeoDataFrame, *, name: str = "") -> gpd.GeoDataFrame:
    """Any polygon layer with the columns the atlas reads (missing ones empty; EPSG:4326).

    Features without an ``id`` are numbered; without a ``layer`` they are the uploaded
    layer ``name`` (drawn in one neutral style); points and lines are left out.
    """
    require_crs(gdf, name=f"atlas layer {name}".strip())
    frame = gdf.to_crs(STORAGE_CRS)
    frame = frame[has_geometry(frame)]
    frame = frame[frame.geometry.geom_type.isin(["Polygon", "MultiPolygon"])]
    out = gpd.GeoDataFrame(geometry=frame.geometry, crs=STORAGE_CRS)
    ids = _text_column(frame, "id")
    numbers = pd.Series(
        [f"{name or 'feature'} #{i + 1}" for i in range(len(frame))], index=frame.index
    )
    out["id"] = ids.where(ids.notna(), numbers).astype(str)
    for column in (
        "name_zh",
        "name_en",
        "plan_article",
        "plan_quote_zh",
        "source_detail",
        "assumptions",
    ):
        out[column] = _text_column(frame, column)
    for fallback in NAME_COLUMNS:
        out["name_zh"] = out["name_zh"].where(out["name_zh"].notna(), _text_column(frame, fallback))
    out["name_zh"] = out["name_zh"].where(out["name_zh"].notna(), out["id"])
    out["name_en"] = out["name_en"].where(out["name_en"].notna(), out["name_zh"])
    layer = _text_column(frame, "layer")
    out["layer"] = layer.where(layer.notna(), USER_LAYER)
    source = _text_column(frame, "geometry_source")
    out["geometry_source"] = source.where(source.notna(), "unknown")
    out["accuracy_m"] = pd.to_numeric(_text_column(frame, "accuracy_m"), errors="coerce")
    out["plan_land_km2"] = pd.to_numeric(_text_column(frame, "plan_land_km2"), errors="coerce")
    out["schematic"] = _text_column(frame, "schematic")
    out["origin"] = name or "plan"
    return out.set_index("id", drop=False).rename_axis(None)


def _spec(layer: str, registry: Registry) -> LayerSpec:
    try:
        return registry.layer(layer)
    except KeyError:
        return _USER_STYLE


# ------------------------------------------------------------------------------ layout


@dataclass(frozen=True)
class ZoneLayout:
    title: Box
    map: Box
    text: Box
    text2: Box


def zone_layout(sheet: Sheet) -> ZoneLayout:
    """Title on top; the map and two text columns below it (portrait) or the map left
    and one text column right (landscape, ``text2`` under ``text``)."""
    c = content_box(sheet)
    k = sheet.text_scale
    title_h, gap = 20.0 * k, 4.0 * k
    title = Box(c.x, c.y + c.h - title_h, c.w, title_h)
    body_h = c.h - title_h - gap
    if sheet.orientation == "portrait":
        map_h = body_h * 0.5
        map_box = Box(c.x, c.y + body_h - map_h, c.w, map_h)
        half = (c.w - gap) / 2
        text_h = body_h - map_h - gap
        return ZoneLayout(
            title, map_box, Box(c.x, c.y, half, text_h), Box(c.x + half + gap, c.y, half, text_h)
        )
    map_w = c.w * 0.58
    text_w = c.w - map_w - gap
    return ZoneLayout(
        title,
        Box(c.x, c.y, map_w, body_h),
        Box(c.x + map_w + gap, c.y + body_h / 2, text_w, body_h / 2),
        Box(c.x + map_w + gap, c.y, text_w, body_h / 2 - gap),
    )


def _title(page: Page, box: Box, title: str, subtitle: str, *, lang: Lang) -> None:
    sheet = page.sheet
    k = sheet.text_scale
    x, y, _w, h = box.fraction(sheet)
    page.figure.text(
        x, y + h, title, fontproperties=font_properties(lang=lang, size=15.0 * k), va="top"
    )
    if subtitle:
        page.figure.text(
            x,
            y + h * 0.12,
            subtitle,
            fontproperties=font_properties(lang=lang, size=8.5 * k),
            va="bottom",
            color="#444444",
        )


def _map_axes(page: Page, box: Box) -> Axes:
    ax = page.figure.add_axes(box.fraction(page.sheet))
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_facecolor("#fbfbf8")
    for spine in ax.spines.values():
        spine.set_linewidth(0.8 * page.sheet.text_scale)
    return ax


def _draw_map(
    page: Page,
    box: Box,
    *,
    drawn: gpd.GeoDataFrame,
    context: gpd.GeoDataFrame,
    focus: Sequence[str],
    pieces: gpd.GeoDataFrame | None,
    registry: Registry,
    lang: Lang,
    pad_share: float,
    numbers: dict[str, int] | None = None,
    frame_on: gpd.GeoDataFrame | None = None,
) -> None:
    """Faint context, then the drawn features in their styles, the focus bold, the
    overlap pieces hatched, scale bar and north arrow. All GeoDataFrames in EPSG:4543."""
    k = page.sheet.text_scale
    ax = _map_axes(page, box)
    request = MapRequest(layers=(), title="", zoom_ids=tuple(focus), pad_share=pad_share)
    if frame_on is not None:  # frame on these instead (their own ids)
        target = frame_on.assign(id=[f"piece {i}" for i in range(len(frame_on))])
        request = MapRequest(layers=(), title="", zoom_ids=tuple(target["id"]), pad_share=pad_share)
        x0, y0, x1, y1 = frame_bounds(target, request=request, aspect=box.w / box.h)
    else:
        x0, y0, x1, y1 = frame_bounds(drawn, request=request, aspect=box.w / box.h)
    if not context.empty:
        context.plot(ax=ax, facecolor="none", edgecolor="#9a9a9a", linewidth=0.6 * k, zorder=0.5)
    others = drawn[~drawn["id"].isin(list(focus))]
    if not others.empty and len(focus) == 1:
        others.plot(
            ax=ax, facecolor="#e8e8e8", edgecolor="#b0b0b0", linewidth=0.4 * k, alpha=0.6, zorder=1
        )
    shown = drawn[drawn["id"].isin(list(focus))] if len(focus) == 1 else drawn
    for layer_id, part in shown.groupby("layer", sort=False):
        draw_layer(
            ax, part, _spec(str(layer_id), registry), k=k * (1.6 if len(focus) == 1 else 1.0)
        )
    if pieces is not None and not pieces.empty:
        pieces.plot(
            ax=ax,
            facecolor=to_rgba("#d62728", 0.25),
            edgecolor="#d62728",
            hatch="////",
            linewidth=0.5 * k,
            zorder=40,
        )
    if numbers:
        for key, n in numbers.items():
            geom = drawn.geometry.loc[key]
            p = geom.representative_point()
            if x0 <= p.x <= x1 and y0 <= p.y <= y1:
                ax.text(
                    p.x,
                    p.y,
                    str(n),
                    fontproperties=font_properties(lang=lang, size=5.5 * k),
                    ha="center",
                    va="center",
                    zorder=60,
                    bbox={"boxstyle": "circle,pad=0.15", "fc": "white", "ec": "#333333", "lw": 0.4},
                )
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect("equal", adjustable="box")
    ax.set_xlabel("")
    ax.set_ylabel("")
    draw_scale_bar(ax, lang=lang, k=k, map_width_mm=box.w)
    draw_north_arrow(ax, lang=lang, k=k)


# ------------------------------------------------------------------------------ content


def _fmt_area(area_m2: float) -> str:
    km2, ha, mu = area_m2 / M2_PER_KM2, area_m2 / M2_PER_HA, area_m2 / M2_PER_MU
    return f"{km2:,.3f} km² / {ha:,.1f} 公顷 / {mu:,.0f} 亩"


def _figures_rows(
    row: pd.Series, *, area_m2: float, gk_m2: float, band_m2: float
) -> list[list[str]]:
    rows = [
        [
            "椭球面积 Ellipsoidal (CGCS2000)",
            area_text(area_m2, band_m2) if band_m2 else _fmt_area(area_m2),
        ],
        ["高斯-克吕格 GK EPSG:4543", f"{gk_m2 / M2_PER_KM2:,.3f} km²"],
    ]
    stated = row.get("plan_land_km2")
    if stated is not None and stated == stated:
        deviation = (area_m2 / M2_PER_KM2 - float(stated)) / float(stated)
        rows.append(["规划用地 Stated land", f"{float(stated):,.2f} km²"])
        verdict = f"{deviation:+.1%}"
        if row.get("geometry_source") == "calibrated":
            verdict += " · 按规划面积校准，吻合不说明问题 · calibrated: agreement proves nothing"
        elif row.get("geometry_source") != "public_boundary":
            verdict += " · 示意范围，仅供参考 · a sketch: indicative only"
        rows.append(["偏差 Deviation", verdict])
    return rows


def _provenance_lines(row: pd.Series) -> list[str]:
    source = str(row.get("geometry_source") or "unknown")
    label = SOURCE_LABELS.get(source, {"zh": source, "en": source})
    accuracy = row.get("accuracy_m")
    acc = (
        f"± {float(accuracy):,.0f} m"
        if accuracy is not None and accuracy == accuracy
        else "未注明 not recorded"
    )
    lines = [
        f"几何来源 Source: {label['zh']} · {label['en']} ({source})",
        f"估计精度 Accuracy: {acc}",
    ]
    if row.get("source_detail"):
        lines.append(f"依据 Detail: {row['source_detail']}")
    if row.get("assumptions"):
        lines.append(f"假设 Assumptions: {row['assumptions']}")
    if source != "public_boundary":
        lines.append("示意：非测量成果，位置与范围仅供参考 · Schematic: not a survey.")
    return lines


def _overlap_table(
    key: str, features: gpd.GeoDataFrame, others: gpd.GeoDataFrame
) -> tuple[list[list[str]], gpd.GeoDataFrame]:
    one = features.loc[[key]]
    rest = others.drop(index=key, errors="ignore")
    if rest.empty:
        return [], one.iloc[:0]
    pairs = overlap_pairs(one, rest, names=(key, "other zones"))
    pairs = pairs.sort_values("overlap_m2", ascending=False)
    rows = [
        [
            short_label(str(rest.loc[p.b_index, "name_zh"])),
            f"{p.overlap_m2 / M2_PER_KM2:,.3f}",
            f"{p.a_share:.0%}",
            f"{p.b_share:.0%}",
        ]
        for p in pairs.head(OVERLAP_ROWS).itertuples()
    ]
    return rows, gpd.GeoDataFrame(pairs, geometry="geometry", crs=STORAGE_CRS)


def _findings_lines(key: str, report: CheckReport | None) -> list[str]:
    if report is None:
        return []
    lines = []
    for result in report.results:
        v = result.violations
        hits = v[(v["feature"] == key) | (v["other"] == key)] if len(v) else v
        for hit in hits.itertuples():
            other = hit.other if hit.feature == key else hit.feature
            status = STATUS_LABELS[str(hit.status)]
            lines.append(
                f"[{status['zh']} {status['en']}] {result.rule.name_zh}（{result.rule.id}）"
                f"× {other}: "
                f"{area_text(float(hit.violation_m2), float(hit.band_m2))}"
            )
    return lines


def zone_page(
    sheet: Sheet,
    key: str,
    *,
    features: gpd.GeoDataFrame,
    context: gpd.GeoDataFrame,
    registry: Registry,
    lang: Lang,
    report: CheckReport | None = None,
    projected: tuple[gpd.GeoDataFrame, gpd.GeoDataFrame] | None = None,
) -> Page:
    """The page of one zone (``features`` from :func:`atlas_features`, EPSG:4326;
    ``projected``: features and context already in EPSG:4543, when the caller has them)."""
    row = features.loc[key]
    title = short_label(str(row["name_zh"]))
    page = new_page(sheet, bookmark=f"{title} · {row['name_en']}")
    layout = zone_layout(sheet)
    spec = _spec(str(row["layer"]), registry)
    _title(
        page,
        layout.title,
        str(row["name_zh"]),
        f"{row['name_en']} · {spec.name_zh} · {row['id']}",
        lang=lang,
    )
    rows, pieces = _overlap_table(key, features, features)
    gk, context_gk = projected or (features.to_crs(GK_CM102), context.to_crs(GK_CM102))
    _draw_map(
        page,
        layout.map,
        drawn=gk,
        context=context_gk,
        focus=[key],
        pieces=pieces.to_crs(GK_CM102) if len(pieces) else None,
        registry=registry,
        lang=lang,
        pad_share=0.35,
    )
    area_m2 = float(ellipsoidal_area_m2(features.loc[[key]]).iloc[0])
    gk_m2 = float(gauss_kruger_area_m2(features.loc[[key]]).iloc[0])
    accuracy = float(row["accuracy_m"]) if row["accuracy_m"] == row["accuracy_m"] else 0.0
    band = float(perimeter_m(features.loc[[key]]).iloc[0]) * accuracy

    left = TextFlow(page, layout.text, lang=lang)
    left.heading("面积 Figures")
    left.table(
        ["项目 Item", "数值 Value"],
        _figures_rows(row, area_m2=area_m2, gk_m2=gk_m2, band_m2=band),
        widths=[0.38, 0.62],
    )
    if band:
        left.paragraph(
            "± 为精度带：周长 × 估计精度，面积按此取舍。· ± is the accuracy band "
            "(perimeter × accuracy); figures are rounded to it.",
            size=6.5,
            color="#555555",
        )
    left.heading("规划原文 The plan's words")
    article = row.get("plan_article") or MISSING["zh"]
    quote = row.get("plan_quote_zh") or MISSING["zh"]
    left.paragraph(f"{article}：「{quote}」")
    left.heading("来源与精度 Provenance and accuracy")
    for line in _provenance_lines(row):
        left.paragraph(line, size=6.8)

    right = TextFlow(page, layout.text2, lang=lang)
    right.heading("与其他分区的重叠 Overlaps with other zones")
    if rows:
        done = right.table(
            ["分区 Zone", "km²", "占本区 of this", "占对方 of other"],
            rows,
            widths=[0.52, 0.16, 0.16, 0.16],
        )
        if done < len(rows) or len(pieces) > OVERLAP_ROWS:
            right.paragraph(
                f"另有 {len(pieces) - done} 项未列出 · {len(pieces) - done} more not listed",
                size=6.5,
            )
        right.paragraph(
            "地图上红色斜线为重叠部分（椭球面积）。· Hatched red on the map: the overlaps.",
            size=6.5,
            color="#555555",
        )
    else:
        right.paragraph("无 · none")
    findings = _findings_lines(key, report)
    if report is not None:
        right.heading("规则检查 Rule findings")
        for line in findings or ["无违规 · no violation involves this zone"]:
            right.paragraph(line, size=6.8)
    return page


def cover_pages(
    sheet: Sheet,
    *,
    request: AtlasRequest,
    features: gpd.GeoDataFrame,
    context: gpd.GeoDataFrame,
    registry: Registry,
    fp: Fingerprint,
    first_zone_page: int,
) -> list[Page]:
    """Cover with the overview map and the contents (continued on more pages if long)."""
    lang = request.lang
    page = new_page(sheet, bookmark="封面与目录 · Cover and contents")
    layout = zone_layout(sheet)
    _title(page, layout.title, request.title, request.subtitle, lang=lang)
    keys = list(features.index)
    numbers = {key: first_zone_page + i for i, key in enumerate(keys)}
    _draw_map(
        page,
        layout.map,
        drawn=features.to_crs(GK_CM102),
        context=context.to_crs(GK_CM102),
        focus=keys,
        pieces=None,
        registry=registry,
        lang=lang,
        pad_share=0.04,
        numbers=numbers,
    )
    areas = ellipsoidal_area_m2(features)
    rows = [
        [
            str(numbers[key]),
            short_label(str(features.loc[key, "name_zh"])),
            _spec(str(features.loc[key, "layer"]), registry).name_zh,
            f"{areas.loc[key] / M2_PER_KM2:,.2f}",
            SOURCE_LABELS.get(str(features.loc[key, "geometry_source"]), {"zh": "?"})["zh"],
        ]
        for key in keys
    ]
    pages = [page]
    c = content_box(sheet)
    if sheet.orientation == "portrait":  # the contents under the map
        box = Box(c.x, c.y, c.w, layout.map.y - c.y - 4.0 * sheet.text_scale)
    else:  # beside it, in the text column
        box = Box(layout.text.x, c.y, layout.text.w, layout.text.y + layout.text.h - c.y)
    flow = TextFlow(page, box, lang=lang, size=7.0)
    flow.heading("目录 Contents")
    flow.paragraph(
        f"{today_in_china().isoformat() if request.date is None else request.date.isoformat()} · "
        f"数据指纹 fingerprint sha256:{fp.short} · {'; '.join(fp.inputs)} · "
        "图中数字为页码；虚线为示意范围。· Numbers on the map are page numbers; dashed = sketch.",
        size=6.5,
        color="#444444",
    )
    header = ["页 Page", "分区 Zone", "图层 Layer", "km²", "几何来源 Source"]
    widths = [0.1, 0.4, 0.22, 0.1, 0.18]
    while rows:
        done = flow.table(header, rows, widths=widths)
        rows = rows[done:]
        if rows:
            page = new_page(sheet, bookmark="目录（续） · Contents (continued)")
            pages.append(page)
            flow = TextFlow(page, content_box(sheet), lang=lang, size=7.0)
            flow.heading("目录（续） Contents (continued)")
    return pages


@plain_text
def atlas_pages(
    features: gpd.GeoDataFrame,
    *,
    request: AtlasRequest,
    context: gpd.GeoDataFrame | None = None,
    registry: Registry | None = None,
    report: CheckReport | None = None,
    fp: Fingerprint | None = None,
) -> tuple[list[Page], Fingerprint]:
    """Every page of the atlas, footers included (``features`` from
    :func:`atlas_features`, already reduced to the zones to page)."""
    if features.empty:
        raise GeometryError("err_atlas_no_zones", layers=", ".join(request.layers) or "-")
    registry = registry or load_registry()
    sheet = make_sheet(paper=request.paper, orientation=request.orientation, dpi=150)
    fp = fp or fingerprint(data=features)
    context = context if context is not None else features.iloc[:0]
    # Contents pages come first and the zones are numbered by page: lay the cover out
    # once to learn how many pages the contents take, then again with the right numbers.
    covers: list[Page] = []
    for _ in range(2 if request.by == "zones" else 0):
        covers = cover_pages(
            sheet,
            request=request,
            features=features,
            context=context,
            registry=registry,
            fp=fp,
            first_zone_page=len(covers) + 1,
        )
    projected = (features.to_crs(GK_CM102), context.to_crs(GK_CM102))
    if request.by == "findings":
        pages = finding_pages(
            sheet, request=request, features=features, report=report, registry=registry, fp=fp
        )
    else:
        pages = covers + [
            zone_page(
                sheet,
                key,
                features=features,
                context=context,
                registry=registry,
                lang=request.lang,
                report=report,
                projected=projected,
            )
            for key in features.index
        ]
    date = (request.date or today_in_china()).isoformat()
    for i, page in enumerate(pages, start=1):
        draw_footer(page, number=i, total=len(pages), fp=fp, date=date, lang=request.lang)
    return pages, fp


def finding_page(
    sheet: Sheet,
    rule: Rule,
    violation: pd.Series,
    *,
    features: gpd.GeoDataFrame,
    registry: Registry,
    lang: Lang,
) -> Page:
    """One violating piece: the two features and the piece on a map, the figures, and
    the rule's source and reasoning."""
    status = STATUS_LABELS[str(violation["status"])]
    feature, other = str(violation["feature"]), str(violation["other"])
    involved = [k for k in (feature, other) if k in features.index]
    page = new_page(sheet, bookmark=f"{rule.name_zh} · {feature} × {other}")
    layout = zone_layout(sheet)
    _title(
        page,
        layout.title,
        f"[{status['zh']}] {rule.name_zh}",
        f"{rule.name_en} · {rule.id} · {status['en']}",
        lang=lang,
    )
    piece = gpd.GeoDataFrame(geometry=[violation["geometry"]], crs=STORAGE_CRS).to_crs(GK_CM102)
    drawn = (features.loc[involved] if involved else features.iloc[:0]).to_crs(GK_CM102)
    _draw_map(
        page,
        layout.map,
        drawn=drawn,
        context=drawn.iloc[:0],
        focus=involved,
        pieces=piece,
        registry=registry,
        lang=lang,
        pad_share=0.4,
        frame_on=pd.concat([piece, drawn[["geometry"]]]).pipe(gpd.GeoDataFrame, crs=GK_CM102),
    )
    left = TextFlow(page, layout.text, lang=lang)
    left.heading("违规图斑 The violating piece")
    share = violation["feature_share"]
    left.table(
        ["项目 Item", "数值 Value"],
        [
            ["要素 Feature", f"{violation['feature_name_zh']} ({feature})"],
            ["对方 Other", f"{violation['other_name_zh'] or ''} ({other})"],
            ["面积 Area", area_text(float(violation["violation_m2"]), float(violation["band_m2"]))],
            ["占要素 Share", f"{float(share):.1%}" if share == share else "–"],
            [
                "精度带 Band",
                f"{float(violation['band_m2']) / M2_PER_KM2:,.3f} km² "
                f"(周长 {float(violation['perimeter_m']):,.0f} m "
                f"× {float(violation['accuracy_m']):,.0f} m)",
            ],
            ["位置 Where", f"{float(violation['lon']):.5f}°E, {float(violation['lat']):.5f}°N"],
        ],
        widths=[0.3, 0.7],
    )
    right = TextFlow(page, layout.text2, lang=lang)
    right.heading("依据 Source")
    right.paragraph(rule.source)
    right.heading("理由 Reasoning")
    right.paragraph(rule.reasoning_zh, size=6.8)
    right.paragraph(rule.reasoning_en, size=6.8, color="#444444")
    return page


def finding_pages(
    sheet: Sheet,
    *,
    request: AtlasRequest,
    features: gpd.GeoDataFrame,
    report: CheckReport | None,
    registry: Registry,
    fp: Fingerprint,
) -> list[Page]:
    """A summary page listing every violating piece, then a page for each."""
    if report is None:
        raise GeometryError("err_atlas_no_report")
    found = [(r.rule, v) for r in report.results for _i, v in r.violations.iterrows()]
    cover = new_page(sheet, bookmark="规则检查结果 · Rule findings")
    c = content_box(sheet)
    flow = TextFlow(cover, c, lang=request.lang, size=7.0)
    flow.heading(f"{request.title} — 规则检查结果 Rule findings", size=13.0)
    flow.paragraph(f"数据指纹 fingerprint sha256:{fp.short} · {'; '.join(fp.inputs)}", size=6.5)
    rows = [
        [
            str(i + 2),
            f"{STATUS_LABELS[str(v['status'])]['zh']} {rule.id}",
            f"{v['feature']} × {v['other']}",
            area_text(float(v["violation_m2"]), float(v["band_m2"])),
        ]
        for i, (rule, v) in enumerate(found)
    ]
    flow.table(
        ["页 Page", "规则 Rule", "图斑 Piece", "面积 Area"], rows, widths=[0.08, 0.34, 0.3, 0.28]
    )
    if not found:
        flow.paragraph("没有违规图斑 · no violating piece")
    return [cover] + [
        finding_page(sheet, rule, v, features=features, registry=registry, lang=request.lang)
        for rule, v in found
    ]


def select_zones(
    plan: gpd.GeoDataFrame, *, layers: Sequence[str], zone_ids: Sequence[str] = ()
) -> gpd.GeoDataFrame:
    """The polygons of ``layers`` (registry order kept by the caller), or the named ids."""
    features = atlas_features(plan)
    if zone_ids:
        missing = sorted(set(zone_ids) - set(features.index))
        if missing:
            raise GeometryError("err_atlas_no_zone_id", ids=", ".join(missing))
        return features.loc[list(zone_ids)]
    picked = features[features["layer"].isin(list(layers))]
    order = {layer: i for i, layer in enumerate(layers)}
    rank = picked["layer"].map(order).to_numpy()
    return picked.iloc[np.lexsort((-ellipsoidal_area_m2(picked).to_numpy(), rank))]


def render_atlas(
    features: gpd.GeoDataFrame,
    out: str | Path,
    *,
    request: AtlasRequest,
    context: gpd.GeoDataFrame | None = None,
    files: Sequence[str | Path] = (),
    report: CheckReport | None = None,
) -> Path:
    """Write the atlas PDF of ``features`` (see :func:`atlas_pages`) to ``out``."""
    fp = fingerprint(files=files) if files else None
    pages, fp = atlas_pages(features, request=request, context=context, report=report, fp=fp)
    return write_pdf(pages, out, title=request.title, fp=fp)


@plain_text
def pieces_map_png(
    features: gpd.GeoDataFrame,
    pieces: gpd.GeoDataFrame,
    *,
    lang: Lang = "zh",
    registry: Registry | None = None,
    dpi: int = 60,
) -> bytes:
    """A map (PNG of an A4 landscape page) of ``pieces`` — rule violations or topology
    findings, any CRS — hatched red over the ``features`` (from :func:`atlas_features`),
    framed on the pieces: for a page that shows findings."""
    registry = registry or load_registry()
    areal = pieces[has_geometry(pieces)].to_crs(GK_CM102)
    if areal.empty:
        raise GeometryError("err_findings_no_pieces")
    sheet = make_sheet(paper="A4", orientation="landscape", dpi=150)
    page = new_page(sheet, bookmark="")
    m = 6.0
    box = Box(m, m, sheet.width_mm - 2 * m, sheet.height_mm - 2 * m)
    drawn = features.to_crs(GK_CM102)
    _draw_map(
        page,
        box,
        drawn=drawn,
        context=drawn.iloc[:0],
        focus=list(drawn.index),
        pieces=areal,
        registry=registry,
        lang=lang,
        pad_share=0.15,
        frame_on=areal,
    )
    return page_png(page, dpi=dpi)
