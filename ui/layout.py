"""The page's layout: the map on the left and, beside it, the work column (the zone
panel above the tabs), each part scrolling inside itself, so that the map stays in view
while a tab is worked.

Streamlit sizes the map and the scrolling containers in pixels; the page's stylesheet
below makes them follow the window instead (the map fills the window's height below
Streamlit's header; the panel and the tab bodies share the same height), so a 1366×768
laptop and a 1920×1080 screen both see the whole map. The pixel heights are what a
browser without the stylesheet (and the app test) gets.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Final

import streamlit as st
from streamlit.delta_generator import DeltaGenerator
from streamlit.elements.lib.mutable_tab_container import TabContainer

from geo.declared.i18n import LANGUAGES, t
from geo.upload.settings import BYTES_PER_MB, default_settings
from ui import state

MAP_HEIGHT_PX = 560
PANEL_HEIGHT_PX = 200  # the zone panel, above the tabs
TAB_HEIGHT_PX = 300  # one tab's body, below the tab bar
COLUMNS = (1.25, 1.0)  # map : work column

# The window's height below Streamlit's header (3.75rem) and a margin; never below
# 420 px. The work column: the panel 38 %, the tab bar 3rem, the tab body the rest.
_WORK = "max(420px, calc(100vh - 5.5rem))"
PANEL_SHARE: Final = 0.38
"""The zone panel's share of the work column when a zone is shown beside a tab."""
PANEL_SHARE_SMALL: Final = 0.16
"""Its share while the Edit tab is open (the editor needs the room)."""
# A fixed-height container is a flex item of its wrapper's size: the wrapper is sized.
_STYLE = f"""
<style>
  [data-testid="stMainBlockContainer"] {{ padding: 4.2rem 1.5rem 0.5rem; }}
  [data-testid="stSidebarUserContent"] {{ padding-top: 0.5rem; }}
  iframe[src*="st_folium"] {{ height: calc({_WORK} - 4.4rem) !important; }}
  .st-key-{state.ZONE_PANEL} h3 {{ font-size: 1.3rem; padding-top: 0; }}
  [data-testid="stMetricValue"] {{ font-size: 1.45rem; }}
</style>
"""
MAP_STYLE = "<style>#map_div { height: 100vh !important; }</style>"
"""Inside the map's frame: the map fills the frame, however tall the page makes it."""


SELECT_EMPTY_CLASSES: Final = ("equpb2c9", "eo2qvtu11")
"""The stable (emotion target) classes of the selectbox's and the multiselect's empty list
in the installed Streamlit: it writes "No results" there and has no setting for it
(tests/app/test_page_texts.py checks the bundle still has them)."""


def page_style(lang: str) -> None:
    """Our stylesheet for the page (no user text), and the file uploader's texts in
    ``lang``: Streamlit writes them in English and has no setting for them, so ours are
    drawn in their place (the limit is the project's, config/upload.toml)."""
    mb = default_settings().max_file_bytes / BYTES_PER_MB
    drop = json.dumps(t("upload_drop_hint", lang).format(mb=f"{mb:g}"), ensure_ascii=False)
    browse = json.dumps(t("upload_browse", lang), ensure_ascii=False)
    no_results = json.dumps(t("select_no_results", lang), ensure_ascii=False)
    st.html(
        _STYLE
        + f"""<style>
  [data-testid="stFileUploaderDropzoneInstructions"] > div > span,
  [data-testid="stFileUploaderDropzoneInstructions"] > div > small {{ display: none; }}
  [data-testid="stFileUploaderDropzoneInstructions"] > div::after {{
    content: {drop}; font-size: 0.85rem; color: rgba(49, 51, 63, 0.7); }}
  [data-testid="stFileUploaderDropzone"] button p {{ font-size: 0; }}
  [data-testid="stFileUploaderDropzone"] button p::after {{
    content: {browse}; font-size: 0.875rem; }}
  .{SELECT_EMPTY_CLASSES[0]}, .{SELECT_EMPTY_CLASSES[1]} {{ font-size: 0 !important; }}
  .{SELECT_EMPTY_CLASSES[0]}::after, .{SELECT_EMPTY_CLASSES[1]}::after {{
    content: {no_results}; font-size: 0.875rem; }}
</style>"""
    )


def work_style(*, panel_share: float) -> None:
    """The heights of the zone panel and of the tab bodies below it (``panel_share`` of
    the work column for the panel, the rest less the tab bar for the tab)."""
    panel = f"calc({_WORK} * {panel_share:.2f})"
    tab = f"calc({_WORK} * {1 - panel_share:.2f} - 3.6rem)"
    st.html(
        f"""<style>
  div:has(> .st-key-{state.ZONE_PANEL}) {{
    height: {panel} !important; flex: 0 0 {panel} !important; }}
  div:has(> [class*="st-key-{state.TAB_BODY_PREFIX}"]) {{
    height: {tab} !important; flex: 0 0 {tab} !important; }}
</style>"""
    )


