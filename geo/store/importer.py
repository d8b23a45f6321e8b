"""A large layer put into the store on the server, by an administrator.

The app's upload is bounded (``config/upload.toml``: 50 MB, 1,000,000 features, and
Streamlit's own 200 MB) so that one upload cannot exhaust a shared server. A layer
larger than that — a cadastre of a million parcels — is imported on the server instead:

    python -m geo store import-layer parcels.gpkg --owner alice --max-file-mb 300

:func:`import_layer` reads the file exactly as an upload is read (:func:`geo.cli.load_input`:
the same formats, CRS checks, repairs and messages), with the limits raised only as far as
the administrator says, each bounded by :data:`IMPORT_BOUNDS`; saves it as the upload's
save does (:meth:`geo.store.layers.UserLayers.save`: version 1, owned by ``owner``, private
until shared, in the audit trail, its file kept); computes its figures and grid cells once
(:mod:`geo.store.summary`) and builds its vector tiles (:mod:`geo.store.tiles`) before it
returns, so the page lists, draws and measures it without reading it whole.
"""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Final

from geo.errors import GeoError
from geo.upload.settings import default_settings

if TYPE_CHECKING:  # the page imports this module for app_workspace_dir only
    from geo.store.store import Store
    from geo.store.summary import LayerSummary
    from geo.store.tiles import TileSet
    from geo.store.users import User
    from geo.store.workspace import WorkspaceLayer
    from geo.upload import CoordinateSystem, UploadSettings

IMPORT_BOUNDS: Final = {
    "max_file_mb": 1_000.0,
    "max_features": 2_000_000,
    "max_vertices": 10_000_000,
}
"""The most an administrator's flags may raise each limit to: twice what one million
parcels need (227 MB, 1,000,000 features, 5,000,000 coordinates; BENCHMARKS.md), which
keeps one import near the 4 GB the server is sized for."""
REASON_PREFIX: Final = "imported from "
"""The audit reason starts so (the history shows it as an import of the file)."""


WORKSPACE_VARIABLE: Final = "PLANMAP_WORKSPACE"


def app_workspace_dir() -> Path:
    """The workspace the app uses: ``PLANMAP_WORKSPACE``, else ``config/upload.toml``'s
    (the embedded store, the layers' cached files and their tiles' capabilities)."""
    return Path(os.environ.get(WORKSPACE_VARIABLE) or default_settings().workspace_dir)


class ImportLimitError(GeoError):
    """A limit was asked to go beyond :data:`IMPORT_BOUNDS`."""


@dataclass(frozen=True)
class ImportedLayer:
    """What :func:`import_layer` did."""

    layer: WorkspaceLayer
    owner: str
    version: int
    shared: bool
    summary: LayerSummary
    tiles: TileSet
    messages: tuple[str, ...]


def import_settings(
    *,
    max_file_mb: float | None = None,
    max_features: int | None = None,
    max_vertices: int | None = None,
) -> UploadSettings:
    """The upload limits (``config/upload.toml``), each raised to the value given, which
    must be positive and within :data:`IMPORT_BOUNDS`; all problems are reported at once."""
    asked = {"max_file_mb": max_file_mb, "max_features": max_features, "max_vertices": max_vertices}
    problems = [
        (flag, value)
        for flag, value in asked.items()
        if value is not None and not 0 < value <= IMPORT_BOUNDS[flag]
    ]
    if problems:
        raise ImportLimitError(
            "err_import_bound",
            asked="; ".join(f"--{f.replace('_', '-')} {v:,}" for f, v in problems),
            bounds="; ".join(f"--{f.replace('_', '-')} {IMPORT_BOUNDS[f]:,}" for f, _ in problems),
        )
    from geo.cli import _settings  # the command line's raised limits, one definition

    return _settings(argparse.Namespace(**asked))


def import_layer(
    store: Store,
    user: User,
    path: str | Path,
    *,
    workspace_dir: str | Path,
    name: str | None = None,
    share: bool = False,
    settings: UploadSettings | None = None,
    layer: str | None = None,
    crs: str | None = None,
    encoding: str | None = None,
    coordinates: CoordinateSystem = "wgs84",
    allow_outside: bool = False,
    static_dir: Path | None = None,
) -> ImportedLayer:
    """Read ``path`` as an upload, save it as ``user``'s layer (shared if ``share``), and
    compute its figures, grid cells and vector tiles before returning (``static_dir``:
    where the tiles are served from, the app's ``static/`` unless given)."""
    from geo.cli import load_input  # the command line's reader: the upload's, from a path
    from geo.store.layers import UserLayers
    from geo.store.summary import summarise, write_summary
    from geo.store.tiles import TileStore

    source = Path(path)
    loaded = load_input(
        source, layer=layer, crs=crs, encoding=encoding, coordinates=coordinates,
        allow_outside=allow_outside, settings=settings,
    )  # fmt: skip
    layers = UserLayers(store, user, workspace_dir)
    saved = layers.save(
        loaded,
        source.read_bytes(),
        name=name,
        reason=f"{REASON_PREFIX}{source.name} (python -m geo store import-layer)",
    )
    version = layers.version(saved.layer_id)
    if share:
        version = layers.share(saved.layer_id, shared=True)
    summary, cells = summarise(loaded.frame, features_of=version.features_of)
    write_summary(layers.root, saved.layer_id, summary, cells)
    tile_store = (
        TileStore(layers.root)
        if static_dir is None
        else TileStore(layers.root, static_dir=static_dir)
    )
    tiles = tile_store.build(saved.layer_id, loaded.frame)  # the frame just saved
    return ImportedLayer(
        layer=layers.get(saved.layer_id),
        owner=user.username,
        version=version.version,
        shared=version.shared,
        summary=summary,
        tiles=tiles,
        messages=tuple(loaded.messages()),
    )
