"""Overlaps beyond one machine: the default engine run on dask-geopandas partitions.

Province-wide layers (tens of millions of land-survey patches) do not fit one process.
This engine cuts the large layer ``a`` into spatially compact partitions (features in
Hilbert-curve order, so each partition covers a compact area), sends the small layer
``b`` (plan zones, a drawn polygon) to every partition, and runs
:func:`geo.measure.overlap.overlap_pairs` on each: the figures are the default engine's, row for
row. dask-geopandas has no overlay of its own; this is the "map a function over spatial
partitions" pattern it is built for.

Where it runs is dask's choice: the synchronous scheduler, a local cluster, or a real
cluster, named by address (``python -m geo overlaps --scheduler tcp://HOST:8786``, the
app's ``config/engine.toml``) or by creating a client before calling::

    pairs = overlap_pairs(parcels, zones, engine="dask", scheduler="tcp://scheduler:8786")

    from distributed import Client
    client = Client("tcp://scheduler:8786")  # later computations run there
    pairs = overlap_pairs(parcels, zones, engine="dask")

The scheduler and its workers must be able to import ``geo`` (README, "An office
cluster"). This module registers the engine with :mod:`geo.measure.engines`.

For a layer too big to load, read it with ``dask_geopandas.read_parquet`` and call
:func:`overlap_pairs_dask` directly. Needs the packages in ``requirements-dask.txt``;
dask itself is imported only when this engine runs.
"""

from __future__ import annotations

import itertools
import math
from typing import TYPE_CHECKING, Any, Final

import geopandas as gpd
import numpy as np

from geo.errors import GeoError
from geo.measure import engines
from geo.measure.crs import require_same_crs
from geo.measure.overlap import overlap_pairs

if TYPE_CHECKING:
    import dask_geopandas  # type: ignore[import-untyped,import-not-found,unused-ignore]

FEATURES_PER_PARTITION: Final = 50_000
"""Default partition size for an in-memory ``a``: large enough that dask's per-task
overhead (about a millisecond) is negligible, small enough to spread over workers."""

SCHEDULER_TIMEOUT_S: Final = 10.0
"""How long to wait for a scheduler named by address before saying none answered."""

_MISSING: Final = (
    "engine='dask' needs the optional packages: "
    "pip install -r requirements-dask.txt (dask, distributed, dask-geopandas)"
)
_POSITION: Final = "_a_position"
_LABEL: Final = "_a_label"


class SchedulerError(GeoError):
    """The dask scheduler named by address did not answer."""


class MissingDaskError(GeoError, ImportError):
    """The dask engine was asked for, but its optional packages are not installed."""


def _client() -> Any:
    """The current ``distributed`` client, or None (then dask's local scheduler runs)."""
    try:
        from distributed import get_client  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        return None
    try:
        return get_client()  # type: ignore[no-untyped-call,unused-ignore]
    except ValueError:
        return None


