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
import numpy as np
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
    feature). A layer this process has just saved is not read back (100,000 parcels:
    1.6 CPU-s) when the store would give exactly the frame saved (:func:`remember_saved`)."""
    kept = _just_saved().pop((root, layer_id, version), None)
    return kept if kept is not None else workspace().read(layer_id)  # root: the cache key


@st.cache_resource(show_spinner=False)
def _just_saved() -> dict[tuple[str, str, str], gpd.GeoDataFrame]:
    return {}


def remember_saved(root: str, layer_id: str, version: str, frame: gpd.GeoDataFrame) -> None:
    """Keep the frame just saved as the saved layer's features, if reading it back from
    the store gives the same frame (:func:`reads_back_unchanged`)."""
    if reads_back_unchanged(frame):
        kept = _just_saved()
        kept.clear()  # one at a time: the frame is also the upload's (no copy is held)
        kept[(root, layer_id, version)] = frame


def reads_back_unchanged(frame: gpd.GeoDataFrame) -> bool:
    """Whether the store gives ``frame`` back exactly: EPSG:4326 geometries (WKB) in a
    column named ``geometry``, a 0..n-1 index, and attributes JSON keeps as they are
    (text, whole numbers, booleans; floats are stored to 15 digits, so not those)."""
    if frame.geometry.name != "geometry" or frame.crs is None or frame.crs.to_epsg() != 4326:
        return False
    if not frame.index.equals(pd.RangeIndex(len(frame))):
        return False
    for name, column in frame.drop(columns="geometry").items():
        dtype = column.dtype
        if not isinstance(name, str):
            return False
        exact = isinstance(dtype, np.dtype) and dtype.kind in "iub"  # no nullable ones
        if not (exact or isinstance(dtype, pd.StringDtype)):
            return False
    return True
