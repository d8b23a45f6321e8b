"""The features a review looks at: the plan's zones and the user's layers, in one table.

Every feature gets a ``key`` (the plan's ``id``; ``NAME#id`` or ``NAME#row`` for a user
layer), its names, where it came from (``origin``: ``plan`` or ``user:NAME``), its
positional accuracy in metres (``accuracy_m``; ``accuracy_assumed`` when a user layer
carries none and the declared default was used), its ``geometry_source`` and, for user
layers, which of the three control lines it is (``control_line``).

Selectors (:class:`geo.review.rules.Selector`) pick rows of this table.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Final

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.declared.registry import Registry
from geo.measure.crs import STORAGE_CRS, require_crs
from geo.measure.validate import repair_geometries
from geo.review.rules import RuleSet, Selector

POLYGONAL: Final = ("Polygon", "MultiPolygon")
COLUMNS: Final = (
    "key",
    "name_zh",
    "name_en",
    "origin",
    "layer",
    "kind",
    "level",
    "accuracy_m",
    "accuracy_assumed",
    "geometry_source",
    "control_line",
)
UNKNOWN_SOURCE: Final = "unknown"


def _normalise(text: object) -> str:
    return re.sub(r"[\s_\-]+", "", str(text)).lower().lstrip("\ufeff")


def _column(frame: pd.DataFrame, names: Sequence[str]) -> list[str]:
    """Columns of ``frame`` matching ``names`` (case- and space-blind), in ``names`` order."""
    by_key = {_normalise(c): str(c) for c in frame.columns if c != "geometry"}
    return [by_key[_normalise(n)] for n in names if _normalise(n) in by_key]


def _line_of(value: object, rules: RuleSet) -> str | None:
    """The control line an attribute value names, or None (also when it names two)."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    text = _normalise(value)
    kinds = {
        line.kind for line in rules.control_lines if any(_normalise(v) in text for v in line.values)
    }
    return kinds.pop() if len(kinds) == 1 else None


def control_lines(frame: gpd.GeoDataFrame, *, name: str, rules: RuleSet) -> pd.Series:
    """Per feature of a user layer: which control line it is (kind id), else None.

    Looks in the declared ``control_line_columns`` in order and takes the first that names
    a line; features with none take the line the layer's own ``name`` names, if any.
    Aligned to ``frame.index``.
    """
    out = pd.Series([None] * len(frame), index=frame.index, dtype=object)
    for column in _column(frame, rules.control_line_columns):
        found = frame[column].map(lambda v: _line_of(v, rules))
        out = out.where(out.notna(), found)
    fallback = _line_of(name, rules)
    if fallback is not None:
        out = out.where(out.notna(), fallback)
    return out


def _text(frame: pd.DataFrame, names: Sequence[str], default: pd.Series) -> pd.Series:
    for column in _column(frame, names):
        values = frame[column]
        return values.where(values.notna(), default).astype(str)
    return default


