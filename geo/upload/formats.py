"""The upload formats: what each is called, its file names, and the one GDAL driver that
may open it; the raw layer every reader returns; and the sniffing that decides a file's
format from its content and refuses content that disagrees with the file name.

Readers are looked up in :data:`geo.upload.readers.READERS` by the format decided here.
"""

from __future__ import annotations

import codecs
import io
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final, Literal

import geopandas as gpd

from geo.declared.i18n import Message
from geo.errors import InputFileError

FileFormat = Literal["geojson", "shapefile_zip", "geopackage", "kml", "kmz", "csv", "dxf"]


@dataclass(frozen=True)
class FormatSpec:
    """One upload format: its name, the file name endings it comes with, and the GDAL
    drivers allowed to open it (empty: read without GDAL)."""

    name: str
    suffixes: tuple[str, ...]
    drivers: frozenset[str]


FORMATS: Final[dict[FileFormat, FormatSpec]] = {
    "geojson": FormatSpec("GeoJSON", (".geojson", ".json"), frozenset({"GeoJSON"})),
    "shapefile_zip": FormatSpec("zipped Shapefile", (".zip",), frozenset({"ESRI Shapefile"})),
    "geopackage": FormatSpec("GeoPackage", (".gpkg",), frozenset({"GPKG"})),
    # GDAL picks LIBKML when present, KML (expat) otherwise; both read only the document.
    "kml": FormatSpec("KML", (".kml",), frozenset({"LIBKML", "KML"})),
    "kmz": FormatSpec("KMZ", (".kmz",), frozenset({"LIBKML", "KML"})),
    "csv": FormatSpec("CSV", (".csv", ".txt", ".tsv"), frozenset()),
    "dxf": FormatSpec("DXF (CAD)", (".dxf",), frozenset({"DXF"})),
}
FORMAT_NAMES: Final[dict[str, str]] = {k: v.name for k, v in FORMATS.items()}
SUPPORTED: Final = (
    "GeoJSON (.geojson/.json), a zipped Shapefile (.zip holding .shp, .shx, .dbf, .prj), "
    "GeoPackage (.gpkg), KML/KMZ, DXF from CAD (.dxf), or CSV with a WKT column or "
    "longitude/latitude columns"
)
KML_NAMESPACES: Final = frozenset(
    {
        "http://www.opengis.net/kml/2.2",
        "http://earth.google.com/kml/2.0",
        "http://earth.google.com/kml/2.1",
        "http://earth.google.com/kml/2.2",
    }
)


@dataclass(frozen=True)
class RawLayer:
    """One layer as the file holds it. ``frame.crs`` is ``None`` when the file has none."""

    frame: gpd.GeoDataFrame
    format: FileFormat
    layer: str | None
    layers: tuple[str, ...]
    encoding: str | None
    encoding_source: str
    crs_source: str
    notes: tuple[str, ...] = field(default=())


def choose_layer(layers: Iterable[str], layer: str | None, name: str) -> str:
    """The layer to read: ``layer`` if given (and present), else the only one."""
    options = list(layers)
    if layer is not None:
        if layer not in options:
            raise InputFileError(
                "err_no_layer", name=name, layer=repr(layer), options=", ".join(options)
            )
        return layer
    if len(options) != 1:
        raise InputFileError(
            "err_several_layers", name=name, count=len(options), options=", ".join(options)
        )
    return options[0]


def codec_for(encoding: str, name: str) -> str:
    """The Python codec for an encoding the user named (InputFileError if unknown)."""
    try:
        return codecs.lookup(encoding).name
    except LookupError as exc:
        raise InputFileError("err_unknown_encoding", name=name, encoding=repr(encoding)) from exc


# ---------------------------------------------------------------------------- content

_NOT_SPATIAL: Final = (  # what a file is, as a declared text (config/i18n.toml kind_*)
    (b"%PDF", "kind_pdf"),
    (b"\x89PNG", "kind_png"),
    (b"\xff\xd8\xff", "kind_jpeg"),
    (b"GIF8", "kind_gif"),
    (b"\xd0\xcf\x11\xe0", "kind_old_office"),
    (b"Rar!", "kind_rar"),
    (b"7z\xbc\xaf", "kind_7z"),
    (b"\x1f\x8b", "kind_gzip"),
    (b"AC10", "kind_dwg"),
    (b"AutoCAD Binary DXF", "kind_binary_dxf"),
)
_SQLITE: Final = b"SQLite format 3\x00"
_DXF_START: Final = re.compile(r"(999[ \t]*\r?\n[^\n]*\n\s*)*0[ \t]*\r?\n[ \t]*SECTION\s")
"""An ASCII DXF: (comments, then) group code 0 with the value SECTION."""
_GPKG_APPLICATION_IDS: Final = (b"GPKG", b"GP10", b"GP11")


def _text_head(data: bytes, size: int = 4096) -> str:
    """The start of the file as text (BOM and leading blanks removed)."""
    return data[:size].decode("utf-8", errors="ignore").lstrip("\ufeff \t\r\n")


