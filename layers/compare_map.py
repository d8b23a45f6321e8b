"""The difference map of a comparison: added, removed and unchanged pieces, styled apart.

The pieces are :attr:`geo.edit.compare.Comparison.pieces` (EPSG:4326): one row per
element and piece, ``piece`` one of added / removed / unchanged. Added pieces are green,
removed ones red and hatched by a dashed outline, unchanged ones grey. The tooltip shows
the element id, the piece in the page's language and its ellipsoidal area; the id is
escaped (Leaflet's tooltip is HTML) and the labels are the caller's declared texts.

:func:`swipe_map` draws the two sides of a comparison on one map, "before" on the left of
a slider and "after" on its right (``leaflet-side-by-side``, vendored in
``static/vendor/``, through ``folium.plugins.SideBySideLayers``). The plugin clips a
layer's container; vector layers share one SVG, so each side is drawn in a pane of its
own (:data:`SWIPE_PANES`, each with its own SVG renderer) and the pane is what is clipped.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import Any, Final

import folium
import geopandas as gpd
import pandas as pd
from branca.element import MacroElement
from folium.plugins import SideBySideLayers
from jinja2 import Template

from geo.edit.compare import ADDED, REMOVED, UNCHANGED
from geo.measure.area import M2_PER_UNIT
from geo.measure.crs import STORAGE_CRS, require_crs
from layers.plan_map import base_map

PIECE_STYLES: Final[Mapping[str, Mapping[str, Any]]] = {
    ADDED: {"color": "#1a9850", "fillColor": "#1a9850", "fillOpacity": 0.55, "weight": 2},
    REMOVED: {
        "color": "#d73027",
        "fillColor": "#d73027",
        "fillOpacity": 0.45,
        "weight": 2,
        "dashArray": "6 4",
    },
    UNCHANGED: {"color": "#737373", "fillColor": "#bdbdbd", "fillOpacity": 0.25, "weight": 1},
}
"""Leaflet path styles per piece: green added, red dashed removed, grey unchanged."""


SIDE_STYLES: Final[Mapping[str, Mapping[str, Any]]] = {
    "before": {"color": "#b35806", "fillColor": "#fdb863", "fillOpacity": 0.45, "weight": 2},
    "after": {"color": "#2166ac", "fillColor": "#92c5de", "fillOpacity": 0.45, "weight": 2},
}
"""Leaflet path styles of the swipe view's sides: orange before, blue after."""
SWIPE_PANES: Final[Mapping[str, str]] = {"before": "compareBefore", "after": "compareAfter"}
"""The Leaflet pane of each side (above the overlay pane, below tooltips)."""
_PANE_Z_INDEX: Final = 410


def _tooltip_frame(
    frame: gpd.GeoDataFrame, label: str, *, unit: str, unit_label: str, lang: str
) -> gpd.GeoDataFrame:
    """The tooltip columns of pieces or sides: id (with the name in the page's language
    when there is one), what it is, its area; every text escaped (the tooltip is HTML)."""
    name_column = "name_zh" if lang == "zh" else "name_en"
    names = frame[name_column] if name_column in frame.columns else [None] * len(frame)
    return gpd.GeoDataFrame(
        {
            "id": [
                html.escape(f"{n} · {i}" if isinstance(n, str) and n else str(i))
                for i, n in zip(frame["id"], names, strict=True)
            ],
            "piece": html.escape(label),
            "area": [
                f"{a / M2_PER_UNIT[unit]:,.4f} {html.escape(unit_label)}" for a in frame["area_m2"]
            ],
        },
        geometry=frame.geometry.to_numpy(),
        crs=STORAGE_CRS,
    )


def _fitted_map(
    frames: list[gpd.GeoDataFrame], *, lang: str, names: tuple[str, ...]
) -> tuple[folium.Map, list[gpd.GeoDataFrame]]:
    """A map with no basemap fitted to the frames (EPSG:4326 copies, returned too)."""
    shown = []
    for frame, name in zip(frames, names, strict=True):
        require_crs(frame, name=name)
        shown.append(frame.to_crs(STORAGE_CRS) if frame.crs != STORAGE_CRS else frame)
    drawn = [f for f in shown if len(f)]
    bounds = None
    if drawn:
        b = gpd.GeoSeries(pd.concat([f.geometry for f in drawn]), crs=STORAGE_CRS).total_bounds
        bounds = (float(b[0]), float(b[1]), float(b[2]), float(b[3]))
    return base_map(basemap=None, bounds=bounds, lang=lang), shown


def _styled_layer(
    frame: gpd.GeoDataFrame, label: str, style: Mapping[str, Any], **options: Any
) -> folium.GeoJson:
    """A GeoJSON layer of a :func:`_tooltip_frame` in one style, named ``label``."""
    fixed = dict(style)
    return folium.GeoJson(
        frame.__geo_interface__,
        name=html.escape(label),
        style_function=lambda _f: fixed,
        tooltip=folium.GeoJsonTooltip(fields=["id", "piece", "area"], labels=False),
        **options,
    )


class _PaneAsContainer(MacroElement):
    """Gives a GeoJSON layer the ``getContainer()`` leaflet-side-by-side clips: its pane."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            {{ this.layer.get_name() }}.getContainer = function () {
                return {{ this._parent.get_name() }}.getPane({{ this.pane|tojson }});
            };
        {% endmacro %}
        """
    )

    def __init__(self, layer: folium.GeoJson, pane: str) -> None:
        super().__init__()  # type: ignore[no-untyped-call]  # branca is untyped here
        self._name = "PaneAsContainer"
        self.layer = layer
        self.pane = pane


