"""Which overlap engine runs: a small registry that the other engines register with.

:func:`geo.measure.overlap.overlap_pairs` is the default engine and the one entry point.
Another engine (:mod:`geo.measure.overlap_dask`, which runs the default engine on
partitions) registers itself here with :func:`register` when its module is imported.
The imports flow one way: an engine imports the default one and this registry; the
default one imports only this registry, which imports an engine's module by name, and
only when that engine is asked for (its dependencies are optional).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Final, Literal, Protocol

from geo.errors import GeoError

if TYPE_CHECKING:
    import geopandas as gpd

Engine = Literal["geopandas", "dask"]

DEFAULT_ENGINE: Final = "geopandas"
"""The engine in :mod:`geo.measure.overlap` itself: shapely in threads, one process."""

ENGINE_MODULES: Final[dict[str, str]] = {"dask": "geo.measure.overlap_dask"}
"""Every other engine's name and the module that registers it."""


class PairsEngine(Protocol):
    """What an engine is called with: the layers, the names for messages, whether the
    pieces are kept, and where to run (a scheduler address, or None for this machine)."""

    def __call__(
        self,
        a: gpd.GeoDataFrame,
        b: gpd.GeoDataFrame,
        *,
        names: tuple[str, str],
        keep_geometry: bool,
        scheduler: str | None,
    ) -> gpd.GeoDataFrame: ...


class EngineError(GeoError, ValueError):
    """An unknown engine, or options that the chosen engine does not take."""


_REGISTERED: dict[str, PairsEngine] = {}


def register(name: str, engine: PairsEngine) -> None:
    """Record ``engine`` as the overlap engine called ``name`` (a key of
    :data:`ENGINE_MODULES`)."""
    if name not in ENGINE_MODULES:
        raise EngineError(f"overlap engine {name!r} is not declared in ENGINE_MODULES")
    _REGISTERED[name] = engine


def engine(name: str) -> PairsEngine:
    """The engine called ``name`` (not the default one), its module imported on first
    use; raises ImportError when its optional packages are missing."""
    if name not in ENGINE_MODULES:
        known = " or ".join(repr(n) for n in (DEFAULT_ENGINE, *ENGINE_MODULES))
        raise EngineError(f"unknown overlap engine {name!r}; use {known}")
    if name not in _REGISTERED:
        importlib.import_module(ENGINE_MODULES[name])
    return _REGISTERED[name]
