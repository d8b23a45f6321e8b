"""Reading an uploaded file, given as bytes and its original name, into a raw layer.

"Raw" means as the file says: coordinates untouched, the CRS the file declares (or
``None`` when it declares none; :mod:`geo.upload.load` then proposes candidates).

Every upload is untrusted. In order:

1. its size is checked against ``config/upload.toml`` (``max_file_mb``);
2. its format is decided from its content, and refused when the content disagrees with
   its name (:func:`~geo.upload.formats.sniff_format`);
3. the reader of that format (:data:`READERS`: one module per format family) checks
   what it can from the bytes before parsing (rows, placemarks, coordinates, headers,
   zip members), then opens the file with the one GDAL driver the format allows
   (:data:`~geo.upload.formats.FORMATS`; GDAL itself has only the app's drivers and no
   network, :mod:`geo.gdal`);
4. the features and coordinates read are checked against ``max_features`` and
   ``max_vertices``.

Every problem raises :class:`~geo.errors.InputFileError` (or
:class:`~geo.errors.CRSError`) whose message names the file, what was found and what to
do.
"""

from __future__ import annotations

import dataclasses
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Final

import numpy as np
import shapely

from geo.declared.i18n import Message
from geo.errors import InputFileError
from geo.upload.csv_table import CsvColumns, detect_csv_columns, read_csv
from geo.upload.dxf import read_dxf
from geo.upload.formats import (
    FORMAT_NAMES,
    FORMATS,
    SUPPORTED,
    FileFormat,
    RawLayer,
    sniff_format,
)
from geo.upload.geojson import read_geojson
from geo.upload.geopackage import geopackage_layers, read_geopackage
from geo.upload.kml import kml_layers, read_kml_path, read_kmz
from geo.upload.settings import UploadSettings, default_settings
from geo.upload.shapefile import (
    dbf_text_values,
    detect_text_encoding,
    read_shapefile_zip,
    shapefile_layers_in,
)
from geo.upload.zips import mb, with_members

__all__ = [
    "FORMATS",
    "FORMAT_NAMES",
    "READERS",
    "SUPPORTED",
    "CsvColumns",
    "FileFormat",
    "RawLayer",
    "dbf_text_values",
    "detect_csv_columns",
    "detect_text_encoding",
    "list_upload_layers",
    "read_raw",
    "sniff_format",
]


@dataclasses.dataclass(frozen=True)
class ReadRequest:
    """What a reader gets: the bytes, the name for messages, a private temporary folder
    and the caller's choices."""

    data: bytes
    name: str
    tmp: Path
    layer: str | None
    encoding: str | None
    csv_columns: CsvColumns | None
    settings: UploadSettings


def _kml(r: ReadRequest) -> RawLayer:
    path = r.tmp / "upload.kml"
    path.write_bytes(r.data)
    return read_kml_path(path, r.name, layer=r.layer, settings=r.settings)


READERS: Final[dict[FileFormat, Callable[[ReadRequest], RawLayer]]] = {
    "geojson": lambda r: read_geojson(r.data, r.name, r.tmp, settings=r.settings),
    "shapefile_zip": lambda r: read_shapefile_zip(
        r.data, r.name, r.tmp, layer=r.layer, encoding=r.encoding, settings=r.settings
    ),
    "geopackage": lambda r: read_geopackage(
        r.data, r.name, r.tmp, layer=r.layer, settings=r.settings
    ),
    "kml": _kml,
    "kmz": lambda r: read_kmz(r.data, r.name, r.tmp, layer=r.layer, settings=r.settings),
    "csv": lambda r: read_csv(
        r.data, r.name, encoding=r.encoding, columns=r.csv_columns, settings=r.settings
    ),
    "dxf": lambda r: read_dxf(
        r.data, r.name, r.tmp, layer=r.layer, encoding=r.encoding, settings=r.settings
    ),
}
"""Format → reader. The GDAL driver each may use is in :data:`FORMATS`."""


