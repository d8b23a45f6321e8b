"""config/engine.toml: the app's overlap engine and an optional office dask cluster."""

from __future__ import annotations

from pathlib import Path

import pytest

from geo.errors import ConfigError
from geo.measure.engines import SCHEDULER_ENV, load_engine_settings


def test_the_shipped_file_runs_here() -> None:
    settings = load_engine_settings(environ={})
    assert (settings.engine, settings.scheduler) == ("geopandas", None)
    assert settings.for_layer(10_000_000) == ("geopandas", None)


def test_a_scheduler_from_the_environment_sends_large_layers_to_the_cluster() -> None:
    settings = load_engine_settings(environ={SCHEDULER_ENV: "tcp://10.1.2.3:8786"})
    assert settings.engine == "dask"
    big = settings.cluster_min_features
    assert settings.for_layer(big) == ("dask", "tcp://10.1.2.3:8786")
    assert settings.for_layer(big - 1) == ("geopandas", None)  # small layers stay here


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    path = tmp_path / "engine.toml"
    path.write_text(
        '[overlap]\nengine = "spark"\nscheduler = "10.1.2.3"\n'
        "cluster_min_features = -1\nthreads = 2\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as info:
        load_engine_settings(path, environ={})
    message = str(info.value)
    assert "4 problem(s)" in message
    for part in ("unknown key 'threads'", "engine 'spark'", "scheduler '10.1.2.3'", "-1"):
        assert part in message
