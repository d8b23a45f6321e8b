"""CPU seconds of ``union_area_m2`` (the upload's "union" figure), A/B in one process.

    .venv/bin/python -m benchmarks.union                  # 100,000 features per layer
    .venv/bin/python -m benchmarks.union --features 1000000 --layers tiling --repeat 1
    /usr/bin/time -v .venv/bin/python -m benchmarks.union --layers tiling --only new

Compares :func:`geo.measure.overlap.union_area_m2` (edges matched in numpy) with the
version it replaced (GEOS's coverage check, :func:`coverage_union_area_m2` below, kept
here only as the reference) on synthetic layers (none of it is survey data):

- **tiling**: :func:`benchmarks.synthetic.synthetic_parcels` at the seed of
  ``benchmarks.app_cpu`` (one block of jittered quadrilaterals sharing vertices);
- **blocks**: the same tiling with every sixth row and column of parcels taken out
  (streets), so blocks of 5 x 5 parcels, every parcel at a block's edge;
- **buildings**: squares of 20 m on a 40 m grid, none touching another;
- **overlaps**: half the tiling and the same parcels moved 30 m east and north.

Each figure is the best of ``--repeat`` runs of ``time.process_time``; the areas of both
versions are printed with their relative difference, and with ``--check`` the area of one
``shapely.union_all`` of the whole layer in the equal-area CRS (the reference).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import geopandas as gpd
import numpy as np
import shapely

from benchmarks.synthetic import chenggong_centre_gk, synthetic_parcels
from geo.measure.crs import GK_CM102, STORAGE_CRS, require_crs
from geo.measure.overlap import equal_area, union_area_m2

SEED = 20261201  # benchmarks.app_cpu's parcels


def coverage_union_area_m2(gdf: gpd.GeoDataFrame) -> float:
    """The previous union_area_m2: GEOS's coverage check flags the polygons that may
    overlap; they and every polygon whose box meets one are unioned."""
    require_crs(gdf, name="layer")
    if gdf.empty:
        return 0.0
    projected = equal_area(gdf)
    geoms = projected.source_geometries
    polygonal = np.isin(shapely.get_type_id(geoms), (3, 6))
    flagged = ~polygonal & ~shapely.is_empty(geoms) & ~shapely.is_missing(geoms)
    flagged[polygonal] = ~shapely.is_empty(shapely.coverage_invalid_edges(geoms[polygonal]))
    if not flagged.any():
        return float(projected.areas().sum())
    group = np.zeros(len(geoms), dtype=bool)
    group[shapely.STRtree(geoms).query(geoms[flagged])[1]] = True
    rest = float(projected.areas(np.flatnonzero(~group)).sum())
    pieces = projected.geometries(np.flatnonzero(group))
    return rest + float(shapely.area(shapely.union_all(pieces)))


def plain_union_area_m2(gdf: gpd.GeoDataFrame) -> float:
    """The reference: one union_all of every feature in the equal-area CRS."""
    return float(shapely.area(shapely.union_all(equal_area(gdf).geometries())))


def _gk(geoms: np.ndarray) -> gpd.GeoDataFrame:  # type: ignore[type-arg]
    return gpd.GeoDataFrame(geometry=geoms, crs=GK_CM102).to_crs(STORAGE_CRS)


def layer(kind: str, n: int) -> gpd.GeoDataFrame:
    centre = chenggong_centre_gk()
    if kind == "tiling":
        return synthetic_parcels(n, centre_gk=centre, seed=SEED)
    if kind == "blocks":
        side = int(np.ceil(np.sqrt(n * 36 / 25)))  # about n parcels left after the streets
        parcels = synthetic_parcels(side * side, centre_gk=centre, seed=SEED)
        row, col = np.divmod(np.arange(side * side), side)
        return parcels[(row % 6 != 5) & (col % 6 != 5)].reset_index(drop=True)
    if kind == "buildings":
        side = int(np.ceil(np.sqrt(n)))
        x, y = np.divmod(np.arange(n), side)
        x0, y0 = centre[0] + 40.0 * (x - side / 2), centre[1] + 40.0 * (y - side / 2)
        return _gk(shapely.box(x0, y0, x0 + 20.0, y0 + 20.0))
    if kind == "overlaps":
        half = synthetic_parcels(n // 2, centre_gk=centre, seed=SEED).to_crs(GK_CM102)
        moved = shapely.transform(np.asarray(half.geometry.array), lambda xy: xy + 30.0)
        return _gk(np.concatenate([np.asarray(half.geometry.array), moved]))
    raise ValueError(f"unknown layer {kind!r}")


def best_cpu_s(
    func: Callable[[gpd.GeoDataFrame], float], frame: gpd.GeoDataFrame, repeat: int
) -> tuple[float, float]:
    times, area_m2 = [], 0.0
    for _ in range(repeat):
        start = time.process_time()
        area_m2 = func(frame)
        times.append(time.process_time() - start)
    return min(times), area_m2


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--features", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--layers", nargs="+", default=["tiling", "blocks", "buildings", "overlaps"]
    )
    parser.add_argument("--only", choices=["new", "old"], help="run one version (for memory)")
    parser.add_argument("--check", action="store_true", help="also one union_all of all")
    args = parser.parse_args()
    versions = {"new": union_area_m2, "old": coverage_union_area_m2}
    if args.check:
        versions["all"] = plain_union_area_m2
    if args.only:
        versions = {args.only: versions[args.only]}
    print(f"{'layer':<10} {'features':>9} {'version':<4} {'CPU-s':>7} {'area km²':>16}")
    for kind in args.layers:
        frame = layer(kind, args.features)
        figures = {}
        for name, func in versions.items():
            cpu_s, area_m2 = best_cpu_s(func, frame, args.repeat)
            figures[name] = area_m2
            print(f"{kind:<10} {len(frame):>9,} {name:<4} {cpu_s:>7.3f} {area_m2 / 1e6:>16.10f}")
        if "new" in figures and "old" in figures:
            diff = abs(figures["new"] - figures["old"]) / max(figures["old"], 1e-300)
            print(f"{'':<10} relative difference new/old: {diff:.1e}")


if __name__ == "__main__":
    main()
