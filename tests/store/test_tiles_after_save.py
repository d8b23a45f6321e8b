"""A save stores the layer and writes no file; its vector tiles are built afterwards, from
the saved frame or from the store (both back-ends), and hold every feature under its
position plus one. A server killed between the save and the tile build leaves a layer
that lists, reads and draws (grid cells) and whose tiles are built the next time it is
shown.

The tiles are decoded with ``mapbox-vector-tile`` (:func:`tests.geo.test_tiles._decoded`),
an implementation independent of tippecanoe.
"""

from __future__ import annotations

import functools
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from sqlalchemy import URL
from streamlit.testing.v1 import AppTest

import ui.upload_map
from geo.io import geojson_text
from geo.store.layers import UserLayers
from geo.store.store import EMBEDDED_FILE, Store
from geo.store.tiles import SOURCE_PREFIX, TileSet, TileStore
from geo.upload import LoadedLayer, read_upload
from tests.app.embedded import LOCAL_USER
from tests.geo.test_tiles import _decoded, _parcels
from tests.store.conftest import BACKENDS
from tests.store.test_tile_capability_app import _page_source
from ui import state

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "streamlit_app.py")
STATE_WAIT_S = 120.0  # a bound on waiting for the child's state, never a pause


def _upload(frame: gpd.GeoDataFrame) -> tuple[bytes, LoadedLayer]:
    data = geojson_text(frame, precision=7).encode()
    loaded = read_upload(data, "parcels.geojson")
    assert isinstance(loaded, LoadedLayer)
    return data, loaded


