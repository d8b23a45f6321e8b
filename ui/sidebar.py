"""The sidebar: language, zone search, layer groups, basemap and unit."""

from __future__ import annotations

import geopandas as gpd
import streamlit as st

from geo.declared.basemaps import Basemap, available_basemaps, load_basemaps
from geo.declared.i18n import t
from geo.declared.registry import Registry
from geo.plan.zones import not_located
from ui import state
from ui.columns import name_column
from ui.data import UNITS, secret_or_env


def sidebar(reg: Registry, zs: gpd.GeoDataFrame) -> tuple[str, Basemap, str, list[str]]:
    """The sidebar's widgets; returns the language, basemap, unit and visible layer ids."""
    sb = st.sidebar
    # The title first (in the language being chosen: a widget's new value is in the
    # session state before the run), so that the map can start at the top of the page.
    title_lang = "en" if st.session_state.get(state.LANG) == "English" else "zh"
    sb.title(t("app_title", title_lang))
    sb.caption(t("app_subtitle", title_lang))
    lang_label = sb.radio("语言 / Language", ["中文", "English"], horizontal=True, key=state.LANG)
    lang = "zh" if lang_label == "中文" else "en"
    zone_search(zs, lang)

    sb.subheader(t("layers", lang))
    visible = layer_toggles(reg, lang)
    not_located_list(zs, lang)

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


def layer_toggles(reg: Registry, lang: str) -> list[str]:
    """A checkbox per group (and per layer inside groups of several); the ids shown."""
    sb = st.sidebar
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
    return visible


def zone_search(zs: gpd.GeoDataFrame, lang: str) -> None:
    """Find a zone by name or id; picking one selects it."""
    ids = list(zs.index)
    names = zs[name_column(lang)].to_dict()

    def on_pick() -> None:
        picked = st.session_state.get(state.SEARCH)
        if picked:
            st.session_state[state.SELECTED] = picked
            st.session_state[state.FRAME_ZONE] = picked

    st.sidebar.selectbox(
        t("search_zone", lang),
        ids,
        index=None,
        format_func=lambda i: f"{names[i]} ({i})",
        placeholder=t("search_placeholder", lang),
        key=state.SEARCH,
        on_change=on_pick,
    )


def not_located_list(zs: gpd.GeoDataFrame, lang: str) -> None:
    """The plan's elements found nowhere, by name: no shape and no area, but listed (and
    searchable above) so that nobody takes their absence from the map for absence from
    the plan."""
    missing = not_located(zs)
    if missing.empty:
        return
    names = missing[name_column(lang)].astype(str).tolist()
    with st.sidebar.expander(f"{t('not_located_heading', lang)} ({len(names)})"):
        st.caption(t("source_not_located", lang))
        for name in names:
            st.text(name)  # plain text: never Markdown
