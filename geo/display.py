"""Lighter copies of layers for drawing — never for figures.

Areas and overlaps are always computed from the full geometries. For the web map, a
copy is simplified in Gauss-Kruger metres (topology preserved) and written with fewer
decimals, which keeps the payload small.
"""

from __future__ import annotations

import json
from typing import Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

from geo.crs import GK_CM102, STORAGE_CRS, require_crs
from geo.errors import CRSError
from geo.gcj02 import wgs84_to_gcj02
from geo.io import geojson_text


def display_copy(gdf: gpd.GeoDataFrame, *, tolerance_m: float = 3.0) -> gpd.GeoDataFrame:
    """A copy simplified by ``tolerance_m`` metres (in EPSG:4543), back in the input CRS."""
    require_crs(gdf, name="layer")
    if tolerance_m <= 0 or gdf.empty:
        return gdf.copy()
    simplified = gdf.geometry.to_crs(GK_CM102).simplify(tolerance_m, preserve_topology=True)
    return gdf.set_geometry(simplified.to_crs(gdf.crs))


def to_gcj02_for_display(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Shift an EPSG:4326 layer into GCJ-02 so it sits on Amap tiles.

    Display only: the shifted copy is in no real datum and must never be measured.
    """
    require_crs(gdf, name="layer")
    if gdf.crs.to_string() != STORAGE_CRS:
        raise CRSError(f"GCJ-02 shift expects {STORAGE_CRS}, got {gdf.crs.to_string()}")

    def shift(coords: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        x, y = wgs84_to_gcj02(coords[:, 0], coords[:, 1])
        return np.column_stack([x, y])

    shifted = shapely.transform(np.asarray(gdf.geometry.array, dtype=object), shift)
    return gdf.set_geometry(gpd.GeoSeries(shifted, index=gdf.index, crs=gdf.crs))


def geojson_dict(
    gdf: gpd.GeoDataFrame, *, columns: list[str], precision: int = 6
) -> dict[str, Any]:
    """A FeatureCollection dict with only ``columns`` as properties, coordinates rounded."""
    text = geojson_text(gdf[[*columns, "geometry"]], precision=precision)
    data: dict[str, Any] = json.loads(text)
    return data


def grid_summary(gdf: gpd.GeoDataFrame, *, cell_m: float = 500.0) -> gpd.GeoDataFrame:
    """Square cells of ``cell_m`` metres (in EPSG:4543) with how many features have their
    representative point inside and their summed ellipsoidal area — what a large layer
    looks like from afar. Returned in the input CRS; empty cells are left out.

    For drawing only: the area sums come from the full geometries, but a feature is
    counted in one cell even when it spans several.
    """
    from geo.area import ellipsoidal_area_m2

    require_crs(gdf, name="layer")
    present = gdf[gdf.geometry.notna() & ~gdf.geometry.is_empty]
    if present.empty:
        return gpd.GeoDataFrame({"count": [], "area_m2": []}, geometry=[], crs=gdf.crs)
    points = present.geometry.representative_point().to_crs(GK_CM102)
    ix = np.floor(points.x.to_numpy() / cell_m).astype(np.int64)
    iy = np.floor(points.y.to_numpy() / cell_m).astype(np.int64)
    area = ellipsoidal_area_m2(present, method="equal_area").to_numpy()
    cells = pd.DataFrame({"ix": ix, "iy": iy, "area_m2": area})
    summary = cells.groupby(["ix", "iy"], sort=True).agg(
        count=("area_m2", "size"), area_m2=("area_m2", "sum")
    )
    boxes = shapely.box(
        summary.index.get_level_values("ix") * cell_m,
        summary.index.get_level_values("iy") * cell_m,
        (summary.index.get_level_values("ix") + 1) * cell_m,
        (summary.index.get_level_values("iy") + 1) * cell_m,
    )
    out = gpd.GeoDataFrame(
        summary.reset_index(drop=True),
        geometry=gpd.GeoSeries(boxes, crs=GK_CM102).to_crs(gdf.crs).array,
        crs=gdf.crs,
    )
    return out


def within_view(
    gdf: gpd.GeoDataFrame, *, bounds: tuple[float, float, float, float], limit: int
) -> tuple[gpd.GeoDataFrame, bool]:
    """The features intersecting ``bounds`` (minx, miny, maxx, maxy in the layer's CRS),
    at most ``limit`` of them, and whether the limit cut the list."""
    minx, miny, maxx, maxy = bounds
    hits = gdf.sindex.query(shapely.box(minx, miny, maxx, maxy), predicate="intersects")
    hits = np.sort(hits)
    return gdf.iloc[hits[:limit]], len(hits) > limit
