"""The workspace: user layers saved on disk, with their original files and metadata.

Layout, one folder per layer under the workspace root (``workspace/`` in the repository
by default, from ``config/upload.toml``; git-ignored)::

    workspace/<layer_id>/layer.geojson   the validated layer, EPSG:4326, every attribute
    workspace/<layer_id>/original.<ext>  the uploaded file, byte for byte
    workspace/<layer_id>/meta.json       name, original file name, encoding, CRS, ...
    workspace/.locks/<layer_id>.lock     the layer's lock (see below; empty)

``layer_id`` is a random 32-digit hex string made here; the user's layer name and file
name are only ever stored as text inside ``meta.json``, never used as paths, so nothing
can be written outside the workspace. Ids given back by callers are checked against that
form. A layer appears whole or not at all: it is written into a hidden staging folder
(``.tmp-<layer_id>``) that is then renamed into place; metadata updates use
:func:`geo.io.atomic_write`; deletion renames the folder away (``.trash-<layer_id>-…``)
before removing it.

Several sessions (threads or processes) may use one workspace at once. Every operation on
a layer holds that layer's lock, an ``fcntl.flock`` on ``.locks/<layer_id>.lock``:
exclusive for save, rename and delete, shared for reading. So a rename never meets a
half-done delete, and a layer that is gone raises :class:`LayerGoneError` (a project error),
never ``FileNotFoundError``. A rename never creates a folder. :meth:`Workspace.recover`,
called once when the app starts, removes what crashed saves and deletes left behind;
a staging folder whose lock is held belongs to a save under way and stays.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import shutil
import time
import unicodedata
import uuid
from collections.abc import Iterator
from dataclasses import asdict, dataclass, fields, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

import geopandas as gpd

from geo.errors import InputFileError
from geo.io import atomic_write, read_layer, write_layer_geojson
from geo.upload.load import LoadedLayer, UploadSource
from geo.upload.settings import default_settings

LAYER_FILE: Final = "layer.geojson"
META_FILE: Final = "meta.json"
MAX_NAME_CHARS: Final = 100
COORDINATE_DECIMALS: Final = 7  # about 1 cm: stored data stay survey-grade
LOCK_DIR: Final = ".locks"
STALE_STAGING_S: Final = 3600.0
"""A hidden folder not named after a layer id (so with no lock to ask) is taken for a
crash's leftover once it is older than this (seconds)."""
_LAYER_ID: Final = re.compile(r"^[0-9a-f]{32}$")
_LEFTOVER: Final = re.compile(r"^\.(?:tmp|trash)-([0-9a-f]{32})(?:-[0-9a-f]+)?$")
_SUFFIX: Final = re.compile(r"^[a-z0-9]{1,10}$")


@dataclass(frozen=True)
class WorkspaceLayer:
    """The metadata of one saved layer (the contents of its ``meta.json``).

    ``source`` is the upload's own record of how the file was read (one type,
    :class:`~geo.upload.load.UploadSource`), its ``filename`` reduced to the base name
    shown to users (no folders, no control characters).
    """

    layer_id: str
    name: str
    source: UploadSource
    original_file: str
    feature_count: int
    messages: tuple[str, ...]
    created_utc: str
    renamed_utc: str | None = None


class LayerGoneError(InputFileError):
    """The layer was deleted (by another session, or in another tab) while in use."""

    def __init__(self, layer_id: str) -> None:
        super().__init__("err_layer_gone", layer=layer_id)
        self.layer_id = layer_id


def clean_name(name: str) -> str:
    """A layer's display name: control characters removed, spaces collapsed, at most
    :data:`MAX_NAME_CHARS` characters. Raises :class:`InputFileError` if nothing is left.

    >>> clean_name("  地块\\n 2024\\x00 ")
    '地块 2024'
    """
    text = "".join(" " if unicodedata.category(c).startswith("C") else c for c in name)
    text = " ".join(text.split())[:MAX_NAME_CHARS]
    if not text:
        raise InputFileError("err_layer_name_empty", name=repr(name))
    return text


def original_name(filename: str) -> str:
    """The uploaded file's base name as text for display (no folders, no control chars)."""
    base = re.split(r"[\\/]", filename)[-1]
    return "".join(c for c in base if not unicodedata.category(c).startswith("C"))[:200]


def original_suffix(filename: str) -> str:
    ext = Path(original_name(filename)).suffix.lower().lstrip(".")
    return f".{ext}" if _SUFFIX.match(ext) else ".bin"


def _write_layer(frame: gpd.GeoDataFrame, path: Path) -> None:
    """The layer file of a save (see :func:`geo.io.write_layer_geojson`)."""
    write_layer_geojson(frame, path, decimals=COORDINATE_DECIMALS)


