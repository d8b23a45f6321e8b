"""Which overlap engine runs: a small registry that the other engines register with.

:func:`geo.measure.overlap.overlap_pairs` is the default engine and the one entry point.
Another engine (:mod:`geo.measure.overlap_dask`, which runs the default engine on
partitions) registers itself here with :func:`register` when its module is imported.
The imports flow one way: an engine imports the default one and this registry; the
default one imports only this registry, which imports an engine's module by name, and
only when that engine is asked for (its dependencies are optional).
"""

from __future__ import annotations

import functools
import importlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Final, Literal, Protocol

from geo.declared.config import CONFIG_DIR, check_keys, load_toml
from geo.errors import ConfigError, GeoError, collect

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


SCHEDULER_ENV: Final = "CHENGGONG_DASK_SCHEDULER"
"""Environment variable naming the office dask scheduler; overrides the config file."""


@dataclass(frozen=True)
class EngineSettings:
    """The app's overlap engine (``config/engine.toml``)."""

    engine: Engine
    scheduler: str | None
    cluster_min_features: int

    def for_layer(self, n_features: int) -> tuple[Engine, str | None]:
        """(engine, scheduler) for a layer of ``n_features``: small layers stay here."""
        if self.scheduler and n_features < self.cluster_min_features:
            return DEFAULT_ENGINE, None
        return self.engine, self.scheduler


def load_engine_settings(
    path: Path | None = None, *, environ: dict[str, str] | None = None
) -> EngineSettings:
    """Read and check ``config/engine.toml``; every problem is reported at once."""
    path = path or CONFIG_DIR / "engine.toml"
    raw = load_toml(path)
    problems = check_keys(raw, where=str(path), required=["overlap"])
    table = raw.get("overlap", {})
    keys = ["engine", "scheduler", "cluster_min_features"]
    problems += check_keys(table, where=f"{path} [overlap]", required=keys)
    known = (DEFAULT_ENGINE, *ENGINE_MODULES)
    if table.get("engine", DEFAULT_ENGINE) not in known:
        problems.append(f"{path}: engine {table.get('engine')!r}; use one of {', '.join(known)}")
    scheduler = (environ if environ is not None else os.environ).get(SCHEDULER_ENV)
    scheduler = scheduler if scheduler is not None else table.get("scheduler", "")
    if not isinstance(scheduler, str) or (scheduler and "://" not in scheduler):
        problems.append(
            f"{path}: scheduler {scheduler!r}; give an address like tcp://HOST:8786 or ''"
        )
    minimum = table.get("cluster_min_features", 0)
    if not isinstance(minimum, int) or isinstance(minimum, bool) or minimum < 0:
        problems.append(f"{path}: cluster_min_features {minimum!r}; give a whole number >= 0")
    collect(problems, what=str(path), error=ConfigError)
    engine: Engine = "dask" if scheduler else table["engine"]  # a cluster means dask
    return EngineSettings(
        engine=engine, scheduler=scheduler or None, cluster_min_features=int(minimum)
    )


@functools.cache
def engine_settings() -> EngineSettings:
    """The app's settings, read once per process."""
    return load_engine_settings()
