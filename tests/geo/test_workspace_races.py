"""The workspace under concurrent sessions and crashes: operations on one layer are
atomic with respect to each other, a vanished layer is a project error, and a crash's
leftovers are cleaned without touching a save under way.

Real threads and processes on a real folder; nothing is mocked.
"""

from __future__ import annotations

import functools
import multiprocessing
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import geo.store.workspace
from geo.errors import GeoError, InputFileError
from geo.io import geojson_text
from geo.store.workspace import LayerGoneError, Workspace
from geo.upload import LoadedLayer, read_upload
from tests.conftest import gk_boxes

REPO = Path(__file__).resolve().parents[2]
THREAD_ROUNDS = 300
PROCESS_ROUNDS = 150


def _upload() -> tuple[bytes, LoadedLayer]:
    data = geojson_text(gk_boxes((0, 0, 100, 100), (200, 0, 300, 80))).encode("utf-8")
    loaded = read_upload(data, "parcels.geojson")
    assert isinstance(loaded, LoadedLayer)
    return data, loaded


def _visible(root: Path) -> set[str]:
    """Entries of the workspace a user could see as layers (not hidden bookkeeping)."""
    return {p.name for p in root.iterdir() if not p.name.startswith(".")}


def _errors_outside_the_project(errors: list[BaseException]) -> list[str]:
    return [f"{type(e).__name__}: {e}" for e in errors if not isinstance(e, GeoError)]


def _attempt(errors: list[BaseException], action: Callable[[], Any]) -> None:
    try:
        action()
    except BaseException as exc:  # every error raised is collected, then judged
        errors.append(exc)


def _list_and_read(ws: Workspace, errors: list[BaseException]) -> None:
    for meta in ws.list_layers():
        _attempt(errors, functools.partial(ws.read, meta.layer_id))


