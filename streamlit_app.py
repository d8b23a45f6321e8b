"""呈贡规划一张图 · The planning map of Chenggong — the Streamlit app.

This file only wires the page together: the sidebar, the map, and beside it the zone
panel above the tabs, each in its own module of ``ui/``. Data and figures come from
``geo/``, map objects from ``layers/``, the layer list, basemaps and texts from
``config/``. Run it with ``./run-app.sh`` (or ``streamlit run streamlit_app.py``).
"""

from __future__ import annotations

import streamlit as st

from ui import exports, state, upload_analysis, upload_form, uploads
from ui.data import current, ids_for, overlap_options, registry, zones
from ui.history import history_tab
from ui.layout import (
    COLUMNS,
    PANEL_HEIGHT_PX,
    PANEL_SHARE,
    PANEL_SHARE_SMALL,
    main_tabs,
    page_style,
    tab_body,
    work_style,
)
from ui.map_panel import map_view
from ui.review import review_tab
from ui.saved_layers import saved_section
from ui.sidebar import sidebar
from ui.store import signed_in
from ui.tab_areas import area_tab
from ui.tab_compare import compare_tab
from ui.tab_edit import edit_tab
from ui.tab_overlaps import overlap_tab
from ui.tab_plan import plan_check_tab, targets_tab
from ui.zone_panel import selected_panel

TABS = (
    "area_table",
    "overlap_tab",
    "plan_check_tab",
    "indicators_tab",
    "history_tab",
    "upload_tab",
    "export_tab",
    "review_tab",
    "compare_tab",
    "edit_tab",
)


def main() -> None:
    st.set_page_config(page_title="呈贡规划一张图 · Chenggong plan map", layout="wide")
    reg = registry()
    path, version = current()
    zs = zones(path, version)
    lang, base, unit, visible = sidebar(reg, zs)
    page_style(lang)
    user = signed_in(lang)  # server mode: a login first; a lost database: a message
    if user is None:
        return

    col_map, col_work = st.columns(COLUMNS, gap="small")
    with col_map:
        map_view(lang, base, visible)
    with col_work:
        with st.container(height=PANEL_HEIGHT_PX, key=state.ZONE_PANEL):
            selected_panel(lang, unit)
        tabs = main_tabs(TABS, lang)  # remembers the open tab: hidden ones may skip work
        tab_area, tab_overlap, tab_check, tab_targets, tab_history = tabs[:5]
        tab_upload, tab_export, tab_review, tab_compare, tab_edit = tabs[5:]
    # Drawing needs the room; selecting a zone never moves the tabs.
    roomy = tab_edit.open
    work_style(panel_share=PANEL_SHARE_SMALL if roomy else PANEL_SHARE)
    with tab_body(tab_area, "area"):
        area_tab(lang, unit, visible)
    with tab_body(tab_overlap, "overlap"):
        overlap_tab(lang, unit)
    with tab_body(tab_check, "check"):
        plan_check_tab(lang)
    with tab_body(tab_targets, "targets"):
        targets_tab(lang, unit)
    with tab_body(tab_history, "history"):
        history_tab(lang, user)
    with tab_body(tab_upload, "upload"):
        upload_form.upload_section(lang, unit)
        saved_section(lang)
        upload_analysis.analysis_section(
            lang, unit, zs, overlap_options(reg, lang), lambda c: ids_for(c, zs)
        )
    with tab_body(tab_export, "export"):
        exports.export_tab(
            lang, zs, visible, version, selected=st.session_state.get(state.SELECTED)
        )
    if tab_review.open:  # rules, a matplotlib map, a saved layer read: only when opened
        with tab_body(tab_review, "review"):
            review_tab(lang)
    if tab_compare.open:  # two plan versions compared: only when opened
        with tab_body(tab_compare, "compare"):
            compare_tab(lang, unit, uploads.workspace())
    with tab_body(tab_edit, "edit"):
        edit_tab(lang, unit, user)


main()