def user_features(frame: gpd.GeoDataFrame, *, name: str, rules: RuleSet) -> gpd.GeoDataFrame:
    """A user layer as review features (polygons only; geometries repaired, EPSG:4326)."""
    require_crs(frame, name=f"user layer {name}")
    fixed, _report = repair_geometries(frame.to_crs(STORAGE_CRS))
    ids = _text(
        fixed,
        ("id", "fid", "objectid", "编号", "BSM"),
        pd.Series([str(i) for i in range(len(fixed))], index=fixed.index),
    )
    line = control_lines(fixed, name=name, rules=rules)
    line_names = {c.kind: (c.name_zh, c.name_en) for c in rules.control_lines}
    name_zh = _text(
        fixed,
        ("name_zh", "名称", "name", "mc", "dlmc"),
        line.map(lambda k: line_names[k][0] if k else None).fillna(ids),
    )
    name_en = _text(
        fixed, ("name_en", "name"), line.map(lambda k: line_names[k][1] if k else None).fillna(ids)
    )
    accuracy = pd.Series(np.nan, index=fixed.index)
    for column in _column(fixed, ("accuracy_m",)):
        accuracy = pd.to_numeric(fixed[column], errors="coerce")
    assumed = ~(accuracy > 0)
    source = _text(
        fixed, ("geometry_source",), pd.Series(UNKNOWN_SOURCE, index=fixed.index, dtype=object)
    )
    out = gpd.GeoDataFrame(
        {
            "key": f"{name}#" + ids,
            "name_zh": name_zh,
            "name_en": name_en,
            "origin": f"user:{name}",
            "layer": None,
            "kind": None,
            "level": None,
            "accuracy_m": accuracy.where(~assumed, rules.user_accuracy_m),
            "accuracy_assumed": assumed,
            "geometry_source": source,
            "control_line": line,
        },
        geometry=fixed.geometry,
        crs=STORAGE_CRS,
    )
    return out[out.geometry.geom_type.isin(POLYGONAL)]


def plan_features(zones: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The plan's zones as review features (polygons only; EPSG:4326)."""
    require_crs(zones, name="plan zones")
    fixed, _report = repair_geometries(zones.to_crs(STORAGE_CRS))
    accuracy = pd.to_numeric(fixed.get("accuracy_m"), errors="coerce")
    out = gpd.GeoDataFrame(
        {
            "key": fixed["id"].astype(str),
            "name_zh": fixed["name_zh"],
            "name_en": fixed["name_en"],
            "origin": "plan",
            "layer": fixed["layer"],
            "kind": fixed.get("group"),
            "level": fixed.get("level"),
            "accuracy_m": accuracy,
            "accuracy_assumed": accuracy.isna(),
            "geometry_source": fixed.get("geometry_source", UNKNOWN_SOURCE),
            "control_line": None,
        },
        geometry=fixed.geometry,
        crs=STORAGE_CRS,
    )
    return out[out.geometry.geom_type.isin(POLYGONAL)]


def review_features(
    zones: gpd.GeoDataFrame | None,
    user_layers: Mapping[str, gpd.GeoDataFrame],
    *,
    rules: RuleSet,
) -> gpd.GeoDataFrame:
    """Plan zones and user layers in one table indexed by ``key`` (see the module docstring)."""
    parts = [plan_features(zones)] if zones is not None else []
    parts += [user_features(f, name=n, rules=rules) for n, f in user_layers.items()]
    if not parts:
        return gpd.GeoDataFrame({c: [] for c in COLUMNS}, geometry=[], crs=STORAGE_CRS)
    frame = pd.concat(parts, ignore_index=True)
    frame = frame.drop_duplicates("key")  # a user layer with repeated ids keeps its first
    out = gpd.GeoDataFrame(frame, geometry="geometry", crs=STORAGE_CRS)
    return out.set_index("key", drop=False).rename_axis(None)


def select(
    features: gpd.GeoDataFrame, selectors: Sequence[Selector], *, registry: Registry
) -> pd.Series:
    """Boolean mask of the features any of ``selectors`` picks (aligned to the index)."""
    mask = pd.Series(False, index=features.index)
    for s in selectors:
        if s.prefix == "layer":
            mask |= features["layer"].eq(s.value)
        elif s.prefix == "group":
            layers = [spec.id for spec in registry.layers_in(s.value)]
            mask |= features["layer"].isin(layers)
        elif s.prefix == "zone":
            mask |= features["key"].eq(s.value) & features["origin"].eq("plan")
        elif s.prefix == "kind":
            mask |= features["kind"].eq(s.value)
        elif s.prefix == "level":
            mask |= features["level"].eq(s.value)
        elif s.prefix == "user":
            mask |= features["origin"].eq(f"user:{s.value}")
        elif s.prefix == "line":
            mask |= features["control_line"].eq(s.value)
    return mask
