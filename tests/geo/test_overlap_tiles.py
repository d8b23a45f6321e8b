"""Zone cells (geo.measure.tiles) settle pairs exactly as GEOS would: same pairs, same
figures, and every class checked against shapely on hand-built shapes."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

import geo.measure.overlap
from geo.measure.overlap import overlap_pairs
from geo.measure.tiles import INSIDE, OUTSIDE, UNKNOWN, zone_cells
from tests.conftest import gk_boxes


def test_cells_of_a_ring_shaped_zone() -> None:
    # A 6 km square with a 1.2 km hole in the middle, in metres; 1 km cells, so cell
    # (2, 2) lies in the hole and the cells along the outer edge touch the boundary.
    zone = shapely.box(0, 0, 6000, 6000).difference(shapely.box(1900, 1900, 3100, 3100))
    cells = zone_cells(np.array([zone], dtype=object), cell_m=1000.0)
    assert cells is not None
    boxes = np.array(
        [
            [4100, 4100, 4900, 4900],  # in an inner cell: inside
            [2100, 2100, 2900, 2900],  # in the hole's cell: outside
            [3900, 4100, 4100, 4900],  # across two inner cells: inside
            [1850, 2100, 1950, 2200],  # in a cell the hole's edge crosses: unknown
            [-500, 100, -100, 900],  # left of the zone's box: outside
            [1100, 4100, 3900, 4900],  # across four cells in a row: not settled
            [5100, 5100, 5900, 5999],  # in a cell on the outer edge: unknown
        ],
        dtype=float,
    )
    got = cells.classify(boxes, np.zeros(len(boxes), dtype=np.intp))
    assert got.tolist() == [INSIDE, OUTSIDE, INSIDE, UNKNOWN, OUTSIDE, UNKNOWN, UNKNOWN]
    # Whatever a class says, shapely agrees.
    geoms = shapely.box(*boxes.T)
    assert shapely.contains_properly(zone, geoms[got == INSIDE]).all()
    assert not shapely.intersects(zone, geoms[got == OUTSIDE]).any()


def _layers(seed: int) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    rng = np.random.default_rng(seed)
    xs, ys = rng.uniform(-500, 6500, 3000), rng.uniform(-500, 6500, 3000)
    ws, hs = rng.uniform(50, 400, 3000), rng.uniform(50, 400, 3000)
    parcels = gk_boxes(*[(x, y, x + w, y + h) for x, y, w, h in zip(xs, ys, ws, hs, strict=True)])
    zones = gk_boxes((0, 0, 4000, 4000), (2500, 2500, 6000, 5000), (800, 800, 1200, 1200))
    ring = gk_boxes((0, 4200, 6000, 6000)).geometry.iloc[0]
    hole = gk_boxes((1000, 4600, 2000, 5600)).geometry.iloc[0]
    zones.loc[len(zones)] = ["holed", ring.difference(hole)]
    return parcels, zones


@pytest.mark.parametrize("seed", [1, 2])
def test_cells_give_the_pairs_and_figures_of_geos(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    parcels, zones = _layers(seed)
    with_cells = overlap_pairs(parcels, zones, threads=1)
    monkeypatch.setattr(geo.measure.overlap, "_TILES_MIN", 10**12)
    without = overlap_pairs(parcels, zones, threads=1)
    pd.testing.assert_frame_equal(
        pd.DataFrame(with_cells.drop(columns="geometry")),
        pd.DataFrame(without.drop(columns="geometry")),
    )
    assert shapely.equals_exact(with_cells.geometry.array, without.geometry.array, 0).all()
    assert (with_cells["a_share"] == 1.0).sum() > 100  # many pairs really were inside


def test_too_many_cells_are_not_built() -> None:
    huge = np.array([shapely.box(0, 0, 1e6, 1e6)], dtype=object)  # 1000 km: a million cells
    assert zone_cells(huge) is None
