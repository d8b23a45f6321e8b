"""Lighter copies of layers for drawing — never for figures.

Areas and overlaps are always computed from the full geometries. For the web map, a
copy is simplified in Gauss-Kruger metres (topology preserved) and written with fewer
decimals, which keeps the payload small: whatever a layer holds, a display copy has at
most :data:`MAX_DISPLAY_VERTICES` vertices (the tolerance grows until it fits), and text
shown in tables and tooltips is cut to :data:`DISPLAY_TEXT_CHARS` characters
(:func:`display_text`, :func:`display_table`).
"""

from __future__ import annotations

import json
from typing import Any, Final

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

from geo.errors import CRSError
from geo.io import geojson_text
from geo.measure.crs import GK_CM102, STORAGE_CRS, require_crs
from geo.measure.gcj02 import wgs84_to_gcj02
from geo.measure.validate import has_geometry

MAX_DISPLAY_VERTICES: Final = 50_000
"""Most vertices a display copy holds (about 1.2 MB of GeoJSON at 6 decimals)."""
MAX_TOLERANCE_M: Final = 50_000.0
"""The simplification tolerance stops growing here (points cannot be simplified)."""
DISPLAY_TEXT_CHARS: Final = 200
"""Text shown in tables and tooltips is cut to this many characters, then "…"."""
DISPLAY_TABLE_ROWS: Final = 5_000
"""A table shown on a page holds at most this many rows (downloads hold them all)."""
DISPLAY_PAGE_ROWS: Final = 200
"""A paged table sends the page this many rows at a time (what a person reads)."""

_POLYGONAL: Final = (3, 6)  # shapely type ids: Polygon, MultiPolygon
_LINEAR: Final = (1, 2, 5, 7)  # LineString, LinearRing, MultiLineString, collection


def vertex_count(geoms: Any) -> int:
    """Total number of coordinates of an array (or GeoSeries) of geometries."""
    return int(shapely.get_num_coordinates(np.asarray(geoms, dtype=object)).sum())


def simplify_metres(
    geoms: npt.NDArray[np.object_], tolerance_m: float, *, coverage: bool | None = None
) -> npt.NDArray[np.object_]:
    """Geometries in metres simplified by ``tolerance_m``: polygons that form a valid
    coverage (no overlaps; tested unless ``coverage`` is given) with
    :func:`shapely.coverage_simplify`, so shared edges stay shared and no gaps open;
    other polygons and lines with topology-preserving simplification; points unchanged.
    """
    out = np.array(geoms, dtype=object)
    types = shapely.get_type_id(out)
    polygonal = np.isin(types, _POLYGONAL)
    linear = ~polygonal & np.isin(types, _LINEAR)
    polys = out[polygonal]
    if coverage is None:
        coverage = bool(len(polys)) and bool(shapely.coverage_is_valid(polys))
    if len(polys) and coverage:
        out[polygonal] = shapely.coverage_simplify(polys, tolerance_m)
    elif len(polys):
        out[polygonal] = shapely.simplify(polys, tolerance_m, preserve_topology=True)
    out[linear] = shapely.simplify(out[linear], tolerance_m, preserve_topology=True)
    return out


def simplify_within_budget(
    geoms: npt.NDArray[np.object_],
    *,
    tolerance_m: float,
    max_vertices: int = MAX_DISPLAY_VERTICES,
    always: bool = False,
) -> tuple[npt.NDArray[np.object_], bool]:
    """Geometries in metres with at most ``max_vertices`` vertices where simplification
    can get there, and whether they were simplified.

    Simplified by ``tolerance_m`` if ``always`` (a layer of many features: polygons that
    form a coverage are simplified as one) or if over the budget (each geometry on its
    own); while still over it, the tolerance is multiplied by 4 (up to
    :data:`MAX_TOLERANCE_M`).
    """
    geoms = np.asarray(geoms, dtype=object)
    if not always and vertex_count(geoms) <= max_vertices:
        return geoms, False
    # A tiling of many parcels is simplified as a coverage (no gaps open); a few dense
    # shapes one by one, which is much faster (coverage_simplify is slow on them).
    types = shapely.get_type_id(geoms)
    polys = geoms[np.isin(types, _POLYGONAL)]
    coverage = always and bool(len(polys)) and bool(shapely.coverage_is_valid(polys))
    tolerance = max(tolerance_m, 0.01)
    while True:
        out = simplify_metres(geoms, tolerance, coverage=coverage)
        if vertex_count(out) <= max_vertices or tolerance >= MAX_TOLERANCE_M:
            return out, True
        tolerance *= 4