def xml_root(data: bytes) -> str | None:
    """The name of the first element of an XML document (``'{ns}kml'``), or None.

    Reads only the prolog and the first start tag (a bounded prefix), so any XML is
    classified by what its root element is, not by a string somewhere near the top.
    """
    import xml.etree.ElementTree as ET

    parser: ET.XMLPullParser[ET.Element] = ET.XMLPullParser(events=("start",))
    try:
        for start in range(0, min(len(data), 1 << 20), 1 << 14):
            parser.feed(data[start : start + (1 << 14)])
            for event in parser.read_events():
                element = event[-1]
                if isinstance(element, ET.Element):
                    return str(element.tag)
    except ET.ParseError:
        return None
    return None


def _binary_kind(data: bytes) -> FileFormat | str | None:
    """What the first bytes say: a zip, a GeoPackage, a known non-spatial file, or None."""
    if data[:4] in (b"PK\x03\x04", b"PK\x05\x06"):
        return "zip"
    if data.startswith(_SQLITE):
        if data[68:72] in _GPKG_APPLICATION_IDS:
            return "geopackage"
        return Message("kind_sqlite")
    return next((Message(kind) for magic, kind in _NOT_SPATIAL if data.startswith(magic)), None)


def _xml_kind(data: bytes) -> FileFormat | str:
    """KML by its root element ``<kml>`` (in a KML namespace or none), or what else it is."""
    root = xml_root(data)
    if root is None:
        return Message("kind_not_xml")
    local = root.rsplit("}", 1)[-1]
    namespace = root[1:].split("}", 1)[0] if root.startswith("{") else ""
    if local == "kml" and (namespace in KML_NAMESPACES or not namespace):
        return "kml"
    if local == "OGRVRTDataSource":
        return Message("kind_vrt")
    return Message("kind_other_xml", root=local)


def _text_kind(head: str) -> FileFormat | str:
    """DXF, GeoJSON, KML or CSV by how the text starts."""
    if _DXF_START.match(head):
        return "dxf"
    if head.startswith(("{", "[")):
        return "geojson"
    if "\n" in head and any(d in head.splitlines()[0] for d in ",;\t|"):
        return "csv"
    return Message("kind_unrecognised")


def _content_kind(data: bytes, name: str) -> FileFormat | str:
    """The format the content is, or a description of what else it is."""
    kind = _binary_kind(data)
    if kind is not None:
        return kind
    head = _text_head(data)
    return _xml_kind(data) if head.startswith("<") else _text_kind(head)


def _zip_kind(data: bytes, filename: str) -> FileFormat:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            names = [n.lower() for n in zf.namelist()]
    except zipfile.BadZipFile as exc:
        raise InputFileError("err_zip_damaged", name=filename, cause=str(exc)) from exc
    if "[content_types].xml" in names:
        excel = any(n.startswith("xl/") for n in names)
        kind = Message("kind_excel" if excel else "kind_office")
        raise InputFileError("err_office_file", name=filename, kind=kind)
    has_kml = any(n.endswith(".kml") for n in names)
    has_shp = any(n.endswith(".shp") for n in names)
    if filename.lower().endswith(".kmz") or (has_kml and not has_shp):
        return "kmz"
    return "shapefile_zip"


def format_for_suffix(filename: str) -> FileFormat | None:
    """The format a file name promises (by its ending), or None for other endings."""
    suffix = Path(filename).suffix.lower()
    for fmt, spec in FORMATS.items():
        if suffix in spec.suffixes:
            return fmt
    return None


def sniff_format(data: bytes, filename: str) -> FileFormat:
    """Decide the format from the content, and check it against the file name.

    The content decides; a file whose name promises one format (``x.kml``, ``x.gpkg``)
    but whose content is another is refused, so nothing is ever opened as something it
    does not claim to be. Raises :class:`InputFileError` for files that are not spatial
    (PDF, images, Office documents, a bare ``.shp``, an OGR VRT, XML that is not KML)
    with advice on what to upload instead.
    """
    suffix = Path(filename).suffix.lower()
    if suffix in (".shp", ".shx", ".dbf", ".prj", ".cpg"):
        raise InputFileError("err_bare_shapefile_part", name=filename)
    kind = _content_kind(data, filename)
    if kind == "zip":
        kind = _zip_kind(data, filename)
    promised = format_for_suffix(filename)
    if kind not in FORMATS:
        raise InputFileError(
            "err_not_spatial", name=filename, kind=kind, supported=Message("err_supported")
        )
    fmt: FileFormat = kind
    if promised is not None and promised != fmt and {promised, fmt} != {"shapefile_zip", "kmz"}:
        raise InputFileError(
            "err_name_not_content", name=filename, promised=FORMATS[promised].name,
            content=FORMATS[fmt].name, suffix=FORMATS[fmt].suffixes[0],
        )  # fmt: skip
    return fmt
