"""The plan data as the page uses it: cached loaders and figures, keyed on the store and
the plan's revision in it (never on a GeoDataFrame), and the choice lists that turn
"group:…" / "layer:…" picks into zone ids.

The plan comes from the store (:meth:`geo.store.store.Store.current_plan`): an edit or an
adoption saved there changes the map, the figures, the overlaps, the plan check and the
exports on the next run. The named boundary streets are reference data, not plan
elements, and stay from ``data/streets.geojson``. Each run asks the store for the
plan's :class:`~geo.store.store.PlanRevision` (one small query); every cached result
below is keyed on it, and the frame carries its label in ``attrs["plan_revision"]``,
which the fingerprint of every export names (:func:`geo.export.provenance.fingerprint`).
"""

from __future__ import annotations

import os
from typing import Any

import geopandas as gpd
import pandas as pd
import streamlit as st

from geo.declared.i18n import say, t
from geo.declared.registry import Registry, load_registry
from geo.export.provenance import PLAN_REVISION_ATTR
from geo.plan.check import plan_figure_table
from geo.plan.views import (
    layer_payload,
    overlaps_between,
    visible_area_rows,
    visible_area_table,
    zone_neighbours,
)
from geo.plan.zones import STREETS_FILE, zone_figures
from geo.plan.zones import with_streets as _with_streets
from geo.store.store import PlanRevision, StoreUnavailableError
from ui import state
from ui.store import plan_store

UNITS = ("km2", "ha", "mu")


@st.cache_resource(show_spinner=False)
def registry() -> Registry:
    return load_registry()


def current() -> tuple[str, PlanRevision]:
    """The store (where it is, no password) and the plan's revision in it: the key of
    every cached figure below. A database that cannot be reached stops the page with a
    plain message (nothing stale is shown as current)."""
    try:
        store = plan_store()
        return store.describe(), store.plan_revision()
    except StoreUnavailableError as exc:
        lang = str(st.session_state.get(state.LANG) or "zh")
        st.error(t("store_unavailable", lang))
        st.text(say(exc, lang))
        st.stop()
        raise  # st.stop() raises; this line is for the type checker


def revision_caption(revision: PlanRevision, lang: str) -> str:
    """The line under a figure or table naming the plan version it was computed from."""
    return t("plan_revision_note", lang).format(
        number=revision.number, time=revision.label().partition("(")[2].rstrip(")") or "—"
    )


@st.cache_resource(show_spinner=False)
def zones(store_key: str, version: PlanRevision) -> gpd.GeoDataFrame:
    """The plan's elements as the store has them at ``version``, with the streets
    (read-only: geo/ functions never mutate their input)."""
    store = plan_store()
    for _ in range(3):  # a change saved while the plan was read: read it again
        plan = store.current_plan()
        read = store.plan_revision()
        if read == version:
            break
        version = read
    layers = _with_streets(plan, STREETS_FILE, registry=registry())
    layers.attrs[PLAN_REVISION_ATTR] = version.label()  # the revision the rows were read at
    return layers


@st.cache_data(show_spinner=False)
def figures(path: str, version: PlanRevision) -> pd.DataFrame:
    return zone_figures(zones(path, version))


@st.cache_data(show_spinner=False)
def payload(
    path: str, version: PlanRevision, layer_id: str, gcj02: bool
) -> tuple[dict[str, Any], tuple[tuple[float, float, str, str], ...]]:
    return layer_payload(zones(path, version), layer_id, gcj02=gcj02)


@st.cache_data(show_spinner=False)
def neighbours(path: str, version: PlanRevision, zone_id: str) -> pd.DataFrame:
    return zone_neighbours(zones(path, version), zone_id=zone_id)


@st.cache_data(show_spinner=False)
def area_rows(
    path: str, version: PlanRevision, layer_ids: tuple[str, ...], unit: str
) -> tuple[pd.DataFrame, dict[str, float]]:
    return visible_area_table(
        zones(path, version), figures(path, version), layer_ids=layer_ids, unit=unit
    )


@st.cache_data(show_spinner=False)
def area_table_rows(
    path: str, version: PlanRevision, layer_ids: tuple[str, ...], unit: str
) -> pd.DataFrame:
    """The rows of :func:`area_rows` without its totals (no union)."""
    return visible_area_rows(
        zones(path, version), figures(path, version), layer_ids=layer_ids, unit=unit
    )


@st.cache_data(show_spinner=False)
def overlap_rows(
    path: str, version: PlanRevision, ids_a: tuple[str, ...], ids_b: tuple[str, ...]
) -> gpd.GeoDataFrame:
    return overlaps_between(zones(path, version), ids_a=ids_a, ids_b=ids_b)


@st.cache_data(show_spinner=False)
def plan_check(path: str, version: PlanRevision) -> pd.DataFrame:
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
