"""Large saved layers on the map as vector tiles, and the panel of a clicked feature.

A layer over ``LARGE_LAYER_FEATURES`` features gets its tiles built once, in the
background, after it is saved (:func:`start_tiles`, from the frame just saved; a layer
whose build never ran, saved before tiles existed or before the server stopped, gets them
the first time it is shown, read from the store). Until they are ready the layer is drawn
as before (grid cells, the features in view from zoom 15). Once ready, it is one
:class:`~layers.user_layer.TiledUserLayer` with the grid cells as its overview below the
tiles' first zoom: panning and zooming then rerun nothing.

A click on a tiled feature sends its tile id back (streamlit-folium's
``last_object_clicked_tooltip``); :func:`clicked_feature` finds the feature in the full
layer by that id and shows its attributes (as text) and its figures, computed from the
full geometry.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import folium
import geopandas as gpd
import shapely
import streamlit as st

from geo.declared.i18n import t
from geo.display import display_text
from geo.errors import GeoError
from geo.measure.area import M2_PER_UNIT, ellipsoidal_area_m2, gauss_kruger_area_m2
from geo.store.layers import UserLayers
from geo.store.tiles import (
    SOURCE_LAYER,
    TileSet,
    TileStore,
    feature_row,
    prune_orphan_tiles,
    tile_id,
)
from geo.store.workspace import WorkspaceLayer
from layers.user_layer import MAX_FIELDS, TiledUserLayer
from ui import state

RETURNED_OBJECTS = ["last_object_clicked", "last_object_clicked_tooltip"]
"""What the map must return (beside ``last_clicked``) for a click on a tiled feature."""
NEAR_DEG = 1e-4
"""A clicked feature lies within this distance (degrees, about 10 m) of the click."""


@st.cache_resource(show_spinner=False)
def _pruned() -> list[str]:
    """Once per server process: tile folders of workspaces that are gone are removed."""
    return prune_orphan_tiles()


def tile_store(ws: UserLayers) -> TileStore:
    _pruned()
    return TileStore(ws.root)


def start_tiles(ws: UserLayers, layer_id: str, saved: gpd.GeoDataFrame | None = None) -> None:
    """Start building a saved layer's tiles in the background (nothing if built):
    from ``saved``, the frame the save just stored, else from the store; once this page
    run has ended (its script thread), so the build never slows the run's answer."""
    features = saved if saved is not None else functools.partial(ws.read, layer_id)
    tile_store(ws).start(layer_id, features, after=threading.current_thread())


def remove_tiles(root: str, layer_id: str) -> None:
    """The layer was deleted or made private: its tiles and their capability URL go
    (``root``: the user layers' folder, :attr:`UserLayers.root`)."""
    _pruned()
    TileStore(root).remove(layer_id)


def ready_tiles(ws: UserLayers, meta: WorkspaceLayer) -> TileSet | None:
    """The layer's tiles if built; otherwise starts the build and returns None."""
    store = tile_store(ws)
    built, running, failed = store.status(meta.layer_id)
    if built is None and not running and failed is None:
        start_tiles(ws, meta.layer_id)
    return built


def tiled_group(
    tiles: TileSet,
    meta: WorkspaceLayer,
    *,
    colour: str,
    overview: folium.GeoJson,
    lang: str,
    slot: int,
) -> folium.FeatureGroup:
    """The feature group that draws a saved layer from its tiles, with ``overview`` (the
    grid cells) below the tiles' first zoom."""
    group = folium.FeatureGroup(name=f"user_{slot}")
    overview.add_to(group)
    TiledUserLayer(
        url=tiles.url,
        layer_key=meta.layer_id,
        name=meta.name,
        feature_label=t("tile_feature", lang),
        min_zoom=tiles.min_zoom,
        max_zoom=tiles.max_zoom,
        source_layer=SOURCE_LAYER,
        bounds=tiles.bounds,
        color=colour,
        overview=overview,
    ).add_to(group)
    return group


