"""Cartographic furniture for printed maps: scale bar, north arrow, legend, notes.

- The scale bar is drawn in the map's own coordinates, EPSG:4543 metres, so it is true
  in the projection (Gauss-Kruger's scale factor at Chenggong is 1.0001: grid and
  ground distances agree to 0.01 %); beside it the nominal scale of the sheet printed
  at 100 %.
- The north arrow points to **true** north at the map centre. Grid north differs by
  the meridian convergence (about 0.36° at Chenggong); the notes say so.
- The legend's labels come from the layer registry (Chinese or English); two extra rows
  explain solid (published boundary) and dashed (sketched or derived) outlines.
- The notes list data sources, how many features are schematic, CRS, area method,
  date and fingerprint.

Text in Chinese and English (``lang``); wrapping counts CJK characters as two columns.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Final, Literal, cast

import geopandas as gpd
import matplotlib as mpl
from matplotlib import patheffects
from matplotlib.axes import Axes
from matplotlib.colors import to_rgba
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle
from pyproj import CRS

from geo import __version__
from geo.declared.registry import Registry
from geo.export.fonts import font_properties, font_rc
from geo.export.provenance import (
    SOURCE_LABELS,
    Fingerprint,
    is_public_boundary,
    schematic_mask,
    source_counts,
    today_in_china,
)
from geo.measure.crs import GK_CM102, STORAGE_CRS
from geo.measure.projection import transformer

Lang = Literal["zh", "en"]

DASHES: Final[Any] = (0, (4.0, 2.5))  # matplotlib dash pattern: offset, (on, off) points
POLYGONAL: Final = ("Polygon", "MultiPolygon")
LINEAR: Final = ("LineString", "MultiLineString", "LinearRing")

_TEXT: Final[dict[str, dict[str, str]]] = {
    "legend": {"zh": "图例", "en": "Legend"},
    "solid": {"zh": "实线：公开行政边界", "en": "Solid: published boundary"},
    "dashed": {
        "zh": "虚线：示意或推导的几何，非测量成果",
        "en": "Dashed: sketched or derived geometry, not a survey",
    },
    "scale": {"zh": "比例尺", "en": "Scale"},
    "north": {"zh": "北", "en": "N"},
    "at_paper": {"zh": "按 {paper} 原尺寸打印", "en": "printed at 100 % on {paper}"},
    "sources_head": {"zh": "几何来源", "en": "Geometry sources"},
    "schematic": {
        "zh": "其中 {n} 个要素为示意（schematic），位置与范围仅供参考，精度见属性 accuracy_m。",
        "en": "{n} feature(s) are schematic: positions and extents are indicative; "
        "see each feature's accuracy_m.",
    },
    "crs": {
        "zh": "坐标系：CGCS2000 3度带高斯-克吕格投影，中央经线 102°E（EPSG:4543）。"
        "比例尺为该投影的平面距离，本图范围内尺度因子 {k:.5f}。",
        "en": "Projection: CGCS2000 / 3-degree Gauss-Kruger, central meridian 102°E "
        "(EPSG:4543). The scale bar measures grid distance; scale factor here {k:.5f}.",
    },
    "north_note": {
        "zh": "指北针指向真北；坐标纵轴（坐标北）与真北相差 {g:.2f}°（子午线收敛角）。",
        "en": "The arrow points to true north; grid north differs by {g:.2f}° "
        "(meridian convergence).",
    },
    "area": {
        "zh": "面积：CGCS2000 椭球面积（测地线计算），另附 EPSG:4543 平面面积；见面积表。",
        "en": "Areas: ellipsoidal on CGCS2000 (geodesic), with EPSG:4543 planar areas "
        "beside them; see the area table.",
    },
    "made": {
        "zh": "制图日期 {date} · 呈贡规划图 geo {version} · 无底图瓦片（离线完整）",
        "en": "Made {date} · Chenggong planning map geo {version} · no basemap tiles",
    },
    "fingerprint": {
        "zh": "数据指纹 sha256:{short}（{inputs}）",
        "en": "Fingerprint sha256:{short} ({inputs})",
    },
}


def phrase(key: str, lang: str, **values: object) -> str:
    return _TEXT[key][lang].format(**values)


def short_label(name: str) -> str:
    """A map label: the name without parenthetical remarks, e.g. '（示意）'."""
    short = re.sub(r"[（(][^）)]*[）)]", "", name).strip()
    return short or name


def display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def wrap_text(text: str, *, width: int) -> list[str]:
    """Wrap mixed Chinese/Latin text to ``width`` half-width columns (CJK counts 2).

    Breaks at spaces in Latin text and anywhere between CJK characters.

    >>> wrap_text("呈贡区 规划 map of Chenggong", width=10)
    ['呈贡区 规', '划 map of', 'Chenggong']
    """
    lines: list[str] = []
    for paragraph in text.split("\n"):
        tokens = re.findall(
            r"[\u2e80-\u9fff\uff00-\uffef\u3000-\u303f]|[^\s\u2e80-\u9fff\uff00-\uffef\u3000-\u303f]+|\s+",
            paragraph,
        )
        line = ""
        for token in tokens:
            if display_width(line + token) <= width or not line.strip():
                line += token
            else:
                lines.append(line.rstrip())
                line = "" if token.isspace() else token
        lines.append(line.rstrip())
    return lines


def balanced_lines(text: str, *, max_width: int) -> list[str]:
    """Split a label into the fewest lines of at most ``max_width`` columns, evenly.

    >>> balanced_lines("杨林经济技术开发区", max_width=16)
    ['杨林经济技', '术开发区']
    """
    n_lines = math.ceil(display_width(text) / max_width)
    if n_lines <= 1:
        return [text]
    return wrap_text(text, width=math.ceil(display_width(text) / n_lines) + 1)


def _nice_length_m(span_m: float) -> float:
    """A round scale-bar length (1, 2 or 5 × 10^n m) of about a quarter of ``span_m``."""
    target = span_m / 4
    exponent = math.floor(math.log10(target))
    for step in (5, 2, 1):
        if step * 10**exponent <= target:
            return float(step * 10**exponent)
    return float(10**exponent)


def _format_distance(metres: float, lang: str) -> str:
    if metres >= 1000:
        km = metres / 1000
        return f"{km:g} {'公里' if lang == 'zh' else 'km'}"
    return f"{metres:g} {'米' if lang == 'zh' else 'm'}"


def _nominal_scale(ax_width_mm: float, span_m: float) -> int:
    """Scale denominator of the sheet printed at 100 %, rounded to 2 significant digits."""
    denominator = span_m / (ax_width_mm / 1000.0)
    digits = 10 ** max(0, math.floor(math.log10(denominator)) - 1)
    return int(round(denominator / digits) * digits)


def draw_scale_bar(ax: Axes, *, lang: Lang, k: float, map_width_mm: float) -> None:
    """Four alternating segments, true in EPSG:4543 metres, with the nominal scale."""
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    span = x1 - x0
    length = _nice_length_m(span)
    left, base = x0 + 0.04 * span, y0 + 0.045 * (y1 - y0)
    height = 0.012 * (y1 - y0)
    fp = font_properties(lang=lang, size=6.0 * k)
    ax.add_patch(
        Rectangle(
            (left - 0.02 * span, base - 0.035 * (y1 - y0)),
            length + 0.07 * span,
            0.095 * (y1 - y0),
            facecolor=(1, 1, 1, 0.8),
            edgecolor="none",
            zorder=60,
        )
    )
    segments = 4
    for i in range(segments):
        ax.add_patch(
            Rectangle(
                (left + i * length / segments, base),
                length / segments,
                height,
                facecolor="black" if i % 2 == 0 else "white",
                edgecolor="black",
                linewidth=0.5 * k,
                zorder=61,
            )
        )
    for value in (0.0, length / 2, length):
        ax.text(
            left + value,
            base + height * 1.6,
            _format_distance(value, lang)
            if value == length
            else f"{value / (1000 if length >= 1000 else 1):g}",
            fontproperties=fp,
            ha="center",
            va="bottom",
            zorder=62,
        )
    ax.text(
        left,
        base - height * 0.9,
        f"{phrase('scale', lang)} 1:{_nominal_scale(map_width_mm, span):,}".replace(",", " "),
        fontproperties=fp,
        ha="left",
        va="top",
        zorder=62,
    )


_TO_GK: Final = transformer(CRS(STORAGE_CRS), CRS(GK_CM102))  # shared, cached
_TO_LONLAT: Final = transformer(CRS(GK_CM102), CRS(STORAGE_CRS))


def true_north_angle_deg(x: float, y: float) -> float:
    """Angle of true north from grid north at (x, y) in EPSG:4543, degrees, clockwise.

    Negative east of the central meridian (102°E): there true north points slightly
    west of the grid's y axis. About −0.36° at Chenggong.
    """
    lon, lat = _TO_LONLAT.transform(x, y)
    nx, ny = _TO_GK.transform(lon, lat + 0.01)
    return math.degrees(math.atan2(nx - x, ny - y))


def draw_north_arrow(ax: Axes, *, lang: Lang, k: float) -> float:
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    angle = true_north_angle_deg((x0 + x1) / 2, (y0 + y1) / 2)
    length = 0.07 * (y1 - y0)
    tail_x, tail_y = x1 - 0.06 * (x1 - x0), y1 - 0.16 * (y1 - y0)
    dx, dy = length * math.sin(math.radians(angle)), length * math.cos(math.radians(angle))
    ax.annotate(
        "",
        xy=(tail_x + dx, tail_y + dy),
        xytext=(tail_x, tail_y),
        arrowprops={
            "arrowstyle": "-|>,head_length=0.9,head_width=0.45",
            "lw": 1.4 * k,
            "color": "black",
        },
        zorder=62,
    )
    ax.text(
        tail_x + dx * 1.25,
        tail_y + dy * 1.25,
        phrase("north", lang),
        fontproperties=font_properties(lang=lang, size=9.0 * k),
        ha="center",
        va="bottom",
        zorder=62,
        path_effects=[patheffects.withStroke(linewidth=2.0 * k, foreground="white")],
    )
    return angle


def legend_handles(
    drawn: gpd.GeoDataFrame, registry: Registry, *, layers: Sequence[str], lang: Lang, k: float
) -> list[Patch | Line2D]:
    handles: list[Patch | Line2D] = []
    ordered = [s for s in registry.layers if s.id in layers]
    name_col = "name_zh" if lang == "zh" else "name_en"
    for spec in ordered:
        layer = drawn[drawn["layer"] == spec.id]
        if layer.empty:
            continue
        dashed = not any(is_public_boundary(layer))  # mixed layers: the style rows explain
        linestyle: Any = DASHES if dashed else "solid"
        linear = bool(layer.geometry.geom_type.isin(LINEAR).all())
        entries: list[tuple[str, str, str]] = []
        if spec.color_by and spec.color_by in layer and spec.colors:
            for value, members in layer.groupby(layer[spec.color_by].astype(str), sort=True):
                stroke, fill = spec.colour_for(value)
                names = set(members[name_col]) if name_col in members else set()
                detail = short_label(names.pop()) if len(names) == 1 else str(value)
                sep = "：" if lang == "zh" else ": "
                entries.append((f"{spec.name(lang)}{sep}{detail}", stroke, fill))
        else:
            entries.append((spec.name(lang), spec.color, spec.fill))
        for label, stroke, fill in entries:
            text = "\n".join(wrap_text(label, width=42))
            if linear:
                handles.append(
                    Line2D([], [], color=stroke, linewidth=1.4 * k, linestyle=linestyle, label=text)
                )
            else:
                handles.append(
                    Patch(
                        facecolor=to_rgba(fill, max(spec.fill_opacity, 0.0)),
                        edgecolor=stroke,
                        linewidth=0.9 * k,
                        linestyle=linestyle,
                        label=text,
                    )
                )
    handles.append(Line2D([], [], color="#333333", linewidth=1.0 * k, label=phrase("solid", lang)))
    handles.append(
        Line2D(
            [],
            [],
            color="#333333",
            linewidth=1.0 * k,
            linestyle=DASHES,
            label="\n".join(wrap_text(phrase("dashed", lang), width=42)),
        )
    )
    return handles


def map_notes(
    drawn: gpd.GeoDataFrame,
    *,
    lang: Lang,
    fp: Fingerprint,
    north_deg: float,
    scale_factor: float,
    source_note: str = "",
    date: dt.date | None = None,
) -> list[str]:
    """The notes printed beside the map, one paragraph per item (see module docstring)."""
    counts = source_counts(drawn)
    parts = ", " if lang == "en" else "，"
    listed = parts.join(
        f"{SOURCE_LABELS.get(src, {'zh': src, 'en': src})[lang]} {n}"
        for src, n in sorted(counts.items(), key=lambda kv: -kv[1])
    )
    colon = "：" if lang == "zh" else ": "
    notes = []
    if source_note:
        notes.append(source_note)
    notes.append(
        f"{phrase('sources_head', lang)}{colon}{listed}。"
        if lang == "zh"
        else f"{phrase('sources_head', lang)}{colon}{listed}."
    )
    n_schematic = sum(schematic_mask(drawn))
    notes.append(phrase("schematic", lang, n=n_schematic))
    notes.append(phrase("crs", lang, k=scale_factor))
    notes.append(phrase("north_note", lang, g=abs(north_deg)))
    notes.append(phrase("area", lang))
    date = date or today_in_china()
    notes.append(phrase("made", lang, date=date.isoformat(), version=__version__))
    notes.append(phrase("fingerprint", lang, short=fp.short, inputs="; ".join(fp.inputs)))
    return notes


def grid_scale_factor(x: float, y: float) -> float:
    """Gauss-Kruger (EPSG:4543) point scale factor at (x, y) metres."""
    from pyproj import Proj

    lon, lat = _TO_LONLAT.transform(x, y)
    return float(Proj(GK_CM102).get_factors(lon, lat).meridional_scale)


@contextmanager
def text_context(lang: str = "zh") -> Iterator[None]:
    with mpl.rc_context(cast(Any, font_rc(lang=lang))):
        yield
