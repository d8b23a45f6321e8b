"""Topology checks for any polygon layer: QGIS's Topology Checker, done for planners.

:func:`check_topology` finds, in one layer:

- ``invalid``: a geometry that is not valid (self-intersection, bow-tie …), with the
  reason GEOS gives, where it is, and the area :func:`shapely.make_valid` changes;
- ``empty``: a feature with a missing or empty geometry;
- ``duplicate``: a feature whose geometry equals an earlier one's;
- ``overlap``: two features of the layer whose interiors overlap, with the shared piece;
- ``gap``: a space between neighbours narrower than ``gap_width_m`` that no feature
  covers (found by closing the layer's union with a buffer of half that width, out and
  back, in EPSG:4543), touching at least two features;
- ``sliver``: a polygon part thinner than ``sliver_width_m`` on average
  (2 × area / perimeter, EPSG:4543 metres).

Every finding has its ellipsoidal area on CGCS2000 (m²; for ``invalid``, the change the
repair makes), the features involved, a location (longitude/latitude of a point on
it) and its geometry (EPSG:4326), so it can be drawn and downloaded.
"""

from __future__ import annotations

import re
from typing import Any, Final

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from geo.measure.area import ellipsoidal_area_m2
from geo.measure.crs import GK_CM102, STORAGE_CRS, require_crs
from geo.measure.overlap import overlap_pairs
from geo.measure.validate import has_geometry, repair_geometries

FINDING_KINDS: Final = ("invalid", "empty", "duplicate", "overlap", "gap", "sliver")
FINDING_LABELS: Final[dict[str, dict[str, str]]] = {
    "invalid": {"zh": "无效几何", "en": "invalid geometry"},
    "empty": {"zh": "空几何", "en": "empty geometry"},
    "duplicate": {"zh": "重复几何", "en": "duplicate geometry"},
    "overlap": {"zh": "图层内重叠", "en": "overlap within the layer"},
    "gap": {"zh": "相邻要素间缝隙", "en": "gap between neighbours"},
    "sliver": {"zh": "细碎多边形", "en": "sliver"},
}
FINDING_COLUMNS: Final = ("kind", "feature", "other", "area_m2", "width_m", "lon", "lat", "detail")
GAP_WIDTH_M: Final = 1.0
"""Default: gaps narrower than 1 m between neighbours are digitising errors."""
SLIVER_WIDTH_M: Final = 1.0
"""Default: polygon parts less than 1 m wide on average are slivers."""
_WHERE: Final = re.compile(r"\[\s*(-?[\d.eE+-]+)\s+(-?[\d.eE+-]+)\s*\]")


def _labels(gdf: gpd.GeoDataFrame, id_column: str | None) -> pd.Series:
    if id_column and id_column in gdf.columns:
        return pd.Series(gdf[id_column].astype(str), index=gdf.index)
    return pd.Series([str(i) for i in gdf.index], index=gdf.index)


def _frame(rows: list[dict[str, object]], geoms: list[object]) -> gpd.GeoDataFrame:
    frame = pd.DataFrame(rows, columns=list(FINDING_COLUMNS))
    return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(geoms, crs=STORAGE_CRS).array)


def _point(geom: BaseGeometry | None) -> tuple[float, float]:
    if geom is None or geom.is_empty:
        return float("nan"), float("nan")
    p = shapely.point_on_surface(geom)
    return float(shapely.get_x(p)), float(shapely.get_y(p))


def _invalid(
    gdf: gpd.GeoDataFrame, labels: pd.Series
) -> tuple[list[dict[str, object]], list[object]]:
    rows: list[dict[str, object]] = []
    geoms: list[object] = []
    _fixed, report = repair_geometries(gdf)
    for r in report.repairs:
        where = _WHERE.search(r.problem)
        geom = gdf.geometry.loc[r.index]
        lon, lat = (float(where.group(1)), float(where.group(2))) if where else _point(geom)
        rows.append(
            {
                "kind": "invalid",
                "feature": labels.loc[r.index],
                "other": "",
                "area_m2": abs(r.area_change_m2),
                "width_m": np.nan,
                "lon": lon,
                "lat": lat,
                "detail": f"{r.problem}; make_valid changes the area by "
                f"{r.area_change_m2:+,.1f} m²",
            }
        )
        geoms.append(shapely.Point(lon, lat))
    for index in (*report.missing, *report.empty):
        rows.append(
            {
                "kind": "empty",
                "feature": labels.loc[index],
                "other": "",
                "area_m2": 0.0,
                "width_m": np.nan,
                "lon": np.nan,
                "lat": np.nan,
                "detail": "no geometry",
            }
        )
        geoms.append(None)
    return rows, geoms


