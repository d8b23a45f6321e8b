"""Vector tiles of a saved layer hold every feature, under the id the map sends back.

The tiles are decoded here with ``mapbox-vector-tile`` (an implementation independent of
tippecanoe, which wrote them); tile coordinates are turned back into longitude and
latitude by the Web Mercator tile formulas written out below.
"""

from __future__ import annotations

import math
import shutil
import threading
from pathlib import Path

import geopandas as gpd
import mapbox_vector_tile
import numpy as np
import pytest
import shapely

from geo.io import geojson_text
from geo.store import tiles
from geo.store.tiles import (
    CAPABILITY_FILE,
    MIN_ZOOM,
    READY_FILE,
    SOURCE_LAYER,
    TileStore,
    feature_row,
    tile_id,
)
from geo.store.workspace import Workspace
from geo.upload import LoadedLayer, read_upload
from tests.conftest import X0, Y0


def _parcels(nx: int, ny: int, side_m: float) -> gpd.GeoDataFrame:
    """A tiling of ``nx`` × ``ny`` squares of ``side_m`` metres near Chenggong, plus one
    0.5 m × 0.5 m parcel (smaller than a pixel at every zoom built) and a two-part one."""
    geoms = [
        shapely.box(X0 + i * side_m, Y0 + j * side_m, X0 + (i + 1) * side_m, Y0 + (j + 1) * side_m)
        for j in range(ny)
        for i in range(nx)
    ]
    far = Y0 - 3000.0
    geoms.append(shapely.box(X0, far, X0 + 0.5, far + 0.5))
    geoms.append(
        shapely.MultiPolygon(
            [
                shapely.box(X0, far - 500, X0 + 50, far - 450),
                shapely.box(X0 + 90, far - 500, X0 + 140, far - 450),
            ]
        )
    )
    names = [f"地块 {k}" for k in range(len(geoms))]
    return gpd.GeoDataFrame({"name": names}, geometry=geoms, crs="EPSG:4543").to_crs("EPSG:4326")


def _saved(tmp_path: Path, frame: gpd.GeoDataFrame) -> tuple[Workspace, str]:
    data = geojson_text(frame, precision=7).encode()
    loaded = read_upload(data, "parcels.geojson")
    assert isinstance(loaded, LoadedLayer)
    ws = Workspace(tmp_path / "ws")
    saved = ws.save(loaded, data, name="parcels")
    return ws, saved.layer_id


def _lon_lat(tx: int, ty: int, z: int, px: float, py: float, extent: int) -> tuple[float, float]:
    """A point of tile (z, tx, ty) given in tile units (y down) as longitude, latitude."""
    n = 2.0**z
    x = (tx + px / extent) / n
    y = (ty + py / extent) / n
    lon = x * 360.0 - 180.0
    lat = math.degrees(math.atan(math.sinh(math.pi * (1.0 - 2.0 * y))))
    return lon, lat


def _decoded(folder: Path, z: int) -> dict[int, list[shapely.Geometry]]:
    """Every feature piece in the tiles of zoom ``z``, by tile id, in lon/lat."""
    pieces: dict[int, list[shapely.Geometry]] = {}
    for path in sorted((folder / str(z)).rglob("*.pbf")):
        tx, ty = int(path.parent.name), int(path.stem)
        if path.stat().st_size == 0:  # an empty tile, written so the browser gets no 404
            continue
        tile = mapbox_vector_tile.decode(path.read_bytes(), default_options={"y_coord_down": True})
        layer = tile[SOURCE_LAYER]
        extent = int(layer["extent"])
        for feature in layer["features"]:
            geom = shapely.geometry.shape(feature["geometry"])
            lonlat = shapely.transform(
                geom,
                lambda c, tx=tx, ty=ty, e=extent: np.array(
                    [_lon_lat(tx, ty, z, px, py, e) for px, py in c]
                ),
            )
            pieces.setdefault(int(feature["id"]), []).append(lonlat)
    return pieces


