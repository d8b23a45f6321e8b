"""The plan's own figures: stated land areas against computed ones (plan check), and
the plan's targets (Table 1)."""

from __future__ import annotations

import streamlit as st

from geo.declared.i18n import t
from geo.plan.indicators import indicator_table, load_indicators
from ui import state
from ui.columns import page_table
from ui.data import current, plan_check, registry, revision_caption, zones


def plan_check_tab(lang: str) -> None:
    st.caption(t("plan_check_note", lang))
    key, version = current()
    st.caption(revision_caption(version, lang))
    table = plan_check(key, version)
    described = zones(key, version).get(f"figure_source_{lang}")
    if described is not None:  # where the figure is stated, in the page's language
        table = table.assign(figure_source=table["id"].map(described))
    st.dataframe(page_table(table, lang), hide_index=True, width="stretch")


def targets_tab(lang: str, unit: str) -> None:
    st.caption(t("indicators_note", lang))
    indicators = load_indicators()
    placed = indicators[indicators["layers"].map(len) > 0]
    names = dict(zip(placed["id"], placed["name_zh" if lang == "zh" else "name_en"], strict=True))
    st.selectbox(
        t("target_show_on_map", lang),
        list(names),
        index=None,
        format_func=names.get,
        placeholder=t("target_pick", lang),
        key=state.TARGET_SHOWN,
        on_change=_show_target,
        args=(dict(zip(placed["id"], placed["layers"], strict=True)),),
    )
    targets = indicator_table(indicators, registry=registry(), lang=lang)
    st.dataframe(page_table(targets, lang), hide_index=True, width="stretch")


def _show_target(layers_of: dict[str, tuple[str, ...]]) -> None:
    """Callback: show the picked indicator's layers on the map (their group and layer
    ticked in the sidebar) and frame the map on them."""
    layer_ids = layers_of.get(st.session_state.get(state.TARGET_SHOWN) or "", ())
    reg = registry()
    for layer_id in layer_ids:
        st.session_state[state.group_on(reg.layer(layer_id).group)] = True
        st.session_state[state.layer_on(layer_id)] = True
    if layer_ids:
        st.session_state[state.FRAME_LAYERS] = tuple(layer_ids)
