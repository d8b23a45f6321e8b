"""Reading and writing spatial files: the only module in geo/ that touches the disk
for layers.

One place decides the engine (pyogrio, GDAL underneath). Reads return EPSG:4326
GeoDataFrames; a file without a CRS is an error, never a guess. Writes are atomic: a
temporary file in the target folder, flushed, then renamed over the target, so a
crash never leaves a half-written layer.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any, Final

import geopandas as gpd
import pyogrio
import pyogrio.errors

from geo.crs import STORAGE_CRS
from geo.errors import CRSError, InputFileError

ENGINE: Final = "pyogrio"


def read_layer(
    path: str | os.PathLike[str],
    *,
    layer: str | None = None,
    name: str | None = None,
) -> gpd.GeoDataFrame:
    """Read one vector layer and return it in the storage CRS (EPSG:4326).

    Reads what GDAL reads (GeoJSON, GeoPackage, KML, …) and, like an upload, a zipped
    Shapefile, KMZ or CSV (see :data:`PACKED_SUFFIXES`; the upload limits of
    ``config/upload.toml`` apply to those).
    ``layer`` picks a layer in multi-layer files (GeoPackage). ``name`` is how the file is
    called in error messages (defaults to the path). Raises :class:`InputFileError` when
    the file is missing or not a readable spatial file, :class:`CRSError` when it declares
    no CRS.
    """
    p = Path(path)
    label = name or str(p)
    if not p.exists():
        raise InputFileError(f"{label}: no such file; check the path.")
    if p.suffix.lower() in PACKED_SUFFIXES:
        return _read_packed(p, layer=layer, label=label)
    try:
        gdf = gpd.read_file(p, layer=layer, engine=ENGINE)
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as exc:
        raise InputFileError(
            f"{label}: not a readable spatial file ({exc}). Use GeoJSON, GeoPackage, "
            "a zipped Shapefile, KML or CSV with a WKT or lon/lat column."
        ) from exc
    if gdf.crs is None:
        raise CRSError(
            f"{label}: the file declares no coordinate reference system. Add one (a .prj for "
            "Shapefiles, 'crs' for GeoJSON) or choose one explicitly; it is not guessed."
        )
    return gdf.to_crs(STORAGE_CRS)


PACKED_SUFFIXES: Final = (".zip", ".kmz", ".csv")
"""Suffixes read by :mod:`geo.upload.readers`, as uploads are: zipped Shapefile (with
its attribute encoding detected), KMZ, CSV with a WKT or lon/lat column."""


def _read_packed(p: Path, *, layer: str | None, label: str) -> gpd.GeoDataFrame:
    """Read a zip/KMZ/CSV file as an upload is read; CRS rules as :func:`read_layer`.

    A CSV of longitude/latitude columns declares no CRS; it is taken as EPSG:4326 only
    when every point lies in the expected region (``config/upload.toml``), else refused.
    """
    from geo.upload.readers import read_raw  # deferred: geo.upload builds on geo/ modules
    from geo.upload.settings import default_settings

    raw = read_raw(p.read_bytes(), p.name, layer=layer)
    frame = raw.frame
    if frame.crs is None:
        region = default_settings().region
        geoms = frame.geometry[frame.geometry.notna() & ~frame.geometry.is_empty]
        minx, miny, maxx, maxy = geoms.total_bounds if len(geoms) else (0.0, 0.0, 0.0, 0.0)
        if raw.format == "csv" and region.contains(minx, miny) and region.contains(maxx, maxy):
            frame = frame.set_crs(STORAGE_CRS)
        else:
            raise CRSError(
                f"{label}: the file declares no coordinate reference system and its "
                f"coordinates (x {minx:,.6f} … {maxx:,.6f}, y {miny:,.6f} … {maxy:,.6f}) are "
                f"not longitude/latitude in {region.name_en}; it is not guessed. Add a .prj "
                "(Shapefile) or an SRID=…; prefix (CSV WKT), or upload it in the app and "
                "confirm the CRS."
            )
    return frame.to_crs(STORAGE_CRS)


def list_layers(path: str | os.PathLike[str]) -> list[str]:
    """Names of the layers in a file (one for GeoJSON, several for a GeoPackage)."""
    try:
        return [str(row[0]) for row in pyogrio.list_layers(path)]
    except pyogrio.errors.DataSourceError as exc:
        raise InputFileError(f"{path}: not a readable spatial file ({exc}).") from exc


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike[str], *, mode: str = "w") -> Iterator[IO[Any]]:
    """Open a temporary file beside ``path``; on success rename it over ``path``.

    On any error the temporary file is removed and ``path`` is left as it was.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        encoding = None if "b" in mode else "utf-8"
        with os.fdopen(fd, mode, encoding=encoding) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)  # mkstemp makes it private; a layer or export is for sharing
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def geojson_text(gdf: gpd.GeoDataFrame, *, precision: int = 7) -> str:
    """A GeoDataFrame as compact, deterministic GeoJSON text in EPSG:4326.

    Coordinates are rounded to ``precision`` decimal places (7 ≈ 1 cm); keys keep their
    column order; Chinese text stays readable (no ASCII escaping).
    """
    frame = gdf.to_crs(STORAGE_CRS) if gdf.crs is not None else gdf
    data = json.loads(frame.to_json(drop_id=True, to_wgs84=False))
    data.pop("crs", None)
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    if precision is not None:
        data = json.loads(text, parse_float=lambda s: round(float(s), precision))
        text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return text


def write_geojson_atomic(
    gdf: gpd.GeoDataFrame, path: str | os.PathLike[str], *, precision: int = 7
) -> None:
    """Write a layer as GeoJSON (EPSG:4326, RFC 7946) atomically; see :func:`geojson_text`."""
    if gdf.crs is None:
        raise CRSError(f"{path}: refusing to write a layer without a CRS.")
    with atomic_write(path) as fh:
        fh.write(geojson_text(gdf, precision=precision))
        fh.write("\n")
