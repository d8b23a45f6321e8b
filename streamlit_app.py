"""呈贡规划一张图 · The planning map of Chenggong — the Streamlit app.

This file only wires the page together: the sidebar, the map, and beside it the zone
panel above the tabs, each in its own module of ``ui/``. Data and figures come from
``geo/``, map objects from ``layers/``, the layer list, basemaps and texts from
``config/``. Run it with ``./run-app.sh`` (or ``streamlit run streamlit_app.py``).

Only the open tab does its work, and its module is imported when it is first opened:
the imports below are what the first screen draws (the map, the zone panel, the area
table; tests/test_architecture.py checks what they leave out).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import geopandas as gpd
import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from geo.declared.registry import Registry
from geo.store.store import PlanRevision
from geo.store.users import User
from ui import state
from ui.data import current, registry, zones
from ui.layout import (
    COLUMNS,
    PANEL_HEIGHT_PX,
    PANEL_SHARE,
    PANEL_SHARE_SMALL,
    TABS,
    keep_values,
    main_tabs,
    page_style,
    tab_body,
    work_style,
)
from ui.map_panel import map_view
from ui.sidebar import sidebar
from ui.store import signed_in
from ui.tab_areas import area_tab
from ui.zone_panel import selected_panel


@dataclass(frozen=True)
class Page:
    """What the tabs are given: the page's language and unit, the layers shown, the plan
    (its registry, zones and revision) and the signed-in user."""

    lang: str
    unit: str
    visible: list[str]
    reg: Registry
    zs: gpd.GeoDataFrame
    version: PlanRevision
    user: User


def _area(p: Page) -> None:
    area_tab(p.lang, p.unit, p.visible)


def _overlap(p: Page) -> None:
    from ui.tab_overlaps import overlap_tab

    overlap_tab(p.lang, p.unit)


def _check(p: Page) -> None:
    from ui.tab_plan import plan_check_tab

    plan_check_tab(p.lang)


def _targets(p: Page) -> None:
    from ui.tab_plan import targets_tab

    targets_tab(p.lang, p.unit)


def _history(p: Page) -> None:
    from ui.history import history_tab

    history_tab(p.lang, p.user)


def _upload(p: Page) -> None:
    from ui import upload_analysis, upload_form
    from ui.data import ids_for, overlap_options
    from ui.saved_layers import saved_section

    upload_form.upload_section(p.lang, p.unit)
    saved_section(p.lang)
    upload_analysis.analysis_section(
        p.lang, p.unit, p.zs, overlap_options(p.reg, p.lang), lambda c: ids_for(c, p.zs)
    )


def _export(p: Page) -> None:
    from ui import exports

    selected = st.session_state.get(state.SELECTED)
    exports.export_tab(p.lang, p.zs, p.visible, p.version, selected=selected)


def _review(p: Page) -> None:
    from ui.review import review_tab

    review_tab(p.lang)


def _compare(p: Page) -> None:
    from ui import uploads
    from ui.tab_compare import compare_tab

    compare_tab(p.lang, p.unit, uploads.workspace())


def _edit(p: Page) -> None:
    from ui.tab_edit import edit_tab

    edit_tab(p.lang, p.unit, p.user)


BODIES: dict[str, Callable[[Page], None]] = {
    "area": _area,
    "overlap": _overlap,
    "check": _check,
    "targets": _targets,
    "history": _history,
    "upload": _upload,
    "export": _export,
    "review": _review,
    "compare": _compare,
    "edit": _edit,
}


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
        tabs = main_tabs([spec.label for spec in TABS], lang)  # remembers the open tab
    # Drawing needs the room; selecting a zone never moves the tabs.
    roomy = tabs[[spec.body for spec in TABS].index("edit")].open
    work_style(panel_share=PANEL_SHARE_SMALL if roomy else PANEL_SHARE)
    page = Page(lang, unit, visible, reg, zs, version, user)
    for spec, tab in zip(TABS, tabs, strict=True):
        if tab.open:
            with tab_body(tab, spec.body):
                BODIES[spec.body](page)
        else:  # a hidden tab does nothing; its settings and unsaved work stay
            keep_values(spec.kept)
            _keep_unsaved_work(spec.body, tab, page)


def _keep_unsaved_work(body: str, tab: DeltaGenerator, page: Page) -> None:
    """Draw what a hidden tab must draw to keep the user's unsaved work, which Streamlit
    drops with a widget that is not drawn and cannot be given back: a file in the upload
    widget (only that widget is drawn) or a drawing in the editor (the Edit tab runs, as
    every tab did before)."""
    if body == "upload" and st.session_state.get(state.UPLOAD_FILE) is not None:
        from ui.upload_form import file_input

        with tab_body(tab, body):
            file_input(page.lang)
    element = st.session_state.get(state.EDIT_ELEMENT)
    if body == "edit" and element and st.session_state.get(state.edit_map(element)):
        with tab_body(tab, body):
            BODIES[body](page)


main()
