"""Overlaps between layers, and the area a set of zones covers without double counting.

All areas are ellipsoidal on CGCS2000, computed in the Lambert azimuthal equal-area
projection declared in ``config/crs.toml`` (exact on the ellipsoid; see
:mod:`geo.measure.area`). The method:

1. transform both layers' coordinates once to the equal-area CRS, as flat arrays
   (:mod:`geo.measure.projection`);
2. keep only the features whose box meets a box of the other layer, and rebuild only
   those as equal-area geometries (parcels far from every zone cost next to nothing);
3. find candidate pairs with a shapely 2 :class:`~shapely.STRtree` (one bulk query, the
   query side's geometries prepared);
4. a feature of A wholly inside a feature of B needs no intersection: its own area is the
   overlap (on parcel data this is 80–86 % of the pairs);
5. intersect only the remaining pairs, vectorised, split over threads (shapely releases
   the GIL; prepared geometries are never shared between threads);
6. for display, a feature wholly inside is its own intersection (its stored geometry is
   reused); only the pieces that were cut are projected back.

Pairs that only touch (shared edge or corner, zero area) are not listed.
"""

from __future__ import annotations

import itertools
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Final, Literal

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

from geo.measure import engines
from geo.measure.crs import EQUAL_AREA, require_crs, require_same_crs
from geo.measure.projection import (
    FloatArray,
    GeometryArray,
    ProjectedCoordinates,
    project_geometries,
)
from geo.measure.tiles import INSIDE, UNKNOWN, ZoneCells, zone_cells

# From this many features of ``a`` (after the box filter), pairs are settled by the
# zone cells of :mod:`geo.measure.tiles` first.
_TILES_MIN = 2_000
_CELL_BLOCK = 200_000  # box pairs classified at once (bounds the temporary arrays)

# Box pre-filter: worth it while the other layer is small (zones, a drawn polygon);
# beyond this many features its n x m box comparison costs more than it saves.
_BOX_FILTER_MAX = 512


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


def _settle_by_cells(
    tree: shapely.STRtree,
    pa: GeometryArray,
    pb: GeometryArray,
    boxes_pa: FloatArray,
    cells: ZoneCells,
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp], npt.NDArray[np.bool_]]:
    """Pairs (positions in ``pa`` and ``pb``, in ``pa`` then ``pb`` order) whose features
    meet, and which of them are wholly inside: boxes from the tree, most pairs settled by
    the zone cells, only the rest tested by GEOS. Same pairs and classes as the tree's
    ``intersects`` query followed by ``contains_properly``."""
    found: list[tuple[npt.NDArray[np.intp], npt.NDArray[np.intp], npt.NDArray[np.bool_]]] = []
    for k in range(len(pb)):  # zone by zone, in blocks: the box pairs stay few in memory
        near = np.asarray(tree.query(pb[k]), dtype=np.intp)  # features whose box meets it
        for lo in range(0, len(near), _CELL_BLOCK):
            ja = near[lo : lo + _CELL_BLOCK]
            jb = np.full(len(ja), k, dtype=np.intp)
            cls = cells.classify(boxes_pa[ja], jb)
            inside = cls == INSIDE
            test = np.flatnonzero(cls == UNKNOWN)
            inside[test] = shapely.contains_properly(pb[jb[test]], pa[ja[test]])
            meets = inside.copy()
            test = test[~inside[test]]
            meets[test] = shapely.intersects(pb[jb[test]], pa[ja[test]])
            found.append((ja[meets], jb[meets], inside[meets]))
    if not found:
        empty = np.zeros(0, dtype=np.intp)
        return empty, empty, np.zeros(0, dtype=bool)
    ja, jb, inside = (np.concatenate(parts) for parts in zip(*found, strict=True))
    order = np.lexsort((jb, ja))
    return ja[order], jb[order], inside[order]


def _geometries(gdf: gpd.GeoDataFrame) -> GeometryArray:
    return np.asarray(gdf.geometry.array, dtype=object)


def equal_area(gdf: gpd.GeoDataFrame) -> ProjectedCoordinates:
    """``gdf``'s geometries in the CGCS2000 equal-area CRS, for :func:`overlap_pairs`'
    and :func:`overlap_totals`' ``projected`` (one projection for several measurements)."""
    return ProjectedCoordinates(_geometries(gdf), source=gdf.crs, target=EQUAL_AREA)


