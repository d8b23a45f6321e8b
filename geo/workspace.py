"""The workspace: user layers saved on disk, with their original files and metadata.

Layout, one folder per layer under the workspace root (``workspace/`` in the repository
by default, from ``config/upload.toml``; git-ignored)::

    workspace/<layer_id>/layer.geojson   the validated layer, EPSG:4326, every attribute
    workspace/<layer_id>/original.<ext>  the uploaded file, byte for byte
    workspace/<layer_id>/meta.json       name, original file name, encoding, CRS, ...

``layer_id`` is a random 32-digit hex string made here; the user's layer name and file
name are only ever stored as text inside ``meta.json``, never used as paths, so nothing
can be written outside the workspace. Ids given back by callers are checked against that
form. A layer appears whole or not at all: it is written into a hidden temporary folder
that is then renamed into place; metadata updates use :func:`geo.io.atomic_write`;
deletion renames the folder away before removing it.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import time
import unicodedata
import uuid
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

import geopandas as gpd
import numpy as np
import shapely

from geo.crs import STORAGE_CRS
from geo.errors import InputFileError
from geo.io import atomic_write, read_layer
from geo.upload.load import LoadedLayer
from geo.upload.settings import default_settings

LAYER_FILE: Final = "layer.geojson"
META_FILE: Final = "meta.json"
MAX_NAME_CHARS: Final = 100
COORDINATE_DECIMALS: Final = 7  # about 1 cm: stored data stay survey-grade
STALE_STAGING_S: Final = 3600.0
"""A staging folder older than this (seconds) is a crash's leftover, not a save under way."""
_LAYER_ID: Final = re.compile(r"^[0-9a-f]{32}$")
_SUFFIX: Final = re.compile(r"^[a-z0-9]{1,10}$")


@dataclass(frozen=True)
class WorkspaceLayer:
    """The metadata of one saved layer (the contents of its ``meta.json``)."""

    layer_id: str
    name: str
    original_filename: str
    original_file: str
    format: str
    layer: str | None
    encoding: str | None
    encoding_source: str
    crs_declared: str | None
    crs_used: str
    crs_source: str
    swap_xy: bool
    coordinate_system: str
    id_column: str | None
    feature_count: int
    messages: tuple[str, ...]
    created_utc: str
    renamed_utc: str | None = None


def clean_name(name: str) -> str:
    """A layer's display name: control characters removed, spaces collapsed, at most
    :data:`MAX_NAME_CHARS` characters. Raises :class:`InputFileError` if nothing is left.

    >>> clean_name("  地块\\n 2024\\x00 ")
    '地块 2024'
    """
    text = "".join(" " if unicodedata.category(c).startswith("C") else c for c in name)
    text = " ".join(text.split())[:MAX_NAME_CHARS]
    if not text:
        raise InputFileError(f"layer name {name!r} is empty; give the layer a name.")
    return text


def _original_name(filename: str) -> str:
    """The uploaded file's base name as text for display (no folders, no control chars)."""
    base = re.split(r"[\\/]", filename)[-1]
    return "".join(c for c in base if not unicodedata.category(c).startswith("C"))[:200]


def _suffix(filename: str) -> str:
    ext = Path(_original_name(filename)).suffix.lower().lstrip(".")
    return f".{ext}" if _SUFFIX.match(ext) else ".bin"


def _geojson_text(frame: gpd.GeoDataFrame) -> str:
    """GeoJSON text in EPSG:4326 keeping every attribute; coordinates to 1e-7°.

    Unlike :func:`geo.io.geojson_text` attribute numbers are not rounded, and values
    JSON has no type for (dates, decimals) are written as text.
    """
    out = frame.to_crs(STORAGE_CRS)
    geoms = shapely.transform(
        np.asarray(out.geometry.array),
        lambda c: np.round(c, COORDINATE_DECIMALS),
    )
    out = out.set_geometry(gpd.GeoSeries(geoms, index=out.index, crs=out.crs))
    data = json.loads(out.to_json(drop_id=True, default=str))
    data.pop("crs", None)
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"), default=str) + "\n"