def _drop_empty(part: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    present: gpd.GeoDataFrame = part[~(part.geometry.isna() | part.geometry.is_empty)]
    return present


def _partition_pairs(
    part: gpd.GeoDataFrame, b: gpd.GeoDataFrame, *, keep_geometry: bool, names: tuple[str, str]
) -> gpd.GeoDataFrame:
    """Overlap pairs of one partition of ``a`` with all of ``b``, ``a_index`` as labels."""
    local = gpd.GeoDataFrame(geometry=part.geometry.to_numpy(), crs=part.crs)
    pairs = overlap_pairs(local, b, names=names, keep_geometry=keep_geometry, threads=1)
    positions = pairs["a_index"].to_numpy(dtype=np.intp)
    labels = part[_LABEL] if _LABEL in part.columns else part.index
    pairs["a_index"] = labels.to_numpy()[positions]
    if _POSITION in part.columns:
        pairs[_POSITION] = part[_POSITION].to_numpy()[positions]
    return pairs


def overlap_pairs_dask(
    a: gpd.GeoDataFrame | dask_geopandas.GeoDataFrame,
    b: gpd.GeoDataFrame,
    *,
    names: tuple[str, str] = ("A", "B"),
    keep_geometry: bool = True,
    npartitions: int | None = None,
    scheduler: str | None = None,
) -> gpd.GeoDataFrame:
    """:func:`geo.measure.overlap.overlap_pairs` computed on dask partitions of ``a``.

    ``a`` is a GeoDataFrame (split into ``npartitions`` Hilbert-ordered partitions,
    default one per :data:`FEATURES_PER_PARTITION` features) or a
    ``dask_geopandas.GeoDataFrame`` (spatially shuffled first, unless
    ``npartitions=0`` says its partitions are already compact). ``b`` is in memory and
    goes to every partition whole. Same CRS rules, columns and figures as the default
    engine. Rows are sorted by ``a`` then ``b`` position for an in-memory ``a``; for a
    dask ``a``, by partition, then position within it.

    ``scheduler`` is the address of a dask scheduler (``"tcp://HOST:PORT"``): the work
    runs on its workers, through a client opened for this call and closed after it.
    Without it, an active ``distributed`` client is used, or dask's local scheduler.
    """
    if scheduler is None:
        return _pairs(a, b, names=names, keep_geometry=keep_geometry, npartitions=npartitions)
    try:
        from distributed import Client  # type: ignore[import-not-found,unused-ignore]
    except ImportError as exc:
        raise MissingDaskError(_MISSING) from exc
    try:
        client = Client(scheduler, timeout=SCHEDULER_TIMEOUT_S, set_as_default=False)  # type: ignore[no-untyped-call,unused-ignore]
    except OSError as exc:  # refused, unreachable, timed out
        raise SchedulerError(
            f"no dask scheduler answered at {scheduler!r} within {SCHEDULER_TIMEOUT_S:g} s "
            f"({exc}); start one with 'dask scheduler' and workers with "
            "'dask worker tcp://HOST:8786', or leave --scheduler out to run here."
        ) from exc
    with client, client.as_current():
        return _pairs(a, b, names=names, keep_geometry=keep_geometry, npartitions=npartitions)


def _pairs(
    a: gpd.GeoDataFrame | dask_geopandas.GeoDataFrame,
    b: gpd.GeoDataFrame,
    *,
    names: tuple[str, str],
    keep_geometry: bool,
    npartitions: int | None,
) -> gpd.GeoDataFrame:
    try:
        import dask.dataframe as dd  # type: ignore[import-not-found,unused-ignore]
        import dask_geopandas  # type: ignore[import-untyped,import-not-found,unused-ignore]
        from dask.delayed import delayed  # type: ignore[import-not-found,unused-ignore]
    except ImportError as exc:
        raise MissingDaskError(_MISSING) from exc
    if isinstance(a, dask_geopandas.GeoDataFrame):
        require_same_crs(gpd.GeoDataFrame(geometry=[], crs=a.crs), b, names=names)
        b_ref = delayed(b)  # one copy in the task graph, not one per partition
        # Keep the index labels in a column: the spatial shuffle replaces the index.
        label = a.index.name or "index"
        frame = a[[a.geometry.name]].reset_index().rename(columns={label: _LABEL})
        # Missing and empty geometries have no place on the Hilbert curve and no pairs.
        frame = frame.map_partitions(_drop_empty, meta=frame._meta)
        if npartitions != 0:
            frame = frame.spatial_shuffle(by="hilbert")
    else:
        require_same_crs(a, b, names=names)
        # Hilbert order on the layer's own coordinates: neighbours share a partition.
        # Missing and empty geometries (no position on the curve, no pairs) go last.
        present = ~(a.geometry.isna() | a.geometry.is_empty).to_numpy()
        key = np.full(len(a), np.iinfo(np.int64).max, dtype=np.int64)
        if present.any():
            key[present] = a.geometry[present].hilbert_distance().to_numpy()
        order = np.argsort(key, kind="stable")
        local = gpd.GeoDataFrame(
            {_POSITION: np.arange(len(a))}, geometry=a.geometry.to_numpy(), crs=a.crs
        )
        local.index = a.index
        local = local.iloc[order]
        parts = npartitions or max(1, math.ceil(len(a) / FEATURES_PER_PARTITION))
        bounds = np.linspace(0, len(local), parts + 1, dtype=int)
        pieces = [local.iloc[lo:hi] for lo, hi in itertools.pairwise(bounds)]
        client = _client()
        if client is not None:
            # On a cluster, send the partitions and the zones to the workers once rather
            # than inside the task graph.
            futures = client.scatter(pieces)
            frame = dd.from_delayed(futures, meta=local.iloc[:0], verify_meta=False)
            b_ref = client.scatter(b, broadcast=True)
        else:
            frame = dd.from_delayed([delayed(p) for p in pieces], meta=local.iloc[:0])
            b_ref = delayed(b)

    meta = _partition_pairs(frame._meta, b, keep_geometry=keep_geometry, names=names)
    lazy = frame.map_partitions(
        _partition_pairs, b_ref, keep_geometry=keep_geometry, names=names, meta=meta
    )
    result: Any = lazy.compute()
    if _POSITION in result.columns:
        # Each partition lists a feature's pairs together, in b order: a stable sort by
        # a's position restores the default engine's row order.
        order = np.argsort(result[_POSITION].to_numpy(), kind="stable")
        result = result.iloc[order].drop(columns=_POSITION)
    out: gpd.GeoDataFrame = result.reset_index(drop=True)
    return out


engines.register("dask", overlap_pairs_dask)