def _near(boxes: FloatArray, others: FloatArray) -> npt.NDArray[np.bool_]:
    """Which of ``boxes`` meet (share at least a point with) any of ``others``."""
    out = np.zeros(len(boxes), dtype=bool)
    if len(others) == 0:
        return out
    ox0, oy0, ox1, oy1 = (others[:, k][np.newaxis, :] for k in range(4))
    step = max(1, 4_000_000 // len(others))  # keeps the temporary matrices small
    for lo in range(0, len(boxes), step):
        x0, y0, x1, y1 = (boxes[lo : lo + step, k][:, np.newaxis] for k in range(4))
        meet = (x0 <= ox1) & (ox0 <= x1) & (y0 <= oy1) & (oy0 <= y1)
        out[lo : lo + step] = meet.any(axis=1)
    return out


def _candidates(boxes: FloatArray, others: FloatArray) -> npt.NDArray[np.intp]:
    """Positions of ``boxes`` that meet one of ``others`` (all non-empty positions when
    there are too many ``others`` for this pre-filter to pay)."""
    present = ~np.isnan(boxes[:, 0])
    if len(others) > _BOX_FILTER_MAX or not present.any():
        return np.flatnonzero(present)
    x0, y0 = np.min(boxes[present, :2], axis=0)
    x1, y1 = np.max(boxes[present, 2:], axis=0)
    covers_all = (others[:, 0] <= x0) & (others[:, 1] <= y0)
    covers_all &= (others[:, 2] >= x1) & (others[:, 3] >= y1)
    if covers_all.any():  # one box of the other layer spans them all: nothing to drop
        return np.flatnonzero(present)
    return np.flatnonzero(_near(boxes, others))


def overlap_pairs(
    a: gpd.GeoDataFrame,
    b: gpd.GeoDataFrame,
    *,
    names: tuple[str, str] = ("A", "B"),
    keep_geometry: bool = True,
    threads: int | None = None,
    engine: engines.Engine = engines.DEFAULT_ENGINE,
    scheduler: str | None = None,
    projected: tuple[ProjectedCoordinates, ProjectedCoordinates] | None = None,
) -> gpd.GeoDataFrame:
    """Every pair of features (one of ``a``, one of ``b``) whose interiors overlap.

    Both layers must have the same CRS (any CRS; it must be set) and valid geometries
    (see :func:`geo.measure.validate.repair_geometries`). Returns one row per overlapping pair:

    - ``a_index`` / ``b_index``: index labels in ``a`` and ``b``;
    - ``overlap_m2``: ellipsoidal area of the intersection;
    - ``a_area_m2`` / ``b_area_m2``: the two features' own areas;
    - ``a_share`` / ``b_share``: overlap as a share (0–1) of each feature's area;
    - ``geometry``: the intersection, in the layers' CRS (``None`` when
      ``keep_geometry=False``, which is faster).

    Rows are sorted by ``a`` then ``b`` position.

    ``engine="dask"`` runs the same computation on dask-geopandas partitions of ``a``
    (see :mod:`geo.measure.overlap_dask`; needs the optional packages in
    ``requirements-dask.txt``); ``a`` may then also be a ``dask_geopandas.GeoDataFrame``,
    and ``scheduler`` (``"tcp://HOST:PORT"``) names a dask cluster to run on. The
    engines are found through :mod:`geo.measure.engines`.

    ``projected``: ``a`` and ``b`` already in the equal-area CRS (:func:`equal_area`), when
    the caller measures them more than once (default engine only).
    """
    if engine != engines.DEFAULT_ENGINE:
        run = engines.engine(engine)
        return run(a, b, names=names, keep_geometry=keep_geometry, scheduler=scheduler)
    if scheduler is not None:
        raise engines.EngineError(
            f"a dask scheduler ({scheduler!r}) was given with the {engine!r} engine, which "
            "runs here; use the dask engine or leave the scheduler out."
        )
    require_same_crs(a, b, names=names)
    n_threads = _threads(threads)
    ca, cb = projected or (equal_area(a), equal_area(b))

    # Only features whose box meets a box of the other layer can overlap it: the rest
    # are never rebuilt in the equal-area CRS (e.g. parcels outside every zone).
    boxes_a, boxes_b = ca.bounds(), cb.bounds()
    cand_a = _candidates(boxes_a, boxes_b)
    cand_b = _candidates(boxes_b, boxes_a[cand_a])
    pa, pb = ca.geometries(cand_a), cb.geometries(cand_b)
    area_a = np.zeros(len(ca))
    area_b = np.zeros(len(cb))
    area_a[cand_a], area_b[cand_b] = shapely.area(pa), shapely.area(pb)

    tree = shapely.STRtree(pa)
    shapely.prepare(pb)
    # Not threaded: a prepared geometry builds its index lazily and is not safe to share
    # between threads. The intersections below, the costly part, are. "Properly" (not
    # touching b's boundary from inside) is the test prepared geometries answer fastest;
    # a feature inside but touching the boundary is simply intersected.
    cells = zone_cells(pb) if len(pa) >= _TILES_MIN and len(pb) <= _BOX_FILTER_MAX else None
    if cells is None:
        jb, ja = tree.query(pb, predicate="intersects")
        order = np.lexsort((jb, ja))
        ja, jb = ja[order], jb[order]
        inside = np.asarray(shapely.contains_properly(pb[jb], pa[ja]), dtype=bool)
    else:
        ja, jb, inside = _settle_by_cells(tree, pa, pb, boxes_a[cand_a], cells)
    ia, ib = cand_a[ja], cand_b[jb]
    overlap = np.where(inside, area_a[ia], 0.0)
    rest = np.flatnonzero(~inside)
    cut = np.empty(0, dtype=object)
    if len(rest):
        cut = _chunked(shapely.intersection, (pa[ja[rest]], pb[jb[rest]]), threads=n_threads)
        overlap[rest] = shapely.area(cut)

    keep = overlap > 0.0
    with np.errstate(divide="ignore", invalid="ignore"):
        a_share = np.minimum(1.0, overlap / area_a[ia])
        b_share = np.minimum(1.0, overlap / area_b[ib])

    pieces = np.full(len(ia), None, dtype=object)
    if keep_geometry and keep.any():
        # A feature wholly inside is its own intersection: reuse it as stored, and bring
        # back from the equal-area CRS only the pieces that were cut.
        pieces[inside] = _geometries(a)[ia[inside]]
        if len(cut):
            pieces[rest] = project_geometries(cut, source=EQUAL_AREA, target=a.crs)
    return gpd.GeoDataFrame(
        {
            "a_index": a.index.to_numpy()[ia[keep]],
            "b_index": b.index.to_numpy()[ib[keep]],
            "overlap_m2": overlap[keep],
            "a_area_m2": area_a[ia[keep]],
            "b_area_m2": area_b[ib[keep]],
            "a_share": a_share[keep],
            "b_share": b_share[keep],
        },
        geometry=gpd.GeoSeries(pieces[keep], crs=a.crs).array,
        crs=a.crs,
    )


def overlap_totals(
    pairs: gpd.GeoDataFrame,
    layer: gpd.GeoDataFrame,
    *,
    side: Literal["a", "b"] = "a",
    other: gpd.GeoDataFrame,
    projected: tuple[ProjectedCoordinates, ProjectedCoordinates] | None = None,
) -> pd.DataFrame:
    """Per feature of one side: how much of it the other layer covers.

    ``pairs`` comes from :func:`overlap_pairs`; ``layer`` is the layer on ``side`` and
    ``other`` the layer on the other side (both with unique index labels). Columns,
    aligned to ``layer.index``: ``area_m2``, ``overlap_sum_m2`` (sum over pairs: counts
    twice where the other layer's features overlap each other), ``covered_m2`` (area of
    the union of its intersections: no double counting), ``covered_share`` (0–1) and
    ``pair_count``.

    ``covered_m2`` is what QGIS's ``native:calculatevectoroverlaps`` reports: each
    intersection is made again in the equal-area CRS from the two features (the pieces
    in ``pairs`` are in the layers' CRS, and projecting them there and back would move
    every vertex by about a millimetre, enough for a union to exceed the feature).

    ``projected``: ``layer`` and ``other`` already in the equal-area CRS
    (:func:`equal_area`), when the caller measures them more than once.
    """
    require_same_crs(layer, other, names=("layer", "other"))
    key, other_key = f"{side}_index", f"{'b' if side == 'a' else 'a'}_index"
    own = projected[0] if projected else equal_area(layer)
    areas = own.areas()
    out = pd.DataFrame(
        {"area_m2": areas, "overlap_sum_m2": 0.0, "covered_m2": 0.0, "pair_count": 0},
        index=layer.index,
    )
    if len(pairs):
        grouped = pairs.groupby(key, sort=False)
        out.loc[grouped.size().index, "pair_count"] = grouped.size().to_numpy()
        out.loc[grouped.size().index, "overlap_sum_m2"] = grouped["overlap_m2"].sum()
        out["covered_m2"] = out["overlap_sum_m2"]
        multi = out["pair_count"].to_numpy() > 1
        if multi.any():
            subset = pairs[pairs[key].isin(out.index[multi])]
            positions, covered = _covered_m2(
                own,
                projected[1] if projected else equal_area(other),
                _positions(layer.index, subset[key], name="layer"),
                _positions(other.index, subset[other_key], name="other"),
            )
            out.loc[layer.index[positions], "covered_m2"] = covered
    with np.errstate(divide="ignore", invalid="ignore"):
        share = (out["covered_m2"] / out["area_m2"]).clip(upper=1.0)
    out["covered_share"] = share.where(out["area_m2"] > 0, 0.0)
    return out


def _positions(index: pd.Index, labels: pd.Series, *, name: str) -> npt.NDArray[np.intp]:
    if not index.is_unique:
        raise ValueError(f"{name} needs unique index labels to match the pairs to it")
    found = np.asarray(index.get_indexer(pd.Index(labels)), dtype=np.intp)
    if (found < 0).any():
        raise ValueError(f"pairs name features that {name} does not have")
    return found


def _covered_m2(
    own: ProjectedCoordinates,
    other: ProjectedCoordinates,
    own_pos: npt.NDArray[np.intp],
    other_pos: npt.NDArray[np.intp],
) -> tuple[npt.NDArray[np.intp], FloatArray]:
    """Area (m²) of the union of the intersections own[i] ∩ other[j] over the pairs
    (i, j), per own position (returned first), all in the equal-area CRS."""
    uniq_own, inv_own = np.unique(own_pos, return_inverse=True)
    uniq_other, inv_other = np.unique(other_pos, return_inverse=True)
    shapes_own, shapes_other = own.geometries(uniq_own), other.geometries(uniq_other)
    shapely.prepare(shapes_own)  # fresh copies: preparing them touches nothing else
    shapely.prepare(shapes_other)
    g_own, g_other = shapes_own[inv_own], shapes_other[inv_other]
    covered = np.zeros(len(uniq_own))
    # A feature wholly inside one of its partners is covered whole.
    whole = np.zeros(len(uniq_own), dtype=bool)
    whole[inv_own[np.asarray(shapely.contains(g_other, g_own), dtype=bool)]] = True
    covered[whole] = own.areas(uniq_own[whole])
    rows = np.flatnonzero(~whole[inv_own])
    if len(rows):
        # A partner wholly inside the feature is its own piece; the rest are cut.
        pieces = g_other[rows]
        cut = np.flatnonzero(~np.asarray(shapely.contains(g_own[rows], pieces), dtype=bool))
        pieces[cut] = shapely.intersection(g_own[rows[cut]], pieces[cut])
        unions = pd.Series(pieces).groupby(inv_own[rows]).agg(shapely.union_all)
        covered[unions.index.to_numpy()] = shapely.area(np.asarray(unions, dtype=object))
    return uniq_own, covered


def overlap_matrix(
    pairs: pd.DataFrame,
    *,
    rows: str = "a_index",
    columns: str = "b_index",
    value: str = "overlap_m2",
) -> pd.DataFrame:
    """Pivot overlapping pairs into a table: one row per value of ``rows``, one column
    per value of ``columns`` (both sorted), each cell the sum of ``value`` over the pairs
    it holds, 0 where none overlap.

    ``pairs`` is :func:`overlap_pairs` (default column names) or a table made from it,
    e.g. with labels and converted units; an empty ``pairs`` gives an empty table.
    """
    if pairs.empty:
        return pd.DataFrame()
    table = pairs.pivot_table(index=rows, columns=columns, values=value, aggfunc="sum")
    return table.fillna(0.0)


def union_area_m2(
    gdf: gpd.GeoDataFrame | gpd.GeoSeries, *, projected: ProjectedCoordinates | None = None
) -> float:
    """Ellipsoidal area (m²) covered by all features together, overlaps counted once.

    ``projected``: ``gdf``'s geometries already in the equal-area CRS (:func:`equal_area`),
    when the caller measures them otherwise too (an upload's plain sum)."""
    frame = gdf.to_frame("geometry") if isinstance(gdf, gpd.GeoSeries) else gdf
    require_crs(frame, name="layer")
    if frame.empty:
        return 0.0
    projected = projected if projected is not None else equal_area(frame)
    # Only features whose interior may meet another's go into the (slow) union; the
    # others' areas simply add (see _must_unite). 100,000 parcels tiling: 0.6 CPU-s
    # instead of 3.8 for union_all (1.7-2.0 with GEOS's coverage check, which missed
    # overlaps between polygons whose edges all match). Geometries must be valid.
    unite = _must_unite(projected.source_geometries)
    total = float(projected.areas(np.flatnonzero(~unite)).sum())
    if unite.any():
        pieces = projected.geometries(np.flatnonzero(unite))
        total += float(shapely.area(shapely.union_all(pieces)))
    return total


_POLYGONAL: Final = (3, 6)  # shapely type ids of Polygon, MultiPolygon
_COLLECTION: Final = 7  # GeometryCollection
# Odd 64-bit constants mixing an edge's four coordinates into one sort key; two different
# edges with the same key are detected and then sorted exactly.
_MIX: Final = np.array(
    [0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9, 0x27D4EB2F165667C5],
    dtype=np.uint64,
)


def _must_unite(geoms: GeometryArray) -> npt.NDArray[np.bool_]:
    """Which of ``geoms`` the union must be made of; each of the others is a polygon whose
    interior no other feature meets, so its area adds. Valid geometries, in the layer's own
    coordinates (vertices that two polygons share are bit-identical there).

    Let w(x) be the number of polygons covering x. With every ring oriented (exteriors
    anticlockwise, holes clockwise), an edge is *matched* when it occurs exactly once and
    its reverse exactly once (two neighbours share it), else it is *loose* (the layer's
    outline, a T-junction, a duplicate, an overlap). Across a matched edge one polygon ends
    where the other begins, so w changes only across loose edges. A polygon is united when

    1. a loose edge of another polygon meets its interior (:func:`_crossed`), or
    2. else w is the same all over its interior (of each part), and a point there lies in
       another feature too (:func:`_alone`): w is 2 or more, e.g. a tiling inside a
       polygon whose edges a ring of neighbours all match, or two tilings laid over each
       other (both fooled the coverage check used before: most of their edges match).

    Every other polygon has w = 1 inside. Points, lines and empty geometries cover nothing
    and are never united; a collection always is (its members may overlap each other),
    with every polygon whose box meets it.
    """
    types = shapely.get_type_id(geoms)
    present = ~shapely.is_empty(geoms) & ~shapely.is_missing(geoms)
    unite = np.asarray((types == _COLLECTION) & present, dtype=bool)
    polygonal = np.flatnonzero(np.isin(types, _POLYGONAL) & present)
    if len(polygonal) == 0:
        return unite
    shapes = geoms[polygonal]
    tree = shapely.STRtree(shapes)
    rings = _rings(shapes)
    edges, edge_owner, doubtful = _oriented_edges(rings)
    loose = _loose(edges)
    crossed, lonely = _crossed(tree, shapes, rings, edges, edge_owner, loose)
    crossed[doubtful] = True
    if unite.any():
        crossed[tree.query(geoms[unite])[1]] = True
    rest = np.flatnonzero(~crossed & ~lonely)
    crossed[rest[~_alone(tree, shapes, rings, rest)]] = True
    unite[polygonal[crossed]] = True
    return unite


@dataclass(frozen=True)
class _Rings:
    """Every ring of an array of polygonal shapes, one after another (closed rings)."""

    xy: FloatArray  # coordinates; ring k is xy[offsets[k] : offsets[k + 1]]
    offsets: npt.NDArray[np.intp]
    owner: npt.NDArray[np.intp]  # the shape each ring belongs to
    exterior: npt.NDArray[np.bool_]  # a part's exterior ring (else one of its holes)


def _rings(shapes: GeometryArray) -> _Rings:
    """The rings of ``shapes`` (Polygons and MultiPolygons, none empty), 2D. Polygons
    without holes, the bulk of parcel data, are read as one coordinate array."""
    simple = shapely.get_type_id(shapes) == _POLYGONAL[0]
    simple &= shapely.get_num_interior_rings(shapes) == 0
    xy, counts, owner, exterior = [], [], [], []
    if simple.any():
        positions = np.flatnonzero(simple)
        xy.append(shapely.get_coordinates(shapes[positions]))
        counts.append(shapely.get_num_coordinates(shapes[positions]))
        owner.append(positions)
        exterior.append(np.ones(len(positions), dtype=bool))
    if not simple.all():
        positions = np.flatnonzero(~simple)
        _, coords, offsets = shapely.to_ragged_array(shapes[positions], include_z=False)
        ring_offsets, part_offsets = offsets[0], offsets[1]
        # Polygons only (two offset arrays): each polygon is one part.
        geom_offsets = np.arange(len(positions) + 1) if len(offsets) == 2 else offsets[2]
        part_geom = np.repeat(np.arange(len(positions)), np.diff(geom_offsets))
        ring_part = np.repeat(np.arange(len(part_offsets) - 1), np.diff(part_offsets))
        first = np.zeros(len(ring_part), dtype=bool)
        first[part_offsets[:-1][np.diff(part_offsets) > 0]] = True
        xy.append(coords)
        counts.append(np.diff(ring_offsets))
        owner.append(positions[part_geom[ring_part]])
        exterior.append(first)
    ring_counts = np.concatenate(counts).astype(np.intp)
    return _Rings(
        xy=np.concatenate(xy).astype(np.float64) + 0.0,  # -0.0 becomes 0.0
        offsets=np.concatenate([[0], np.cumsum(ring_counts)]).astype(np.intp),
        owner=np.concatenate(owner).astype(np.intp),
        exterior=np.concatenate(exterior),
    )


def _oriented_edges(
    rings: _Rings,
) -> tuple[FloatArray, npt.NDArray[np.intp], npt.NDArray[np.intp]]:
    """Every ring's edges as rows (x1, y1, x2, y2), exteriors anticlockwise and holes
    clockwise, zero-length edges dropped; the shape of each edge; and the shapes with a
    ring of zero or unknown (non-finite) area, whose edges are left out."""
    ring_of = np.repeat(np.arange(len(rings.owner)), np.diff(rings.offsets))
    starts = np.flatnonzero(ring_of[:-1] == ring_of[1:])  # an edge from each of these
    ring = ring_of[starts]
    a, b = rings.xy[starts], rings.xy[starts + 1]
    origin = rings.xy[rings.offsets[:-1]][ring]  # each ring's first vertex
    cross = (a[:, 0] - origin[:, 0]) * (b[:, 1] - origin[:, 1])
    cross -= (b[:, 0] - origin[:, 0]) * (a[:, 1] - origin[:, 1])
    signed = np.bincount(ring, weights=cross, minlength=len(rings.owner))
    degenerate = ~np.isfinite(signed) | (signed == 0.0)
    flip = np.where(rings.exterior, signed < 0.0, signed > 0.0)[ring]
    keep = np.flatnonzero((a != b).any(axis=1) & ~degenerate[ring])
    edges = np.empty((len(keep), 4))
    edges[:, :2], edges[:, 2:] = a[keep], b[keep]
    turn = np.flatnonzero(flip[keep])
    edges[turn] = edges[turn][:, [2, 3, 0, 1]]
    return edges, rings.owner[ring[keep]], np.unique(rings.owner[degenerate])


def _loose(edges: FloatArray) -> npt.NDArray[np.bool_]:
    """Which directed edges are not matched: a match is an edge that occurs exactly once
    while its reverse occurs exactly once."""
    if not len(edges):
        return np.zeros(0, dtype=bool)
    x1, y1, x2, y2 = edges.T
    forward = (x1 < x2) | ((x1 == x2) & (y1 < y2))  # lower endpoint first
    key = edges.copy()
    back = np.flatnonzero(~forward)
    key[back] = key[back][:, [2, 3, 0, 1]]
    bits = key.view(np.uint64)  # equal floats, equal bits (there is no -0.0)
    mixed = bits[:, 0] * _MIX[0]
    for k in range(1, 4):
        mixed += bits[:, k] * _MIX[k]
    order = np.argsort(mixed)
    same = mixed[order][1:] == mixed[order][:-1]
    at = np.flatnonzero(same)
    if not (bits[order[at]] == bits[order[at + 1]]).all():  # two edges share a key
        order = np.lexsort(bits.T[::-1])
        ordered = bits[order]
        same = (ordered[1:] == ordered[:-1]).all(axis=1)
    run = np.concatenate([[0], np.cumsum(~same)])  # one run per undirected edge
    size = np.bincount(run)
    net = np.bincount(run, weights=np.where(forward[order], 1.0, -1.0))
    loose = np.empty(len(edges), dtype=bool)
    loose[order] = ~((size == 2) & (net == 0.0))[run]
    return loose


def _crossed(
    tree: shapely.STRtree,
    shapes: GeometryArray,
    rings: _Rings,
    edges: FloatArray,
    edge_owner: npt.NDArray[np.intp],
    loose: npt.NDArray[np.bool_],
) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.bool_]]:
    """Which ``shapes`` have an interior that a ``loose`` edge of another shape meets
    (``edges``: rows x1, y1, x2, y2 of shape ``edge_owner``), and which shapes with loose
    edges have a box that meets no other shape's box: those touch nothing (disjoint
    buildings cost next to nothing). A pair a line certainly separates needs no GEOS."""
    out = np.zeros(len(shapes), dtype=bool)
    flagged = np.unique(edge_owner[loose])
    i, j = tree.query(shapes[flagged])
    other = flagged[i] != j
    has, neighbour = flagged[i[other]], j[other]  # a shape with loose edges, a box it meets
    lonely = np.zeros(len(shapes), dtype=bool)
    lonely[flagged] = True
    lonely[has] = False
    # Each loose edge with each neighbour of its shape whose box meets the edge's box.
    line, row = _expand(_grouped(has, len(shapes)), edge_owner[loose])
    segments, shape = edges[loose][line], neighbour[row]
    box = shapely.bounds(shapes)[shape]
    lo, hi = (
        np.minimum(segments[:, :2], segments[:, 2:]),
        np.maximum(segments[:, :2], segments[:, 2:]),
    )
    meet = np.flatnonzero(((lo <= box[:, 2:]) & (box[:, :2] <= hi)).all(axis=1))
    segments, shape = segments[meet], shape[meet]
    vertex_owner = np.repeat(rings.owner, np.diff(rings.offsets))
    # A detailed shape (a plan zone of 3,000 vertices) is united without testing each
    # loose edge against it: the tests grow with edges x vertices (30 plan zones took
    # 9 CPU-s), the union of a few such shapes costs next to nothing, and uniting a
    # shape that needs no union never changes the figure.
    detailed = np.bincount(vertex_owner, minlength=len(shapes))[shape] > _DETAILED_VERTICES
    out[shape[detailed]] = True
    segments, shape = segments[~detailed], shape[~detailed]
    by_shape = _ByShape(rings.xy, vertex_owner, edges, edge_owner, len(shapes))
    test = np.flatnonzero(~by_shape.apart(segments, shape))
    lines = shapely.linestrings(segments[test].reshape(-1, 2, 2))
    meets = shapely.relate_pattern(lines, shapes[shape[test]], "T********")
    out[shape[test][meets]] = True
    return out, lonely