def test_tiles_hold_every_feature_under_its_position_plus_one(tmp_path: Path) -> None:
    frame = _parcels(30, 20, 120.0)
    ws, layer_id = _saved(tmp_path, frame)
    store = TileStore(ws.root, static_dir=tmp_path / "static")
    built = store.build(layer_id, ws.read(layer_id))

    assert built.feature_count == len(frame)
    assert built.min_zoom == MIN_ZOOM
    assert built.url.startswith("/app/static/tiles/")
    token = store.capability(layer_id)
    assert token is not None and len(token) == 32
    assert built.url.endswith(f"/{token}/{{z}}/{{x}}/{{y}}.pbf")
    assert layer_id not in built.url, "the URL cannot be derived from the layer id"
    folder = store.folder(layer_id)
    assert folder is not None and (folder / READY_FILE).is_file()
    assert not any(layer_id in p.name for p in store.root.iterdir())
    assert (ws.root / layer_id / CAPABILITY_FILE).read_text() == token  # outside static/
    assert not [p for p in store.root.iterdir() if p.name.startswith(".tmp-")]

    saved = ws.read(layer_id)
    pieces = _decoded(folder, built.max_zoom)
    assert sorted(pieces) == list(range(1, len(frame) + 1))  # every feature, once each id
    for tid, parts in pieces.items():
        row = feature_row(tid, len(saved))
        assert row is not None
        # Each piece lies in the feature of that row (within the tiles' 0.6 m grid).
        original = saved.geometry.iloc[row].buffer(1e-5)
        assert all(original.contains(p.representative_point()) for p in parts), tid
    # Tiles hold no attribute values: those stay on the server.
    for tile in (folder / str(built.max_zoom)).rglob("*.pbf"):
        assert "地块".encode() not in tile.read_bytes()
    # Every tile inside the bounds exists (gaps are empty files), none outside.
    west, south, east, north = built.bounds
    assert (west, south) < (east, north)
    assert west <= saved.total_bounds[0] + 1e-6 and north >= saved.total_bounds[3] - 1e-6
    for z in range(built.min_zoom, built.max_zoom + 1):
        n = 2**z
        x0, x1 = math.floor((west + 180) / 360 * n), math.floor((east + 180) / 360 * n)

        def row(lat: float, n: int = n) -> int:
            return math.floor((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)

        y0, y1 = row(north), row(south)
        expected = {(x, y) for x in range(x0, x1 + 1) for y in range(y0, y1 + 1)}
        present = {(int(p.parent.name), int(p.stem)) for p in (folder / str(z)).rglob("*.pbf")}
        assert present == expected, z


def test_start_builds_in_the_background_and_remove_and_prune_clear(tmp_path: Path) -> None:
    ws, layer_id = _saved(tmp_path, _parcels(4, 3, 200.0))
    store = TileStore(ws.root, static_dir=tmp_path / "static")
    assert store.status(layer_id) == (None, False, None)
    store.start(layer_id, lambda: ws.read(layer_id))  # read in the build's thread
    built = store.wait(layer_id)
    assert built is not None and built.feature_count == 14
    assert store.status(layer_id)[0] == built
    first = store.folder(layer_id)
    assert first is not None
    stray = store.root / ("A" * 32)  # a superseded build, or a layer deleted elsewhere
    stray.mkdir()
    assert store.prune({layer_id}) == [stray.name]
    assert store.ready(layer_id) is not None
    store.remove(layer_id)
    assert store.ready(layer_id) is None and store.capability(layer_id) is None
    assert not first.exists(), "the deleted layer's tile folder is gone"
    again = store.build(layer_id, ws.read(layer_id))
    assert again.url != built.url, "a new build, a new capability"


def test_a_failed_build_is_reported_and_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = TileStore(tmp_path / "ws", static_dir=tmp_path / "static")
    layer_id = "a" * 32
    false = shutil.which("false")
    assert false is not None
    monkeypatch.setattr(tiles, "tippecanoe_path", lambda: Path(false))  # exits 1
    store.start(layer_id, _parcels(2, 2, 200.0))
    assert store.wait(layer_id) is None
    ready, running, error = store.status(layer_id)
    assert ready is None and not running
    assert error is not None and "tippecanoe could not tile layer" in error
    assert [p.name for p in store.root.iterdir()] == ["workspace.txt"]  # no tiles, no staging
    assert list((tmp_path / "ws" / layer_id).iterdir()) == [], "its input removed"


def test_a_build_whose_features_cannot_be_read_is_reported(tmp_path: Path) -> None:
    ws, layer_id = _saved(tmp_path, _parcels(2, 2, 200.0))
    store = TileStore(ws.root, static_dir=tmp_path / "static")
    ws.delete(layer_id)  # gone before the build's thread reads it
    store.start(layer_id, lambda: ws.read(layer_id))
    assert store.wait(layer_id) is None
    ready, running, error = store.status(layer_id)
    assert ready is None and not running and error is not None


def test_ids_stay_positions_past_missing_and_empty_geometries(tmp_path: Path) -> None:
    """tippecanoe skips a feature without geometry; the ids after it still name their
    rows (with tippecanoe's own numbering, --generate-ids, they were one lower)."""
    frame = _parcels(3, 2, 200.0)
    geoms = list(frame.geometry)
    geoms[1] = None
    geoms[3] = shapely.Polygon()
    holed = frame.set_geometry(gpd.GeoSeries(geoms, crs=frame.crs))
    layer_id = "c" * 32
    store = TileStore(tmp_path / "ws", static_dir=tmp_path / "static")
    built = store.build(layer_id, holed)
    folder = store.folder(layer_id)
    assert folder is not None
    pieces = _decoded(folder, built.max_zoom)
    present = [k for k, g in enumerate(geoms) if g is not None and not g.is_empty]
    assert sorted(pieces) == [k + 1 for k in present]
    for tid, parts in pieces.items():
        original = geoms[tid - 1].buffer(1e-5)
        assert all(original.contains(p.representative_point()) for p in parts), tid


def test_workspaces_get_separate_tile_folders_and_ids_are_checked(tmp_path: Path) -> None:
    a = TileStore(tmp_path / "a", static_dir=tmp_path / "static")
    b = TileStore(tmp_path / "b", static_dir=tmp_path / "static")
    assert a.root != b.root
    with pytest.raises(Exception, match="32 hex digits"):
        a.folder("../../etc")
    assert a.folder("b" * 32) is None, "no tiles recorded"


def test_tile_ids_are_read_from_the_tooltip_text() -> None:
    assert tile_id("地块 2024\n要素 Feature #3") == 3
    assert tile_id("#12 and text") is None
    assert tile_id(None) is None
    assert feature_row(1, 5) == 0
    assert feature_row(5, 5) == 4
    assert feature_row(6, 5) is None
    assert feature_row(0, 5) is None


def test_tile_folders_of_workspaces_that_are_gone_are_pruned(tmp_path: Path) -> None:
    from geo.store.tiles import prune_orphan_tiles

    static = tmp_path / "static"
    kept, gone = tmp_path / "kept", tmp_path / "gone"
    ws_kept, id_kept = _saved(kept, _parcels(2, 2, 200.0))
    ws_gone, id_gone = _saved(gone, _parcels(2, 2, 200.0))
    a, b = TileStore(ws_kept.root, static_dir=static), TileStore(ws_gone.root, static_dir=static)
    a.build(id_kept, ws_kept.read(id_kept))
    b.build(id_gone, ws_gone.read(id_gone))
    (static / "tiles" / "no-owner").mkdir()  # young, and no record of its workspace
    shutil.rmtree(ws_gone.root)
    assert prune_orphan_tiles(static) == [b.key]
    assert a.ready(id_kept) is not None and b.ready(id_gone) is None
    assert (static / "tiles" / "no-owner").is_dir()


def test_a_build_lets_the_page_run_that_started_it_finish_first(tmp_path: Path) -> None:
    """``after``: the features are read (and tippecanoe's input written) only once that
    thread has ended; the build then runs as usual."""
    ws, layer_id = _saved(tmp_path, _parcels(2, 2, 200.0))
    store = TileStore(ws.root, static_dir=tmp_path / "static")
    release = threading.Event()
    page_run = threading.Thread(target=release.wait, name="page run")
    page_run.start()
    page_alive_at_read: list[bool] = []

    def features() -> gpd.GeoDataFrame:
        page_alive_at_read.append(page_run.is_alive())
        return ws.read(layer_id)

    store.start(layer_id, features, after=page_run)
    assert store.status(layer_id)[1], "the build is under way, waiting"
    release.set()
    built = store.wait(layer_id)
    assert page_alive_at_read == [False], "read only after the page run ended"
    assert built is not None and built.feature_count == 6