class Workspace:
    """Saved user layers in one folder (see the module doc for the layout)."""

    def __init__(self, root: str | os.PathLike[str] | None = None) -> None:
        self.root = Path(root if root is not None else default_settings().workspace_dir)
        self.root = self.root.resolve()

    def _folder(self, layer_id: str) -> Path:
        if not isinstance(layer_id, str) or not _LAYER_ID.match(layer_id):
            raise InputFileError(
                f"{layer_id!r} is not a workspace layer id (32 hex digits); choose a layer "
                "from the list."
            )
        folder = self.root / layer_id
        if folder.is_symlink() or folder.resolve().parent != self.root:
            raise InputFileError(f"workspace layer {layer_id} points outside the workspace.")
        return folder

    def _existing(self, layer_id: str) -> Path:
        folder = self._folder(layer_id)
        if not (folder / META_FILE).is_file():
            raise InputFileError(f"no workspace layer {layer_id}; it may have been deleted.")
        return folder

    def save(
        self, layer: LoadedLayer, original: bytes, *, name: str | None = None
    ) -> WorkspaceLayer:
        """Save a loaded layer with its original file; returns its metadata.

        ``name`` defaults to the original file name without extension.
        """
        src = layer.source
        display = clean_name(name if name is not None else Path(_original_name(src.filename)).stem)
        layer_id = uuid.uuid4().hex
        original_file = "original" + _suffix(src.filename)
        meta = WorkspaceLayer(
            layer_id=layer_id,
            name=display,
            original_filename=_original_name(src.filename),
            original_file=original_file,
            format=src.format,
            layer=src.layer,
            encoding=src.encoding,
            encoding_source=src.encoding_source,
            crs_declared=src.crs_declared,
            crs_used=src.crs_used,
            crs_source=src.crs_source,
            swap_xy=src.swap_xy,
            coordinate_system=src.coordinate_system,
            id_column=src.id_column,
            feature_count=len(layer.frame),
            messages=tuple(layer.messages()),
            created_utc=datetime.now(UTC).isoformat(timespec="seconds"),
        )
        self.root.mkdir(parents=True, exist_ok=True)
        self.remove_stale_staging()
        staging = self.root / f".tmp-{layer_id}"
        staging.mkdir()
        try:
            with atomic_write(staging / original_file, mode="wb") as fh:
                fh.write(original)
            with atomic_write(staging / LAYER_FILE) as fh:
                fh.write(_geojson_text(layer.frame))
            self._write_meta(staging, meta)
            os.rename(staging, self._folder(layer_id))
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        return meta

    def remove_stale_staging(self, *, older_than_s: float = STALE_STAGING_S) -> list[str]:
        """Remove half-written ``.tmp-*`` folders that a crash (not an error: those are
        cleaned at once) left behind; recent ones may be a save in progress and stay.
        Returns the names removed."""
        removed = []
        cutoff = time.time() - older_than_s
        for folder in self.root.glob(".tmp-*"):
            if folder.is_dir() and not folder.is_symlink() and folder.stat().st_mtime < cutoff:
                shutil.rmtree(folder, ignore_errors=True)
                removed.append(folder.name)
        return sorted(removed)

    @staticmethod
    def _write_meta(folder: Path, meta: WorkspaceLayer) -> None:
        with atomic_write(folder / META_FILE) as fh:
            json.dump(asdict(meta), fh, ensure_ascii=False, indent=1)
            fh.write("\n")

    def get(self, layer_id: str) -> WorkspaceLayer:
        """The metadata of a saved layer."""
        path = self._existing(layer_id) / META_FILE
        try:
            raw: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
            raw["messages"] = tuple(raw["messages"])
            return WorkspaceLayer(**raw)
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise InputFileError(
                f"workspace layer {layer_id}: its {META_FILE} is damaged ({exc}); delete the "
                "layer and upload it again."
            ) from exc

    def list_layers(self) -> list[WorkspaceLayer]:
        """Every saved layer, oldest first (folders with damaged metadata are skipped)."""
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
        return read_layer(self._existing(layer_id) / LAYER_FILE, name=self.get(layer_id).name)

    def original_path(self, layer_id: str) -> Path:
        """Path of the uploaded file as it was received."""
        return self._existing(layer_id) / self.get(layer_id).original_file

    def rename(self, layer_id: str, new_name: str) -> WorkspaceLayer:
        """Give a saved layer a new display name (files and id unchanged)."""
        meta = replace(
            self.get(layer_id),
            name=clean_name(new_name),
            renamed_utc=datetime.now(UTC).isoformat(timespec="seconds"),
        )
        self._write_meta(self._existing(layer_id), meta)
        return meta

    def delete(self, layer_id: str) -> None:
        """Remove a saved layer: its folder is renamed away at once, then removed."""
        folder = self._existing(layer_id)
        trash = self.root / f".trash-{layer_id}-{uuid.uuid4().hex[:8]}"
        os.rename(folder, trash)
        shutil.rmtree(trash)
