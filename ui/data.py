"""The plan data as the page uses it: cached loaders and figures, keyed on the data
file's path and modification time (never on a GeoDataFrame), and the choice lists
that turn "group:…" / "layer:…" picks into zone ids."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import streamlit as st

from geo.declared.i18n import t
from geo.declared.registry import Registry, load_registry
from geo.plan.check import plan_figure_table
from geo.plan.views import layer_payload, overlaps_between, visible_area_table, zone_neighbours
from geo.plan.zones import STREETS_FILE, ZONES_FILE, load_plan_layers, zone_figures
from ui import state

UNITS = ("km2", "ha", "mu")


@st.cache_resource(show_spinner=False)
def registry() -> Registry:
    return load_registry()


def zones_path() -> str:
    return str(ZONES_FILE)


def data_version(path: str) -> float:
    """Changes when the data files change, so cached results are recomputed."""
    return Path(path).stat().st_mtime + STREETS_FILE.stat().st_mtime


def current() -> tuple[str, float]:
    """The zones file and its version, the key of every cached figure below."""
    path = zones_path()
    return path, data_version(path)


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


def overlap_options(reg: Registry, lang: str) -> dict[str, str]:
    """Every group and layer as a pick ("group:<id>" / "layer:<id>") and its label."""
    opts = {f"group:{g.id}": f"{t('group_prefix', lang)} · {g.name(lang)}" for g in reg.groups}
    opts |= {f"layer:{s.id}": f"{t('layer_prefix', lang)} · {s.name(lang)}" for s in reg.layers}
    return opts


def ids_for(choice: list[str], zs: gpd.GeoDataFrame) -> tuple[str, ...]:
    """The zone ids in the picked groups and layers, sorted."""
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
    """The overlap pieces of the two sets picked in the overlap tab (None: not picked)."""
    a, b = st.session_state.get(state.OVERLAP_A) or [], st.session_state.get(state.OVERLAP_B) or []
    if not a or not b:
        return None
    path, version = current()
    zs = zones(path, version)
    return overlap_rows(path, version, ids_for(a, zs), ids_for(b, zs))