_DETAILED_VERTICES: Final = 64  # a neighbour with more vertices is united untested
_ORIENT_ERR: Final = (3.0 + 16.0 * 2.0**-53) * 2.0**-53  # Shewchuk's orient2d bound A


def _sides(
    a: FloatArray, b: FloatArray, v: FloatArray
) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.bool_]]:
    """Whether each point ``v`` is certainly left of or on the directed line through ``a``
    and ``b``, and whether certainly right of or on it: both when ``v`` is ``a`` or ``b``,
    neither when it is too close to the line to tell in floating point."""
    left = (b[:, 0] - a[:, 0]) * (v[:, 1] - a[:, 1])
    right = (b[:, 1] - a[:, 1]) * (v[:, 0] - a[:, 0])
    det = left - right
    bound = _ORIENT_ERR * (np.abs(left) + np.abs(right))
    on = (v == a).all(axis=1) | (v == b).all(axis=1) | ((det == 0.0) & (bound == 0.0))
    return (det > bound) | on, (det < -bound) | on


class _ByShape:
    """The vertices and the oriented edges of each shape, looked up by shape."""

    def __init__(
        self,
        xy: FloatArray,
        vertex_owner: npt.NDArray[np.intp],
        edges: FloatArray,
        edge_owner: npt.NDArray[np.intp],
        n: int,
    ) -> None:
        self.xy, self.edges = xy, edges
        self._vertices = _grouped(vertex_owner, n)
        self._edges = _grouped(edge_owner, n)

    def apart(self, segments: FloatArray, shape: npt.NDArray[np.intp]) -> npt.NDArray[np.bool_]:
        """Whether a line certainly separates each segment (x1, y1, x2, y2) from the
        interior of its ``shape``: the segment's own line with the whole shape on one side,
        or the line of an edge of the shape at one of the segment's ends with the shape on
        its left and the segment on its right."""
        a, b = segments[:, :2], segments[:, 2:]
        pair, rows = _expand(self._vertices, shape)
        left, right = _sides(a[pair], b[pair], self.xy[rows])
        apart = _all_of(left, pair, len(shape)) | _all_of(right, pair, len(shape))
        todo = np.flatnonzero(~apart)
        pair, rows = _expand(self._edges, shape[todo])
        p, q = self.edges[rows, :2], self.edges[rows, 2:]
        sa, sb = a[todo][pair], b[todo][pair]
        shares = (p == sa).all(axis=1) | (q == sa).all(axis=1)
        shares |= (p == sb).all(axis=1) | (q == sb).all(axis=1)
        cand = np.flatnonzero(shares & _sides(p, q, sa)[1] & _sides(p, q, sb)[1])
        which = todo[pair[cand]]  # the segment each candidate edge may separate
        vpair, vrows = _expand(self._vertices, shape[which])
        left, _ = _sides(p[cand][vpair], q[cand][vpair], self.xy[vrows])
        apart[which[_all_of(left, vpair, len(cand))]] = True
        return apart


