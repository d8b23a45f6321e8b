"""The "your layers" tab's shared pieces: the user's saved layers in the store, their
cached features, and errors and tables shown as plain text. The tab itself is
:mod:`ui.upload_form` (upload, confirm the CRS, validate, save), :mod:`ui.saved_layers`
(the list: show, rename, delete), :mod:`ui.upload_analysis` (measure against the plan)
and :mod:`ui.upload_map` (the saved layers on the map).

Every message about a user's file, every layer and file name and every attribute value
is shown as plain text (``st.text``, table cells, selectbox options), never as Markdown
or HTML — widget labels, help, alerts and radio options are Markdown in Streamlit, so
user text never goes there. Long text is cut for display (:func:`geo.display.display_table`);
downloads keep the full values.

Another session may delete or rename a layer at any time: a layer that is gone is a
message (``layer_gone``), never a traceback, and the map is kept. Renames and deletes
run in widget callbacks, so each happens once per user action.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import streamlit as st

from geo.declared.i18n import say, t
from geo.display import (
    DISPLAY_PAGE_ROWS,
    DISPLAY_TABLE_ROWS,
    display_table,
    has_long_text,
    page_count,
)
from geo.errors import GeoError
from geo.store.layers import UserLayers
from geo.store.workspace import LayerGoneError
from ui.columns import page_table
from ui.store import user_layers

LARGE_LAYER_FEATURES = 5_000


def workspace() -> UserLayers:
    """The signed-in user's saved layers in the store (ui/store.py), in both modes:
    versioned, private until shared, deleted softly (restorable from the history)."""
    return user_layers()


def show_error(exc: GeoError, lang: str, heading: str = "upload_error") -> None:
    """An error under its heading (an i18n key), the message as plain text."""
    if isinstance(exc, LayerGoneError):
        st.warning(t("layer_gone", lang))
    else:
        st.error(t(heading, lang))
    st.text(say(exc, lang))


def show_table(
    table: pd.DataFrame, lang: str, *, figures: bool = False, page_key: str | None = None
) -> None:
    """A table as a display copy: long text cut (a note says so); downloads and figures
    use the full data. ``figures``: a table of ours (headers, shares and units as the
    page shows them), not a user's attributes (shown exactly as they are). With
    ``page_key`` (a widget key), the page receives one page of
    :data:`~geo.display.DISPLAY_PAGE_ROWS` rows, chosen with a page number."""
    rows = DISPLAY_PAGE_ROWS if page_key else DISPLAY_TABLE_ROWS
    pages = page_count(len(table), page_rows=rows)
    page = 1
    if page_key and pages > 1:  # the page gets one page of rows, not the whole table
        page = int(st.number_input(t("table_page", lang), 1, pages, key=page_key))
    start = (page - 1) * rows
    shown = display_table(table, start=start, max_rows=rows)
    st.dataframe(page_table(shown, lang) if figures else shown, hide_index=True, width="stretch")
    if len(shown) < len(table):
        st.caption(
            f"{t('table_rows_note', lang)} {start + 1:,}–{start + len(shown):,} / {len(table):,}"
        )
    if has_long_text(shown):
        st.caption(t("table_cut_note", lang))


@st.cache_resource(show_spinner=False, max_entries=16)  # not pickled per rerun, as _read
def saved_layer(root: str, layer_id: str, version: str) -> gpd.GeoDataFrame:
    """A saved layer's features (cached per layer and save time: a rename changes no
    feature)."""
    return workspace().read(layer_id)  # root: the cache key
