"""Overlaps between layers, and the area a set of zones covers without double counting.

All areas are ellipsoidal on CGCS2000, computed in the Lambert azimuthal equal-area
projection declared in ``config/crs.toml`` (exact on the ellipsoid; see
:mod:`geo.area`). The method:

1. project both layers once to the equal-area CRS;
2. find candidate pairs with a shapely 2 :class:`~shapely.STRtree` (one bulk query, the
   query side's geometries prepared);
3. a feature of A wholly inside a feature of B needs no intersection: its own area is the
   overlap (on parcel data this is 80–86 % of the pairs);
4. intersect only the remaining pairs, vectorised, split over threads (shapely releases
   the GIL; prepared geometries are never shared between threads);
5. project the intersection geometries back for display.

Pairs that only touch (shared edge or corner, zero area) are not listed.
"""

from __future__ import annotations

import itertools
import os
from concurrent.futures import ThreadPoolExecutor
from typing import Literal

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

from geo.crs import EQUAL_AREA, require_crs, require_same_crs

PAIR_COLUMNS = (
    "a_index",
    "b_index",
    "overlap_m2",
    "a_area_m2",
    "b_area_m2",
    "a_share",
    "b_share",
)


def _threads(threads: int | None) -> int:
    return max(1, threads if threads is not None else min(4, os.cpu_count() or 1))


def _chunked(
    func: object, arrays: tuple[npt.NDArray[np.object_], ...], *, threads: int
) -> npt.NDArray[np.generic]:
    """Apply a vectorised shapely function over chunks of equal-length arrays in threads."""
    n = len(arrays[0])
    if threads == 1 or n < 2_000:
        return func(*arrays)  # type: ignore[operator,no-any-return]
    bounds = np.linspace(0, n, threads + 1, dtype=int)
    with ThreadPoolExecutor(max_workers=threads) as pool:
        parts = pool.map(
            lambda lo_hi: func(*(a[lo_hi[0] : lo_hi[1]] for a in arrays)),  # type: ignore[operator]
            itertools.pairwise(bounds),
        )
        return np.concatenate(list(parts))


def _project(gdf: gpd.GeoDataFrame) -> npt.NDArray[np.object_]:
    return np.asarray(gdf.geometry.to_crs(EQUAL_AREA).array, dtype=object)


def overlap_pairs(
    a: gpd.GeoDataFrame,
    b: gpd.GeoDataFrame,
    *,
    names: tuple[str, str] = ("A", "B"),
    keep_geometry: bool = True,
    threads: int | None = None,
) -> gpd.GeoDataFrame:
    """Every pair of features (one of ``a``, one of ``b``) whose interiors overlap.

    Both layers must have the same CRS (any CRS; it must be set) and valid geometries
    (see :func:`geo.validate.repair_geometries`). Returns one row per overlapping pair:

    - ``a_index`` / ``b_index``: index labels in ``a`` and ``b``;
    - ``overlap_m2``: ellipsoidal area of the intersection;
    - ``a_area_m2`` / ``b_area_m2``: the two features' own areas;
    - ``a_share`` / ``b_share``: overlap as a share (0–1) of each feature's area;
    - ``geometry``: the intersection, in the layers' CRS (``None`` when
      ``keep_geometry=False``, which is faster).

    Rows are sorted by ``a`` then ``b`` position.
    """
    require_same_crs(a, b, names=names)
    pa, pb = _project(a), _project(b)
    area_a, area_b = shapely.area(pa), shapely.area(pb)
    n_threads = _threads(threads)

    tree = shapely.STRtree(pa)
    shapely.prepare(pb)
    ib, ia = tree.query(pb, predicate="intersects")
    order = np.lexsort((ib, ia))
    ia, ib = ia[order], ib[order]

    # Not threaded: a prepared geometry builds its index lazily and is not safe to share
    # between threads. The intersections below, the costly part, are.
    inside = np.asarray(shapely.contains(pb[ib], pa[ia]), dtype=bool)
    overlap = np.where(inside, area_a[ia], 0.0)
    rest = np.flatnonzero(~inside)
    pieces = np.empty(len(ia), dtype=object)
    pieces[inside] = pa[ia[inside]]
    if len(rest):
        cut = _chunked(shapely.intersection, (pa[ia[rest]], pb[ib[rest]]), threads=n_threads)
        pieces[rest] = cut
        overlap[rest] = shapely.area(cut)

    keep = overlap > 0.0
    ia, ib, overlap, pieces = ia[keep], ib[keep], overlap[keep], pieces[keep]
    with np.errstate(divide="ignore", invalid="ignore"):
        a_share = np.minimum(1.0, overlap / area_a[ia])
        b_share = np.minimum(1.0, overlap / area_b[ib])

    if keep_geometry and len(pieces):
        geometry = gpd.GeoSeries(pieces, crs=EQUAL_AREA).to_crs(a.crs).array
    else:
        geometry = gpd.GeoSeries([None] * len(ia), crs=a.crs).array
    return gpd.GeoDataFrame(
        {
            "a_index": a.index.to_numpy()[ia],
            "b_index": b.index.to_numpy()[ib],
            "overlap_m2": overlap,
            "a_area_m2": area_a[ia],
            "b_area_m2": area_b[ib],
            "a_share": a_share,
            "b_share": b_share,
        },
        geometry=geometry,
        crs=a.crs,
    )


