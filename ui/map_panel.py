"""The map, in a fragment: zooming reruns only the map (nothing is redrawn); a click
that selects something reruns the page, so that the zone panel beside it follows."""

from __future__ import annotations

import math
from typing import Any

import folium
import geopandas as gpd
import streamlit as st
from streamlit.errors import StreamlitInvalidLayoutContextError
from streamlit_folium import st_folium

from geo.declared.basemaps import Basemap
from geo.declared.i18n import t
from geo.display import geojson_dict, to_gcj02_for_display
from geo.measure.gcj02 import gcj02_to_wgs84
from geo.plan.views import features_payload
from geo.plan.zones import zones_at
from layers.plan_map import DrawLayer, highlight_group, plan_map, zoom_for_bounds
from ui import state, tiles, upload_map
from ui.data import current, current_overlaps, ids_for, payload, registry, secret_or_env
from ui.data import zones as load_zones
from ui.layout import MAP_HEIGHT_PX, MAP_STYLE

CLICK_TOLERANCE_PX = 5  # a click this close to a line or point picks it
UNKNOWN_ZOOM = 13  # before the map has said its zoom: the district view
FRAME_MARGIN = 0.6  # a zone found by search is shown with this much of its size around it
MAX_FRAME_ZOOM = 16


def click_tolerance_deg(zoom: float, lat: float, *, px: float = CLICK_TOLERANCE_PX) -> float:
    """``px`` pixels of a Web map at ``zoom`` and latitude ``lat``, in degrees.

    A pixel spans 360 / (256 · 2^zoom) degrees of longitude and that times cos(lat) of
    latitude; the smaller (latitude) span is returned, so "within px pixels" holds in
    every direction.
    """
    return px * 360.0 / (256 * 2**zoom) * math.cos(math.radians(lat))


def rerun_map() -> None:
    """Rerun just the map fragment, or the whole page when this run is not a fragment
    rerun (Streamlit refuses a fragment-scoped rerun there)."""
    try:
        st.rerun(scope="fragment")
    except StreamlitInvalidLayoutContextError:
        st.rerun()


def handle_click(
    result: dict[str, Any] | None, zs: gpd.GeoDataFrame, visible: list[str], *, gcj02: bool
) -> None:
    click = (result or {}).get("last_clicked")
    if not click or click == st.session_state.get(state.LAST_CLICK):
        return
    st.session_state[state.LAST_CLICK] = click
    shown = zs[zs["layer"].isin(visible)]
    lon, lat = float(click["lng"]), float(click["lat"])
    if gcj02:  # the overlays were shifted onto Amap tiles: shift the click back
        lons, lats = gcj02_to_wgs84([lon], [lat])
        lon, lat = float(lons[0]), float(lats[0])
    # Lines and points within a few pixels first, then the polygons containing the
    # click, smallest first; the others are listed in the panel.
    zoom = float((result or {}).get("zoom") or UNKNOWN_ZOOM)
    hits = zones_at(shown, lon=lon, lat=lat, tolerance_deg=click_tolerance_deg(zoom, lat))
    st.session_state[state.CLICK_HITS] = hits
    if hits:
        st.session_state[state.SELECTED] = hits[0]
        st.session_state.pop(state.FRAME_ZONE, None)  # picked on the map: keep the view
    st.rerun()  # the panel beside the map (outside this fragment) shows what was hit


def frame_view(
    bounds: tuple[float, float, float, float], *, tile_grid: str = "web_mercator"
) -> tuple[Any, Any]:
    """Centre and zoom showing ``bounds`` (degrees) with a margin around them, on the
    basemap's ``tile_grid`` (Tianditu's CGCS2000 'c' grid zooms one level less)."""
    minx, miny, maxx, maxy = bounds
    dx, dy = (maxx - minx) * FRAME_MARGIN, (maxy - miny) * FRAME_MARGIN
    centre, zoom = zoom_for_bounds(
        (minx - dx, miny - dy, maxx + dx, maxy + dy), height_px=MAP_HEIGHT_PX, tile_grid=tile_grid
    )
    return centre, min(zoom, MAX_FRAME_ZOOM)


