"""Run the declared conflict rules: pass, fail, uncertain or not run, figure by figure.

Every violation is a piece of land with its ellipsoidal area on CGCS2000 (from
:mod:`geo.measure.overlap`) and its share of the feature it belongs to. How far it can
be trusted is the **accuracy band**: the piece's perimeter (geodesic, metres) times the
larger positional accuracy (``accuracy_m``) of the features that bound it — how much
area could move across its edge if every edge is off by that much. Then:

- ``area ≤ tolerance_m2`` (the rule's): no violation (digitising noise);
- ``tolerance < area ≤ band``: **uncertain** — the drawing cannot tell;
- ``area > band``: **fail**.

A rule whose side selects no polygon (e.g. it needs a control-line layer nobody
uploaded) is **not run**, never passed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from geo.declared.registry import Registry, load_registry
from geo.measure.area import M2_PER_KM2
from geo.measure.crs import EQUAL_AREA, STORAGE_CRS
from geo.measure.overlap import overlap_pairs, overlap_totals, union_area_m2
from geo.measure.precision import perimeter_m
from geo.review.features import review_features, select
from geo.review.rules import Rule, RuleSet, Selector

Status = Literal["pass", "fail", "uncertain", "not_run"]
STATUSES: Final[tuple[str, ...]] = ("fail", "uncertain", "pass", "not_run")
STATUS_LABELS: Final[dict[str, dict[str, str]]] = {
    "pass": {"zh": "通过", "en": "pass"},
    "fail": {"zh": "不通过", "en": "fail"},
    "uncertain": {"zh": "不确定", "en": "uncertain"},
    "not_run": {"zh": "未运行", "en": "not run"},
}
VIOLATION_COLUMNS: Final = (
    "rule_id",
    "status",
    "feature",
    "feature_name_zh",
    "feature_name_en",
    "other",
    "other_name_zh",
    "other_name_en",
    "violation_m2",
    "feature_area_m2",
    "feature_share",
    "other_share",
    "band_m2",
    "accuracy_m",
    "accuracy_assumed",
    "perimeter_m",
    "lon",
    "lat",
)
UNION_OF_B: Final = "(b 之外 · outside b)"
"""The "other" of a must_lie_within / must_cover violation: the piece lies outside all of b."""


@dataclass(frozen=True)
class RuleResult:
    """The outcome of one rule: its status, counts, notes and violating pieces."""

    rule: Rule
    status: Status
    a_count: int
    b_count: int
    violations: gpd.GeoDataFrame
    within_tolerance: int = 0
    notes: tuple[str, ...] = field(default=())

    @property
    def fail_count(self) -> int:
        return int((self.violations["status"] == "fail").sum())

    @property
    def uncertain_count(self) -> int:
        return int((self.violations["status"] == "uncertain").sum())

    @property
    def violation_m2(self) -> float:
        return float(self.violations["violation_m2"].sum())


@dataclass(frozen=True)
class CheckReport:
    """Every rule's result, plus what the check read (for provenance)."""

    results: tuple[RuleResult, ...]
    inputs: tuple[str, ...] = ()

    @property
    def failed(self) -> bool:
        return any(r.status == "fail" for r in self.results)

    def counts(self) -> dict[str, int]:
        return {s: sum(r.status == s for r in self.results) for s in STATUSES}


def _empty_violations() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {c: pd.Series(dtype=object) for c in VIOLATION_COLUMNS}, geometry=[], crs=STORAGE_CRS
    )