def _duplicates(
    fixed: gpd.GeoDataFrame, labels: pd.Series, areas: pd.Series
) -> tuple[list[dict[str, object]], list[object]]:
    rows: list[dict[str, object]] = []
    geoms: list[object] = []
    normal = shapely.normalize(np.asarray(fixed.geometry.array))
    first: dict[bytes, Any] = {}
    for index, geom in zip(fixed.index, normal, strict=True):
        key = shapely.to_wkb(geom)
        if key in first:
            lon, lat = _point(geom)
            rows.append(
                {
                    "kind": "duplicate",
                    "feature": labels.loc[index],
                    "other": labels.loc[first[key]],
                    "area_m2": float(areas.loc[index]),
                    "width_m": np.nan,
                    "lon": lon,
                    "lat": lat,
                    "detail": "same geometry as an earlier feature",
                }
            )
            geoms.append(fixed.geometry.loc[index])
        else:
            first[key] = index
    return rows, geoms


def _overlaps(
    fixed: gpd.GeoDataFrame, labels: pd.Series, duplicates: set[object]
) -> tuple[list[dict[str, object]], list[object]]:
    pairs = overlap_pairs(fixed, fixed, names=("layer", "layer"))
    pos = {label: i for i, label in enumerate(fixed.index)}
    rows: list[dict[str, object]] = []
    geoms: list[object] = []
    for p in pairs.itertuples():
        if pos[p.a_index] >= pos[p.b_index] or {p.a_index, p.b_index} & duplicates:
            continue
        lon, lat = _point(p.geometry)
        rows.append(
            {
                "kind": "overlap",
                "feature": labels.loc[p.a_index],
                "other": labels.loc[p.b_index],
                "area_m2": float(p.overlap_m2),
                "width_m": np.nan,
                "lon": lon,
                "lat": lat,
                "detail": f"{p.a_share:.1%} of the first, {p.b_share:.1%} of the second",
            }
        )
        geoms.append(p.geometry)
    return rows, geoms


def _gaps(
    gk: gpd.GeoSeries, labels: pd.Series, *, gap_width_m: float
) -> tuple[list[dict[str, object]], list[object]]:
    """Uncovered spaces narrower than ``gap_width_m`` touching two or more features."""
    union = shapely.union_all(np.asarray(gk.array))
    half = gap_width_m / 2.0
    closed = shapely.buffer(
        shapely.buffer(union, half, join_style="mitre"), -half, join_style="mitre"
    )
    # Opened by 0.1 mm: the closed outline never lies exactly on the original edges, and
    # the difference would otherwise carry hair-thin strips along every edge.
    eps = 1e-4
    spaces = shapely.difference(closed, union)
    spaces = shapely.buffer(
        shapely.buffer(spaces, -eps, join_style="mitre"), eps, join_style="mitre"
    )
    rows: list[dict[str, object]] = []
    geoms: list[object] = []
    tree = shapely.STRtree(np.asarray(gk.array))
    for part in shapely.get_parts(spaces):
        if part.geom_type != "Polygon" or part.area <= 0:
            continue
        near = tree.query(
            part, predicate="dwithin", distance=1e-3
        )  # 1 mm: the features bounding it
        if len(near) < 2:
            continue
        rows.append(
            {
                "kind": "gap",
                "feature": labels.iloc[near[0]],
                "other": ", ".join(labels.iloc[near[1:]]),
                "area_m2": 0.0,  # ellipsoidal, filled in below
                "width_m": 2.0 * part.area / part.length,
                "lon": np.nan,
                "lat": np.nan,
                "detail": f"uncovered, narrower than {gap_width_m:g} m",
            }
        )
        geoms.append(part)
    return rows, geoms


def _slivers(
    gk: gpd.GeoSeries, labels: pd.Series, *, sliver_width_m: float
) -> tuple[list[dict[str, object]], list[object]]:
    rows: list[dict[str, object]] = []
    geoms: list[object] = []
    for index, geom in gk.items():
        for part in shapely.get_parts(geom):
            if part.geom_type != "Polygon" or part.length <= 0:
                continue
            width = 2.0 * part.area / part.length
            if width < sliver_width_m:
                rows.append(
                    {
                        "kind": "sliver",
                        "feature": labels.loc[index],
                        "other": "",
                        "area_m2": 0.0,
                        "width_m": width,
                        "lon": np.nan,
                        "lat": np.nan,
                        "detail": f"mean width {width:,.2f} m (< {sliver_width_m:g} m)",
                    }
                )
                geoms.append(part)
    return rows, geoms


