"""What an administrator's import kept beside a saved layer (:mod:`geo.store.summary`):
its figures and its grid cells, read instead of the layer itself.

A layer imported with ``python -m geo store import-layer`` (a million parcels) has its
sum, union and grid cells computed once, per version of its features; the page shows
the figures in the layer list and draws the cells below the tiles' first zoom without
reading the layer back from the store. A layer saved from the upload form has none kept:
its cells are computed from its features as before (:mod:`ui.upload_map`).
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import streamlit as st

from geo.errors import GeoError
from geo.store.layers import UserLayers
from geo.store.summary import LayerSummary, read_cells, read_summary


def _features_of(ws: UserLayers, layer_id: str) -> int | None:
    try:
        return ws.version(layer_id).features_of
    except GeoError:  # deleted since it was listed
        return None


def kept_summary(ws: UserLayers, layer_id: str) -> LayerSummary | None:
    """The layer's figures if they were kept for its current features, else None."""
    features_of = _features_of(ws, layer_id)
    return None if features_of is None else _summary(str(ws.root), layer_id, features_of)


def kept_cells(ws: UserLayers, layer_id: str) -> gpd.GeoDataFrame | None:
    """The layer's grid cells if they were kept for its current features, else None."""
    features_of = _features_of(ws, layer_id)
    return None if features_of is None else _cells(str(ws.root), layer_id, features_of)


@st.cache_resource(show_spinner=False, max_entries=32)
def _summary(root: str, layer_id: str, features_of: int) -> LayerSummary | None:
    return read_summary(Path(root), layer_id, features_of)


@st.cache_resource(show_spinner=False, max_entries=16)  # read-only, not pickled per run
def _cells(root: str, layer_id: str, features_of: int) -> gpd.GeoDataFrame | None:
    return read_cells(Path(root), layer_id, features_of)