def _polygonal(geom: BaseGeometry | None) -> BaseGeometry | None:
    """The polygonal part of an intersection (touching edges leave lines and points)."""
    if geom is None or geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    parts = [p for p in shapely.get_parts(geom) if p.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(parts) if parts else shapely.Polygon()


def _perimeter_m(pieces: gpd.GeoSeries) -> np.ndarray:
    """Geodesic perimeter (m) of each piece's polygonal part (0 when empty)."""
    polygonal = gpd.GeoSeries(pieces.map(_polygonal), crs=pieces.crs)
    return np.asarray(perimeter_m(polygonal), dtype=float)


def _grade(area_m2: np.ndarray, band_m2: np.ndarray, *, tolerance_m2: float) -> np.ndarray:
    status = np.where(area_m2 > band_m2, "fail", "uncertain").astype(object)
    status[area_m2 <= tolerance_m2] = None
    return status


def _violation_frame(
    rule: Rule,
    features: gpd.GeoDataFrame,
    *,
    keys: np.ndarray,
    others: np.ndarray,
    area_m2: np.ndarray,
    feature_area_m2: np.ndarray,
    other_share: np.ndarray,
    accuracy_m: np.ndarray,
    assumed: np.ndarray,
    pieces: gpd.GeoSeries,
) -> tuple[gpd.GeoDataFrame, int]:
    """Graded violations (rows above the tolerance) and how many were within it."""
    perimeter = _perimeter_m(pieces) if len(pieces) else np.zeros(0)
    band = perimeter * accuracy_m
    status = _grade(area_m2, band, tolerance_m2=rule.tolerance_m2)
    keep = np.array([s is not None for s in status], dtype=bool)
    names = features[["name_zh", "name_en"]]
    other_known = np.array([o in features.index for o in others], dtype=bool)
    other_zh = np.where(other_known, names.reindex(others)["name_zh"].to_numpy(), "")
    other_en = np.where(other_known, names.reindex(others)["name_en"].to_numpy(), "")
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(feature_area_m2 > 0, area_m2 / feature_area_m2, np.nan)
    points = pieces.to_crs(EQUAL_AREA).representative_point().to_crs(STORAGE_CRS)
    frame = gpd.GeoDataFrame(
        {
            "rule_id": rule.id,
            "status": status,
            "feature": keys,
            "feature_name_zh": names.reindex(keys)["name_zh"].to_numpy(),
            "feature_name_en": names.reindex(keys)["name_en"].to_numpy(),
            "other": others,
            "other_name_zh": other_zh,
            "other_name_en": other_en,
            "violation_m2": area_m2,
            "feature_area_m2": feature_area_m2,
            "feature_share": share,
            "other_share": other_share,
            "band_m2": band,
            "accuracy_m": accuracy_m,
            "accuracy_assumed": assumed,
            "perimeter_m": perimeter,
            "lon": points.x.to_numpy() if len(points) else np.zeros(0),
            "lat": points.y.to_numpy() if len(points) else np.zeros(0),
        },
        geometry=pieces.to_numpy(),
        crs=STORAGE_CRS,
    )
    kept = frame[keep].sort_values("violation_m2", ascending=False).reset_index(drop=True)
    return kept, int((~keep).sum())


def _pairs(
    rule: Rule, features: gpd.GeoDataFrame, a: gpd.GeoDataFrame, b: gpd.GeoDataFrame, *, same: bool
) -> tuple[gpd.GeoDataFrame, int]:
    """Overlapping pairs of a and b (each unordered pair once; no feature with itself)."""
    pairs = overlap_pairs(a, b, names=(f"{rule.id} a", f"{rule.id} b"))
    ka, kb = pairs["a_index"].to_numpy(), pairs["b_index"].to_numpy()
    keep = ka != kb
    if same:
        keep &= ka < kb
    else:  # a feature on both sides: its pair with another counts once
        both = set(a.index) & set(b.index)
        seen: set[tuple[str, str]] = set()
        for i, (x, y) in enumerate(zip(ka, kb, strict=True)):
            if x in both and y in both:
                pair = (min(x, y), max(x, y))
                keep[i] &= pair not in seen
                seen.add(pair)
    pairs = pairs[keep]
    accuracy = np.maximum(
        a.loc[pairs["a_index"], "accuracy_m"].to_numpy(dtype=float),
        b.loc[pairs["b_index"], "accuracy_m"].to_numpy(dtype=float),
    )
    assumed = a.loc[pairs["a_index"], "accuracy_assumed"].to_numpy(dtype=bool) | b.loc[
        pairs["b_index"], "accuracy_assumed"
    ].to_numpy(dtype=bool)
    return _violation_frame(
        rule,
        features,
        keys=pairs["a_index"].to_numpy(),
        others=pairs["b_index"].to_numpy(),
        area_m2=pairs["overlap_m2"].to_numpy(dtype=float),
        feature_area_m2=pairs["a_area_m2"].to_numpy(dtype=float),
        other_share=pairs["b_share"].to_numpy(dtype=float),
        accuracy_m=accuracy,
        assumed=assumed,
        pieces=pairs.geometry,
    )


def _outside(
    rule: Rule, features: gpd.GeoDataFrame, inner: gpd.GeoDataFrame, outer: gpd.GeoDataFrame
) -> tuple[gpd.GeoDataFrame, int]:
    """The part of each feature of ``inner`` outside the union of ``outer``."""
    pairs = overlap_pairs(inner, outer, names=(f"{rule.id} inner", f"{rule.id} outer"))
    totals = overlap_totals(pairs, inner, side="a", other=outer)
    outside_m2 = (totals["area_m2"] - totals["covered_m2"]).clip(lower=0.0)
    candidates = outside_m2[outside_m2 > 0].index
    if not len(candidates):
        return _empty_violations(), 0
    ea_inner = inner.loc[candidates].geometry.to_crs(EQUAL_AREA)
    ea_outer = shapely.union_all(np.asarray(outer.geometry.to_crs(EQUAL_AREA).array))
    pieces = gpd.GeoSeries(
        shapely.difference(np.asarray(ea_inner.array), ea_outer), index=candidates, crs=EQUAL_AREA
    ).to_crs(STORAGE_CRS)
    near = outer.geometry.sindex
    accuracy = []
    for key in candidates:  # the outer features that bound the piece: those it touches
        hits = near.query(inner.geometry.loc[key], predicate="intersects")
        outer_acc = outer["accuracy_m"].to_numpy(dtype=float)[hits]
        bound = outer_acc.max() if len(hits) else outer["accuracy_m"].max()
        accuracy.append(max(float(inner.loc[key, "accuracy_m"]), float(bound)))
    assumed = inner.loc[candidates, "accuracy_assumed"].to_numpy(dtype=bool)
    assumed = assumed | bool(outer["accuracy_assumed"].any())
    return _violation_frame(
        rule,
        features,
        keys=np.asarray(candidates, dtype=object),
        others=np.full(len(candidates), UNION_OF_B, dtype=object),
        area_m2=outside_m2.loc[candidates].to_numpy(dtype=float),
        feature_area_m2=totals.loc[candidates, "area_m2"].to_numpy(dtype=float),
        other_share=np.full(len(candidates), np.nan),
        accuracy_m=np.asarray(accuracy, dtype=float),
        assumed=assumed,
        pieces=pieces,
    )


def _area_rule(
    rule: Rule, features: gpd.GeoDataFrame, a: gpd.GeoDataFrame
) -> tuple[gpd.GeoDataFrame, int, list[str]]:
    """max_area / min_area: the excess (or shortfall) over the stated figure."""
    assert rule.stated_km2 is not None
    stated_m2 = rule.stated_km2 * M2_PER_KM2
    if rule.measure == "union":
        union = shapely.union_all(np.asarray(a.geometry.array))
        groups = [(",".join(a.index), gpd.GeoSeries([union], crs=STORAGE_CRS), a)]
    else:
        groups = [(k, a.geometry.loc[[k]], a.loc[[k]]) for k in a.index]
    keys, areas, shapes, accuracy, assumed = [], [], [], [], []
    for key, geom, members in groups:
        keys.append(key)
        areas.append(union_area_m2(geom))
        shapes.append(geom.iloc[0])
        accuracy.append(float(members["accuracy_m"].max()))
        assumed.append(bool(members["accuracy_assumed"].any()))
    area = np.asarray(areas)
    excess = area - stated_m2 if rule.kind == "max_area" else stated_m2 - area
    notes = []
    calibrated = a.index[a["geometry_source"].eq("calibrated")]
    if len(calibrated):
        notes.append(
            "calibrated: the area of " + ", ".join(calibrated) + " was set to the plan's "
            "figure, so a pass proves nothing · 面积按规划数字校准，通过不说明任何问题"
        )
    shapes_series = gpd.GeoSeries(shapes, crs=STORAGE_CRS)
    frame, within = _violation_frame(
        rule,
        features,
        keys=np.asarray(keys, dtype=object),
        others=np.full(len(keys), f"{rule.stated_km2:g} km²", dtype=object),
        area_m2=np.maximum(excess, 0.0),
        feature_area_m2=area,
        other_share=np.full(len(keys), np.nan),
        accuracy_m=np.asarray(accuracy),
        assumed=np.asarray(assumed, dtype=bool),
        pieces=shapes_series,
    )
    if rule.measure == "union" and len(frame):
        frame["feature_name_zh"] = "、".join(a["name_zh"].astype(str))
        frame["feature_name_en"] = "; ".join(a["name_en"].astype(str))
    return frame, within, notes


def _missing_note(selectors: tuple[Selector, ...], side: str) -> str:
    user = [str(s) for s in selectors if s.needs_user_layer]
    if user:
        return (
            f"side {side} ({', '.join(map(str, selectors))}) selects no polygon: it needs a user "
            "layer with " + ", ".join(user) + " (upload it, or --layer FILE) · "
            f"{side} 侧没有选中任何面要素：需要导入含 {', '.join(user)} 的图层"
        )
    return (
        f"side {side} ({', '.join(map(str, selectors))}) selects no polygon in the data · "
        f"{side} 侧在数据中没有选中任何面要素"
    )


def _violations(
    rule: Rule, features: gpd.GeoDataFrame, a: gpd.GeoDataFrame, b: gpd.GeoDataFrame
) -> tuple[gpd.GeoDataFrame, int, list[str]]:
    """The violating pieces of a rule whose sides select features, by its kind."""
    if rule.kind == "must_not_overlap":
        return (*_pairs(rule, features, a, b, same=False), [])
    if rule.kind == "disjoint_within":
        return (*_pairs(rule, features, a, a, same=True), [])
    if rule.kind == "must_lie_within":
        return (*_outside(rule, features, a, b), [])
    if rule.kind == "must_cover":
        return (*_outside(rule, features, b, a), [])
    return _area_rule(rule, features, a)


def _status(violations: gpd.GeoDataFrame) -> Status:
    if (violations["status"] == "fail").any():
        return "fail"
    return "uncertain" if len(violations) else "pass"


def run_rule(rule: Rule, features: gpd.GeoDataFrame, *, registry: Registry) -> RuleResult:
    """Evaluate one rule on review features (:func:`geo.review.features.review_features`)."""
    excluded = select(features, rule.exclude, registry=registry)
    a = features[select(features, rule.a, registry=registry) & ~excluded]
    b = features[select(features, rule.b, registry=registry)] if rule.b else a[:0]
    missing = [_missing_note(rule.a, "a")] if a.empty else []
    if rule.b and b.empty:
        missing.append(_missing_note(rule.b, "b"))
    if missing:
        return RuleResult(
            rule, "not_run", len(a), len(b), _empty_violations(), notes=tuple(missing)
        )
    violations, within, notes = _violations(rule, features, a, b)
    if (features.loc[list(a.index) + list(b.index), "accuracy_assumed"]).any():
        notes.append(
            "some features carry no accuracy_m; the declared default was assumed · "
            "部分要素未注明精度，按默认值计"
        )
    return RuleResult(rule, _status(violations), len(a), len(b), violations, within, tuple(notes))


def run_rules(
    rules: RuleSet,
    *,
    zones: gpd.GeoDataFrame | None,
    user_layers: Mapping[str, gpd.GeoDataFrame] | None = None,
    registry: Registry | None = None,
    only: tuple[str, ...] = (),
    inputs: tuple[str, ...] = (),
) -> CheckReport:
    """Run every rule (or those in ``only``) on the plan's zones and the user's layers.

    ``zones`` is the plan layer (``data/zones.geojson`` as :func:`geo.plan.zones.load_zones`
    reads it) or None; ``user_layers`` maps a layer name (what ``user:NAME`` selects) to
    a GeoDataFrame in any CRS. The inputs are not modified.
    """
    registry = registry or load_registry()
    features = review_features(zones, user_layers or {}, rules=rules)
    chosen = [rules.rule(r) for r in only] if only else list(rules.rules)
    results = tuple(run_rule(rule, features, registry=registry) for rule in chosen)
    return CheckReport(results=results, inputs=inputs)


def all_violations(report: CheckReport) -> gpd.GeoDataFrame:
    """Every violating piece of every rule, in one layer (EPSG:4326)."""
    frames = [r.violations for r in report.results if len(r.violations)]
    if not frames:
        return _empty_violations()
    return gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs=STORAGE_CRS)
