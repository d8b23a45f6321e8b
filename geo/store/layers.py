"""One user's uploaded layers in the store, with the workspace's interface.

:class:`UserLayers` is what the app's "your layers" tab talks to: ``save``, ``list_layers``,
``get``, ``read``, ``rename``, ``delete`` return and take the same
:class:`~geo.store.workspace.WorkspaceLayer` records as :class:`~geo.store.workspace.Workspace`,
but every layer is a versioned object of a :class:`~geo.store.store.Store`: owned by the
user who uploaded it and private until shared, renamed and deleted as new versions (a
delete is soft, :meth:`UserLayers.undelete` brings the layer back), each change in the
audit trail.

The store is the only record of a layer: a save writes its rows in one transaction and
no file. ``<root>/<layer_id>/`` (:attr:`UserLayers.root`) holds only what the vector tiles
need (:mod:`geo.store.tiles`: their capability, and tippecanoe's input while a build
runs); the tiles are built from the saved frame or, later, from the store.

The app uses the store in both modes (embedded SQLite and PostGIS). Layers saved in the
old folder workspace (:class:`~geo.store.workspace.Workspace`, before the store) are
imported once, as the local user's private layers, by :func:`import_folder_layers`.
"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path
from typing import Final

import geopandas as gpd

from geo.errors import InputFileError
from geo.io import atomic_write
from geo.store.store import NotFoundError, Store, Version
from geo.store.users import User
from geo.store.workspace import (
    LayerGoneError,
    Workspace,
    WorkspaceLayer,
    clean_name,
    original_name,
    original_suffix,
)
from geo.upload.load import LoadedLayer

CACHE_DIR: Final = "store-cache"
"""The folder of the workspace that holds, per layer, what its vector tiles need."""
IMPORTED_FILE: Final = "imported-to-store.txt"
"""In a folder workspace: which of its layers became which store layer (written last)."""


def _record(first: Version, latest: Version) -> WorkspaceLayer:
    upload = latest.upload
    if upload is None:
        raise InputFileError("err_not_uploaded_layer", name=repr(latest.name))
    return WorkspaceLayer(
        layer_id=latest.object_id,
        name=latest.name,
        source=upload,
        original_file="original" + original_suffix(upload.filename),
        feature_count=latest.feature_count,
        messages=tuple(latest.meta.get("messages", ())),
        created_utc=first.time_utc,
        renamed_utc=latest.time_utc if latest.action == "rename" else None,
    )


class UserLayers:
    """``user``'s view of the uploaded layers: their own and the shared ones."""

    def __init__(self, store: Store, user: User, workspace_dir: str | os.PathLike[str]) -> None:
        self.store = store
        self.user = user
        self.root = (Path(workspace_dir) / CACHE_DIR).resolve()

    def recover(self) -> list[str]:
        """Nothing to clean: a crashed save left no version (the store's transactions)."""
        return []

    def _latest(self, layer_id: str) -> Version:
        try:
            latest = self.store.get(self.user, layer_id)
        except NotFoundError:
            raise LayerGoneError(layer_id) from None
        if latest.status == "deleted" or latest.kind != "layer":
            raise LayerGoneError(layer_id)
        return latest

    def _first(self, layer_id: str) -> Version:
        return self.store.get(self.user, layer_id, version=1)

    def save(
        self,
        layer: LoadedLayer,
        original: bytes,
        *,
        name: str | None = None,
        reason: str = "upload",
    ) -> WorkspaceLayer:
        """Save a loaded layer with its uploaded file, private to the user (``reason``:
        the audit's, e.g. an administrator's import, :mod:`geo.store.importer`)."""
        src = layer.source
        display = clean_name(name if name is not None else Path(original_name(src.filename)).stem)
        v = self.store.save_layer(
            self.user, layer.frame, name=display,
            upload=replace(src, filename=original_name(src.filename)),
            original=original, messages=layer.messages(), reason=reason,
        )  # fmt: skip
        return _record(v, v)

    def get(self, layer_id: str) -> WorkspaceLayer:
        return _record(self._first(layer_id), self._latest(layer_id))

    def version(self, layer_id: str) -> Version:
        """The layer's latest version (owner, shared, version number, ...)."""
        return self._latest(layer_id)

    def list_layers(self) -> list[WorkspaceLayer]:
        """The user's own and the shared layers, oldest first (deleted ones left out)."""
        out = []
        for v in self.store.list_layers(self.user):
            if v.upload is not None:
                out.append(_record(self._first(v.object_id), v))
        return out

    def read(self, layer_id: str) -> gpd.GeoDataFrame:
        self._latest(layer_id)
        return self.store.read(self.user, layer_id)

    def original(self, layer_id: str) -> bytes:
        self._latest(layer_id)
        return self.store.original(self.user, layer_id)

    def rename(self, layer_id: str, new_name: str) -> WorkspaceLayer:
        latest = self._latest(layer_id)
        v = self.store.rename(
            self.user, layer_id, clean_name(new_name), expected_version=latest.version
        )
        return _record(self._first(layer_id), v)

    def share(self, layer_id: str, *, shared: bool) -> Version:
        latest = self._latest(layer_id)
        return self.store.share(self.user, layer_id, shared=shared, expected_version=latest.version)

    def delete(self, layer_id: str, *, reason: str = "") -> Version:
        """Soft delete: the layer leaves the list; its history keeps every version."""
        latest = self._latest(layer_id)
        return self.store.delete(
            self.user, layer_id, expected_version=latest.version, reason=reason
        )

    def deleted(self) -> list[Version]:
        """The user's deleted layers, to restore."""
        return [
            v
            for v in self.store.list_layers(self.user, include_deleted=True)
            if v.status == "deleted" and v.owner == self.user.username
        ]

    def undelete(self, layer_id: str) -> Version:
        """Bring a deleted layer back (a new version copying the one before the delete)."""
        latest = self.store.get(self.user, layer_id)
        if latest.status != "deleted":
            return latest
        return self.store.restore(
            self.user, layer_id, version=latest.version - 1,
            expected_version=latest.version, reason="restored after delete",
        )  # fmt: skip


def import_folder_layers(
    store: Store, user: User, workspace_dir: str | os.PathLike[str]
) -> list[tuple[str, str]]:
    """Once per workspace: every layer of the old folder workspace in ``workspace_dir``
    becomes ``user``'s private layer in the store (name, uploaded file, how it was read
    and its reading notes kept; the audit says it was imported). Returns the (folder id,
    store id) pairs; ``IMPORTED_FILE`` records them and makes a second call do nothing.
    The folder's files are left as they were.

    A crash part-way imports the rest again on the next call (a layer may then be there
    twice, never lost)."""
    folder = Workspace(workspace_dir)
    marker = folder.root / IMPORTED_FILE
    if marker.exists() or not folder.root.is_dir():
        return []
    done: list[tuple[str, str]] = []
    for meta in folder.list_layers():
        try:
            frame = folder.read(meta.layer_id)
            original = folder.original_path(meta.layer_id).read_bytes()
        except (InputFileError, OSError):
            continue  # deleted meanwhile or damaged: nothing whole to import
        v = store.save_layer(
            user, frame, name=meta.name, upload=meta.source, original=original,
            messages=meta.messages,
            reason=f"imported from the folder workspace (layer {meta.layer_id}, saved "
            f"{meta.created_utc})",
        )  # fmt: skip
        done.append((meta.layer_id, v.object_id))
    with atomic_write(marker) as fh:
        fh.write("".join(f"{old} -> {new}\n" for old, new in done) or "(no layers)\n")
    return done