def _files(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*")) if folder.exists() else []


def _assert_every_feature(tiles: TileStore, built: TileSet, saved: gpd.GeoDataFrame) -> None:
    """Every saved feature is in the deepest zoom's tiles, once per id, each piece inside
    the feature of row id - 1."""
    folder = tiles.folder(built.layer_id)
    assert folder is not None
    assert built.feature_count == len(saved)
    pieces = _decoded(folder, built.max_zoom)
    assert sorted(pieces) == list(range(1, len(saved) + 1))
    for tid, parts in pieces.items():
        inside = saved.geometry.iloc[tid - 1].buffer(1e-5)
        assert all(inside.contains(p.representative_point()) for p in parts), tid


@BACKENDS
def test_a_save_writes_no_file_and_the_tiles_come_from_the_frame_or_the_store(
    store: Store, tmp_path: Path
) -> None:
    data, loaded = _upload(_parcels(6, 5, 150.0))
    layers = UserLayers(store, store.add_user("alice", "alice-pass-1", "editor"), tmp_path)
    saved = layers.save(loaded, data, name="地块")
    assert _files(layers.root) == [], "the save wrote no file beside the store"

    tiles = TileStore(layers.root, static_dir=tmp_path / "static")
    from_frame = tiles.build(saved.layer_id, loaded.frame)  # as the app does after a save
    stored = layers.read(saved.layer_id)
    _assert_every_feature(tiles, from_frame, stored)
    tiles.remove(saved.layer_id)

    tiles.start(saved.layer_id, functools.partial(layers.read, saved.layer_id))
    from_store = tiles.wait(saved.layer_id)
    assert from_store is not None and from_store.url != from_frame.url
    _assert_every_feature(tiles, from_store, stored)
    left = [p for p in _files(layers.root) if SOURCE_PREFIX in p]
    assert left == [], "tippecanoe's input is removed after the build"


_CHILD = """
import sys
from pathlib import Path

from geo.store import tiles
from geo.store.layers import UserLayers
from geo.store.store import Store
from geo.upload import read_upload

url, root, static, stand_in, upload, username = sys.argv[1:]
store = Store(url)
layers = UserLayers(store, store.local_user(username), root)
data = Path(upload).read_bytes()
loaded = read_upload(data, "parcels.geojson")
saved = layers.save(loaded, data, name="地块")
print(saved.layer_id, flush=True)
tiles.tippecanoe_path = lambda: Path(stand_in)  # a build that never finishes
tiles.TileStore(layers.root, static_dir=Path(static)).build(saved.layer_id, loaded.frame)
"""


def _save_then_die(url: str, root: Path, static: Path, frame: gpd.GeoDataFrame) -> str:
    """In another process: save ``frame`` as the local user's layer and start building its
    tiles; that process is killed (SIGKILL) while tippecanoe runs. Returns the layer id."""
    upload = root.parent / "parcels.geojson"
    upload.write_text(geojson_text(frame, precision=7), encoding="utf-8")
    running = root.parent / "tippecanoe-running"
    stand_in = root.parent / "tippecanoe-never-done"
    stand_in.write_text(f"#!/bin/sh\ntouch '{running}'\nexec sleep 600\n", encoding="utf-8")
    stand_in.chmod(0o755)
    child = subprocess.Popen(
        [sys.executable, "-c", _CHILD, url, str(root), str(static), str(stand_in), str(upload),
         LOCAL_USER],
        cwd=ROOT, stdout=subprocess.PIPE, text=True, start_new_session=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )  # fmt: skip
    try:
        assert child.stdout is not None
        layer_id = child.stdout.readline().strip()
        assert len(layer_id) == 32, "the child saved no layer"
        deadline = time.monotonic() + STATE_WAIT_S
        while not running.exists():
            assert child.poll() is None, "the child ended before its tile build ran"
            assert time.monotonic() < deadline, "the child's tile build never started"
            time.sleep(0.05)
    finally:
        os.killpg(child.pid, signal.SIGKILL)  # the child and its stand-in tippecanoe
        child.wait()
        if child.stdout is not None:
            child.stdout.close()
    return layer_id


@BACKENDS
def test_a_layer_saved_before_a_crash_lists_reads_and_gets_its_tiles(
    store: Store, store_url_for: URL, tmp_path: Path
) -> None:
    frame = _parcels(6, 5, 150.0)
    root, static = tmp_path / "workspace", tmp_path / "static"
    url = store_url_for.render_as_string(hide_password=False)
    layer_id = _save_then_die(url, root, static, frame)

    layers = UserLayers(store, store.local_user(LOCAL_USER), root)
    assert [(m.layer_id, m.feature_count) for m in layers.list_layers()] == [(layer_id, len(frame))]
    saved = layers.read(layer_id)
    assert saved["name"].tolist() == frame["name"].tolist()
    assert shapely.equals_exact(saved.geometry.array, frame.geometry.array, tolerance=1e-7).all()
    tiles = TileStore(layers.root, static_dir=static)
    assert tiles.status(layer_id) == (None, False, None), "no tiles, no build recorded"
    assert [p for p in _files(layers.root) if SOURCE_PREFIX in p], "the killed build's input"

    tiles.start(layer_id, functools.partial(layers.read, layer_id))  # as ui/tiles.py does
    built = tiles.wait(layer_id)
    assert built is not None, tiles.status(layer_id)
    _assert_every_feature(tiles, built, saved)


def test_after_a_crash_the_page_draws_grid_cells_and_builds_the_tiles(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The app on the embedded store, after a server died between a save and its tiles:
    the layer is listed and drawn (grid cells, no tile URL) and the page starts the
    build, from the store; once built, the map is drawn from the tiles."""
    root = tmp_path / "workspace"
    monkeypatch.setenv("PLANMAP_WORKSPACE", str(root))
    monkeypatch.delenv("PLANMAP_DATABASE_URL", raising=False)
    monkeypatch.delenv("PLANMAP_REQUIRE_LOGIN", raising=False)
    monkeypatch.setattr(ui.upload_map, "LARGE_LAYER_FEATURES", 1)  # tiles for 32 parcels
    frame = _parcels(6, 5, 150.0)
    url = f"sqlite:///{root / EMBEDDED_FILE}"
    Store(url).close()  # the tables, as the app makes them
    layer_id = _save_then_die(url, root, root.parent / "unused-static", frame)

    at = AppTest.from_file(APP, default_timeout=180)
    at.session_state[state.user_layer_on(layer_id)] = True
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    tiles = TileStore(root / "store-cache")
    try:
        page = _page_source(at)
        counts = [int(n) for n in re.findall(r'"count[\\\\"]*: (\d+)', page)]
        assert sum(counts) == len(frame), "drawn as grid cells holding every feature"
        assert "/app/static/tiles/" not in page
        built = tiles.wait(layer_id)  # the page started the build
        assert built is not None, tiles.status(layer_id)
        _assert_every_feature(tiles, built, frame)
        at.run()
        token = tiles.capability(layer_id)
        assert token is not None and token in _page_source(at), "drawn from the tiles"
    finally:
        tiles.remove(layer_id)
