"""A coarse grid over each zone that settles most parcel–zone pairs without GEOS.

Each zone's box (in the equal-area CRS, metres) is cut into square cells of
:data:`CELL_M`, and every cell is classed once: wholly inside the zone (not touching its
boundary), wholly outside it, or crossing its boundary. A parcel whose box lies in cells
that are all inside is inside the zone (its overlap is its own area); one whose box lies
in cells that are all outside does not meet it. Only the rest need a geometric test. On
parcel data about two thirds of the "wholly inside" pairs are settled this way.

Cells are tested a millimetre larger than they are, so a box that floating-point
rounding puts in a cell is inside the tested square. Zones change rarely: the classes
are cached by the zones' coordinates (a digest of their WKB).
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt
import shapely

from geo.measure.projection import FloatArray, GeometryArray

CELL_M: Final = 1_000.0
"""Cell side in metres: a few parcels across, so most parcels lie in one or two cells."""

MAX_CELLS: Final = 250_000
"""Zones whose cells would number more than this all together are not tiled."""

OUTSIDE: Final = 0
INSIDE: Final = 1
UNKNOWN: Final = 2

_MARGIN_M: Final = 1e-3


@dataclass(frozen=True)
class ZoneCells:
    """The classes of every zone's cells, flattened: zone ``k``'s ``ny[k] * nx[k]``
    cells start at ``offset[k]`` in ``classes``, row by row from ``(x0[k], y0[k])``."""

    x0: FloatArray
    y0: FloatArray
    nx: npt.NDArray[np.int64]
    ny: npt.NDArray[np.int64]
    offset: npt.NDArray[np.int64]
    classes: npt.NDArray[np.int8]
    cell_m: float

    def classify(self, boxes: FloatArray, zone: npt.NDArray[np.intp]) -> npt.NDArray[np.int8]:
        """For box ``boxes[i]`` (xmin, ymin, xmax, ymax) against zone ``zone[i]``:
        :data:`INSIDE`, :data:`OUTSIDE` or :data:`UNKNOWN` (needs a geometric test)."""
        s = self.cell_m
        x0, y0, nx, ny = self.x0[zone], self.y0[zone], self.nx[zone], self.ny[zone]
        cx0 = np.floor((boxes[:, 0] - x0) / s).astype(np.int64)
        cy0 = np.floor((boxes[:, 1] - y0) / s).astype(np.int64)
        cx1 = np.floor((boxes[:, 2] - x0) / s).astype(np.int64)
        cy1 = np.floor((boxes[:, 3] - y0) / s).astype(np.int64)
        small = (cx1 - cx0 <= 1) & (cy1 - cy0 <= 1)  # the box lies in at most 2 x 2 cells
        corners = []
        for cx, cy in ((cx0, cy0), (cx1, cy0), (cx0, cy1), (cx1, cy1)):
            inside_grid = (cx >= 0) & (cx < nx) & (cy >= 0) & (cy < ny)
            flat = self.offset[zone] + np.clip(cy, 0, ny - 1) * nx + np.clip(cx, 0, nx - 1)
            corners.append(np.where(inside_grid, self.classes[flat], OUTSIDE))
        stacked = np.stack(corners)
        out = np.full(len(zone), UNKNOWN, dtype=np.int8)
        out[small & (stacked == INSIDE).all(axis=0)] = INSIDE
        out[small & (stacked == OUTSIDE).all(axis=0)] = OUTSIDE
        return out


def zone_cells(zones: GeometryArray, *, cell_m: float = CELL_M) -> ZoneCells | None:
    """The cell classes of ``zones`` (equal-area geometries), or None when there would
    be more than :data:`MAX_CELLS` cells. Cached by the zones' coordinates."""
    digest = hashlib.blake2b(b"".join(shapely.to_wkb(zones)), digest_size=16).digest()
    return _zone_cells(digest, zones, cell_m)


def _zone_cells(digest: bytes, zones: GeometryArray, cell_m: float) -> ZoneCells | None:
    key = (digest, cell_m)
    with _LOCK:
        if key in _CACHE:
            return _CACHE[key]
    cells = _build(zones, cell_m)
    with _LOCK:
        while len(_CACHE) >= _CACHE_SIZE:
            _CACHE.pop(next(iter(_CACHE)))
        _CACHE[key] = cells
    return cells


_CACHE_SIZE: Final = 16
_CACHE: dict[tuple[bytes, float], ZoneCells | None] = {}
_LOCK = threading.Lock()


def _build(zones: GeometryArray, cell_m: float) -> ZoneCells | None:
    bounds = shapely.bounds(zones)
    bounds = np.where(np.isnan(bounds), 0.0, bounds)
    nx = np.floor((bounds[:, 2] - bounds[:, 0]) / cell_m).astype(np.int64) + 1
    ny = np.floor((bounds[:, 3] - bounds[:, 1]) / cell_m).astype(np.int64) + 1
    sizes = nx * ny
    if int(sizes.sum()) > MAX_CELLS:
        return None
    offset = np.cumsum(sizes) - sizes
    classes = np.full(int(sizes.sum()), UNKNOWN, dtype=np.int8)
    for k, zone in enumerate(zones):
        if zone is None or shapely.is_empty(zone):
            classes[offset[k] : offset[k] + sizes[k]] = OUTSIDE
            continue
        iy, ix = np.divmod(np.arange(sizes[k]), nx[k])
        x = bounds[k, 0] + ix * cell_m
        y = bounds[k, 1] + iy * cell_m
        cells = shapely.box(
            x - _MARGIN_M, y - _MARGIN_M, x + cell_m + _MARGIN_M, y + cell_m + _MARGIN_M
        )
        shapely.prepare(zone)  # this thread's own copy (see overlap_pairs)
        inside = np.asarray(shapely.contains_properly(zone, cells), dtype=bool)
        meets = np.asarray(shapely.intersects(zone, cells), dtype=bool)
        cls = np.full(sizes[k], UNKNOWN, dtype=np.int8)
        cls[inside] = INSIDE
        cls[~meets] = OUTSIDE
        classes[offset[k] : offset[k] + sizes[k]] = cls
    return ZoneCells(
        x0=bounds[:, 0].copy(), y0=bounds[:, 1].copy(), nx=nx, ny=ny, offset=offset,
        classes=classes, cell_m=cell_m,
    )  # fmt: skip