def check_size(data: bytes, name: str, settings: UploadSettings) -> None:
    """Refuse an empty file or one above ``max_file_mb``."""
    if not data:
        raise InputFileError("err_file_empty", name=name)
    if len(data) > settings.max_file_bytes:
        raise InputFileError(
            "err_file_oversize", name=name, size=mb(len(data)), limit=mb(settings.max_file_bytes)
        )


def check_counts(raw: RawLayer, name: str, settings: UploadSettings) -> None:
    """Refuse a layer with more features or coordinates than the limits allow."""
    if len(raw.frame) > settings.max_features:
        raise InputFileError(
            "err_too_many_features", name=name, count=len(raw.frame), limit=settings.max_features
        )
    geoms = np.asarray(raw.frame.geometry.array)
    vertices = int(np.sum(shapely.get_num_coordinates(geoms)))
    if vertices > settings.max_vertices:
        raise InputFileError(
            "err_too_many_vertices", name=name, count=vertices, limit=settings.max_vertices
        )
    coords, where = shapely.get_coordinates(geoms, return_index=True)
    bad = np.unique(where[~np.all(np.isfinite(coords), axis=1)])
    if bad.size:
        listed = ", ".join(f"#{i + 1}" for i in bad[:10]) + (" …" if bad.size > 10 else "")
        raise InputFileError(
            "err_coordinates_not_numbers", name=name, count=bad.size, listed=listed
        )


def list_upload_layers(
    data: bytes, filename: str, *, settings: UploadSettings | None = None
) -> tuple[FileFormat, tuple[str, ...]]:
    """The file's format and the layers the caller can choose from (empty: only one)."""
    settings = settings or default_settings()
    name = Path(filename).name or "upload"
    check_size(data, name, settings)
    fmt = sniff_format(data, name)
    with tempfile.TemporaryDirectory(prefix="upload-") as tmpdir:
        tmp = Path(tmpdir)
        if fmt == "geopackage":
            return fmt, geopackage_layers(data, name, tmp)
        if fmt == "kml":
            return fmt, kml_layers(data, name, tmp, settings=settings)
        if fmt == "shapefile_zip":
            return fmt, with_members(
                data, name, settings, lambda _zf, m, _b: shapefile_layers_in(m, name)
            )
        if fmt == "kmz":
            return fmt, read_raw(data, filename, settings=settings).layers
    return fmt, ()


def read_raw(
    data: bytes,
    filename: str,
    *,
    layer: str | None = None,
    encoding: str | None = None,
    csv_columns: CsvColumns | None = None,
    settings: UploadSettings | None = None,
) -> RawLayer:
    """Read an uploaded file (bytes + its original name) as the file holds it.

    ``layer`` chooses a layer (GeoPackage, KML, a zip with several Shapefiles);
    ``encoding`` overrides the detected attribute text encoding (Shapefile, CSV);
    ``csv_columns`` overrides the detected CSV geometry columns. Limits come from
    ``config/upload.toml`` unless ``settings`` is given. Raises
    :class:`~geo.errors.InputFileError` with a specific message for every bad input.
    """
    settings = settings or default_settings()
    name = Path(filename).name or "upload"
    check_size(data, name, settings)
    fmt = sniff_format(data, name)
    with tempfile.TemporaryDirectory(prefix="upload-") as tmpdir:
        request = ReadRequest(data, name, Path(tmpdir), layer, encoding, csv_columns, settings)
        raw = READERS[fmt](request)
    check_counts(raw, name, settings)
    gdal_notes = raw.frame.attrs.pop("gdal_warnings", [])
    if gdal_notes:
        raw = dataclasses.replace(raw, notes=(*raw.notes, *gdal_notes))
    if raw.frame.empty:
        where = Message("err_in_layer", layer=repr(raw.layer)) if raw.layer else ""
        raise InputFileError("err_no_features", name=name, where=where)
    return raw
