"""呈贡规划一张图 · The planning map of Chenggong — the Streamlit app.

This file only wires widgets to functions: data and figures come from ``geo/``, map
objects from ``layers/``, the layer list, basemaps and texts from ``config/``.
Run it with ``./run-app.sh`` (or ``streamlit run streamlit_app.py``).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import streamlit as st
from streamlit.errors import StreamlitInvalidLayoutContextError
from streamlit_folium import st_folium

from geo.declared.basemaps import Basemap, available_basemaps, load_basemaps
from geo.declared.i18n import t
from geo.declared.registry import Registry, load_registry
from geo.display import geojson_dict, to_gcj02_for_display
from geo.export.tables import AREA_METHOD, OVERLAP_METHOD
from geo.measure.area import M2_PER_UNIT
from geo.measure.gcj02 import gcj02_to_wgs84
from geo.plan.check import plan_figure_table
from geo.plan.indicators import indicator_table, load_indicators
from geo.plan.views import (
    features_payload,
    layer_payload,
    matrix_from_pairs,
    overlaps_between,
    visible_area_table,
    zone_neighbours,
)
from geo.plan.zones import STREETS_FILE, ZONES_FILE, load_plan_layers, zone_figures, zones_at
from layers.plan_map import DrawLayer, highlight_group, plan_map, zoom_for_bounds
from ui import exports, state, uploads
from ui.downloads import table_downloads

UNITS = ("km2", "ha", "mu")
MAP_HEIGHT_PX = 640


# ---------------------------------------------------------------- cached data
@st.cache_resource(show_spinner=False)
def registry() -> Registry:
    return load_registry()


def zones_path() -> str:
    return str(ZONES_FILE)


def data_version(path: str) -> float:
    """Changes when the data files change, so cached results are recomputed."""
    return Path(path).stat().st_mtime + STREETS_FILE.stat().st_mtime


@st.cache_resource(show_spinner=False)
def zones(path: str, version: float) -> gpd.GeoDataFrame:
    """The zones layer (read-only: geo/ functions never mutate their input)."""
    return load_plan_layers(path, STREETS_FILE, registry=registry())


@st.cache_data(show_spinner=False)
def figures(path: str, version: float) -> pd.DataFrame:
    return zone_figures(zones(path, version))


@st.cache_data(show_spinner=False)
def payload(
    path: str, version: float, layer_id: str, gcj02: bool
) -> tuple[dict[str, Any], tuple[tuple[float, float, str, str], ...]]:
    return layer_payload(zones(path, version), layer_id, gcj02=gcj02)


@st.cache_data(show_spinner=False)
def neighbours(path: str, version: float, zone_id: str) -> pd.DataFrame:
    return zone_neighbours(zones(path, version), zone_id=zone_id)


@st.cache_data(show_spinner=False)
def area_rows(
    path: str, version: float, layer_ids: tuple[str, ...], unit: str
) -> tuple[pd.DataFrame, dict[str, float]]:
    return visible_area_table(
        zones(path, version), figures(path, version), layer_ids=layer_ids, unit=unit
    )


@st.cache_data(show_spinner=False)
def overlap_rows(
    path: str, version: float, ids_a: tuple[str, ...], ids_b: tuple[str, ...]
) -> gpd.GeoDataFrame:
    return overlaps_between(zones(path, version), ids_a=ids_a, ids_b=ids_b)


@st.cache_data(show_spinner=False)
def plan_check(path: str, version: float) -> pd.DataFrame:
    return plan_figure_table(zones(path, version))


def secret_or_env(name: str) -> str | None:
    """A token from the environment or Streamlit secrets (absent secrets file is fine)."""
    if os.environ.get(name):
        return os.environ[name]
    try:
        value = st.secrets.get(name)
    except FileNotFoundError:
        return None
    return str(value) if value else None


# ---------------------------------------------------------------- sidebar
def sidebar(reg: Registry, zs: gpd.GeoDataFrame) -> tuple[str, Basemap, str, list[str]]:
    sb = st.sidebar
    lang_label = sb.radio("语言 / Language", ["中文", "English"], horizontal=True, key=state.LANG)
    lang = "zh" if lang_label == "中文" else "en"
    zone_search(zs, lang)

    sb.subheader(t("layers", lang))
    visible: list[str] = []
    for group in reg.groups:
        specs = reg.layers_in(group.id)
        if not specs:
            continue
        on = sb.checkbox(
            group.name(lang),
            value=any(s.visible for s in specs),
            key=state.group_on(group.id),
        )
        if len(specs) > 1:
            with sb.expander(f"· {group.name(lang)}", expanded=False):
                for spec in specs:
                    shown = st.checkbox(
                        spec.name(lang), value=spec.visible, key=state.layer_on(spec.id)
                    )
                    if shown and on:
                        visible.append(spec.id)
        elif on:
            visible.append(specs[0].id)

    bases = available_basemaps(load_basemaps(), token_for=secret_or_env)
    base = sb.selectbox(
        t("basemap", lang),
        bases,
        format_func=lambda b: b.name(lang),
        index=next(i for i, b in enumerate(bases) if b.default),
        key=state.BASEMAP,
    )
    sb.caption(t("basemap_offline_note", lang))
    if base.crs == "gcj02":
        sb.warning(t("gcj_note", lang))

    unit = sb.radio(
        t("unit", lang),
        UNITS,
        format_func=lambda u: t(f"unit_{u}", lang),
        horizontal=True,
        key=state.UNIT,
    )
    return lang, base, unit, visible


def zone_search(zs: gpd.GeoDataFrame, lang: str) -> None:
    ids = list(zs.index)
    name_col = "name_zh" if lang == "zh" else "name_en"
    names = zs[name_col].to_dict()

    def on_pick() -> None:
        picked = st.session_state.get(state.SEARCH)
        if picked:
            st.session_state[state.SELECTED] = picked

    st.sidebar.selectbox(
        t("search_zone", lang),
        ids,
        index=None,
        format_func=lambda i: f"{names[i]} ({i})",
        placeholder=t("search_placeholder", lang),
        key=state.SEARCH,
        on_change=on_pick,
    )


# ---------------------------------------------------------------- map and panel
def fmt_area(area_m2: float, unit: str, lang: str) -> str:
    return f"{area_m2 / M2_PER_UNIT[unit]:,.4f} {t(f'unit_{unit}', lang)}"


def zone_panel(
    zs: gpd.GeoDataFrame, figs: pd.DataFrame, zone_id: str, lang: str, unit: str
) -> None:
    z = zs.loc[zone_id]
    f = figs.loc[zone_id]
    st.subheader(z["name_zh"] if lang == "zh" else z["name_en"])
    st.caption(f"{z['name_en'] if lang == 'zh' else z['name_zh']} · {t('id', lang)}: {zone_id}")
    spec = registry().layer(z["layer"])
    st.text(f"{t('layer', lang)}: {spec.name(lang)}")
    st.markdown(f"**{t('plan_article', lang)}**")
    st.text(z["plan_article"] or "—")
    st.markdown(f"**{t('plan_quote', lang)}**")
    st.text(z["plan_quote_zh"] or t("quote_missing", lang))

    if f["area_m2"] > 0:
        st.markdown(f"**{t('area_ellipsoidal', lang)}**")
        st.text("\n".join(fmt_area(f["area_m2"], u, lang) for u in ("km2", "ha", "mu")))
        st.markdown(f"**{t('area_gk', lang)}**")
        st.text(fmt_area(f["gk_area_m2"], unit, lang))
    if pd.notna(f["plan_land_km2"]):
        st.markdown(f"**{t('plan_land', lang)}**")
        line = f"{f['plan_land_km2']:g} {t('unit_km2', lang)}"
        if pd.notna(f["deviation_share"]):
            line += f" · {t('deviation', lang)} {f['deviation_share']:+.1%}"
        st.text(line)
        if f["calibrated"]:
            st.warning(t("calibrated_warning", lang))
    if pd.notna(z.get("plan_floor_m2")):
        st.markdown(f"**{t('plan_floor', lang)}**")
        st.text(f"{z['plan_floor_m2']:,.0f} m²")

    st.markdown(f"**{t('geometry_source', lang)}**")
    st.text(f"{t('source_' + z['geometry_source'], lang)} — {z['source_detail']}")
    st.text(f"{t('accuracy', lang)}: ±{z['accuracy_m']:,.0f} {t('metres', lang)}")
    if z.get("assumptions"):
        st.markdown(f"**{t('assumptions', lang)}**")
        st.text(str(z["assumptions"]))

    if f["area_m2"] > 0:
        st.markdown(f"**{t('overlaps_with', lang)}**")
        nb = neighbours(zones_path(), data_version(zones_path()), zone_id)
        if nb.empty:
            st.text(t("no_overlaps", lang))
        else:
            shown = pd.DataFrame(
                {
                    t("col_name_zh" if lang == "zh" else "col_name_en", lang): nb[
                        "name_zh" if lang == "zh" else "name_en"
                    ],
                    f"{t('col_overlap', lang)} ({t('unit_' + unit, lang)})": nb["overlap_m2"]
                    / M2_PER_UNIT[unit],
                    t("col_share_of_this", lang): nb["share_of_this"],
                    t("col_share_of_other", lang): nb["share_of_other"],
                }
            )
            st.dataframe(shown, hide_index=True, width="stretch")


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
    hits = zones_at(shown, lon=lon, lat=lat)
    st.session_state[state.CLICK_HITS] = hits
    if hits:
        st.session_state[state.SELECTED] = hits[0]
        rerun_map()


@st.fragment
def map_and_panel(lang: str, base: Basemap, unit: str, visible: list[str]) -> None:
    path, version = zones_path(), data_version(zones_path())
    zs, figs, reg = zones(path, version), figures(path, version), registry()
    gcj = base.crs == "gcj02"
    draw = [
        DrawLayer(reg.layer(layer_id), *payload(path, version, layer_id, gcj))
        for layer_id in visible
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

    extra = []
    selected = st.session_state.get(state.SELECTED)
    centre, zoom = None, None
    if selected in zs.index:
        sel = zs.loc[[selected]]
        sel_json = features_payload(sel, gcj02=gcj)[0]
        extra.append(highlight_group(sel_json, name=t("selected", lang)))
        centre, zoom = zoom_for_bounds(tuple(sel.total_bounds))  # type: ignore[arg-type]
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

    user_groups, large = uploads.map_groups(
        lang, st.session_state.get(state.MAP_VIEW), zs, lambda c: ids_for(c, zs)
    )
    extra += user_groups

    col_map, col_panel = st.columns([2.3, 1])
    with col_map:
        result = st_folium(
            m,
            key=state.PLAN_MAP,
            height=MAP_HEIGHT_PX,
            use_container_width=True,
            # Only what the app reads: panning reruns nothing, unless a large user
            # layer needs the view to draw what is in it.
            returned_objects=["last_clicked", "bounds", "zoom"] if large else ["last_clicked"],
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
    with col_panel:
        st.markdown(f"#### {t('zone_panel', lang)}")
        if selected in zs.index:
            zone_panel(zs, figs, selected, lang, unit)
            hits = [h for h in st.session_state.get(state.CLICK_HITS, []) if h != selected]
            if hits:
                st.caption(t("clicked_here", lang))
                for h in hits[:6]:
                    label = zs.loc[h, "name_zh" if lang == "zh" else "name_en"]
                    if st.button(f"{label} ({h})", key=state.click_hit(h)):
                        st.session_state[state.SELECTED] = h
                        rerun_map()
        else:
            st.info(t("zone_panel_empty", lang))


# ---------------------------------------------------------------- tables
def localise_columns(df: pd.DataFrame, lang: str, unit: str) -> pd.DataFrame:
    unit_txt = t(f"unit_{unit}", lang)
    names: dict[str, str] = {}
    for col in df.columns:
        if col.startswith("area_"):
            names[col] = f"{t('col_area', lang)} ({unit_txt})"
        elif col.startswith("gk_area_"):
            names[col] = f"{t('col_gk_area', lang)} ({unit_txt})"
        elif col.startswith("overlap_"):
            names[col] = f"{t('col_overlap', lang)} ({unit_txt})"
        else:
            names[col] = t(f"col_{col}", lang) if f"col_{col}" in _col_keys() else col
    return df.rename(columns=names)


@st.cache_resource
def _col_keys() -> frozenset[str]:
    from geo.declared.i18n import load_strings

    return frozenset(k for k in load_strings() if k.startswith("col_"))


def area_tab(lang: str, unit: str, visible: list[str]) -> None:
    path, version = zones_path(), data_version(zones_path())
    table, totals = area_rows(path, version, tuple(visible), unit)
    st.caption(t("area_table_note", lang) + " " + t("method_note", lang))
    c1, c2 = st.columns(2)
    c1.metric(t("total_sum", lang), f"{totals['sum']:,.3f} {t('unit_' + unit, lang)}")
    c2.metric(t("total_union", lang), f"{totals['union']:,.3f} {t('unit_' + unit, lang)}")
    shown = localise_columns(table, lang, unit)
    st.dataframe(shown, hide_index=True, width="stretch")
    table_downloads(
        table, lang=lang, stem="chenggong_areas", sheet="areas", unit=unit, method=AREA_METHOD
    )


def overlap_options(reg: Registry, lang: str) -> dict[str, str]:
    opts = {f"group:{g.id}": f"{t('group_prefix', lang)} · {g.name(lang)}" for g in reg.groups}
    opts |= {f"layer:{s.id}": f"{t('layer_prefix', lang)} · {s.name(lang)}" for s in reg.layers}
    return opts


def ids_for(choice: list[str], zs: gpd.GeoDataFrame) -> tuple[str, ...]:
    reg = registry()
    layer_ids: set[str] = set()
    for c in choice:
        kind, _, value = c.partition(":")
        if kind == "group":
            layer_ids |= {s.id for s in reg.layers_in(value)}
        else:
            layer_ids.add(value)
    return tuple(sorted(zs.index[zs["layer"].isin(layer_ids)]))


def current_overlaps() -> gpd.GeoDataFrame | None:
    a, b = st.session_state.get(state.OVERLAP_A) or [], st.session_state.get(state.OVERLAP_B) or []
    if not a or not b:
        return None
    path, version = zones_path(), data_version(zones_path())
    zs = zones(path, version)
    return overlap_rows(path, version, ids_for(a, zs), ids_for(b, zs))


def overlap_tab(lang: str, unit: str) -> None:
    reg = registry()
    opts = overlap_options(reg, lang)
    c1, c2 = st.columns(2)
    c1.multiselect(t("overlap_pick_a", lang), list(opts), format_func=opts.get, key=state.OVERLAP_A)
    c2.multiselect(t("overlap_pick_b", lang), list(opts), format_func=opts.get, key=state.OVERLAP_B)
    st.checkbox(t("overlap_show_on_map", lang), key=state.OVERLAP_SHOW)
    pairs = current_overlaps()
    if pairs is None:
        st.info(t("overlap_pick_hint", lang))
        return
    if pairs.empty:
        st.info(t("overlap_none", lang))
        return
    path, version = zones_path(), data_version(zones_path())
    zs = zones(path, version)
    name_col = "name_zh" if lang == "zh" else "name_en"
    table = pd.DataFrame(
        {
            "a": zs.loc[pairs["a_id"], name_col].to_numpy(),
            "b": zs.loc[pairs["b_id"], name_col].to_numpy(),
            f"overlap_{unit}": pairs["overlap_m2"] / M2_PER_UNIT[unit],
            "a_share": pairs["a_share"],
            "b_share": pairs["b_share"],
            "a_id": pairs["a_id"],
            "b_id": pairs["b_id"],
        }
    )
    st.markdown(f"**{t('overlap_matrix', lang)}** ({t('unit_' + unit, lang)})")
    matrix = matrix_from_pairs(
        table.rename(columns={f"overlap_{unit}": "overlap"}), value="overlap"
    )
    matrix.index = [zs.loc[i, name_col] for i in matrix.index]
    matrix.columns = [zs.loc[i, name_col] for i in matrix.columns]
    st.dataframe(matrix, width="stretch")
    st.markdown(f"**{t('overlap_pairs', lang)}**")
    st.dataframe(localise_columns(table, lang, unit), hide_index=True, width="stretch")
    table_downloads(
        table,
        lang=lang,
        stem="chenggong_overlaps",
        sheet="overlaps",
        unit=unit,
        method=OVERLAP_METHOD,
    )


def plan_check_tab(lang: str) -> None:
    path, version = zones_path(), data_version(zones_path())
    st.caption(t("plan_check_note", lang))
    table = plan_check(path, version)
    st.dataframe(localise_columns(table, lang, "km2"), hide_index=True, width="stretch")


# ---------------------------------------------------------------- page
def main() -> None:
    st.set_page_config(page_title="呈贡规划一张图 · Chenggong plan map", layout="wide")
    reg = registry()
    path = zones_path()
    zs = zones(path, data_version(path))
    lang, base, unit, visible = sidebar(reg, zs)

    st.title(t("app_title", lang))
    st.caption(t("app_subtitle", lang))
    map_and_panel(lang, base, unit, visible)

    tab_area, tab_overlap, tab_check, tab_targets, tab_upload, tab_export = st.tabs(
        [
            t("area_table", lang),
            t("overlap_tab", lang),
            t("plan_check_tab", lang),
            t("indicators_tab", lang),
            t("upload_tab", lang),
            t("export_tab", lang),
        ]
    )
    with tab_area:
        area_tab(lang, unit, visible)
    with tab_overlap:
        overlap_tab(lang, unit)
    with tab_check:
        plan_check_tab(lang)
    with tab_targets:
        st.caption(t("indicators_note", lang))
        targets = indicator_table(load_indicators(), registry=reg, lang=lang)
        st.dataframe(localise_columns(targets, lang, unit), hide_index=True, width="stretch")
    with tab_upload:
        uploads.upload_section(lang, unit)
        uploads.saved_section(lang)
        uploads.analysis_section(
            lang, unit, zs, overlap_options(reg, lang), lambda c: ids_for(c, zs)
        )
    with tab_export:
        exports.export_tab(
            lang, zs, visible, data_version(path), selected=st.session_state.get(state.SELECTED)
        )


main()