def display_copy(
    gdf: gpd.GeoDataFrame,
    *,
    tolerance_m: float = 3.0,
    max_vertices: int = MAX_DISPLAY_VERTICES,
) -> gpd.GeoDataFrame:
    """A copy simplified by ``tolerance_m`` metres (in EPSG:4543), back in the input CRS;
    more if needed to keep it within ``max_vertices`` vertices."""
    require_crs(gdf, name="layer")
    if gdf.empty:
        return gdf.copy()
    if tolerance_m <= 0 and vertex_count(gdf.geometry.array) <= max_vertices:
        return gdf.copy()
    metres = np.asarray(gdf.geometry.to_crs(GK_CM102).array, dtype=object)
    if tolerance_m > 0:
        metres = np.asarray(
            shapely.simplify(metres, tolerance_m, preserve_topology=True), dtype=object
        )
    metres, _ = simplify_within_budget(
        metres, tolerance_m=max(tolerance_m, 1.0), max_vertices=max_vertices
    )
    simplified = gpd.GeoSeries(metres, index=gdf.index, crs=GK_CM102)
    return gdf.set_geometry(simplified.to_crs(gdf.crs))


def display_text(value: Any, *, limit: int = DISPLAY_TEXT_CHARS) -> str:
    """A value as text for display: empty for missing, cut to ``limit`` characters + "…".

    >>> display_text("七步场" * 100, limit=5)
    '七步场七步…'
    """
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    text = str(value)
    return text if len(text) <= limit else text[:limit] + "…"


_ASCII_PUNCTUATION: Final = frozenset("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")


def literal_markdown(value: Any) -> str:
    r"""Text (a name, an attribute) for a widget that renders Markdown, shown as written:
    every ASCII punctuation character backslash-escaped (CommonMark allows it for all of
    them, so no emphasis, link, HTML tag, ``:colour[…]`` or ``$…$`` survives) and line
    breaks made spaces. Missing values are empty.

    >>> literal_markdown("**七步场** <b>x</b>")
    '\\*\\*七步场\\*\\* \\<b\\>x\\<\\/b\\>'
    """
    text = " ".join(display_text(value, limit=10**6).splitlines())
    return "".join("\\" + c if c in _ASCII_PUNCTUATION else c for c in text)


def _is_text(column: pd.Series) -> bool:
    return column.dtype == object or pd.api.types.is_string_dtype(column.dtype)


def _long(value: Any, limit: int) -> bool:
    return isinstance(value, str) and len(value) > limit


def has_long_text(df: pd.DataFrame, *, limit: int = DISPLAY_TEXT_CHARS) -> bool:
    """Whether :func:`display_table` would cut anything in ``df``."""
    if any(len(str(c)) > limit for c in df.columns):
        return True
    return any(
        bool(df.iloc[:, i].map(lambda v: _long(v, limit)).any())
        for i in range(df.shape[1])
        if _is_text(df.iloc[:, i])
    )


def page_count(rows: int, *, page_rows: int = DISPLAY_PAGE_ROWS) -> int:
    """How many pages of ``page_rows`` rows a table of ``rows`` rows fills (at least 1).

    >>> page_count(0), page_count(200), page_count(201), page_count(100_000)
    (1, 1, 2, 500)
    """
    return max(1, -(-rows // page_rows))


def display_table(
    df: pd.DataFrame,
    *,
    limit: int = DISPLAY_TEXT_CHARS,
    max_rows: int = DISPLAY_TABLE_ROWS,
    start: int = 0,
) -> pd.DataFrame:
    """A copy of ``df`` for showing on a page: ``max_rows`` rows from row ``start`` (a
    page), column names and text cells longer than ``limit`` characters cut (+ "…");
    numbers, dates and short text unchanged. The full values stay in ``df`` (and in
    downloads made from it)."""
    out = df.iloc[max(0, start) : max(0, start) + max_rows].copy()
    out.columns = pd.Index([display_text(c, limit=limit) for c in out.columns])
    for i in range(out.shape[1]):
        column = out.iloc[:, i]
        if _is_text(column) and bool(column.map(lambda v: _long(v, limit)).any()):
            cut = [display_text(v, limit=limit) if isinstance(v, str) else v for v in column]
            out.isetitem(i, cut)
    return out


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
    from geo.measure.area import ellipsoidal_area_m2

    require_crs(gdf, name="layer")
    present = gdf[has_geometry(gdf)]
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
