"""Print-ready static maps (PNG, PDF) drawn with matplotlib in EPSG:4543, offline.

:func:`build_figure` draws the chosen layers of a feature table on a sheet of A4 or A3
paper, portrait or landscape (:mod:`geo.export.sheet`), in CGCS2000 / 3-degree
Gauss-Kruger CM 102°E (EPSG:4543): registry colours, every geometry not traced from a
published boundary dashed, labels placed biggest feature first and dropped where they
would collide, then the furniture of :mod:`geo.export.furniture` — editable title and
subtitle, legend, a scale bar true in the projection, a north arrow to true north, and
notes on sources, sketches, CRS, area method, date and data fingerprint.

No tiles are drawn: the map is complete offline. Text is set only in the bundled
Noto Sans SC (:mod:`geo.export.fonts`); PDFs embed it as TrueType, so their text can
be searched and copied.

:func:`render_map` writes the sheet to a file (format from the suffix);
:func:`map_bytes` returns it as bytes for a download button.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import geopandas as gpd
import numpy as np
import shapely
from matplotlib import patheffects
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from matplotlib.text import Text
from matplotlib.transforms import Bbox
from shapely.geometry import LineString, MultiLineString
from shapely.geometry.base import BaseGeometry

from geo import __version__
from geo.declared.i18n import Message
from geo.declared.registry import LayerSpec, Registry, load_registry
from geo.errors import GeometryError
from geo.export.fonts import font_properties
from geo.export.furniture import (
    DASHES,
    LINEAR,
    POLYGONAL,
    Lang,
    balanced_lines,
    draw_north_arrow,
    draw_scale_bar,
    grid_scale_factor,
    legend_handles,
    map_notes,
    phrase,
    short_label,
    text_context,
    wrap_text,
)
from geo.export.presets import Preset
from geo.export.provenance import (
    Fingerprint,
    fingerprint,
    is_public_boundary,
)
from geo.export.sheet import Sheet, layout_for, make_sheet
from geo.io import atomic_write
from geo.measure.crs import GK_CM102, require_crs
from geo.measure.validate import has_geometry


@dataclass(frozen=True)
class MapRequest:
    """What to draw: layers (registry ids), frame, title, language and notes."""

    layers: tuple[str, ...]
    title: str
    subtitle: str = ""
    lang: Lang = "zh"
    zoom_layers: tuple[str, ...] = ()
    zoom_ids: tuple[str, ...] = ()
    pad_share: float = 0.06
    source_note: str = ""
    date: dt.date | None = None

    @classmethod
    def from_preset(
        cls,
        preset: Preset,
        *,
        lang: Lang = "zh",
        title: str | None = None,
        subtitle: str | None = None,
        source_note: str = "",
        date: dt.date | None = None,
    ) -> MapRequest:
        """The request a preset declares, with an optional edited title and subtitle."""
        return cls(
            layers=preset.layers,
            title=preset.title(lang) if title is None else title,
            subtitle=preset.subtitle(lang) if subtitle is None else subtitle,
            lang=lang,
            zoom_layers=preset.zoom_layers,
            zoom_ids=preset.zoom_ids,
            pad_share=preset.pad_share,
            source_note=source_note,
            date=date,
        )


# ----------------------------------------------------------------------------- selection


def select_features(
    features: gpd.GeoDataFrame, *, layers: Sequence[str], registry: Registry
) -> gpd.GeoDataFrame:
    """Features of the given layers (column ``layer``) with a non-empty geometry."""
    require_crs(features, name="map features")
    if "layer" not in features.columns:
        raise GeometryError("err_map_no_layer_column")
    for layer_id in layers:
        registry.layer(layer_id)  # KeyError naming the known ids
    keep = features["layer"].isin(list(layers))
    keep &= has_geometry(features)
    return features[keep]


def frame_bounds(
    drawn: gpd.GeoDataFrame,
    *,
    request: MapRequest,
    aspect: float,
) -> tuple[float, float, float, float]:
    """Map extent (xmin, ymin, xmax, ymax) in EPSG:4543 metres.

    Frames the features named by ``zoom_ids``, else those of ``zoom_layers``, else all
    drawn features; adds ``pad_share`` of the larger side; widens the shorter side so
    that width / height equals ``aspect`` (the map frame's, on paper). ``drawn`` must be
    in EPSG:4543.
    """
    if request.zoom_ids:
        target = drawn[drawn["id"].isin(list(request.zoom_ids))] if "id" in drawn else drawn[:0]
        what = Message("map_frame_features", ids=", ".join(request.zoom_ids))
    elif request.zoom_layers:
        target = drawn[drawn["layer"].isin(list(request.zoom_layers))]
        what = Message("map_frame_layers", layers=", ".join(request.zoom_layers))
    else:
        target, what = drawn, Message("map_frame_drawn")
    if target.empty:
        raise GeometryError("err_map_frame_empty", what=what)
    x0, y0, x1, y1 = (float(v) for v in target.total_bounds)
    size = max(x1 - x0, y1 - y0, 500.0)  # at least 500 m across, also for one point
    pad = request.pad_share * size
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    w, h = max(x1 - x0, 500.0) + 2 * pad, max(y1 - y0, 500.0) + 2 * pad
    if w / h < aspect:
        w = h * aspect
    else:
        h = w / aspect
    return cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2


# ----------------------------------------------------------------------------- drawing


def _style_groups(
    layer: gpd.GeoDataFrame, spec: LayerSpec
) -> Iterator[tuple[gpd.GeoDataFrame, str, str, bool]]:
    """Split a layer's features by (stroke, fill, dashed)."""
    public = np.asarray(is_public_boundary(layer), dtype=bool)
    values = layer[spec.color_by] if spec.color_by and spec.color_by in layer else None
    colours = [
        spec.colour_for(None if values is None else v)
        for v in (values if values is not None else [None] * len(layer))
    ]
    keys = [(stroke, fill, not pub) for (stroke, fill), pub in zip(colours, public, strict=True)]
    for key in dict.fromkeys(keys):
        mask = np.array([k == key for k in keys], dtype=bool)
        yield layer[mask], key[0], key[1], key[2]


def draw_layer(ax: Axes, layer: gpd.GeoDataFrame, spec: LayerSpec, *, k: float) -> None:
    lw = max(0.4, spec.weight * 0.45) * k
    for part, stroke, fill, dashed in _style_groups(layer, spec):
        linestyle = DASHES if dashed else "solid"
        kinds = part.geometry.geom_type
        polys, lines, points = (
            part[kinds.isin(POLYGONAL)],
            part[kinds.isin(LINEAR)],
            part[~kinds.isin(POLYGONAL + LINEAR)],
        )
        if not polys.empty:
            polys.plot(
                ax=ax,
                facecolor=to_rgba(fill, spec.fill_opacity),
                edgecolor=stroke,
                linewidth=lw,
                linestyle=linestyle,
                zorder=spec.order / 10,
            )
        if not lines.empty:
            lines.plot(
                ax=ax, color=stroke, linewidth=lw, linestyle=linestyle, zorder=spec.order / 10
            )
        if not points.empty:
            points.plot(
                ax=ax,
                color=fill,
                edgecolor=stroke,
                markersize=14 * k,
                linewidth=0.6 * k,
                zorder=spec.order / 10 + 0.05,
            )


def _label_anchor(geom: BaseGeometry) -> tuple[float, float]:
    if isinstance(geom, LineString | MultiLineString):
        line = shapely.line_merge(geom) if isinstance(geom, MultiLineString) else geom
        point = line.interpolate(0.5, normalized=True)
        if point.is_empty:
            point = geom.representative_point()
    else:
        point = geom.representative_point()
    return float(point.x), float(point.y)


def _place_labels(
    ax: Axes,
    drawn: gpd.GeoDataFrame,
    registry: Registry,
    *,
    lang: Lang,
    k: float,
) -> list[Text]:
    """Label features of labelled layers, biggest first, dropping any label that would
    overlap one already placed or leave the map frame."""
    fig = ax.figure
    assert isinstance(fig, Figure)
    renderer = FigureCanvasAgg(fig).get_renderer()  # type: ignore[no-untyped-call]
    frame = ax.get_window_extent(renderer)
    name_col = "name_zh" if lang == "zh" else "name_en"
    if name_col not in drawn.columns:
        return []
    candidates = []
    for idx, row in drawn.iterrows():
        spec = registry.layer(str(row["layer"]))
        name = row[name_col]
        if not spec.label or not isinstance(name, str) or not name:
            continue
        candidates.append((float(row.geometry.area), idx, row.geometry, short_label(name)))
    candidates.sort(key=lambda c: -c[0])
    placed: list[Text] = []
    boxes: list[Bbox] = []
    halo = [patheffects.withStroke(linewidth=2.2 * k, foreground="white")]
    xmin, xmax = ax.get_xlim()
    ymin, ymax = ax.get_ylim()
    for _area, _idx, geom, label in candidates:
        x, y = _label_anchor(geom)
        if not (xmin <= x <= xmax and ymin <= y <= ymax):
            continue
        text_lines = "\n".join(balanced_lines(label, max_width=18))
        text = ax.text(
            x,
            y,
            text_lines,
            fontproperties=font_properties(lang=lang, size=6.0 * k),
            ha="center",
            va="center",
            color="#222222",
            zorder=50,
            path_effects=halo,
            linespacing=1.0,
        )
        box = text.get_window_extent(renderer).expanded(1.04, 1.1)
        inside = (
            box.x0 >= frame.x0 and box.x1 <= frame.x1 and box.y0 >= frame.y0 and box.y1 <= frame.y1
        )
        if not inside or any(box.overlaps(b) for b in boxes):
            text.remove()
            continue
        boxes.append(box)
        placed.append(text)
    return placed


def build_figure(
    features: gpd.GeoDataFrame,
    *,
    request: MapRequest,
    sheet: Sheet,
    registry: Registry | None = None,
    fp: Fingerprint | None = None,
) -> Figure:
    """Draw the map sheet and return the matplotlib :class:`Figure` (not yet saved).

    ``features`` is a layer in any CRS (it must be set) with a ``layer`` column naming
    registry layer ids; ``geometry_source``, ``schematic``, ``id``, ``name_zh`` and
    ``name_en`` are used when present. Drawn in EPSG:4543. ``fp`` defaults to the
    fingerprint of the drawn data. Raises :class:`GeometryError` when nothing of the
    requested layers is in ``features``.
    """
    registry = registry or load_registry()
    selected = select_features(features, layers=request.layers, registry=registry)
    if selected.empty:
        raise GeometryError("err_map_no_features", layers=", ".join(request.layers))
    drawn = selected.to_crs(GK_CM102)
    fp = fp or fingerprint(data=selected)
    layout = layout_for(sheet)
    k = sheet.text_scale
    with text_context(request.lang):
        fig = Figure(figsize=sheet.size_inches, dpi=sheet.dpi)
        FigureCanvasAgg(fig)
        ax = fig.add_axes(layout.map.fraction(sheet))
        bounds = frame_bounds(drawn, request=request, aspect=layout.map.w / layout.map.h)
        ax.set_xlim(bounds[0], bounds[2])
        ax.set_ylim(bounds[1], bounds[3])
        ax.set_aspect("equal", adjustable="box")
        ax.set_xticks([])
        ax.set_yticks([])
        for spine in ax.spines.values():
            spine.set_linewidth(0.8 * k)
        ax.set_facecolor("#fbfbf8")
        for spec in registry.layers:
            layer = drawn[drawn["layer"] == spec.id]
            if spec.id in request.layers and not layer.empty:
                draw_layer(ax, layer, spec, k=k)
        ax.set_xlim(bounds[0], bounds[2])
        ax.set_ylim(bounds[1], bounds[3])
        ax.set_xlabel("")
        ax.set_ylabel("")
        _place_labels(ax, drawn, registry, lang=request.lang, k=k)
        draw_scale_bar(ax, lang=request.lang, k=k, map_width_mm=layout.map.w)
        north = draw_north_arrow(ax, lang=request.lang, k=k)

        tx, ty, _tw, th = layout.title.fraction(sheet)
        fig.text(
            tx,
            ty + th,
            request.title,
            fontproperties=font_properties(lang=request.lang, size=17.0 * k),
            va="top",
        )
        if request.subtitle:
            fig.text(
                tx,
                ty + th * 0.22,
                request.subtitle,
                fontproperties=font_properties(lang=request.lang, size=10.0 * k),
                va="center",
                color="#444444",
            )

        legend_ax = fig.add_axes(layout.legend.fraction(sheet))
        legend_ax.set_axis_off()
        handles = legend_handles(drawn, registry, layers=request.layers, lang=request.lang, k=k)
        legend_ax.legend(
            handles=handles,
            loc="upper left",
            title=phrase("legend", request.lang),
            prop=font_properties(lang=request.lang, size=7.0 * k),
            title_fontproperties=font_properties(lang=request.lang, size=9.0 * k),
            frameon=False,
            alignment="left",
            borderaxespad=0.0,
            handlelength=2.6,
            handleheight=1.3,
            labelspacing=0.6,
        )

        cx, cy = (bounds[0] + bounds[2]) / 2, (bounds[1] + bounds[3]) / 2
        notes = map_notes(
            drawn,
            lang=request.lang,
            fp=fp,
            north_deg=north,
            scale_factor=grid_scale_factor(cx, cy),
            source_note=request.source_note,
            date=request.date,
        )
        notes_size = 5.6 * k
        # Half-width columns that fit the panel: about 0.52 em per column in Noto Sans SC,
        # 0.6 em in DejaVu Sans (English sheets).
        em_per_column = 0.6 if request.lang == "en" else 0.52
        columns = int(layout.notes.w / (notes_size * 0.3528 * em_per_column))
        lines = [line for note in notes for line in wrap_text(note, width=columns)]
        nx, ny, _nw, _nh = layout.notes.fraction(sheet)
        fig.text(
            nx,
            ny,
            "\n".join(lines),
            fontproperties=font_properties(lang=request.lang, size=notes_size),
            va="bottom",
            ha="left",
            linespacing=1.35,
            color="#333333",
        )
    return fig


MAP_FORMATS: Final = ("png", "pdf")


def figure_bytes(fig: Figure, *, fmt: str, fp: Fingerprint, title: str) -> bytes:
    """``fig`` as PNG or PDF bytes, with the title, app version and full fingerprint in
    the file's metadata (PNG text chunks; PDF Title/Subject/Keywords)."""
    if fmt not in MAP_FORMATS:
        raise ValueError(f"map exports are {' or '.join(MAP_FORMATS)}, not {fmt!r}")
    creator = f"Chenggong planning map, geo {__version__}"
    if fmt == "pdf":
        metadata: dict[str, str | None] = {
            "Title": title,
            "Creator": creator,
            "Subject": fp.describe(),
            "Keywords": f"sha256:{fp.sha256}",
        }
    else:
        metadata = {"Title": title, "Software": creator, "Description": fp.describe()}
    buffer = io.BytesIO()
    with text_context():
        fig.savefig(buffer, format=fmt, dpi=fig.dpi, metadata=metadata)
    return buffer.getvalue()


def save_figure(fig: Figure, path: str | Path, *, fp: Fingerprint, title: str) -> Path:
    """Write ``fig`` as PNG or PDF (from the suffix of ``path``), atomically."""
    target = Path(path)
    data = figure_bytes(fig, fmt=target.suffix.lower().lstrip("."), fp=fp, title=title)
    with atomic_write(target, mode="wb") as fh:
        fh.write(data)
    return target


def _sheet_figure(
    features: gpd.GeoDataFrame,
    *,
    request: MapRequest,
    paper: str,
    orientation: str,
    dpi: int,
    files: Sequence[str | Path],
    registry: Registry | None,
) -> tuple[Figure, Fingerprint]:
    sheet = make_sheet(paper=paper, orientation=orientation, dpi=dpi)
    registry = registry or load_registry()
    selected = select_features(features, layers=request.layers, registry=registry)
    fp = fingerprint(files=files) if files else fingerprint(data=selected)
    fig = build_figure(features, request=request, sheet=sheet, registry=registry, fp=fp)
    return fig, fp


def render_map(
    features: gpd.GeoDataFrame,
    out: str | Path,
    *,
    request: MapRequest,
    paper: str = "A4",
    orientation: str = "landscape",
    dpi: int = 150,
    files: Sequence[str | Path] = (),
    registry: Registry | None = None,
) -> Path:
    """Render a map sheet of ``features`` to ``out`` (.png or .pdf) and return the path.

    ``files`` are the data files ``features`` was read from: their SHA-256 (with the app
    version) is the printed fingerprint; without them the drawn data itself is hashed.
    See :func:`build_figure` for what is drawn. Paper ``A4``/``A3``, orientation
    ``portrait``/``landscape``, DPI 150 or 300 (PNG pixels = paper size × DPI; PDF
    pages are the paper size in points).
    """
    fig, fp = _sheet_figure(
        features,
        request=request,
        paper=paper,
        orientation=orientation,
        dpi=dpi,
        files=files,
        registry=registry,
    )
    return save_figure(fig, out, fp=fp, title=request.title)


def map_bytes(
    features: gpd.GeoDataFrame,
    *,
    request: MapRequest,
    fmt: str = "pdf",
    paper: str = "A4",
    orientation: str = "landscape",
    dpi: int = 150,
    files: Sequence[str | Path] = (),
    registry: Registry | None = None,
) -> bytes:
    """The map sheet as PNG or PDF bytes (for a download button); see :func:`render_map`."""
    fig, fp = _sheet_figure(
        features,
        request=request,
        paper=paper,
        orientation=orientation,
        dpi=dpi,
        files=files,
        registry=registry,
    )
    return figure_bytes(fig, fmt=fmt, fp=fp, title=request.title)
