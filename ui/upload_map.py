"""The saved layers ticked "show on map" as feature groups: small ones as features,
large ones from their vector tiles when built, else as 500 m grid cells (the features
in view from zoom 15), and the analysis' intersections."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import folium
import geopandas as gpd
import streamlit as st

from geo.declared.i18n import t
from geo.display import (
    geojson_dict,
    grid_summary,
    within_view,
)
from geo.errors import GeoError
from layers.plan_map import highlight_group
from layers.user_layer import LayerFeatures, layer_features, user_layer, user_layer_from
from ui import state
from ui import tiles as tiles_ui
from ui.layer_summary import kept_cells
from ui.uploads import LARGE_LAYER_FEATURES, saved_layer, workspace

DETAIL_ZOOM = 15
USER_COLOURS = ["#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22"]


def map_groups(
    lang: str,
    view: dict[str, Any] | None,
    zones: gpd.GeoDataFrame,
    ids_for: Callable[[list[str]], tuple[str, ...]],
) -> tuple[list[folium.FeatureGroup], bool]:
    """Feature groups for the saved layers ticked "show on map", and whether any is large
    (then the map must report its view so only what is in it is drawn)."""
    ws = workspace()
    groups: list[folium.FeatureGroup] = []
    large = False
    for k, meta in enumerate(ws.list_layers()):
        if not st.session_state.get(state.user_layer_on(meta.layer_id)):
            continue
        key = (str(ws.root), meta.layer_id, meta.created_utc)
        colour = USER_COLOURS[k % len(USER_COLOURS)]
        group = folium.FeatureGroup(name=f"user_{k}")
        small = meta.feature_count <= LARGE_LAYER_FEATURES
        tiles = None if small else tiles_ui.ready_tiles(ws, meta)
        # A tiled layer with its cells kept (an import's) is drawn without reading it.
        cells = None if tiles is None else kept_cells(ws, meta.layer_id)
        try:
            frame = None if cells is not None else saved_layer(*key)
        except GeoError:  # deleted since it was listed: the list says so on the next run
            continue
        if small:
            features = _features(*key, frame)  # made once per layer version
            user_layer_from(features, name=meta.name, color=colour).add_to(group)
        elif tiles is not None:  # drawn from its vector tiles: panning reruns nothing
            cells = _cells(*key, frame) if cells is None else cells
            overview = _cells_layer(cells, colour, lang)
            group = tiles_ui.tiled_group(
                tiles, meta, colour=colour, overview=overview, lang=lang, slot=k
            )
        else:
            large = True
            zoom = (view or {}).get("zoom") or 0
            bounds = (view or {}).get("bounds")
            if zoom >= DETAIL_ZOOM and bounds:
                box = (
                    bounds["_southWest"]["lng"],
                    bounds["_southWest"]["lat"],
                    bounds["_northEast"]["lng"],
                    bounds["_northEast"]["lat"],
                )
                shown, _cut = within_view(frame, bounds=box, limit=LARGE_LAYER_FEATURES)
                user_layer(shown, name=meta.name, color=colour).add_to(group)
            else:
                _cells_layer(_cells(*key, frame), colour, lang).add_to(group)
        groups.append(group)
    if st.session_state.get(state.ANALYSE_SHOW) and st.session_state.get(state.ANALYSE_ZONES):
        from ui.upload_analysis import intersections_geojson  # only when they are shown

        pieces = intersections_geojson(zones, ids_for(st.session_state[state.ANALYSE_ZONES]))
        if pieces is not None:  # made once per analysis, not on every rerun
            groups.append(highlight_group(pieces, name="intersections", color="#ff7f0e"))
    return groups, large


def _cells_layer(cells: gpd.GeoDataFrame, colour: str, lang: str) -> folium.GeoJson:
    """The 500 m grid cells of a large layer, with their feature counts."""
    return folium.GeoJson(
        geojson_dict(cells, columns=["count"]),
        style_function=lambda _f, c=colour: {
            "color": c,
            "weight": 0.5,
            "fillColor": c,
            "fillOpacity": 0.35,
        },
        tooltip=folium.GeoJsonTooltip(fields=["count"], aliases=[t("feature_count", lang)]),
    )


@st.cache_data(show_spinner=False, max_entries=8, hash_funcs={gpd.GeoDataFrame: lambda _g: 0})
def _cells(root: str, layer_id: str, version: str, frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    return grid_summary(frame, cell_m=500.0)


# cache_resource: the features are read-only and drawn on every rerun (and every zoom,
# which reruns the map): 5,000 parcels took 0.5 CPU-s each time.
@st.cache_resource(show_spinner=False, max_entries=8)
def _features(root: str, layer_id: str, version: str, _frame: gpd.GeoDataFrame) -> LayerFeatures:
    return layer_features(_frame)