def overlap_totals(
    pairs: gpd.GeoDataFrame,
    layer: gpd.GeoDataFrame,
    *,
    side: Literal["a", "b"] = "a",
) -> pd.DataFrame:
    """Per feature of one side: how much of it the other layer covers.

    ``pairs`` comes from :func:`overlap_pairs` with geometry kept; ``layer`` is the layer
    on ``side``. Columns, aligned to ``layer.index``: ``area_m2``, ``overlap_sum_m2`` (sum
    over pairs: counts twice where the other layer's features overlap each other),
    ``covered_m2`` (area of the union of its intersections: no double counting),
    ``covered_share`` (0–1) and ``pair_count``.
    """
    require_crs(layer, name="layer")
    key = f"{side}_index"
    areas = shapely.area(_project(layer))
    out = pd.DataFrame(
        {"area_m2": areas, "overlap_sum_m2": 0.0, "covered_m2": 0.0, "pair_count": 0},
        index=layer.index,
    )
    if len(pairs):
        grouped = pairs.groupby(key, sort=False)
        out.loc[grouped.size().index, "pair_count"] = grouped.size().to_numpy()
        out.loc[grouped.size().index, "overlap_sum_m2"] = grouped["overlap_m2"].sum()
        out["covered_m2"] = out["overlap_sum_m2"]
        multi = out.index[out["pair_count"] > 1]
        if len(multi):
            subset = pairs[pairs[key].isin(multi)]
            projected = subset.geometry.to_crs(EQUAL_AREA)
            unions = projected.groupby(subset[key].to_numpy()).agg(shapely.union_all)
            out.loc[unions.index, "covered_m2"] = shapely.area(np.asarray(unions, dtype=object))
    with np.errstate(divide="ignore", invalid="ignore"):
        share = (out["covered_m2"] / out["area_m2"]).clip(upper=1.0)
    out["covered_share"] = share.where(out["area_m2"] > 0, 0.0)
    return out


def overlap_matrix(gdf: gpd.GeoDataFrame, *, id_column: str) -> pd.DataFrame:
    """Square table of overlap areas (m²) between the features of one layer.

    Rows and columns are the values of ``id_column`` (which must be unique); cell
    (i, j) is the ellipsoidal area shared by features i and j, 0 where they do not
    overlap; the diagonal holds each feature's own area (its overlap with itself).
    """
    ids = gdf[id_column]
    if ids.duplicated().any():
        dupes = sorted(set(ids[ids.duplicated()]), key=str)
        raise ValueError(f"{id_column!r} must be unique to build a matrix; repeated: {dupes}")
    pairs = overlap_pairs(gdf, gdf, names=("layer", "layer"), keep_geometry=False)
    labels = ids.to_numpy()
    pos = {label: i for i, label in enumerate(gdf.index)}
    matrix = np.zeros((len(gdf), len(gdf)))
    rows = np.array([pos[x] for x in pairs["a_index"]], dtype=int)
    cols = np.array([pos[x] for x in pairs["b_index"]], dtype=int)
    matrix[rows, cols] = pairs["overlap_m2"].to_numpy()
    return pd.DataFrame(matrix, index=pd.Index(labels, name=id_column), columns=labels)


def union_area_m2(gdf: gpd.GeoDataFrame | gpd.GeoSeries) -> float:
    """Ellipsoidal area (m²) covered by all features together, overlaps counted once."""
    frame = gdf.to_frame("geometry") if isinstance(gdf, gpd.GeoSeries) else gdf
    require_crs(frame, name="layer")
    if frame.empty:
        return 0.0
    return float(shapely.area(shapely.union_all(_project(frame))))