def _base(lang: str, base: Basemap, visible: list[str], zs: gpd.GeoDataFrame) -> folium.Map:
    """The plan map of the visible layers, framed on them."""
    path, version = current()
    reg = registry()
    gcj = base.crs == "gcj02"
    draw = [
        DrawLayer(reg.layer(layer_id), *payload(path, version, layer_id, gcj))
        for layer_id in reg.drawn_with_context(visible)  # e.g. the prefectures under 1+3+N
    ]
    shown = zs[zs["layer"].isin(visible)]
    bounds = tuple(shown.total_bounds) if len(shown) else None
    m = plan_map(
        draw,
        registry=reg,
        lang=lang,
        basemap=base,
        token=secret_or_env(base.token_env) if base.token_env else None,
        bounds=bounds,  # type: ignore[arg-type]
    )
    m.get_root().header.add_child(folium.Element(MAP_STYLE))  # type: ignore[attr-defined]
    return m


def _overlay_groups(
    lang: str, selected: str | None, zs: gpd.GeoDataFrame, *, gcj: bool, tile_grid: str
) -> tuple[list[folium.FeatureGroup], tuple[Any, Any]]:
    """The selected zone and the overlap pieces as groups added to the live map, and the
    view (centre, zoom) to move to: none (the user's view is kept) unless the zone was
    just found by search, then the zone with a margin around it."""
    extra = []
    view: tuple[Any, Any] = (None, None)
    sel = zs.loc[[selected]] if selected in zs.index else zs.iloc[:0]
    if len(sel) and not sel.geometry.isna().all() and not sel.geometry.is_empty.all():
        sel_json = features_payload(sel, gcj02=gcj)[0]
        extra.append(highlight_group(sel_json, name=t("selected", lang)))
        if st.session_state.pop(state.FRAME_ZONE, None) == selected:
            view = frame_view(tuple(sel.total_bounds), tile_grid=tile_grid)  # type: ignore[arg-type]
    framed = zs[zs["layer"].isin(st.session_state.pop(state.FRAME_LAYERS, None) or ())]
    if len(framed) and framed.geometry.notna().any():
        view = frame_view(tuple(framed.total_bounds), tile_grid=tile_grid)  # type: ignore[arg-type]
    if st.session_state.get(state.OVERLAP_SHOW):
        pieces = current_overlaps()
        if pieces is not None and not pieces.empty:
            geo = to_gcj02_for_display(pieces) if gcj else pieces
            extra.append(
                highlight_group(
                    geojson_dict(geo, columns=["a_id", "b_id"]),
                    name=t("overlap_pairs", lang),
                    color="#ff00aa",
                )
            )
    return extra, view


@st.fragment
def map_view(lang: str, base: Basemap, visible: list[str]) -> None:
    zs = load_zones(*current())
    gcj = base.crs == "gcj02"
    m = _base(lang, base, visible, zs)
    selected = st.session_state.get(state.SELECTED)
    extra, (centre, zoom) = _overlay_groups(lang, selected, zs, gcj=gcj, tile_grid=base.tile_grid)
    user_groups, large = upload_map.map_groups(
        lang, st.session_state.get(state.MAP_VIEW), zs, lambda c: ids_for(c, zs)
    )
    extra += user_groups

    result = st_folium(
        m,
        key=state.PLAN_MAP,
        height=MAP_HEIGHT_PX,
        use_container_width=True,
        # Only what the app reads: panning reruns nothing, unless a large user layer
        # needs the view to draw what is in it. The zoom sets how near a click must be
        # to a line (a zoom reruns this fragment only, and redraws nothing).
        returned_objects=[
            "last_clicked",
            "zoom",
            *(["bounds"] if large else []),
            *tiles.RETURNED_OBJECTS,  # a click on a tiled user layer's feature
        ],
        feature_group_to_add=extra or None,
        center=centre,
        zoom=zoom,
    )
    st.caption(t("schematic_note", lang))
    if large and result and result.get("zoom") is not None:
        view = {"zoom": result.get("zoom"), "bounds": result.get("bounds")}
        if view != st.session_state.get(state.MAP_VIEW):
            st.session_state[state.MAP_VIEW] = view
            rerun_map()
    handle_click(result, zs, visible, gcj02=gcj)
