"""Comparing two versions of plan elements, or a user layer against the plan.

:func:`compare_layers` takes two layers keyed by an element id (two versions of the
plan, of a layer, of one element) and returns, per element, the ellipsoidal area
before and after (CGCS2000, :func:`geo.measure.area.ellipsoidal_area_m2`), the change
in km² / 公顷 / 亩, the share changed, and the pieces added, removed and unchanged as
geometries. :func:`compare_with_plan` first matches a user layer's features to plan
elements (:func:`geo.edit.adopt.match_features`). :func:`diff_table` is the table as
people read it (CLI, XLSX).

Pieces are cut in the layers' own CRS (EPSG:4326 for stored layers) and measured on the
ellipsoid: an edge a cut splits is measured as two geodesics, so the pieces add up to
each shape within about 1e-7 of its area, and two edges that were straight in another
CRS leave slivers of a fraction of a square metre per kilometre (below the default
``tolerance_m2`` for "unchanged").

``changed_share`` is the area that differs (added + removed) as a share of the area
either shape covers (their union): 0 for the same shape, 1 for disjoint ones.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Final

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.declared.i18n import Joined, Message
from geo.edit.adopt import match_features
from geo.errors import GeometryError, InputFileError
from geo.measure.area import (
    M2_PER_HA,
    M2_PER_KM2,
    M2_PER_MU,
    M2_PER_UNIT,
    UNIT_LABELS,
    ellipsoidal_area_m2,
)
from geo.measure.crs import CGCS2000_GEOGRAPHIC, require_same_crs

ADDED: Final = "added"
REMOVED: Final = "removed"
UNCHANGED: Final = "unchanged"
CHANGED: Final = "changed"
PIECES: Final = (ADDED, REMOVED, UNCHANGED)
LABEL_COLUMNS: Final = ("name_zh", "name_en")
CHANGE_COLUMNS: Final = ("changed_by", "reason")
"""Who changed an element and why: carried from ``after`` when it has them (the store's
versions do)."""
METHOD: Final = "ellipsoidal areas on the CGCS2000 ellipsoid (pyproj.Geod)"


@dataclass(frozen=True)
class Comparison:
    """Per element (``table``) and per piece (``pieces``: columns ``id``, ``piece`` —
    added / removed / unchanged —, ``area_m2``, geometry in the layers' CRS)."""

    table: pd.DataFrame
    pieces: gpd.GeoDataFrame
    notes: tuple[str, ...] = field(default=())
    before: gpd.GeoSeries | None = None
    """The elements' shapes before (one per id, index = id, the layers' CRS)."""
    after: gpd.GeoSeries | None = None
    """The elements' shapes after, likewise."""


def _shapes(layer: gpd.GeoDataFrame, key: str, *, name: str) -> gpd.GeoSeries:
    """One shape per key (features sharing a key are united); invalid shapes refused."""
    if key not in layer.columns:
        columns = ", ".join(str(c) for c in layer.columns if c != layer.geometry.name)
        raise InputFileError("err_no_key_column", name=name, key=repr(key), columns=columns)
    geoms = layer.geometry
    invalid = layer.loc[geoms.notna() & ~geoms.is_valid, key]
    if len(invalid):
        listed = ", ".join(str(v) for v in invalid.head(10))
        raise GeometryError("err_invalid_for", name=name, listed=listed)
    keys = layer[key].astype(str)
    united = {
        k: shapely.union_all(np.asarray(geoms[keys == k].dropna().array))
        for k in dict.fromkeys(keys)
    }
    return gpd.GeoSeries(list(united.values()), index=list(united), crs=layer.crs)


def _labels(
    before: gpd.GeoDataFrame, after: gpd.GeoDataFrame, key: str, ids: list[str]
) -> dict[str, list[object]]:
    """Names per element: from ``after`` where it has them, else from ``before``."""
    out: dict[str, list[object]] = {}
    for column in LABEL_COLUMNS:
        found: dict[str, object] = {}
        for frame in (before, after):
            if column in frame.columns:
                pairs = zip(frame[key].astype(str), frame[column], strict=True)
                found.update((k, v) for k, v in pairs if pd.notna(v))
        if any(column in f.columns for f in (before, after)):
            out[column] = [found.get(i) for i in ids]
    return out


def _column(frame: gpd.GeoDataFrame, column: str, key: str, ids: list[str]) -> list[object]:
    values = dict(zip(frame[key].astype(str), frame[column], strict=True))
    return [values.get(i) for i in ids]


def compare_layers(
    before: gpd.GeoDataFrame,
    after: gpd.GeoDataFrame,
    *,
    key: str = "id",
    tolerance_m2: float = 1.0,
) -> Comparison:
    """Compare two layers element by element (pure; both in one CRS).

    Elements are paired by ``key``; features sharing a key are united. Table columns:
    ``id``, ``name_zh``/``name_en`` (when either layer has them), ``status`` (added,
    removed, changed, unchanged: less than ``tolerance_m2`` differs), ``area_before_m2``,
    ``area_after_m2``, ``delta_m2`` (after − before), ``delta_km2``, ``delta_ha``,
    ``delta_mu``, ``added_m2``, ``removed_m2``, ``unchanged_m2``, ``changed_share``
    (0–1, see the module doc); ``geometry_source_before``/``_after`` and
    :data:`CHANGE_COLUMNS` when the layers have them. Elements of ``before`` come first,
    in its order.
    """
    require_same_crs(before, after, names=("before", "after"))
    old = _shapes(before, key, name="before")
    new = _shapes(after, key, name="after")
    ids = list(dict.fromkeys([*old.index, *new.index]))
    empty = shapely.Polygon()
    a = np.array([old.get(i, empty) or empty for i in ids], dtype=object)
    b = np.array([new.get(i, empty) or empty for i in ids], dtype=object)
    pieces = {
        ADDED: shapely.difference(b, a),
        REMOVED: shapely.difference(a, b),
        UNCHANGED: shapely.intersection(a, b),
    }
    crs = before.crs

    def area(geoms: np.ndarray) -> np.ndarray:
        return ellipsoidal_area_m2(gpd.GeoSeries(geoms, crs=crs)).to_numpy()

    before_m2, after_m2 = area(a), area(b)
    added_m2, removed_m2, same_m2 = (area(pieces[p]) for p in PIECES)
    delta = after_m2 - before_m2
    either = added_m2 + removed_m2 + same_m2
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(either > 0, (added_m2 + removed_m2) / either, 0.0)
    in_old = np.array([i in old.index for i in ids])
    in_new = np.array([i in new.index for i in ids])
    status = np.where(
        ~in_old,
        ADDED,
        np.where(
            ~in_new, REMOVED, np.where(added_m2 + removed_m2 < tolerance_m2, UNCHANGED, CHANGED)
        ),
    )
    sources = {
        f"geometry_source_{side}": _column(frame, "geometry_source", key, ids)
        for side, frame in (("before", before), ("after", after))
        if "geometry_source" in frame.columns
    }
    changes = {
        c: np.array(_column(after, c, key, ids), dtype=object)
        for c in CHANGE_COLUMNS
        if c in after.columns
    }
    table = pd.DataFrame({"id": ids, **_labels(before, after, key, ids), **sources}).assign(
        status=status,
        area_before_m2=before_m2,
        area_after_m2=after_m2,
        delta_m2=delta,
        delta_km2=delta / M2_PER_KM2,
        delta_ha=delta / M2_PER_HA,
        delta_mu=delta / M2_PER_MU,
        added_m2=added_m2,
        removed_m2=removed_m2,
        unchanged_m2=same_m2,
        changed_share=share,
        **changes,
    )
    rows = []
    for piece in PIECES:
        geoms = pieces[piece]
        m2 = {ADDED: added_m2, REMOVED: removed_m2, UNCHANGED: same_m2}[piece]
        keep = ~shapely.is_empty(geoms) & (m2 > 0)
        rows.append(
            gpd.GeoDataFrame(
                {"id": np.array(ids, dtype=object)[keep], "piece": piece, "area_m2": m2[keep]},
                geometry=gpd.GeoSeries(geoms[keep], crs=crs),
            )
        )
    pieces_frame = gpd.GeoDataFrame(pd.concat(rows, ignore_index=True), crs=crs)
    return Comparison(table, pieces_frame, before=old, after=new)


def compare_with_plan(
    layer: gpd.GeoDataFrame, zones: gpd.GeoDataFrame, *, column: str | None = None
) -> Comparison:
    """A user layer against the plan: its features are matched to plan elements by a
    name or code column (:func:`geo.edit.adopt.match_features`), then compared with
    those elements only. Unmatched features are named in ``notes``."""
    matching = match_features(layer, zones, column=column)
    if not matching.assignments:
        raise InputFileError("err_nothing_to_compare", notes=Joined(matching.notes, sep=" "))
    positions = sorted(matching.assignments)
    keyed = layer.iloc[positions].copy()
    keyed["id"] = [matching.assignments[p] for p in positions]
    plan = zones[zones["id"].astype(str).isin(set(keyed["id"]))]
    comparison = compare_layers(plan, keyed.to_crs(zones.crs))
    notes = list(matching.notes)
    if matching.unmatched:
        listed = ", ".join(f"#{p + 1}" for p in matching.unmatched[:10])
        notes.append(Message("note_unmatched", count=len(matching.unmatched), listed=listed))
    return replace(comparison, notes=tuple(notes))


def diff_table(comparison: Comparison, *, unit: str = "km2") -> pd.DataFrame:
    """The difference table as people read it: areas before/after in ``unit``, Δ in
    km², 公顷 and 亩, the share changed, with unit, method and CRS columns."""
    t = comparison.table
    if unit not in M2_PER_UNIT:
        raise ValueError(f"unknown area unit {unit!r}; use one of {', '.join(M2_PER_UNIT)}")
    labels = [c for c in ("id", *LABEL_COLUMNS, "status") if c in t.columns]
    extra = [c for c in t.columns if c.startswith("geometry_source_") or c in CHANGE_COLUMNS]
    out = t[labels].copy()
    out["area_before"] = t["area_before_m2"] / M2_PER_UNIT[unit]
    out["area_after"] = t["area_after_m2"] / M2_PER_UNIT[unit]
    for column in ("delta_km2", "delta_ha", "delta_mu", "changed_share", *extra):
        out[column] = t[column]
    out["unit"] = unit
    out["unit_zh"] = UNIT_LABELS[unit]["zh"]
    out["method"] = METHOD
    out["crs"] = CGCS2000_GEOGRAPHIC
    return out


def side_shapes(comparison: Comparison, side: str) -> gpd.GeoDataFrame:
    """The elements as they were (``side`` = ``"before"``) or are (``"after"``): columns
    ``id``, the names when the comparison has them, ``area_m2`` (ellipsoidal, as in the
    table), geometry in the layers' CRS. Elements without a shape on that side are left
    out. For the swipe view, which draws the two sides on the two panes."""
    if side not in ("before", "after"):
        raise ValueError(f"side must be 'before' or 'after', not {side!r}")
    shapes = comparison.before if side == "before" else comparison.after
    if shapes is None:
        raise ValueError("this comparison was made without the shapes of its two sides")
    table = comparison.table.set_index("id", drop=False)
    keep = [i for i in shapes.index if shapes[i] is not None and not shapes[i].is_empty]
    names = [c for c in LABEL_COLUMNS if c in table.columns]
    frame = table.loc[keep, ["id", *names, f"area_{side}_m2"]]
    frame = frame.rename(columns={f"area_{side}_m2": "area_m2"}).reset_index(drop=True)
    return gpd.GeoDataFrame(frame, geometry=shapes.loc[keep].to_numpy(), crs=shapes.crs)
