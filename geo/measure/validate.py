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
import numpy.typing as npt
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from geo.measure.crs import EQUAL_AREA, require_crs
from geo.measure.projection import GeometryArray

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

    The common case costs one vectorised validity test: only the invalid geometries are
    repaired and measured, and the report is built from the findings alone.
    """
    require_crs(gdf, name="layer")
    geoms = np.array(gdf.geometry.array, dtype=object, copy=True)  # the input's stay

    missing_mask = shapely.is_missing(geoms)
    empty_mask = ~missing_mask & shapely.is_empty(geoms)
    has_z = ~missing_mask & shapely.has_z(geoms)
    present = ~missing_mask & ~empty_mask
    invalid = present & ~shapely.is_valid(geoms)
    if has_z.any():
        geoms[has_z] = shapely.force_2d(geoms[has_z])
    repairs = _repaired(geoms, np.flatnonzero(invalid), gdf) if invalid.any() else []

    types = shapely.get_type_id(geoms)
    # 3 Polygon, 6 MultiPolygon, 7 GeometryCollection (polygonal parts count)
    non_areal_mask = present & ~np.isin(types, (3, 6, 7))

    duplicated: tuple[Any, ...] = ()
    if id_column is not None and id_column in gdf.columns:
        dup = gdf[id_column][gdf[id_column].duplicated(keep=False)]
        duplicated = tuple(sorted(set(dup.dropna()), key=str))

    out = gdf.set_geometry(gpd.GeoSeries(geoms, index=gdf.index, crs=gdf.crs))
    report = ValidationReport(
        repairs=tuple(repairs),
        empty=_labels(gdf.index, empty_mask),
        missing=_labels(gdf.index, missing_mask),
        non_areal=_labels(gdf.index, non_areal_mask),
        z_dropped=_labels(gdf.index, has_z),
        duplicated_ids=duplicated,
    )
    return out, report


def _labels(index: pd.Index, mask: npt.NDArray[np.bool_]) -> tuple[Any, ...]:
    """The index labels where ``mask`` holds (the findings only: none is looked up for
    the features that have no finding)."""
    return tuple(index[np.flatnonzero(mask)].tolist()) if mask.any() else ()


def _repaired(
    geoms: GeometryArray, positions: npt.NDArray[np.intp], gdf: gpd.GeoDataFrame
) -> list[Repair]:
    """Repair the geometries at ``positions`` in ``geoms`` (a copy) and say what each
    repair changed."""
    reasons = shapely.is_valid_reason(geoms[positions])
    before = gpd.GeoSeries(geoms[positions], crs=gdf.crs).to_crs(EQUAL_AREA).area
    fixed = [
        _polygonal(shapely.make_valid(g, method="structure", keep_collapsed=False))
        if g.geom_type in _AREAL
        else shapely.make_valid(g)
        for g in geoms[positions]
    ]
    after = gpd.GeoSeries(fixed, crs=gdf.crs).to_crs(EQUAL_AREA).area
    labels = gdf.index[positions].tolist()
    repairs = []
    for k, pos in enumerate(positions):
        geoms[pos] = fixed[k]
        repairs.append(
            Repair(labels[k], str(reasons[k]), float(before.iloc[k]), float(after.iloc[k]))
        )
    return repairs
