"""A saved layer measured against chosen plan zones: by feature and by zone, with the
intersections drawn on the map on request (figures ellipsoidal on CGCS2000)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import geopandas as gpd
import pandas as pd
import streamlit as st

from geo.declared.i18n import t
from geo.display import display_copy, geojson_dict
from geo.errors import GeoError
from geo.export.tables import OVERLAP_METHOD
from geo.measure.overlap import equal_area
from geo.measure.projection import ProjectedCoordinates
from geo.upload import ZoneOverlap, overlap_with_zones
from ui import state
from ui.columns import in_unit
from ui.downloads import table_downloads
from ui.uploads import saved_layer, show_table, workspace


def analysis_section(
    lang: str,
    unit: str,
    zones: gpd.GeoDataFrame,
    plan_choices: dict[str, str],
    ids_for: Callable[[list[str]], tuple[str, ...]],
) -> None:
    st.markdown(f"**{t('analyse', lang)}**")
    ws = workspace()
    layers = {m.layer_id: m for m in ws.list_layers()}
    chosen = st.session_state.get(state.ANALYSE_LAYER)
    if chosen is not None and chosen not in layers:
        st.warning(t("layer_gone", lang))  # deleted meanwhile, perhaps by another session
        st.session_state.pop(state.ANALYSE_LAYER, None)
    if not layers:
        return
    c1, c2 = st.columns(2)
    layer_id = c1.selectbox(
        t("analyse_layer", lang),
        list(layers),
        format_func=lambda i: layers[i].name,
        key=state.ANALYSE_LAYER,
    )
    choice = c2.multiselect(
        t("analyse_zones", lang),
        list(plan_choices),
        format_func=plan_choices.get,
        key=state.ANALYSE_ZONES,
        placeholder=t("choose_options", lang),
    )
    st.checkbox(t("show_intersections", lang), key=state.ANALYSE_SHOW)
    if not layer_id or not choice:
        return
    result = analysis(lang, zones, ids_for(choice))
    if result is None:
        return
    by_feature, by_zone = result
    u = t(f"unit_{unit}", lang)
    st.markdown(f"**{t('by_feature', lang)}**")
    show_table(
        in_unit(by_feature, unit),
        lang,
        figures=True,
        page_key=state.table_page("upload_by_feature"),
    )
    st.markdown(f"**{t('by_zone', lang)}** ({u})")
    show_table(
        in_unit(by_zone, unit), lang, figures=True, page_key=state.table_page("upload_by_zone")
    )
    table_downloads(
        by_feature,
        lang=lang,
        stem="upload_by_feature",
        sheet="by_feature",
        unit="m2",
        method=OVERLAP_METHOD,
    )
    table_downloads(
        by_zone, lang=lang, stem="upload_by_zone", sheet="by_zone", unit="m2", method=OVERLAP_METHOD
    )


def analysis(
    lang: str, zones: gpd.GeoDataFrame, zone_ids: tuple[str, ...]
) -> tuple[pd.DataFrame, pd.DataFrame] | None:
    """The overlap of the chosen saved layer with the chosen zones (and the pieces for
    the map, kept in the cache)."""
    overlap = analysis_pairs(zones, zone_ids)
    if overlap is None:
        return None
    name_col = "name_zh" if lang == "zh" else "name_en"
    by_zone = overlap.by_zone.copy()
    by_zone.insert(0, "name", zones.loc[by_zone.index, name_col].to_numpy())
    return overlap.by_feature.reset_index(), by_zone.reset_index()


def analysis_pairs(zones: gpd.GeoDataFrame, zone_ids: tuple[str, ...]) -> ZoneOverlap | None:
    """The chosen saved layer against ``zone_ids`` (None: none chosen, or the layer is
    gone), computed once per layer version and zone set."""
    chosen = _chosen(zones, zone_ids)
    return None if chosen is None else _overlap(*chosen)


def intersections_geojson(
    zones: gpd.GeoDataFrame, zone_ids: tuple[str, ...]
) -> dict[str, Any] | None:
    """The analysis' intersections as GeoJSON for the map (None: there are none), made
    once per analysis, not on every rerun of the page (1 CPU-s per rerun for the 3,117
    pieces of 100,000 parcels in two plan groups)."""
    chosen = _chosen(zones, zone_ids)
    return None if chosen is None else _intersections(chosen[0], _overlap(*chosen).pairs)


_Key = tuple[str, str, str, tuple[str, ...]]
"""An analysis: the workspace, the layer, its version (save time) and the zone ids."""


def _chosen(
    zones: gpd.GeoDataFrame, zone_ids: tuple[str, ...]
) -> tuple[_Key, gpd.GeoDataFrame, gpd.GeoDataFrame, str | None] | None:
    """The analysis chosen and what it measures: the layer, the zones, its id column."""
    layer_id = st.session_state.get(state.ANALYSE_LAYER)
    if not layer_id or not zone_ids:
        return None
    ws = workspace()
    try:
        meta = ws.get(layer_id)
        frame = saved_layer(str(ws.root), layer_id, meta.created_utc)
    except GeoError:  # deleted (or damaged) meanwhile: analysis_section says so
        return None
    subset = zones.loc[list(zone_ids)]
    subset = subset[subset.geometry.geom_type.isin(["Polygon", "MultiPolygon"])]
    key = (str(ws.root), layer_id, meta.created_utc, zone_ids)
    return key, frame, subset, meta.source.id_column


# cache_resource, not cache_data: the result (100,000 rows by feature, the pieces) is
# read by the tables and the map on every rerun, and is not unpickled for each; it is
# read-only (analysis() copies what it changes). The frames follow from the key.
@st.cache_resource(show_spinner=False, max_entries=8)
def _overlap(
    key: _Key, _frame: gpd.GeoDataFrame, _zones: gpd.GeoDataFrame, id_column: str | None
) -> ZoneOverlap:
    projected = _projected(key[:3], _frame)
    return overlap_with_zones(
        _frame, _zones, zone_id_column="id", upload_id_column=id_column, upload_projected=projected
    )


@st.cache_resource(show_spinner=False, max_entries=2)
def _projected(layer: tuple[str, str, str], _frame: gpd.GeoDataFrame) -> ProjectedCoordinates:
    # The layer (workspace, id, version) in the equal-area CRS, once for every zone set
    # it is measured against (adding a plan group measures it again).
    return equal_area(_frame)


@st.cache_resource(show_spinner=False, max_entries=8)
def _intersections(key: _Key, _pairs: gpd.GeoDataFrame) -> dict[str, Any] | None:
    if not len(_pairs):
        return None
    pieces = _pairs[["geometry"]].assign(n=range(len(_pairs)))
    pieces = display_copy(pieces, tolerance_m=0.0)  # bounded, as every layer
    return geojson_dict(pieces, columns=["n"])
