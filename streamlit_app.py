"""呈贡规划一张图 · The planning map of Chenggong — the Streamlit app.

This file only wires the page together: the sidebar, the map with the zone panel, and
the tabs, each in its own module of ``ui/``. Data and figures come from ``geo/``, map
objects from ``layers/``, the layer list, basemaps and texts from ``config/``.
Run it with ``./run-app.sh`` (or ``streamlit run streamlit_app.py``).
"""

from __future__ import annotations

import streamlit as st

from geo.declared.i18n import t
from ui import exports, state, uploads
from ui.data import current, ids_for, overlap_options, registry, zones
from ui.map_panel import map_and_panel
from ui.review import review_tab
from ui.sidebar import sidebar
from ui.tab_areas import area_tab
from ui.tab_overlaps import overlap_tab
from ui.tab_plan import plan_check_tab, targets_tab


def main() -> None:
    st.set_page_config(page_title="呈贡规划一张图 · Chenggong plan map", layout="wide")
    reg = registry()
    path, version = current()
    zs = zones(path, version)
    lang, base, unit, visible = sidebar(reg, zs)

    st.title(t("app_title", lang))
    st.caption(t("app_subtitle", lang))
    map_and_panel(lang, base, unit, visible)

    tabs = st.tabs(
        [
            t("area_table", lang),
            t("overlap_tab", lang),
            t("plan_check_tab", lang),
            t("indicators_tab", lang),
            t("upload_tab", lang),
            t("export_tab", lang),
            t("review_tab", lang),
        ]
    )
    tab_area, tab_overlap, tab_check, tab_targets, tab_upload, tab_export, tab_review = tabs
    with tab_area:
        area_tab(lang, unit, visible)
    with tab_overlap:
        overlap_tab(lang, unit)
    with tab_check:
        plan_check_tab(lang)
    with tab_targets:
        targets_tab(lang, unit)
    with tab_upload:
        uploads.upload_section(lang, unit)
        uploads.saved_section(lang)
        uploads.analysis_section(
            lang, unit, zs, overlap_options(reg, lang), lambda c: ids_for(c, zs)
        )
    with tab_export:
        exports.export_tab(
            lang, zs, visible, version, selected=st.session_state.get(state.SELECTED)
        )
    with tab_review:
        review_tab(lang)


main()
