"""A saved layer's figures and grid cells, computed once per version and kept beside it.

A layer of 1,000,000 parcels takes tens of seconds to read back from the store and
measure; the page must not do that on every run just to say how large the layer is or to
draw its grid cells below the tiles' first zoom. So both are computed once, from the
frame that was saved (:func:`summarise`), and written next to the layer's other cached
files (``<UserLayers.root>/<layer_id>/``, where its tile capability is kept)::

    summary-<features_of>.json      the figures (JSON)
    cells-<features_of>.geojson     the grid cells (GeoJSON, EPSG:4326): 500 m, or
                                    coarser where the extent needs over 8,000 of them

``features_of`` is the version whose features they describe (a rename or share changes no
feature, so the files stay valid). Written atomically; a missing or damaged file is just
"not computed yet" (None), never an error: the store is the record, these are caches.

The figures are those of an upload (:func:`geo.upload.analysis.area_totals_m2`, as
:mod:`ui.upload_form` shows them): the plain sum of the ellipsoidal areas (CGCS2000,
equal-area path) and the union (overlaps counted once), with the sum of the features'
accuracy bands, so a total is shown no finer than its members
(:func:`geo.measure.precision.band_display`).
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Final

import geopandas as gpd
import shapely

from geo.declared.i18n import t
from geo.display import grid_summary
from geo.errors import GeoError
from geo.io import atomic_write, geojson_text, read_layer
from geo.measure.crs import GK_CM102
from geo.measure.precision import band_display, band_m2

CELL_M: Final = 500.0
"""Side of the grid cells drawn below the tiles' first zoom (EPSG:4543 metres)..."""
MAX_CELLS: Final = 8_000
"""... doubled until the layer's extent holds at most this many (the map sends them all:
1,000,000 synthetic parcels over 21,000 km² made 84,000 cells of 500 m, 23 CPU-s and
680 MiB to draw one page)."""


@dataclass(frozen=True)
class LayerSummary:
    """The figures of one version of a saved layer (areas ellipsoidal on CGCS2000, m²)."""

    features_of: int
    feature_count: int
    area_m2: float
    """Plain sum of the features' areas."""
    union_m2: float
    """Area covered, overlaps between the features counted once."""
    band_m2: float
    """Sum of the features' accuracy bands (0 when the layer states no ``accuracy_m``)."""
    schematic: bool
    cell_m: float
    """Side of the kept grid cells (EPSG:4543 metres): :data:`CELL_M` or a power of two
    times it (:func:`cell_size_m`)."""

    def line(self, unit: str, lang: str) -> str:
        """One line for the page or the command line: features, sum and union in ``unit``."""
        u = t(f"unit_{unit}", lang)
        total = band_display(
            self.area_m2, unit=unit, band_m2=self.band_m2, schematic=self.schematic
        )
        union = band_display(
            self.union_m2, unit=unit, band_m2=self.band_m2, schematic=self.schematic
        )
        return (
            f"{t('feature_count', lang)}: {self.feature_count:,} · {t('total_sum', lang)} "
            f"{total} {u} · {t('total_union', lang)} {union} {u}"
        )


def summarise(
    frame: gpd.GeoDataFrame, *, features_of: int
) -> tuple[LayerSummary, gpd.GeoDataFrame]:
    """The figures and the grid cells of ``frame`` (EPSG:4326, as saved)."""
    from geo.upload.analysis import area_totals_m2  # the upload's figures, one definition

    area_m2, union_m2 = area_totals_m2(frame)
    cell_m = cell_size_m(frame)
    schematic = "schematic" in frame and bool(frame["schematic"].fillna(False).astype(bool).any())
    summary = LayerSummary(
        features_of=features_of,
        feature_count=len(frame),
        area_m2=area_m2,
        union_m2=union_m2,
        band_m2=float(band_m2(frame).sum()),
        schematic=schematic,
        cell_m=cell_m,
    )
    return summary, grid_summary(frame, cell_m=cell_m)


def cell_size_m(frame: gpd.GeoDataFrame) -> float:
    """:data:`CELL_M`, doubled until the layer's bounding box (in EPSG:4543) is covered
    by at most :data:`MAX_CELLS` cells.

    >>> import shapely
    >>> one_km = gpd.GeoDataFrame(geometry=[shapely.box(500_000, 2_750_000, 501_000,
    ...     2_751_000)], crs=GK_CM102).to_crs("EPSG:4326")
    >>> cell_size_m(one_km)
    500.0
    """
    present = frame.geometry[~(frame.geometry.isna() | frame.geometry.is_empty)]
    if present.empty:
        return CELL_M
    box = gpd.GeoSeries([shapely.box(*present.total_bounds)], crs=frame.crs)
    minx, miny, maxx, maxy = box.to_crs(GK_CM102).total_bounds
    cell_m = CELL_M
    while math.ceil((maxx - minx) / cell_m) * math.ceil((maxy - miny) / cell_m) > MAX_CELLS:
        cell_m *= 2
    return cell_m


def _paths(root: Path, layer_id: str, features_of: int) -> tuple[Path, Path]:
    folder = Path(root) / layer_id
    return folder / f"summary-{features_of}.json", folder / f"cells-{features_of}.geojson"


def write_summary(
    root: Path, layer_id: str, summary: LayerSummary, cells: gpd.GeoDataFrame
) -> None:
    """Keep the figures and cells of the layer's version ``summary.features_of`` (cells
    first: the figures' file says both are there); older versions' files go."""
    figures, grid = _paths(root, layer_id, summary.features_of)
    with atomic_write(grid) as fh:
        fh.write(geojson_text(cells[["count", "area_m2", "geometry"]]))
    with atomic_write(figures) as fh:
        fh.write(json.dumps(asdict(summary)))
    for old in (*figures.parent.glob("summary-*.json"), *figures.parent.glob("cells-*.geojson")):
        if old not in (figures, grid):
            old.unlink(missing_ok=True)


def read_summary(root: Path, layer_id: str, features_of: int) -> LayerSummary | None:
    """The figures of that version if they were computed, else None."""
    figures, _grid = _paths(root, layer_id, features_of)
    try:
        raw = json.loads(figures.read_text(encoding="utf-8"))
        summary = LayerSummary(**raw)
    except (OSError, ValueError, TypeError):
        return None
    return summary if summary.features_of == features_of else None


def read_cells(root: Path, layer_id: str, features_of: int) -> gpd.GeoDataFrame | None:
    """The grid cells of that version if they were computed, else None."""
    if read_summary(root, layer_id, features_of) is None:
        return None
    _figures, grid = _paths(root, layer_id, features_of)
    try:
        return read_layer(grid)
    except (GeoError, OSError, ValueError):
        return None