def test_rename_against_delete_in_threads(tmp_path: Path) -> None:
    data, loaded = _upload()
    ws = Workspace(tmp_path / "ws")
    errors: list[BaseException] = []
    deleted: list[str] = []
    for round_ in range(THREAD_ROUNDS):
        meta = ws.save(loaded, data, name=f"layer {round_}")
        start = threading.Barrier(3, timeout=30)

        def renamer(layer_id: str = meta.layer_id, start: Any = start) -> None:
            start.wait()
            for k in range(3):
                _attempt(errors, functools.partial(ws.rename, layer_id, f"renamed {k}"))

        def deleter(layer_id: str = meta.layer_id, start: Any = start) -> None:
            start.wait()
            ws.delete(layer_id)  # the only deleter: it must succeed
            deleted.append(layer_id)

        def lister(start: Any = start) -> None:
            start.wait()
            _list_and_read(ws, errors)

        threads = [threading.Thread(target=f) for f in (renamer, deleter, lister)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
            assert not thread.is_alive(), "a workspace operation hung"
    assert len(deleted) == THREAD_ROUNDS
    assert _errors_outside_the_project(errors) == []
    assert all(isinstance(e, LayerGoneError) for e in errors), {type(e) for e in errors}
    assert _visible(ws.root) == set(), "deleted layers came back"
    assert ws.list_layers() == []


def _rename_all(root: str, ids: list[str], barrier: Any, out: Any) -> None:
    ws = Workspace(root)
    for layer_id in ids:
        barrier.wait(timeout=30)
        for k in range(2):
            try:
                ws.rename(layer_id, f"renamed {k}")
            except GeoError as exc:
                out.put(("project", type(exc).__name__))
            except BaseException as exc:  # reported to the parent
                out.put(("raw", f"{type(exc).__name__}: {exc}"))
    out.put(("done", "rename"))


def _delete_all(root: str, ids: list[str], barrier: Any, out: Any) -> None:
    ws = Workspace(root)
    for layer_id in ids:
        barrier.wait(timeout=30)
        try:
            ws.delete(layer_id)
        except BaseException as exc:  # reported to the parent
            out.put(("raw", f"delete {type(exc).__name__}: {exc}"))
    out.put(("done", "delete"))


def test_rename_against_delete_in_processes(tmp_path: Path) -> None:
    data, loaded = _upload()
    ws = Workspace(tmp_path / "ws")
    ids = [ws.save(loaded, data, name=f"p{i}").layer_id for i in range(PROCESS_ROUNDS)]
    ctx = multiprocessing.get_context("spawn")
    barrier, out = ctx.Barrier(2), ctx.Queue()
    workers = [
        ctx.Process(target=_rename_all, args=(str(ws.root), ids, barrier, out)),
        ctx.Process(target=_delete_all, args=(str(ws.root), ids, barrier, out)),
    ]
    for worker in workers:
        worker.start()
    reports = []
    done = 0
    while done < 2:
        kind, what = out.get(timeout=120)
        done += kind == "done"
        reports.append((kind, what))
    for worker in workers:
        worker.join(timeout=30)
        assert worker.exitcode == 0
    assert [w for k, w in reports if k == "raw"] == []
    assert {w for k, w in reports if k == "project"} <= {"LayerGoneError"}
    assert _visible(ws.root) == set(), "deleted layers came back"
    assert ws.list_layers() == []


def test_every_operation_on_a_deleted_layer_says_so(tmp_path: Path) -> None:
    data, loaded = _upload()
    ws = Workspace(tmp_path / "ws")
    meta = ws.save(loaded, data, name="地块")
    ws.delete(meta.layer_id)
    for action in (
        lambda: ws.get(meta.layer_id),
        lambda: ws.read(meta.layer_id),
        lambda: ws.original_path(meta.layer_id),
        lambda: ws.rename(meta.layer_id, "new"),
        lambda: ws.delete(meta.layer_id),
    ):
        with pytest.raises(LayerGoneError, match=f"{meta.layer_id} was deleted.*choose another"):
            action()
    assert issubclass(LayerGoneError, InputFileError)
    assert _visible(ws.root) == set()


def test_a_folder_without_its_layer_file_is_not_listed(tmp_path: Path) -> None:
    """What the old rename race left behind: a folder holding only meta.json."""
    data, loaded = _upload()
    ws = Workspace(tmp_path / "ws")
    kept = ws.save(loaded, data, name="kept")
    husk = ws.save(loaded, data, name="husk")
    (ws.root / husk.layer_id / "layer.geojson").unlink()
    assert [m.layer_id for m in ws.list_layers()] == [kept.layer_id]


# ---------------------------------------------------------------- crashes

_CRASHING_SAVE = """
import os, signal, sys
import geo.store.workspace
from geo.io import geojson_text
from geo.upload import read_upload
from geo.store.workspace import Workspace
from tests.conftest import gk_boxes

data = geojson_text(gk_boxes((0, 0, 100, 100))).encode("utf-8")
loaded = read_upload(data, "big.geojson")

def crash(*args, **kwargs):
    # The layer and its original are written; die while writing the metadata, the last
    # step before the staging folder is renamed into place, as a killed process would.
    os.kill(os.getpid(), signal.SIGKILL)

geo.store.workspace.json.dump = crash
Workspace(sys.argv[1]).save(loaded, data + b" " * 2_000_000, name="crashed")
"""


def _crash_a_save(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", _CRASHING_SAVE, str(root)],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_a_save_killed_before_its_final_rename_shows_no_layer_and_is_cleaned(
    tmp_path: Path,
) -> None:
    data, loaded = _upload()
    ws = Workspace(tmp_path / "ws")
    kept = ws.save(loaded, data, name="kept")
    before = ws.list_layers()
    crashed = _crash_a_save(ws.root)
    assert crashed.returncode == -signal.SIGKILL, crashed.stderr
    # The crash happened after the layer was written: it is in a hidden staging folder
    # (a save that wrote into the final folder would show a layer here), not listed.
    assert _visible(ws.root) == {kept.layer_id}
    leftovers = [p for p in ws.root.glob(".tmp-*") if p.is_dir()]
    assert len(leftovers) == 1
    assert (leftovers[0] / "layer.geojson").is_file()
    assert (leftovers[0] / "original.geojson").stat().st_size > 2_000_000
    assert Workspace(ws.root).list_layers() == before
    # Start-up recovery removes it at once (the crashed process holds no lock any more).
    removed = Workspace(ws.root).recover()
    assert removed == [leftovers[0].name]
    assert list(ws.root.glob(".tmp-*")) == []
    assert ws.list_layers() == before
    assert ws.read(kept.layer_id)["id"].tolist() == ["f0", "f1"]


def test_recovery_removes_trash_but_not_a_save_under_way(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A staging folder whose save is still running (its lock is held) stays; a crashed
    delete's trash and a crashed save's staging go."""
    data, loaded = _upload()
    ws = Workspace(tmp_path / "ws")
    kept = ws.save(loaded, data, name="kept")
    trash = ws.root / f".trash-{'b' * 32}-0badc0de"
    crashed = ws.root / f".tmp-{'c' * 32}"

    written = threading.Event()
    proceed = threading.Event()
    real_write = geo.store.workspace._write_layer

    def slow_write(frame: Any, path: Any) -> None:
        written.set()
        assert proceed.wait(timeout=30)
        real_write(frame, path)

    saved: list[Any] = []
    monkeypatch.setattr(geo.store.workspace, "_write_layer", slow_write)
    saver = threading.Thread(target=lambda: saved.append(ws.save(loaded, data, name="busy")))
    saver.start()
    try:
        assert written.wait(timeout=30)
        for folder in (trash, crashed):  # made now: the save cleaned up before it began
            folder.mkdir()
            (folder / "layer.geojson").write_text("{}", encoding="utf-8")
        under_way = [p for p in ws.root.glob(".tmp-*") if p != crashed]
        assert len(under_way) == 1
        removed = Workspace(ws.root).recover()
        assert sorted(removed) == sorted([trash.name, crashed.name])
        assert under_way[0].is_dir(), "recovery removed a save under way"
    finally:
        proceed.set()
        saver.join(timeout=30)
    assert not saver.is_alive()
    assert sorted(m.name for m in ws.list_layers()) == ["busy", "kept"]
    assert _visible(ws.root) == {kept.layer_id, saved[0].layer_id}
    assert [p.name for p in ws.root.glob(".t*")] == []


def test_asking_a_missing_workspace_creates_nothing(tmp_path: Path) -> None:
    ws = Workspace(tmp_path / "nowhere")
    with pytest.raises(LayerGoneError, match="choose another"):
        ws.get("a" * 32)
    with pytest.raises(LayerGoneError):
        ws.rename("a" * 32, "x")
    assert ws.list_layers() == []
    assert ws.recover() == []
    assert not (tmp_path / "nowhere").exists()