def main_tabs(names: Sequence[str], lang: str) -> Sequence[TabContainer]:
    """The tab bar (``names``: i18n keys). It remembers the open tab and reruns the page
    when another is opened, so a tab that is not open can skip its work (``.open``); after
    a language switch the same tab stays open."""
    labels = [t(name, lang) for name in names]
    chosen = st.session_state.get(state.MAIN_TABS)
    if chosen is not None and chosen not in labels:
        for other in LANGUAGES:
            theirs = [t(name, other) for name in names]
            if chosen in theirs:
                st.session_state[state.MAIN_TABS] = labels[theirs.index(chosen)]
    return st.tabs(labels, key=state.MAIN_TABS, on_change="rerun")


@dataclass(frozen=True)
class TabSpec:
    """One tab of the work column: its label (an i18n key), its body's name
    (:func:`ui.state.tab_body`) and the widgets whose values outlive it being hidden."""

    label: str
    body: str
    kept: tuple[str, ...] = ()
    """Keys of its value widgets (an entry ending in ``_``: every key it begins), never
    of a button, download, file or map widget: a tab that is not open does no work
    and draws no widget, and Streamlit forgets the value of a widget not drawn (the map
    reads some of these: overlaps shown, layers ticked, the analysis' intersections)."""


TABS: Final = (
    TabSpec("area_table", "area", (state.TOTALS_WITH_CONTEXT,)),
    TabSpec("overlap_tab", "overlap", (state.OVERLAP_A, state.OVERLAP_B, state.OVERLAP_SHOW)),
    TabSpec("plan_check_tab", "check"),
    TabSpec("indicators_tab", "targets", (state.TARGET_SHOWN,)),
    TabSpec(
        "history_tab",
        "history",
        (
            state.HISTORY_SCOPE,
            state.HISTORY_ELEMENT,
            state.HISTORY_LAYER,
            state.HISTORY_USER,
            state.HISTORY_RESTORE_VERSION,
            state.HISTORY_RESTORE_REASON,
            state.ACCOUNT_PICK,
        ),
    ),
    TabSpec(
        "upload_tab",
        "upload",
        (
            state.UPLOAD_LAYER,
            state.UPLOAD_ENCODING,
            state.UPLOAD_SYSTEM,
            state.UPLOAD_CRS_PICK,
            state.UPLOAD_CRS_TEXT,
            state.UPLOAD_NAME,
            state.ANALYSE_LAYER,
            state.ANALYSE_ZONES,
            state.ANALYSE_SHOW,
            state.user_layer_on(""),
        ),
    ),
    TabSpec(
        "export_tab",
        "export",
        (
            state.EXPORT_PRESET,
            state.export_title("", "")[:-1],  # "export_title_": every preset and language
            state.export_subtitle("", "")[:-1],
            state.EXPORT_PAPER,
            state.EXPORT_ORIENTATION,
            state.EXPORT_DPI,
            state.EXPORT_FMT,
            state.EXPORT_ZOOM_SELECTED,
            state.EXPORT_LAYER_FMT,
            state.EXPORT_LAYER_CRS,
        ),
    ),
    TabSpec("review_tab", "review"),
    TabSpec("compare_tab", "compare"),
    TabSpec(
        "edit_tab",
        "edit",
        (
            state.EDIT_ELEMENT,
            state.EDIT_ACCURACY,
            state.EDIT_REASON,
            state.EDIT_NEW_LAYER,
            state.EDIT_NEW_KIND,
            state.EDIT_NEW_ID,
            state.EDIT_NEW_NAME_ZH,
            state.EDIT_NEW_NAME_EN,
            state.EDIT_SPLIT_PIECE,
            state.EDIT_MERGE_WITH,
        ),
    ),
)
"""The work column's tabs, in order (the first is open on a new page)."""


def kept_keys(kept: Iterable[str], present: Iterable[str]) -> list[str]:
    """The keys of ``present`` (the session's) that ``kept`` names, exactly or, for an
    entry ending in ``_``, as the beginning of the key."""
    names = tuple(kept)
    exact = {k for k in names if not k.endswith("_")}
    prefixes = tuple(k for k in names if k.endswith("_"))
    return [k for k in present if k in exact or (bool(prefixes) and k.startswith(prefixes))]


def keep_values(kept: Iterable[str]) -> None:
    """Keep the values of the widgets ``kept`` names through a run that does not draw
    them (Streamlit's documented way: a value set through the session state is the
    session's, not the widget's, and the widget takes it when it is drawn again)."""
    for key in kept_keys(kept, list(st.session_state.keys())):
        st.session_state[key] = st.session_state[key]


def tab_body(tab: DeltaGenerator, name: str) -> DeltaGenerator:
    """A tab's body: scrolls inside itself, the panel and it as tall as the map."""
    with tab:
        return st.container(height=TAB_HEIGHT_PX, border=False, key=state.tab_body(name))
