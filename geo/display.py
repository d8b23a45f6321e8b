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