def swipe_map(
    before: gpd.GeoDataFrame,
    after: gpd.GeoDataFrame,
    *,
    side_labels: Mapping[str, str],
    unit: str = "km2",
    unit_label: str = "km²",
    lang: str = "zh",
) -> folium.Map:
    """The two sides of a comparison under a slider: ``before`` left, ``after`` right.

    Both are frames of :func:`geo.edit.compare.side_shapes` (``id``, names, ``area_m2``).
    ``side_labels`` names "before" and "after" in the page's language (tooltips, layer
    control). No basemap; fitted to both sides. Call
    :func:`layers.offline.use_local_assets` on it before it is shown.
    """
    m, shown = _fitted_map([before, after], lang=lang, names=("before", "after"))
    sides: list[folium.GeoJson] = []
    for side, frame in zip(("before", "after"), shown, strict=True):
        pane = SWIPE_PANES[side]
        folium.map.CustomPane(pane, z_index=_PANE_Z_INDEX, pointer_events=True).add_to(m)
        label = side_labels.get(side, side)
        tips = _tooltip_frame(frame, label, unit=unit, unit_label=unit_label, lang=lang)
        layer = _styled_layer(tips, label, SIDE_STYLES[side], pane=pane)
        layer.add_to(m)
        _PaneAsContainer(layer, pane).add_to(m)
        sides.append(layer)
    SideBySideLayers(sides[0], sides[1]).add_to(m)  # type: ignore[no-untyped-call]
    folium.LayerControl(collapsed=False).add_to(m)
    return m


def difference_map(
    pieces: gpd.GeoDataFrame,
    *,
    piece_labels: Mapping[str, str],
    unit: str = "km2",
    unit_label: str = "km²",
    lang: str = "zh",
) -> folium.Map:
    """A map of the comparison's pieces, one toggleable group per piece kind.

    ``piece_labels`` names added / removed / unchanged in the page's language (also the
    group names of the layer control); areas in the tooltip are in ``unit`` (a key of
    :data:`geo.measure.area.M2_PER_UNIT`) labelled ``unit_label``. No basemap: the
    pieces alone, fitted to their bounds.
    """
    m, (shown,) = _fitted_map([pieces], lang=lang, names=("comparison pieces",))
    for piece in (UNCHANGED, REMOVED, ADDED):  # added drawn on top
        subset = shown[shown["piece"] == piece]
        if not len(subset):
            continue
        label = piece_labels.get(piece, piece)
        frame = _tooltip_frame(subset, label, unit=unit, unit_label=unit_label, lang=lang)
        _styled_layer(frame, label, PIECE_STYLES[piece]).add_to(m)
    folium.LayerControl(collapsed=False).add_to(m)
    return m


PICK_STYLES: Final[Mapping[str, Mapping[str, Any]]] = {
    "free": {"color": "#525252", "fillColor": "#d9d9d9", "fillOpacity": 0.35, "weight": 2},
    "assigned": {"color": "#2166ac", "fillColor": "#4393c3", "fillOpacity": 0.55, "weight": 3},
    "element": {"color": "#b35806", "fill": False, "weight": 2, "dashArray": "6 4"},
}
"""The features to click (grey; blue once assigned) and the chosen element (orange dashed)."""
POSITION_PROPERTY: Final = "position"
"""The feature's 0-based position in the layer, as the clicked feature sends it back."""


def feature_pick_map(
    features: gpd.GeoDataFrame,
    *,
    labels: list[str],
    assigned: Mapping[int, str],
    element: gpd.GeoDataFrame | None = None,
    lang: str = "zh",
) -> folium.Map:
    """A layer's features to click, one by one (``labels[i]`` is feature ``i``'s
    tooltip, escaped here); ``assigned`` (position → the element's name) are drawn
    apart and say where they go; ``element``, the chosen plan element's current shape,
    is drawn for orientation and not clickable. A clicked feature sends back its
    :data:`POSITION_PROPERTY` (streamlit-folium's ``last_active_drawing``)."""
    shown = [features, *([element] if element is not None else [])]
    m, drawn = _fitted_map(shown, lang=lang, names=("features", "plan element")[: len(shown)])
    frame = gpd.GeoDataFrame(
        {
            POSITION_PROPERTY: range(len(drawn[0])),
            "label": [
                html.escape(f"{text} → {assigned[i]}" if i in assigned else text)
                for i, text in enumerate(labels)
            ],
            "state": ["assigned" if i in assigned else "free" for i in range(len(drawn[0]))],
        },
        geometry=drawn[0].geometry.to_numpy(),
        crs=STORAGE_CRS,
    )
    if element is not None and len(drawn[1]):
        outline = gpd.GeoDataFrame(geometry=drawn[1].geometry.to_numpy(), crs=STORAGE_CRS)
        style = dict(PICK_STYLES["element"])
        folium.GeoJson(
            outline.__geo_interface__, style_function=lambda _f: style, interactive=False
        ).add_to(m)
    folium.GeoJson(
        frame.__geo_interface__,
        style_function=lambda f: dict(PICK_STYLES[f["properties"]["state"]]),
        tooltip=folium.GeoJsonTooltip(fields=["label"], labels=False),
    ).add_to(m)
    return m


def clicked_position(drawing: Mapping[str, Any] | None) -> int | None:
    """The position a clicked feature of :func:`feature_pick_map` sent back, or None."""
    if not drawing:
        return None
    value = (drawing.get("properties") or {}).get(POSITION_PROPERTY)
    return int(value) if isinstance(value, int | float) and not isinstance(value, bool) else None
