"""Geometry constructions of the build, free of any plan input: the CRS round trip, the
street-grid frame, discs and calibrated discs, and the finishing of output geometries.

All construction happens in CGCS2000 / Gauss-Kruger CM 102°E (EPSG:4543, metres); the
output is EPSG:4326 on a 1e-7 degree grid (:func:`finish`).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Final

import geopandas as gpd
import numpy as np
import shapely
from pyproj import CRS, Transformer
from shapely.geometry import LineString, MultiLineString, Point
from shapely.geometry.base import BaseGeometry

from geo.errors import GeometryError
from geo.measure.area import ellipsoidal_area_m2
from geo.measure.crs import GK_CM102, STORAGE_CRS
from geo.measure.projection import transformer

COORD_DECIMALS: Final = 7
QUAD_SEGS: Final = 16


@functools.cache
def gk_transformer() -> Transformer:
    """EPSG:4326 -> EPSG:4543, built on first use (not at import: a page that draws the
    plan imports this module and never builds a shape)."""
    return transformer(CRS(STORAGE_CRS), CRS(GK_CM102))


@functools.cache
def wgs_transformer() -> Transformer:
    """EPSG:4543 -> EPSG:4326, built on first use."""
    return transformer(CRS(GK_CM102), CRS(STORAGE_CRS))


def to_gk(geom: BaseGeometry) -> BaseGeometry:
    """EPSG:4326 -> EPSG:4543 metres."""
    to = gk_transformer()
    return shapely.transform(geom, lambda c: np.column_stack(to.transform(c[:, 0], c[:, 1])))


def to_wgs(geom: BaseGeometry) -> BaseGeometry:
    """EPSG:4543 metres -> EPSG:4326."""
    to = wgs_transformer()
    return shapely.transform(geom, lambda c: np.column_stack(to.transform(c[:, 0], c[:, 1])))


@dataclass(frozen=True)
class GridFrame:
    """Local frame of the new town's street grid, in EPSG:4543 metres.

    ``u`` runs along the grid's cross streets (bearing ≈ 72°), ``v`` along the 彩云路
    axis (bearing ≈ 342°); the origin is a reference point.
    """

    origin_x_m: float
    origin_y_m: float
    north: tuple[float, float]  # unit vector along +v

    @property
    def east(self) -> tuple[float, float]:
        """Unit vector along +u (the axis direction turned 90° clockwise)."""
        return (self.north[1], -self.north[0])

    @property
    def axis_bearing_deg(self) -> float:
        """Grid bearing of +v, degrees clockwise from grid north of EPSG:4543."""
        return math.degrees(math.atan2(self.north[0], self.north[1])) % 360.0

    def to_xy(self, u_m: float, v_m: float) -> tuple[float, float]:
        ex, ey = self.east
        nx, ny = self.north
        return (self.origin_x_m + u_m * ex + v_m * nx, self.origin_y_m + u_m * ey + v_m * ny)

    def to_uv(self, x_m: float, y_m: float) -> tuple[float, float]:
        dx, dy = x_m - self.origin_x_m, y_m - self.origin_y_m
        ex, ey = self.east
        nx, ny = self.north
        return (dx * ex + dy * ey, dx * nx + dy * ny)


def fit_grid_frame(
    points_xy: Sequence[tuple[float, float]], *, origin_xy: tuple[float, float]
) -> GridFrame:
    """Fit the axis direction to collinear points (principal axis), oriented northward."""
    pts = np.asarray(points_xy, dtype=float)
    if len(pts) < 2:
        raise GeometryError("the street-grid frame needs at least two axis points")
    _u, _s, vt = np.linalg.svd(pts - pts.mean(axis=0))
    n = vt[0] if vt[0][1] >= 0 else -vt[0]
    return GridFrame(origin_xy[0], origin_xy[1], (float(n[0]), float(n[1])))


def disc(x: float, y: float, radius_m: float) -> BaseGeometry:
    """A disc of ``radius_m`` around (x, y) in EPSG:4543 metres (a point when radius is 0)."""
    return Point(x, y).buffer(radius_m, quad_segs=QUAD_SEGS) if radius_m > 0 else Point(x, y)


def calibrated_radius_m(x: float, y: float, target_m2: float) -> float:
    """Radius whose disc has ``target_m2`` on the CGCS2000 ellipsoid (one correction step)."""
    radius = math.sqrt(target_m2 / math.pi)
    for _ in range(2):
        series = gpd.GeoSeries([to_wgs(disc(x, y, radius))], crs=STORAGE_CRS)
        actual = float(ellipsoidal_area_m2(series).iloc[0])
        radius *= math.sqrt(target_m2 / actual)
    return radius


def ellipsoidal_m2(geom_gk: BaseGeometry) -> float:
    """The CGCS2000 ellipsoidal area of an EPSG:4543 geometry, m²."""
    series = gpd.GeoSeries([to_wgs(geom_gk)], crs=STORAGE_CRS)
    return float(ellipsoidal_area_m2(series).iloc[0])


def radius_for_area_m(
    shape_at: Callable[[float], BaseGeometry], target_m2: float, *, max_radius_m: float = 60_000.0
) -> float:
    """The radius at which ``shape_at(radius)`` has ``target_m2`` on the ellipsoid.

    ``shape_at`` must grow with the radius (discs clipped to a mask, minus other parts).
    Bisection on the planar EPSG:4543 area, whose ratio to the ellipsoidal area is all but
    constant over a shape this size, then rescaled by that ratio measured on the result
    (twice): the ellipsoidal area ends within 1e-7 of the target. Raises
    :class:`GeometryError` if even ``max_radius_m`` falls short (the mask is too small).
    """
    if ellipsoidal_m2(shape_at(max_radius_m)) < target_m2:
        raise GeometryError(
            f"no radius up to {max_radius_m:.0f} m gives {target_m2 / 1e6:g} km²: the area "
            "it may occupy is smaller than the figure; check 'within' and 'excluding'"
        )
    radius, planar_target_m2 = max_radius_m, target_m2
    for _ in range(3):
        geom = shape_at(radius)
        planar_target_m2 *= target_m2 / ellipsoidal_m2(geom)
        low, high = 0.0, max_radius_m
        while high - low > 1e-4:
            radius = (low + high) / 2.0
            short = shape_at(radius).area < planar_target_m2
            low, high = (radius, high) if short else (low, radius)
        radius = (low + high) / 2.0
    return radius


def lines(parts: Sequence[LineString]) -> BaseGeometry:
    """One line, or a MultiLineString of several."""
    return parts[0] if len(parts) == 1 else MultiLineString(list(parts))


def finish(geom_gk: BaseGeometry) -> BaseGeometry:
    """EPSG:4543 -> EPSG:4326 on the 1e-7 degree grid, valid, polygons oriented (RFC 7946)."""
    geom: BaseGeometry = shapely.set_precision(to_wgs(geom_gk), 10.0**-COORD_DECIMALS)
    if geom.geom_type == "GeometryCollection":  # a clip can leave slivers of lower dimension
        parts = shapely.get_parts(geom)
        polys = [g for g in parts if g.geom_type in ("Polygon", "MultiPolygon")]
        geom = shapely.union_all(polys)
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        geom = shapely.orient_polygons(geom)
    return geom