def _from_gk(rows: list[dict[str, object]], geoms: list[object]) -> gpd.GeoDataFrame:
    """Findings drawn in EPSG:4543: back to EPSG:4326 with ellipsoidal areas and a point."""
    frame = gpd.GeoDataFrame(
        pd.DataFrame(rows, columns=list(FINDING_COLUMNS)),
        geometry=gpd.GeoSeries(geoms, crs=GK_CM102).array,
    ).to_crs(STORAGE_CRS)
    if len(frame):
        frame["area_m2"] = ellipsoidal_area_m2(frame, method="equal_area").to_numpy()
        points = frame.geometry.representative_point()
        frame["lon"], frame["lat"] = points.x.to_numpy(), points.y.to_numpy()
    return frame


def check_topology(
    gdf: gpd.GeoDataFrame,
    *,
    id_column: str | None = "id",
    gap_width_m: float = GAP_WIDTH_M,
    sliver_width_m: float = SLIVER_WIDTH_M,
) -> gpd.GeoDataFrame:
    """Every topology finding in one polygon layer (any CRS; it must be set).

    Returns a GeoDataFrame in EPSG:4326 with columns ``kind`` (one of
    :data:`FINDING_KINDS`), ``feature`` and ``other`` (the ``id_column`` values, or
    index labels), ``area_m2`` (ellipsoidal), ``width_m`` (gaps and slivers: 2 × area /
    perimeter in EPSG:4543), ``lon``/``lat``, ``detail`` and ``geometry``. Checks after
    the first two run on the repaired geometries; points and lines are left out. The
    input is not modified.
    """
    require_crs(gdf, name="topology layer")
    if gap_width_m <= 0 or sliver_width_m <= 0:
        raise ValueError("gap_width_m and sliver_width_m must be > 0 metres")
    layer = gdf.to_crs(STORAGE_CRS)
    labels = _labels(layer, id_column)
    rows, geoms = _invalid(layer, labels)
    fixed, _report = repair_geometries(layer)
    present = has_geometry(fixed)
    fixed = fixed[present & fixed.geometry.geom_type.isin(["Polygon", "MultiPolygon"])]
    fixed = fixed[~fixed.index.duplicated()]
    parts = [_frame(rows, geoms)]
    if len(fixed):
        areas = ellipsoidal_area_m2(fixed, method="equal_area")
        dup_rows, dup_geoms = _duplicates(fixed, labels, areas)
        duplicates = {i for i, lab in labels.items() if lab in {r["feature"] for r in dup_rows}}
        parts.append(_frame(dup_rows, dup_geoms))
        parts.append(_frame(*_overlaps(fixed, labels, duplicates)))
        gk = fixed.geometry.to_crs(GK_CM102)
        parts.append(_from_gk(*_gaps(gk, labels.loc[fixed.index], gap_width_m=gap_width_m)))
        parts.append(_from_gk(*_slivers(gk, labels, sliver_width_m=sliver_width_m)))
    parts = [p for p in parts if len(p)]
    if not parts:
        return _frame([], [])
    out = gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), crs=STORAGE_CRS)
    order = {k: i for i, k in enumerate(FINDING_KINDS)}
    return out.sort_values(
        ["kind", "area_m2"], key=lambda s: s.map(order) if s.name == "kind" else -s
    ).reset_index(drop=True)


def topology_summary(findings: gpd.GeoDataFrame) -> pd.DataFrame:
    """Count and total area (m²) of the findings of each kind (every kind listed)."""
    grouped = findings.groupby("kind")["area_m2"].agg(["count", "sum"])
    out = pd.DataFrame(
        {
            "kind": list(FINDING_KINDS),
            "label_zh": [FINDING_LABELS[k]["zh"] for k in FINDING_KINDS],
            "label_en": [FINDING_LABELS[k]["en"] for k in FINDING_KINDS],
        }
    )
    out["count"] = [int(grouped["count"].get(k, 0)) for k in FINDING_KINDS]
    out["area_m2"] = [float(grouped["sum"].get(k, 0.0)) for k in FINDING_KINDS]
    return out
