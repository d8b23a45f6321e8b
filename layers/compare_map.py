"""The difference map of a comparison: added, removed and unchanged pieces, styled apart.

The pieces are :attr:`geo.edit.compare.Comparison.pieces` (EPSG:4326): one row per
element and piece, ``piece`` one of added / removed / unchanged. Added pieces are green,
removed ones red and hatched by a dashed outline, unchanged ones grey. The tooltip shows
the element id, the piece in the page's language and its ellipsoidal area; the id is
escaped (Leaflet's tooltip is HTML) and the labels are the caller's declared texts.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import Any, Final

import folium
import geopandas as gpd

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
    require_crs(pieces, name="comparison pieces")
    shown = pieces.to_crs(STORAGE_CRS) if pieces.crs != STORAGE_CRS else pieces
    minx, miny, maxx, maxy = (float(v) for v in shown.total_bounds)
    bounds = (minx, miny, maxx, maxy) if len(shown) else None
    m = base_map(basemap=None, bounds=bounds, lang=lang)
    for piece in (UNCHANGED, REMOVED, ADDED):  # added drawn on top
        subset = shown[shown["piece"] == piece]
        if not len(subset):
            continue
        label = html.escape(piece_labels.get(piece, piece))
        frame = gpd.GeoDataFrame(
            {
                "id": [html.escape(str(i)) for i in subset["id"]],
                "piece": label,
                "area": [
                    f"{a / M2_PER_UNIT[unit]:,.4f} {html.escape(unit_label)}"
                    for a in subset["area_m2"]
                ],
            },
            geometry=subset.geometry.to_numpy(),
            crs=STORAGE_CRS,
        )
        style = dict(PIECE_STYLES[piece])
        folium.GeoJson(
            frame.__geo_interface__,
            name=label,
            style_function=lambda _f, s=style: s,
            tooltip=folium.GeoJsonTooltip(fields=["id", "piece", "area"], labels=False),
        ).add_to(m)
    folium.LayerControl(collapsed=False).add_to(m)
    return m
