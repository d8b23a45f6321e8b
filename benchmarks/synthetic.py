"""Reproducible synthetic layers for the benchmarks: parcels and plan-like zones.

Nothing here is survey data; it exists only to time the code on realistic shapes.

- :func:`synthetic_parcels`: a tiling of jittered quadrilaterals (neighbours share
  vertices, no gaps or overlaps) laid out in CGCS2000 / Gauss-Kruger CM 102°E metres
  (EPSG:4543) around the centre of Chenggong, column widths and row heights drawn so a
  parcel is nominally 0.5–5 ha, returned in EPSG:4326 like every stored layer.
- :func:`benchmark_zones`: the polygons of ``data/zones.geojson`` when that file exists;
  otherwise :func:`synthetic_zones`, 45 Voronoi cells tiling the Chenggong district
  boundary (``data/boundaries.geojson``, id ``cn_530114``) plus 5 larger zones laid
  over them, the way plan overlays (core areas, protection lines) overlap land-use zones.

Every generator takes a ``seed``; the same seed gives the same layer on any machine.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

import geopandas as gpd
import numpy as np
import shapely
from pyproj import CRS

from geo.io import read_layer
from geo.measure.crs import GK_CM102, STORAGE_CRS
from geo.measure.projection import transformer

ROOT: Final = Path(__file__).resolve().parent.parent
ZONES_FILE: Final = ROOT / "data" / "zones.geojson"
BOUNDARIES_FILE: Final = ROOT / "data" / "boundaries.geojson"
CHENGGONG_ID: Final = "cn_530114"

CHENGGONG_LON_LAT: Final = (102.85, 24.87)
PARCEL_SIDE_M: Final = (80.0, 215.0)  # column widths and row heights are drawn from this
JITTER_SHARE: Final = 0.08  # a vertex moves at most this share of its neighbouring spacing


def synthetic_parcels(
    n: int, *, centre_gk: tuple[float, float], seed: int = 20260601
) -> gpd.GeoDataFrame:
    """``n`` parcels tiling a near-square block centred on ``centre_gk`` (EPSG:4543 m).

    Columns ``id`` (``P0000001``…) and ``geometry`` (Polygon, EPSG:4326).
    """
    rng = np.random.default_rng(seed)
    nx = int(np.ceil(np.sqrt(n)))
    ny = int(np.ceil(n / nx))
    widths = rng.uniform(*PARCEL_SIDE_M, nx)
    heights = rng.uniform(*PARCEL_SIDE_M, ny)
    xs = np.concatenate([[0.0], np.cumsum(widths)])
    ys = np.concatenate([[0.0], np.cumsum(heights)])
    xs += centre_gk[0] - xs[-1] / 2
    ys += centre_gk[1] - ys[-1] / 2
    gx, gy = np.meshgrid(xs, ys)  # (ny + 1, nx + 1) vertex grid
    # Jitter each vertex by at most JITTER_SHARE of the narrower neighbouring spacing.
    span_x = np.minimum(np.r_[widths[:1], widths], np.r_[widths, widths[-1:]])
    span_y = np.minimum(np.r_[heights[:1], heights], np.r_[heights, heights[-1:]])
    gx = gx + rng.uniform(-1, 1, gx.shape) * JITTER_SHARE * span_x[np.newaxis, :]
    gy = gy + rng.uniform(-1, 1, gy.shape) * JITTER_SHARE * span_y[:, np.newaxis]
    corners = [(0, 0), (0, 1), (1, 1), (1, 0), (0, 0)]  # (row, col) offsets, a closed ring
    ring = np.stack(
        [
            np.stack([gx[r : r + ny, c : c + nx], gy[r : r + ny, c : c + nx]], axis=-1)
            for r, c in corners
        ],
        axis=2,
    )  # (ny, nx, 5, 2)
    coords = ring.reshape(ny * nx, 5, 2)[:n]
    geoms = shapely.polygons(coords)
    ids = [f"P{i:07d}" for i in range(n)]
    return gpd.GeoDataFrame({"id": ids}, geometry=geoms, crs=GK_CM102).to_crs(STORAGE_CRS)


def _chenggong_outline_gk() -> shapely.Geometry:
    if BOUNDARIES_FILE.exists():
        boundaries = read_layer(BOUNDARIES_FILE)
        match = boundaries[boundaries["id"] == CHENGGONG_ID]
        if len(match):
            return match.to_crs(GK_CM102).geometry.iloc[0]
    # Fallback: a 28 km x 30 km block where the district lies.
    x0, y0 = 575_000.0, 2_737_000.0
    return shapely.box(x0, y0, x0 + 28_000, y0 + 30_000)


def synthetic_zones(*, count: int = 50, seed: int = 20260602) -> gpd.GeoDataFrame:
    """``count`` plan-like zones over the Chenggong district; see :func:`synthetic_zones_over`."""
    return synthetic_zones_over(_chenggong_outline_gk(), count=count, seed=seed)


def synthetic_zones_over(
    outline: shapely.Geometry, *, count: int = 50, seed: int = 20260602
) -> gpd.GeoDataFrame:
    """``count`` plan-like zones over ``outline`` (EPSG:4543): Voronoi cells plus overlays.

    ``count - 5`` cells tile the outline (edges densified every 100 m, so a zone has a few
    hundred vertices like a digitised plan zone); 5 rounded blobs of 2–5 km radius overlap
    them. Columns ``id`` (``Z01``…), ``kind`` (``cell`` or ``overlay``) and ``geometry``
    (EPSG:4326).
    """
    rng = np.random.default_rng(seed)
    x0, y0, x1, y1 = outline.bounds
    n_overlay = 5
    seeds: list[shapely.Point] = []
    while len(seeds) < count - n_overlay:
        p = shapely.Point(rng.uniform(x0, x1), rng.uniform(y0, y1))
        if outline.contains(p):
            seeds.append(p)
    cells = shapely.get_parts(shapely.voronoi_polygons(shapely.MultiPoint(seeds)))
    cells = [c.intersection(outline) for c in cells]
    cells = [c for c in cells if not c.is_empty and c.area > 0]
    blobs = []
    for _ in range(n_overlay):
        centre = seeds[int(rng.integers(len(seeds)))]
        radius = rng.uniform(2_000, 5_000)
        angles = np.sort(rng.uniform(0, 2 * np.pi, 9))
        radii = radius * rng.uniform(0.6, 1.0, 9)
        pts = np.c_[centre.x + radii * np.cos(angles), centre.y + radii * np.sin(angles)]
        blobs.append(shapely.Polygon(pts).buffer(radius / 4).intersection(outline))
    geoms = shapely.segmentize(np.array(cells + blobs, dtype=object), 100.0)
    kinds = ["cell"] * len(cells) + ["overlay"] * len(blobs)
    ids = [f"Z{i + 1:02d}" for i in range(len(kinds))]
    frame = gpd.GeoDataFrame({"id": ids, "kind": kinds}, geometry=geoms, crs=GK_CM102)
    return frame.to_crs(STORAGE_CRS)


def benchmark_zones() -> tuple[gpd.GeoDataFrame, str]:
    """The zones to benchmark against and where they came from (for the report)."""
    if ZONES_FILE.exists():
        zones = read_layer(ZONES_FILE)
        areal = zones.geometry.geom_type.isin(["Polygon", "MultiPolygon"])
        zones = zones[areal & ~zones.geometry.is_empty].reset_index(drop=True)
        if len(zones):
            return zones, f"data/zones.geojson ({len(zones)} polygon features)"
    zones = synthetic_zones()
    return zones, f"synthetic ({len(zones)} zones: Voronoi cells + overlays; no zones.geojson)"


def chenggong_centre_gk() -> tuple[float, float]:
    """Where parcels are laid: the centre of Chenggong (102.85°E, 24.87°N, the equal-area
    projection's centre) in EPSG:4543 metres."""
    x, y = transformer(CRS(STORAGE_CRS), CRS(GK_CM102)).transform(*CHENGGONG_LON_LAT)
    return float(x), float(y)
