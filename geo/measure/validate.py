"""Validation and repair of geometries before any figure is computed.

Invalid polygons (self-intersections, bow-ties) are repaired with
:func:`shapely.make_valid` and every repair is reported with the area it changed;
empty and missing geometries are reported, never silently dropped; Z coordinates are
dropped and reported. Pure functions: the input is never modified.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from geo.measure.crs import EQUAL_AREA, require_crs

_AREAL = ("Polygon", "MultiPolygon")


def has_geometry(gdf: gpd.GeoDataFrame | gpd.GeoSeries) -> pd.Series:
    """True for each row whose geometry is neither missing nor empty, aligned to the
    input index: the one test of "has a shape" (without GeoPandas' warning that
    ``notna`` no longer treats an empty geometry as missing).

    >>> from shapely.geometry import Point, Polygon
    >>> has_geometry(gpd.GeoSeries([Point(0, 0), Polygon(), None])).tolist()
    [True, False, False]
    """
    series = gdf if isinstance(gdf, gpd.GeoSeries) else gdf.geometry
    geoms = np.asarray(series.array, dtype=object)
    present = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    return pd.Series(present, index=series.index, name="has_geometry")


@dataclass(frozen=True)
class Repair:
    """One geometry that :func:`shapely.make_valid` changed."""

    index: Any
    problem: str
    area_before_m2: float
    area_after_m2: float

    @property
    def area_change_m2(self) -> float:
        return self.area_after_m2 - self.area_before_m2


@dataclass(frozen=True)
class ValidationReport:
    """What :func:`repair_geometries` found and did, feature by feature (by index label)."""

    repairs: tuple[Repair, ...] = ()
    empty: tuple[Any, ...] = ()
    missing: tuple[Any, ...] = ()
    non_areal: tuple[Any, ...] = ()
    z_dropped: tuple[Any, ...] = ()
    duplicated_ids: tuple[Any, ...] = field(default=())

    @property
    def ok(self) -> bool:
        """True when nothing was repaired, dropped or found missing."""
        return not (self.repairs or self.empty or self.missing or self.z_dropped)

    def messages(self) -> list[str]:
        """Plain-language lines, one per finding, for the UI and the command line."""
        out = [
            f"feature {r.index}: {r.problem}; repaired with make_valid, area changed by "
            f"{r.area_change_m2:+,.1f} m² ({r.area_before_m2:,.1f} → {r.area_after_m2:,.1f} m²)"
            for r in self.repairs
        ]
        if self.missing:
            out.append(f"{len(self.missing)} feature(s) have no geometry: {_few(self.missing)}")
        if self.empty:
            out.append(f"{len(self.empty)} feature(s) have an empty geometry: {_few(self.empty)}")
        if self.non_areal:
            out.append(
                f"{len(self.non_areal)} feature(s) are points or lines and have no area: "
                f"{_few(self.non_areal)}"
            )
        if self.z_dropped:
            out.append(
                f"Z coordinates dropped from {len(self.z_dropped)} feature(s); "
                "areas are measured on the ellipsoid surface"
            )
        if self.duplicated_ids:
            out.append(f"duplicated ids: {_few(self.duplicated_ids)}")
        return out


def _few(items: tuple[Any, ...], limit: int = 10) -> str:
    shown = ", ".join(map(str, items[:limit]))
    return shown + (f" … (+{len(items) - limit} more)" if len(items) > limit else "")


def _polygonal(geom: BaseGeometry) -> BaseGeometry:
    """Keep only the polygonal parts of a repaired geometry (a bow-tie's lines drop out)."""
    if geom.geom_type in _AREAL:
        return geom
    parts = shapely.get_parts(geom)
    polys = [p for p in parts if p.geom_type in _AREAL]
    return shapely.union_all(polys) if polys else geom


def repair_geometries(
    gdf: gpd.GeoDataFrame, *, id_column: str | None = None
) -> tuple[gpd.GeoDataFrame, ValidationReport]:
    """Return a copy of ``gdf`` with valid 2-D geometries, and a report of what changed.

    Areas in the report are planar areas in the CGCS2000 equal-area projection, i.e.
    ellipsoidal areas; an invalid polygon's "before" area is what a naive shoelace
    formula gives for it. Features keep their index; none is dropped.
    """
    require_crs(gdf, name="layer")
    out = gdf.copy()
    geoms = np.asarray(out.geometry.array, dtype=object)
    index = list(out.index)

    missing_mask = shapely.is_missing(geoms)
    empty_mask = ~missing_mask & shapely.is_empty(geoms)
    missing = tuple(index[i] for i in np.flatnonzero(missing_mask))
    empty = tuple(index[i] for i in np.flatnonzero(empty_mask))

    has_z = ~missing_mask & shapely.has_z(geoms)
    z_dropped = tuple(index[i] for i in np.flatnonzero(has_z))
    if has_z.any():
        geoms[has_z] = shapely.force_2d(geoms[has_z])

    present = ~missing_mask & ~empty_mask
    invalid = present & ~shapely.is_valid(geoms)
    repairs: list[Repair] = []
    if invalid.any():
        positions = np.flatnonzero(invalid)
        reasons = shapely.is_valid_reason(geoms[positions])
        before = gpd.GeoSeries(geoms[positions], crs=gdf.crs).to_crs(EQUAL_AREA).area
        fixed = [
            _polygonal(shapely.make_valid(g, method="structure", keep_collapsed=False))
            if g.geom_type in _AREAL
            else shapely.make_valid(g)
            for g in geoms[positions]
        ]
        after = gpd.GeoSeries(fixed, crs=gdf.crs).to_crs(EQUAL_AREA).area
        for k, pos in enumerate(positions):
            geoms[pos] = fixed[k]
            repairs.append(
                Repair(index[pos], str(reasons[k]), float(before.iloc[k]), float(after.iloc[k]))
            )

    types = shapely.get_type_id(geoms)
    # 3 Polygon, 6 MultiPolygon, 7 GeometryCollection (polygonal parts count)
    non_areal_mask = present & ~np.isin(types, (3, 6, 7))
    non_areal = tuple(index[i] for i in np.flatnonzero(non_areal_mask))

    duplicated: tuple[Any, ...] = ()
    if id_column is not None and id_column in out.columns:
        dup = out[id_column][out[id_column].duplicated(keep=False)]
        duplicated = tuple(sorted(set(dup.dropna()), key=str))

    out = out.set_geometry(gpd.GeoSeries(geoms, index=out.index, crs=gdf.crs))
    report = ValidationReport(
        repairs=tuple(repairs),
        empty=empty,
        missing=missing,
        non_areal=non_areal,
        z_dropped=z_dropped,
        duplicated_ids=duplicated,
    )
    return out, report
