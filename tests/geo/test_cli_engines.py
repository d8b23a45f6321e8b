"""``python -m geo overlaps``: the A x B matrix, and the dask engine on a scheduler named
by address (a ``distributed`` LocalCluster on TCP, when the optional packages are in)."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

from geo.cli import main
from geo.io import write_geojson_atomic
from tests.conftest import gk_boxes


@pytest.fixture
def layers(tmp_path: Path) -> tuple[Path, Path]:
    parcels = gk_boxes(
        (0, 0, 100, 100), (900, 0, 1100, 100), (3000, 3000, 3100, 3100), ids=["p1", "p2", "p3"]
    )
    zones = gk_boxes((0, 0, 1000, 1000), (1000, 0, 2000, 1000), ids=["west", "east"])
    a, b = tmp_path / "parcels.geojson", tmp_path / "zones.geojson"
    write_geojson_atomic(parcels, a)
    write_geojson_atomic(zones, b)
    return a, b


def _json(capsys: pytest.CaptureFixture[str], *argv: str) -> list[dict[str, object]]:
    assert main(list(argv)) == 0
    rows: list[dict[str, object]] = json.loads(capsys.readouterr().out)
    return rows


def test_matrix_rows_are_a_and_columns_b(
    layers: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    a, b = layers
    rows = _json(capsys, "overlaps", str(a), str(b), "--matrix", "--unit", "m2", "--format", "json")
    # p1 (100 m square) lies in west; p2 (200 x 100 m) straddles the shared edge, half
    # each; p3 meets nothing and has no row. EPSG:4543 is within 0.02 % of the ellipsoid.
    assert [r["a \\ b"] for r in rows] == ["p1", "p2"]
    assert rows[0]["west"] == pytest.approx(10_000, rel=1e-3)
    assert rows[0]["east"] == 0.0
    assert rows[1]["west"] == pytest.approx(10_000, rel=1e-3)
    assert rows[1]["east"] == pytest.approx(10_000, rel=1e-3)


def test_scheduler_with_the_default_engine_is_a_clear_error(
    layers: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    a, b = layers
    argv = ["overlaps", str(a), str(b), "--engine", "geopandas", "--scheduler", "tcp://h:1"]
    assert main(argv) == 2
    assert "use the dask engine or leave the scheduler out" in capsys.readouterr().err


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


def test_unreachable_scheduler_says_how_to_start_one(
    layers: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("distributed")
    pytest.importorskip("dask_geopandas")
    a, b = layers
    address = f"tcp://127.0.0.1:{_free_port()}"  # nothing listens there
    monkey = pytest.MonkeyPatch()
    monkey.setattr("geo.measure.overlap_dask.SCHEDULER_TIMEOUT_S", 1.0)
    try:
        assert main(["overlaps", str(a), str(b), "--scheduler", address]) == 2
    finally:
        monkey.undo()
    err = capsys.readouterr().err
    assert f"no dask scheduler answered at '{address}'" in err
    assert "dask scheduler" in err and "dask worker" in err


def test_dask_engine_on_a_tcp_scheduler_prints_the_default_output(
    layers: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    distributed = pytest.importorskip("distributed")
    pytest.importorskip("dask_geopandas")
    a, b = layers
    argv = ["overlaps", str(a), str(b), "--unit", "m2", "--format", "csv"]
    assert main(argv) == 0
    expected = capsys.readouterr().out
    with distributed.LocalCluster(
        processes=False, n_workers=1, threads_per_worker=1, protocol="tcp", dashboard_address=None
    ) as cluster:
        address = cluster.scheduler_address
        assert address.startswith("tcp://")
        assert main([*argv, "--engine", "dask", "--scheduler", address]) == 0
        tasks = sum(len(w.state.log) for w in cluster.workers.values())
    assert capsys.readouterr().out == expected
    assert tasks > 0  # the work ran on the cluster's worker
    assert len(expected.splitlines()) == 4  # header and three pairs