FeatureLookup = Callable[[int], gpd.GeoDataFrame | None]
"""A tiled layer's feature at a position (one row, indexed by it), read from the store by
its key; None if it cannot be read (the layer is gone)."""


@dataclass(frozen=True)
class ClickedFeature:
    meta: WorkspaceLayer
    row: int
    frame: gpd.GeoDataFrame
    """The clicked feature alone (one row, every attribute)."""


def find_clicked(
    result: dict[str, Any] | None,
    layers: list[tuple[WorkspaceLayer, FeatureLookup]],
) -> ClickedFeature | None:
    """The feature the last click was on, among the tiled ``layers`` shown: by the tile
    id in the tooltip text, and, if several layers have a feature of that id, the one
    nearest the clicked point. None if the last click was not on a tiled feature."""
    result = result or {}
    clicked = result.get("last_object_clicked")
    if not clicked or clicked != result.get("last_clicked"):
        return None  # the last click was on the map, not on a feature
    tid = tile_id(result.get("last_object_clicked_tooltip"))
    if tid is None:
        return None
    point = shapely.Point(float(clicked["lng"]), float(clicked["lat"]))
    best: tuple[float, ClickedFeature] | None = None
    for meta, lookup in layers:
        row = feature_row(tid, meta.feature_count)
        feature = None if row is None else lookup(row)
        if row is None or feature is None or len(feature) != 1:
            continue
        geom = feature.geometry.iloc[0]
        if geom is None or geom.is_empty:
            continue
        distance = float(geom.distance(point))
        if best is None or distance < best[0]:
            best = (distance, ClickedFeature(meta=meta, row=row, frame=feature))
    if best is None or best[0] > NEAR_DEG:
        return None  # an id in another layer's tooltip, far from any tiled feature
    return best[1]


def clicked_feature(
    result: dict[str, Any] | None,
    layers: list[tuple[WorkspaceLayer, FeatureLookup]],
    lang: str,
    unit: str,
) -> None:
    """The panel of the tiled feature clicked last: layer name, attributes as text, and
    its ellipsoidal and Gauss-Kruger areas from the full geometry."""
    found = find_clicked(result, layers)
    if found is None:
        return
    feature = found.frame
    st.markdown(f"#### {t('tile_clicked', lang)}")
    st.text(f"{found.meta.name}\n{t('tile_feature', lang)} #{found.row + 1}")
    geometry = feature.geometry.iloc[0]
    if geometry.geom_type in ("Polygon", "MultiPolygon"):
        u = t(f"unit_{unit}", lang)
        area = float(ellipsoidal_area_m2(feature).iloc[0]) / M2_PER_UNIT[unit]
        gk = float(gauss_kruger_area_m2(feature).iloc[0]) / M2_PER_UNIT[unit]
        st.text(
            f"{t('area_ellipsoidal', lang)}: {area:,.4f} {u}\n{t('area_gk', lang)}: {gk:,.4f} {u}"
        )
    columns = [c for c in feature.columns if c != feature.geometry.name][:MAX_FIELDS]
    lines = [f"{display_text(c)}: {display_text(feature[c].iloc[0])}" for c in columns]
    st.text("\n".join(lines))


def shown_tiled_layers(ws: UserLayers) -> list[tuple[WorkspaceLayer, FeatureLookup]]:
    """The saved layers ticked "show on map" whose tiles are built, each with how to read
    one of its features (a layer of a million parcels is never read whole for a click)."""
    out: list[tuple[WorkspaceLayer, FeatureLookup]] = []
    store = tile_store(ws)
    for meta in ws.list_layers():
        if not st.session_state.get(state.user_layer_on(meta.layer_id)):
            continue
        if store.ready(meta.layer_id) is None:
            continue
        out.append((meta, functools.partial(_feature_at, ws, meta.layer_id)))
    return out


def _feature_at(ws: UserLayers, layer_id: str, row: int) -> gpd.GeoDataFrame | None:
    try:
        return ws.store.read(ws.user, layer_id, feature_nos=[row])
    except GeoError:  # deleted or made private since it was listed
        return None