def _grouped(
    owner: npt.NDArray[np.intp], n: int
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp], npt.NDArray[np.intp]]:
    """Rows grouped by owner: group k is ``order[starts[k] : starts[k] + counts[k]]``."""
    counts = np.bincount(owner, minlength=n).astype(np.intp)
    return np.argsort(owner, kind="stable"), np.cumsum(counts) - counts, counts


def _expand(
    grouped: tuple[npt.NDArray[np.intp], npt.NDArray[np.intp], npt.NDArray[np.intp]],
    keys: npt.NDArray[np.intp],
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]:
    """Every row of each key's group: (position in ``keys``, row) pairs."""
    order, starts, counts = grouped
    count = counts[keys]
    pair = np.repeat(np.arange(len(keys)), count)
    offsets = np.repeat(starts[keys] - np.cumsum(count) + count, count)
    return pair, order[offsets + np.arange(len(pair))]


def _all_of(
    flags: npt.NDArray[np.bool_], group: npt.NDArray[np.intp], n: int
) -> npt.NDArray[np.bool_]:
    """Whether every flag of each group 0 .. n - 1 is set (False for an empty group)."""
    unset = np.bincount(group[~flags], minlength=n)
    return np.asarray((unset == 0) & (np.bincount(group, minlength=n) > 0))


