"""The dask engine gives the default engine's pairs, row for row."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from geo.errors import CRSError
from geo.measure.overlap import overlap_pairs
from tests.conftest import gk_boxes

dask = pytest.importorskip("dask")
dask_geopandas = pytest.importorskip("dask_geopandas")
distributed = pytest.importorskip("distributed")

from geo.measure.overlap_dask import overlap_pairs_dask  # noqa: E402  (needs the optional packages)


@pytest.fixture(scope="module")
def layers() -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    rng = np.random.default_rng(3)
    xs, ys = rng.uniform(0, 4000, 400), rng.uniform(0, 4000, 400)
    parcels = gk_boxes(*[(x, y, x + 120, y + 90) for x, y in zip(xs, ys, strict=True)])
    parcels.index = pd.Index([f"p{i:03d}" for i in range(len(parcels))], name="parcel")
    zones = gk_boxes((0, 0, 2000, 2000), (1500, 1500, 4000, 3000), (0, 3000, 600, 4200))
    zones.index = pd.Index([30, 10, 20])
    return parcels, zones


def _same(got: gpd.GeoDataFrame, expected: gpd.GeoDataFrame) -> None:
    pd.testing.assert_frame_equal(
        got.drop(columns="geometry").reset_index(drop=True),
        expected.drop(columns="geometry").reset_index(drop=True),
        check_dtype=False,
    )
    missing = expected.geometry.isna().to_numpy()
    assert (got.geometry.isna().to_numpy() == missing).all()
    present = np.flatnonzero(~missing)
    assert shapely.equals_exact(
        got.geometry.array[present], expected.geometry.array[present], 1e-12
    ).all()


def test_synchronous_scheduler_matches_default_engine(
    layers: tuple[gpd.GeoDataFrame, gpd.GeoDataFrame],
) -> None:
    parcels, zones = layers
    expected = overlap_pairs(parcels, zones)
    assert len(expected) > 50
    with dask.config.set(scheduler="synchronous"):
        _same(overlap_pairs(parcels, zones, engine="dask"), expected)
        _same(overlap_pairs_dask(parcels, zones, npartitions=4), expected)


def test_local_cluster_matches_default_engine(
    layers: tuple[gpd.GeoDataFrame, gpd.GeoDataFrame],
) -> None:
    parcels, zones = layers
    expected = overlap_pairs(parcels, zones, keep_geometry=False)
    with (
        distributed.LocalCluster(
            processes=False, n_workers=1, threads_per_worker=2, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster),
    ):
        got = overlap_pairs_dask(parcels, zones, keep_geometry=False, npartitions=3)
    _same(got, expected)


def test_dask_input_is_shuffled_by_space(layers: tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]) -> None:
    parcels, zones = layers
    expected = overlap_pairs(parcels, zones, keep_geometry=False)
    lazy = dask_geopandas.from_geopandas(parcels, npartitions=3)
    with dask.config.set(scheduler="synchronous"):
        got = overlap_pairs_dask(lazy, zones, keep_geometry=False)
    got = got.sort_values(["a_index", "b_index"], ignore_index=True)
    expected = expected.sort_values(["a_index", "b_index"], ignore_index=True)
    _same(got, expected)


def test_mixed_crs_is_refused_before_any_work(
    layers: tuple[gpd.GeoDataFrame, gpd.GeoDataFrame],
) -> None:
    parcels, zones = layers
    with pytest.raises(CRSError, match="EPSG:4326 but B is in EPSG:4543"):
        overlap_pairs(parcels, zones.to_crs("EPSG:4543"), engine="dask")
    lazy = dask_geopandas.from_geopandas(parcels, npartitions=2)
    with pytest.raises(CRSError, match="EPSG:4326 but B is in EPSG:4543"):
        overlap_pairs_dask(lazy, zones.to_crs("EPSG:4543"))


def test_missing_and_empty_geometries_are_skipped_like_the_default_engine() -> None:
    a = gk_boxes((0, 0, 100, 100), (50, 50, 300, 300), (0, 0, 10, 10))
    a.loc[1, "geometry"] = None
    a.loc[2, "geometry"] = shapely.Polygon()
    b = gk_boxes((0, 0, 150, 150))
    expected = overlap_pairs(a, b)
    assert expected["a_index"].tolist() == [0]
    lazy = dask_geopandas.from_geopandas(a, npartitions=2)
    with dask.config.set(scheduler="synchronous"):
        _same(overlap_pairs(a, b, engine="dask"), expected)
        _same(overlap_pairs_dask(lazy, b), expected)