def _meta_from_json(raw: dict[str, Any]) -> WorkspaceLayer:
    """A ``meta.json`` read back. Files written before the source was one record kept its
    fields at the top level (``original_filename`` for ``filename``); both forms are read."""
    if "source" not in raw:
        names = {f.name for f in fields(UploadSource)}
        raw["source"] = {k: raw.pop(k) for k in list(raw) if k in names}
        raw["source"]["filename"] = raw.pop("original_filename")
    raw["source"] = UploadSource(**raw["source"])
    raw["messages"] = tuple(raw["messages"])
    return WorkspaceLayer(**raw)


class Workspace:
    """Saved user layers in one folder (see the module doc for the layout and locking)."""

    def __init__(self, root: str | os.PathLike[str] | None = None) -> None:
        self.root = Path(root if root is not None else default_settings().workspace_dir)
        self.root = self.root.resolve()

    def _folder(self, layer_id: str) -> Path:
        if not isinstance(layer_id, str) or not _LAYER_ID.match(layer_id):
            raise InputFileError("err_layer_id", layer=repr(layer_id))
        folder = self.root / layer_id
        if folder.is_symlink() or folder.resolve().parent != self.root:
            raise InputFileError("err_layer_outside", layer=layer_id)
        return folder

    def _existing(self, layer_id: str) -> Path:
        """The folder of a whole saved layer; call with the layer's lock held."""
        folder = self._folder(layer_id)
        if not (folder / META_FILE).is_file() or not (folder / LAYER_FILE).is_file():
            raise LayerGoneError(layer_id)
        return folder

    @contextlib.contextmanager
    def _lock(self, layer_id: str, *, exclusive: bool, wait: bool = True) -> Iterator[bool]:
        """Hold ``layer_id``'s lock (an ``flock`` on ``.locks/<layer_id>.lock``).

        Yields False, holding nothing, if ``wait`` is False and another holds it. A lock
        file is removed, under the lock, once its layer is gone; whoever opened the removed
        file finds it is no longer the one at that path and opens the new one.
        """
        if not self.root.is_dir():  # no workspace yet: no layer, and nothing is created
            raise LayerGoneError(layer_id)
        locks = self.root / LOCK_DIR
        path = locks / f"{layer_id}.lock"
        mode = fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH
        while True:
            locks.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, mode if wait else mode | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                yield False
                return
            try:
                same = os.fstat(fd).st_ino == os.stat(path).st_ino
            except FileNotFoundError:
                same = False
            if same:
                break
            os.close(fd)  # removed (or replaced) while we waited: lock the current one
        try:
            yield True
        finally:
            try:
                if exclusive and not self._folder(layer_id).exists():
                    with contextlib.suppress(FileNotFoundError):
                        path.unlink()
            finally:
                os.close(fd)

    def save(
        self, layer: LoadedLayer, original: bytes, *, name: str | None = None
    ) -> WorkspaceLayer:
        """Save a loaded layer with its original file; returns its metadata.

        ``name`` defaults to the original file name without extension. The layer is
        written in a hidden staging folder and appears in the list only when whole.
        """
        src = layer.source
        display = clean_name(name if name is not None else Path(original_name(src.filename)).stem)
        layer_id = uuid.uuid4().hex
        original_file = "original" + original_suffix(src.filename)
        meta = WorkspaceLayer(
            layer_id=layer_id,
            name=display,
            source=replace(src, filename=original_name(src.filename)),
            original_file=original_file,
            feature_count=len(layer.frame),
            messages=tuple(layer.messages()),
            created_utc=datetime.now(UTC).isoformat(timespec="seconds"),
        )
        self.root.mkdir(parents=True, exist_ok=True)
        self.recover()
        with self._lock(layer_id, exclusive=True):
            # The lock is taken before the staging folder exists: recovery, which removes
            # only staging folders whose lock it can take, never removes this one.
            staging = self.root / f".tmp-{layer_id}"
            staging.mkdir()
            try:
                with atomic_write(staging / original_file, mode="wb") as fh:
                    fh.write(original)
                _write_layer(layer.frame, staging / LAYER_FILE)
                self._write_meta(staging, meta)
                os.rename(staging, self._folder(layer_id))
            except BaseException:
                shutil.rmtree(staging, ignore_errors=True)
                raise
        return meta

    def recover(self, *, older_than_s: float = STALE_STAGING_S) -> list[str]:
        """Remove what crashed saves and deletes left behind; returns the names removed.

        ``.tmp-<id>`` (a save's staging folder) and ``.trash-<id>-…`` (a delete's) are
        removed when their layer's lock can be taken at once: a process that holds it is
        still working on them, a crashed one holds nothing. Other hidden ``.tmp-*`` or
        ``.trash-*`` folders are removed once older than ``older_than_s``. Lock files of
        layers that no longer exist are removed too. Safe to call while other sessions
        use the workspace; the app calls it once at start-up.
        """
        if not self.root.is_dir():
            return []
        removed = []
        cutoff = time.time() - older_than_s
        for folder in sorted([*self.root.glob(".tmp-*"), *self.root.glob(".trash-*")]):
            if not folder.is_dir() or folder.is_symlink():
                continue
            match = _LEFTOVER.match(folder.name)
            if match is None:
                with contextlib.suppress(FileNotFoundError):
                    if folder.stat().st_mtime < cutoff:
                        shutil.rmtree(folder, ignore_errors=True)
                        removed.append(folder.name)
                continue
            with self._lock(match.group(1), exclusive=True, wait=False) as held:
                if held and folder.is_dir():
                    shutil.rmtree(folder, ignore_errors=True)
                    removed.append(folder.name)
        locks = self.root / LOCK_DIR
        for lock in sorted(locks.glob("*.lock")) if locks.is_dir() else []:
            layer_id = lock.name.removesuffix(".lock")
            if _LAYER_ID.match(layer_id) and not (self.root / layer_id).exists():
                # Taking it exclusively removes it if the layer is still absent.
                with self._lock(layer_id, exclusive=True, wait=False):
                    pass
        return sorted(removed)

    @staticmethod
    def _write_meta(folder: Path, meta: WorkspaceLayer) -> None:
        with atomic_write(folder / META_FILE) as fh:
            json.dump(asdict(meta), fh, ensure_ascii=False, indent=1)
            fh.write("\n")

    def _read_meta(self, layer_id: str) -> WorkspaceLayer:
        """The metadata of a saved layer; call with the layer's lock held."""
        path = self._existing(layer_id) / META_FILE
        try:
            return _meta_from_json(json.loads(path.read_text(encoding="utf-8")))
        except FileNotFoundError as exc:  # removed by hand, not through this class
            raise LayerGoneError(layer_id) from exc
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise InputFileError(
                "err_layer_meta_damaged", layer=layer_id, file=META_FILE, problem=str(exc)
            ) from exc

    def get(self, layer_id: str) -> WorkspaceLayer:
        """The metadata of a saved layer; :class:`LayerGoneError` if it was deleted."""
        self._folder(layer_id)
        with self._lock(layer_id, exclusive=False):
            return self._read_meta(layer_id)

    def list_layers(self) -> list[WorkspaceLayer]:
        """Every whole saved layer, oldest first (layers deleted meanwhile, folders with
        damaged metadata or without their layer file are skipped)."""
        if not self.root.is_dir():
            return []
        found = []
        for folder in sorted(self.root.iterdir()):
            if _LAYER_ID.match(folder.name) and (folder / META_FILE).is_file():
                try:
                    found.append(self.get(folder.name))
                except InputFileError:
                    continue
        return sorted(found, key=lambda m: (m.created_utc, m.layer_id))

    def read(self, layer_id: str) -> gpd.GeoDataFrame:
        """The saved layer as a GeoDataFrame in EPSG:4326."""
        self._folder(layer_id)
        with self._lock(layer_id, exclusive=False):
            meta = self._read_meta(layer_id)
            return read_layer(self._existing(layer_id) / LAYER_FILE, name=meta.name)

    def original_path(self, layer_id: str) -> Path:
        """Path of the uploaded file as it was received."""
        self._folder(layer_id)
        with self._lock(layer_id, exclusive=False):
            return self._existing(layer_id) / self._read_meta(layer_id).original_file

    def rename(self, layer_id: str, new_name: str) -> WorkspaceLayer:
        """Give a saved layer a new display name (files and id unchanged).

        Raises :class:`LayerGoneError` if the layer was deleted; never recreates its folder.
        """
        self._folder(layer_id)
        name = clean_name(new_name)
        with self._lock(layer_id, exclusive=True):
            meta = replace(
                self._read_meta(layer_id),
                name=name,
                renamed_utc=datetime.now(UTC).isoformat(timespec="seconds"),
            )
            # The folder exists (checked under the lock, which every delete takes).
            self._write_meta(self._existing(layer_id), meta)
        return meta

    def delete(self, layer_id: str) -> None:
        """Remove a saved layer: its folder is renamed away at once, then removed.

        Raises :class:`LayerGoneError` if it was already deleted.
        """
        self._folder(layer_id)
        with self._lock(layer_id, exclusive=True):
            folder = self._folder(layer_id)
            if not folder.is_dir():
                raise LayerGoneError(layer_id)
            trash = self.root / f".trash-{layer_id}-{uuid.uuid4().hex[:8]}"
            os.rename(folder, trash)
            shutil.rmtree(trash)