def _alone(
    tree: shapely.STRtree, shapes: GeometryArray, rings: _Rings, positions: npt.NDArray[np.intp]
) -> npt.NDArray[np.bool_]:
    """For each shape at ``positions``, whether a point of each of its parts lies in no
    other shape. The point tried first is the centre of the part's first three vertices
    (inside any convex part); a part where it fails is tried again with
    ``point_on_surface``."""
    tested = np.zeros(len(shapes), dtype=bool)
    tested[positions] = True
    ext = np.flatnonzero(rings.exterior & tested[rings.owner])
    owner = rings.owner[ext]
    first = rings.offsets[ext]
    short = np.diff(rings.offsets)[ext] < 4
    corners = rings.xy[np.minimum(first[:, np.newaxis] + np.arange(3), len(rings.xy) - 1)]
    ok = _covered_once(tree, shapely.points(corners.mean(axis=1)), owner) & ~short
    retry = np.flatnonzero(~ok & ~short)
    if len(retry):
        change = np.concatenate([[True], owner[1:] != owner[:-1]])
        rank = np.arange(len(ext)) - np.maximum.accumulate(np.where(change, np.arange(len(ext)), 0))
        parts, index = shapely.get_parts(shapes[owner[retry]], return_index=True)
        filled = ~shapely.is_empty(parts)  # an empty part has no ring
        parts, index = parts[filled], index[filled]
        part = parts[np.searchsorted(index, np.arange(len(retry))) + rank[retry]]
        ok[retry] = _covered_once(tree, shapely.point_on_surface(part), owner[retry])
    alone = np.ones(len(shapes), dtype=bool)
    alone[owner[~ok]] = False
    return np.asarray(alone[positions])


def _covered_once(
    tree: shapely.STRtree, points: GeometryArray, owner: npt.NDArray[np.intp]
) -> npt.NDArray[np.bool_]:
    """Whether each point lies in its owner shape and in no other shape of the tree."""
    point, shape = tree.query(points, predicate="intersects")
    hits = np.bincount(point, minlength=len(points))
    own = np.bincount(point[shape == owner[point]], minlength=len(points))
    return np.asarray((hits == 1) & (own == 1))
