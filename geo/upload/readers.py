"""Reading an uploaded file, given as bytes and its original name, into a raw layer.

"Raw" means as the file says: coordinates untouched, the CRS the file declares (or
``None`` when it declares none; :mod:`geo.upload.load` then proposes candidates).
Formats: GeoJSON; zipped Shapefile (attribute encoding from the ``.cpg`` or detected
from the ``.dbf`` text, or given by the caller); GeoPackage and KML (layer chosen by the
caller); KMZ; CSV with a WKT column or longitude/latitude columns.

Safety: files are unpacked only into a :class:`tempfile.TemporaryDirectory` under names
made here (never the names inside the zip); zip members with absolute or ``..`` paths,
links or passwords are refused; sizes are checked against ``config/upload.toml`` both as
declared and while unpacking (zip bombs lie about their sizes).

Every problem raises :class:`~geo.errors.InputFileError` (or
:class:`~geo.errors.CRSError`) whose message names the file, what was found and what to
do.
"""

from __future__ import annotations

import codecs
import dataclasses
import io
import json
import re
import stat
import struct
import tempfile
import warnings
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Final, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pyogrio.errors
import shapely

from geo.errors import InputFileError
from geo.upload.settings import BYTES_PER_MB, UploadSettings, default_settings

FileFormat = Literal["geojson", "shapefile_zip", "geopackage", "kml", "kmz", "csv"]

FORMAT_NAMES: Final[dict[str, str]] = {
    "geojson": "GeoJSON",
    "shapefile_zip": "zipped Shapefile",
    "geopackage": "GeoPackage",
    "kml": "KML",
    "kmz": "KMZ",
    "csv": "CSV",
}
SUPPORTED: Final = (
    "GeoJSON (.geojson/.json), a zipped Shapefile (.zip holding .shp, .shx, .dbf, .prj), "
    "GeoPackage (.gpkg), KML/KMZ, or CSV with a WKT column or longitude/latitude columns"
)

# Column names recognised in CSV files, compared after lower-casing and removing spaces
# and a trailing unit in brackets ("经度(°)" -> "经度").
WKT_COLUMNS: Final = ("wkt", "geometry", "geom", "the_geom", "wkt_geom", "shape")
LON_COLUMNS: Final = ("lon", "lng", "long", "longitude", "x", "经度", "东经", "point_x")
LAT_COLUMNS: Final = ("lat", "latitude", "y", "纬度", "北纬", "point_y")

# .cpg contents (upper-cased) -> Python codec. GB18030 decodes GBK/GB2312/CP936 text too.
_CPG_CODECS: Final[dict[str, str]] = {
    "UTF-8": "utf-8",
    "UTF8": "utf-8",
    "65001": "utf-8",
    "GBK": "gb18030",
    "CP936": "gb18030",
    "936": "gb18030",
    "ANSI 936": "gb18030",
    "GB2312": "gb18030",
    "GB18030": "gb18030",
    "54936": "gb18030",
    "BIG5": "big5",
    "950": "big5",
    "ISO-8859-1": "latin-1",
    "ISO88591": "latin-1",
    "8859_1": "latin-1",
    "LATIN1": "latin-1",
    "ASCII": "ascii",
}
_DETECT_ORDER: Final = ("utf-8", "gb18030")
_SKIP_MEMBER = re.compile(r"(^|/)(__MACOSX/|\._|\.DS_Store$|Thumbs\.db$)")
_SRID = re.compile(r"^\s*SRID=(\d+);", re.IGNORECASE)


@dataclass(frozen=True)
class CsvColumns:
    """Which CSV columns hold the geometry: ``wkt``, or ``lon`` and ``lat`` (x and y)."""

    wkt: str | None = None
    lon: str | None = None
    lat: str | None = None


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


# ---------------------------------------------------------------------------- sniffing


def _mb(n: int) -> str:
    return f"{n / BYTES_PER_MB:,.1f} MB"


def _check_size(data: bytes, name: str, settings: UploadSettings) -> None:
    if not data:
        raise InputFileError(f"{name}: the file is empty (0 bytes); upload it again.")
    if len(data) > settings.max_file_bytes:
        raise InputFileError(
            f"{name}: oversize file, {_mb(len(data))}; the limit is "
            f"{_mb(settings.max_file_bytes)} (max_file_mb in config/upload.toml). Split the "
            "layer, keep only the area you need, or zip it."
        )


def _text_head(data: bytes) -> str:
    return data[:4096].decode("utf-8", errors="ignore").lstrip("\ufeff \t\r\n")


def sniff_format(data: bytes, filename: str) -> FileFormat:
    """Decide the format from the content first, then from the file name.

    Raises :class:`InputFileError` for files that are not spatial (PDF, images, Office
    documents, a bare ``.shp``) with advice on what to upload instead.
    """
    suffix = Path(filename).suffix.lower()
    if suffix in (".shp", ".shx", ".dbf", ".prj", ".cpg"):
        raise InputFileError(
            f"{filename}: a Shapefile is several files (.shp, .shx, .dbf, .prj, .cpg) that "
            "belong together; put them all in one .zip and upload the .zip."
        )
    if data[:4] in (b"PK\x03\x04", b"PK\x05\x06"):
        return _sniff_zip(data, filename)
    if data.startswith(b"SQLite format 3\x00"):
        return "geopackage"
    for magic, kind in (
        (b"%PDF", "a PDF document"),
        (b"\x89PNG", "a PNG image"),
        (b"\xff\xd8\xff", "a JPEG image"),
        (b"GIF8", "a GIF image"),
        (b"\xd0\xcf\x11\xe0", "an old Office document (.xls/.doc)"),
        (b"Rar!", "a RAR archive"),
        (b"7z\xbc\xaf", "a 7-Zip archive"),
        (b"\x1f\x8b", "a gzip archive"),
    ):
        if data.startswith(magic):
            raise InputFileError(
                f"{filename}: not a spatial file; it is {kind}. Upload {SUPPORTED}."
            )
    head = _text_head(data)
    if head.startswith(("{", "[")):
        return "geojson"
    if head.startswith("<"):
        if "<kml" in head.lower():
            return "kml"
        raise InputFileError(
            f"{filename}: an XML or HTML document but not KML; not a spatial file this app "
            f"reads. Upload {SUPPORTED}."
        )
    if suffix in (".geojson", ".json"):
        return "geojson"
    if suffix in (".csv", ".txt", ".tsv") or (
        "\n" in head and any(d in head.splitlines()[0] for d in ",;\t|")
    ):
        return "csv"
    raise InputFileError(
        f"{filename}: not a spatial file (unrecognised content). Upload {SUPPORTED}."
    )


def _sniff_zip(data: bytes, filename: str) -> FileFormat:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            names = [n.lower() for n in zf.namelist()]
    except zipfile.BadZipFile as exc:
        raise InputFileError(
            f"{filename}: a damaged or truncated zip archive ({exc}); zip the files again."
        ) from exc
    if "[content_types].xml" in names:
        kind = "an Excel workbook" if any(n.startswith("xl/") for n in names) else "an Office file"
        raise InputFileError(
            f"{filename}: not a spatial file; it is {kind}. Save the sheet as CSV (UTF-8) with "
            "a WKT column or longitude/latitude columns and upload that."
        )
    has_kml = any(n.endswith(".kml") for n in names)
    has_shp = any(n.endswith(".shp") for n in names)
    if filename.lower().endswith(".kmz") or (has_kml and not has_shp):
        return "kmz"
    return "shapefile_zip"


# ----------------------------------------------------------------------------- zips


def _safe_members(
    zf: zipfile.ZipFile, name: str, settings: UploadSettings
) -> list[zipfile.ZipInfo]:
    """The archive's file members, after checking paths, links, passwords and sizes."""
    infos = zf.infolist()
    if len(infos) > settings.max_zip_members:
        raise InputFileError(
            f"{name}: the zip holds {len(infos)} entries; the limit is "
            f"{settings.max_zip_members} (max_zip_members in config/upload.toml). Zip only the "
            "layer's files."
        )
    problems: list[str] = []
    for info in infos:
        member = info.filename.replace("\\", "/")
        parts = PurePosixPath(member).parts
        if member.startswith("/") or re.match(r"^[A-Za-z]:", member) or ".." in parts:
            problems.append(f"unsafe path {info.filename!r} (points outside the archive)")
        if stat.S_ISLNK(info.external_attr >> 16):
            problems.append(f"{info.filename!r} is a symbolic link")
        if info.flag_bits & 0x1:
            problems.append(f"{info.filename!r} is password-protected")
    if problems:
        raise InputFileError(
            f"{name}: the zip is refused: " + "; ".join(problems[:5]) + ". Create the zip again "
            "from the layer's files themselves, without passwords."
        )
    total = sum(i.file_size for i in infos)
    if total > settings.max_uncompressed_bytes:
        raise InputFileError(
            f"{name}: oversize content, the zip unpacks to {_mb(total)}; the limit is "
            f"{_mb(settings.max_uncompressed_bytes)} (max_uncompressed_mb in "
            "config/upload.toml). Upload a smaller layer."
        )
    return [i for i in infos if not i.is_dir() and not _SKIP_MEMBER.search(i.filename)]


def _extract(
    zf: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    target: Path,
    *,
    budget: list[int],
    name: str,
    settings: UploadSettings,
) -> None:
    """Copy one member to ``target`` (a name chosen by us), counting the real bytes."""
    try:
        with zf.open(info) as src, target.open("wb") as dst:
            while chunk := src.read(1 << 20):
                budget[0] -= len(chunk)
                if budget[0] < 0:
                    raise InputFileError(
                        f"{name}: oversize content, the zip unpacks to more than "
                        f"{_mb(settings.max_uncompressed_bytes)} (max_uncompressed_mb in "
                        "config/upload.toml); upload a smaller layer."
                    )
                dst.write(chunk)
    except (zipfile.BadZipFile, EOFError, OSError) as exc:
        if isinstance(exc, InputFileError):
            raise
        raise InputFileError(
            f"{name}: {info.filename!r} in the zip is damaged ({exc}); zip the files again."
        ) from exc


def _stem(member: str) -> str:
    return member.replace("\\", "/").rsplit(".", 1)[0]


def _shapefile_groups(members: list[zipfile.ZipInfo]) -> dict[str, dict[str, zipfile.ZipInfo]]:
    groups: dict[str, dict[str, zipfile.ZipInfo]] = {}
    for info in members:
        suffix = PurePosixPath(info.filename.replace("\\", "/")).suffix.lower()
        if suffix in (".shp", ".shx", ".dbf", ".prj", ".cpg"):
            groups.setdefault(_stem(info.filename).lower(), {})[suffix] = info
    return groups


def _shapefile_layers(
    groups: dict[str, dict[str, zipfile.ZipInfo]], members: list[zipfile.ZipInfo], name: str
) -> dict[str, dict[str, zipfile.ZipInfo]]:
    """Layers (by path without extension) that have a .shp; errors for incomplete ones."""
    layers = {_stem(g[".shp"].filename): g for g in groups.values() if ".shp" in g}
    if not layers:
        found = ", ".join(i.filename for i in members[:10]) or "nothing"
        orphan = [g for g in groups.values() if ".dbf" in g or ".shx" in g]
        if orphan:
            parts = ", ".join(sorted(i.filename for g in orphan for i in g.values()))
            raise InputFileError(
                f"{name}: missing .shp: the zip has {parts} but no .shp file (the "
                "geometries). Add the .shp with the same name and zip again."
            )
        raise InputFileError(
            f"{name}: zip with no layer: it holds no Shapefile (.shp); found {found}. Upload "
            f"{SUPPORTED}."
        )
    problems = []
    for stem, group in layers.items():
        missing = [s for s in (".shx", ".dbf") if s not in group]
        if missing:
            problems.append(f"{stem}.shp has no {' or '.join(missing)}")
    if problems:
        raise InputFileError(
            f"{name}: missing Shapefile parts: {'; '.join(problems)}. A Shapefile needs its "
            ".shp, .shx and .dbf (and .prj for the CRS) with the same name; zip them together."
        )
    return layers


def _choose(layers: Iterable[str], layer: str | None, name: str) -> str:
    options = list(layers)
    if layer is not None:
        if layer not in options:
            raise InputFileError(
                f"{name}: no layer {layer!r}; the file has: {', '.join(options)}. Choose one."
            )
        return layer
    if len(options) != 1:
        raise InputFileError(
            f"{name}: the file has {len(options)} layers ({', '.join(options)}); choose one."
        )
    return options[0]


# ------------------------------------------------------------------------- encodings


def _codec(encoding: str, name: str) -> str:
    try:
        return codecs.lookup(encoding).name
    except LookupError as exc:
        raise InputFileError(
            f"{name}: unknown encoding {encoding!r}; use e.g. utf-8, gbk, gb18030 or big5."
        ) from exc


def dbf_text_values(dbf: bytes, *, max_records: int = 20_000) -> list[bytes]:
    """The raw bytes of the non-blank character fields of a .dbf file (dBase III layout)."""
    if len(dbf) < 32:
        return []
    n_records, header_len, record_len = struct.unpack("<IHH", dbf[4:12])
    fields: list[tuple[int, int]] = []  # (offset in record, length) of 'C' fields
    offset, pos = 1, 32
    while pos + 32 <= min(header_len, len(dbf)) and dbf[pos] != 0x0D:
        kind, length = chr(dbf[pos + 11]), dbf[pos + 16]
        if kind == "C":
            fields.append((offset, length))
        offset += length
        pos += 32
    out: list[bytes] = []
    for r in range(min(n_records, max_records)):
        start = header_len + r * record_len
        record = dbf[start : start + record_len]
        if len(record) < record_len:
            break
        out += [v for o, n in fields if (v := record[o : o + n].rstrip(b" \x00"))]
    return out


def _decode_failures(values: list[bytes], codec: str) -> int:
    bad = 0
    for value in values:
        try:
            value.decode(codec)
        except UnicodeDecodeError:
            # A fixed-width field may cut the last multi-byte character in two.
            try:
                value[:-1].decode(codec)
            except UnicodeDecodeError:
                bad += 1
    return bad


def detect_text_encoding(values: list[bytes]) -> str | None:
    """``"utf-8"`` or ``"gb18030"`` (which also reads GBK/GB2312), whichever decodes every
    value; ``"ascii"`` when all text is ASCII; ``None`` when neither fits."""
    if all(v.isascii() for v in values):
        return "ascii"
    for codec in _DETECT_ORDER:
        if _decode_failures(values, codec) == 0:
            return codec
    return None


def _shapefile_encoding(
    dbf: bytes, cpg: bytes | None, encoding: str | None, name: str
) -> tuple[str, str, list[str]]:
    """(codec, how it was chosen, notes) for a Shapefile's attribute text."""
    values = dbf_text_values(dbf)
    notes: list[str] = []
    if encoding is not None:
        codec = _codec(encoding, name)
        bad = _decode_failures(values, codec)
        if bad:
            guess = detect_text_encoding(values)
            hint = f" It reads cleanly as {guess}." if guess else ""
            raise InputFileError(
                f"{name}: {bad} attribute value(s) are not valid {encoding} text.{hint} "
                "Choose another encoding."
            )
        return codec, "chosen by the user", notes
    if cpg is not None:
        declared = cpg.decode("ascii", errors="replace").strip().upper()
        codec_or_none = _CPG_CODECS.get(declared)
        if codec_or_none is None:
            try:
                codec_or_none = codecs.lookup(declared).name
            except LookupError:
                notes.append(f"the .cpg names an unknown encoding {declared!r}; detected instead")
        if codec_or_none is not None:
            if _decode_failures(values, codec_or_none) == 0:
                return codec_or_none, f".cpg file ({declared})", notes
            notes.append(f"the .cpg says {declared} but the text is not valid {declared}")
    detected = detect_text_encoding(values)
    if detected is None:
        raise InputFileError(
            f"{name}: unknown encoding: the attribute text (.dbf) is neither UTF-8 nor "
            "GBK/GB18030. Choose its encoding (e.g. big5, latin-1) and read it again."
        )
    if detected == "ascii":
        return "utf-8", "detected (ASCII text only)", notes
    return detected, "detected from the .dbf text", notes


# --------------------------------------------------------------------------- readers


def _read_ogr(
    path: Path, *, layer: str | None, name: str, encoding: str | None = None
) -> gpd.GeoDataFrame:
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", RuntimeWarning)
            frame = gpd.read_file(path, layer=layer, engine="pyogrio", encoding=encoding)
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as exc:
        raise InputFileError(
            f"{name}: the file is damaged or not a readable spatial file ({exc}). Export it "
            "again from the program that made it."
        ) from exc
    except UnicodeDecodeError as exc:
        raise InputFileError(
            f"{name}: attribute text is not valid {encoding}: {exc.reason}; choose another "
            "encoding."
        ) from exc
    # GDAL's warnings (e.g. a ring not closed) go into the report, not to the console.
    frame.attrs["gdal_warnings"] = [f"GDAL: {w.message}" for w in caught]
    return frame


def _ogr_layers(path: Path, name: str) -> tuple[list[str], list[str]]:
    """(layers with geometry, attribute-only tables) of a multi-layer file."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # reported when the layer is read
            rows = pyogrio.list_layers(path)
    except pyogrio.errors.DataSourceError as exc:
        raise InputFileError(
            f"{name}: the file is damaged or not a readable spatial file ({exc}). Export it again."
        ) from exc
    spatial = [str(r[0]) for r in rows if r[1] is not None]
    tables = [str(r[0]) for r in rows if r[1] is None]
    if not spatial:
        extra = f" (only attribute tables: {', '.join(tables)})" if tables else ""
        raise InputFileError(f"{name}: the file has no layer with geometries{extra}.")
    return spatial, tables


def _decode_json(data: bytes, name: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputFileError(
            f"{name}: the GeoJSON is not UTF-8 text ({exc.reason} at byte {exc.start}); "
            "GeoJSON must be UTF-8. Save it again as UTF-8."
        ) from exc


_GEOJSON_TYPES: Final = frozenset(
    {
        "FeatureCollection",
        "Feature",
        "Point",
        "MultiPoint",
        "LineString",
        "MultiLineString",
        "Polygon",
        "MultiPolygon",
        "GeometryCollection",
    }
)


def _looks_lonlat(frame: gpd.GeoDataFrame) -> bool:
    valid = frame.geometry[frame.geometry.notna() & ~frame.geometry.is_empty]
    if valid.empty:
        return True
    minx, miny, maxx, maxy = valid.total_bounds
    return bool(minx >= -180 and maxx <= 180 and miny >= -90 and maxy <= 90)


def read_geojson(data: bytes, name: str, tmp: Path) -> RawLayer:
    """Parse and read GeoJSON; truncated or non-GeoJSON JSON gets a specific message."""
    text = _decode_json(data, name)
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as exc:
        end = len(text.rstrip())
        if exc.pos >= end - 1 or exc.msg.startswith("Unterminated string"):
            raise InputFileError(
                f"{name}: truncated JSON: the text stops at character {end:,} in the middle "
                f"of the data ({exc.msg}). The file was cut off while downloading or copying; "
                "export or download it again."
            ) from exc
        raise InputFileError(
            f"{name}: invalid JSON at line {exc.lineno}, column {exc.colno} ({exc.msg}). "
            "Export the layer again as GeoJSON."
        ) from exc
    kind = obj.get("type") if isinstance(obj, dict) else None
    if kind not in _GEOJSON_TYPES:
        raise InputFileError(
            f'{name}: valid JSON but not GeoJSON (no "type": "FeatureCollection", '
            '"Feature" or a geometry type at the top level); not a spatial file. Export the '
            "layer as GeoJSON."
        )
    if kind == "FeatureCollection" and not obj.get("features"):
        raise InputFileError(
            f"{name}: empty collection: the FeatureCollection has no features. Export the "
            "layer again with its features."
        )
    path = tmp / "upload.geojson"
    path.write_bytes(data)
    frame = _read_ogr(path, layer=None, name=name)
    crs_source = "declared in the file"
    notes: list[str] = []
    if "crs" not in obj:
        if _looks_lonlat(frame):
            crs_source = "GeoJSON default, WGS 84 longitude/latitude (RFC 7946)"
        else:
            frame = frame.set_crs(None, allow_override=True)
            crs_source = "none"
            notes.append(
                "the GeoJSON declares no CRS and its coordinates are not longitude/latitude"
            )
    return RawLayer(
        frame, "geojson", None, (), "utf-8", "GeoJSON is UTF-8", crs_source, tuple(notes)
    )


def _read_zip(
    data: bytes,
    name: str,
    tmp: Path,
    settings: UploadSettings,
    pick: Callable[[zipfile.ZipFile, list[zipfile.ZipInfo], list[int]], RawLayer],
) -> RawLayer:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            members = _safe_members(zf, name, settings)
            return pick(zf, members, [settings.max_uncompressed_bytes])
    except zipfile.BadZipFile as exc:
        raise InputFileError(
            f"{name}: a damaged or truncated zip archive ({exc}); zip the files again."
        ) from exc


def read_shapefile_zip(
    data: bytes,
    name: str,
    tmp: Path,
    *,
    layer: str | None,
    encoding: str | None,
    settings: UploadSettings,
) -> RawLayer:
    """Read one Shapefile from a zip, decoding its attribute text (see module doc)."""

    def pick(zf: zipfile.ZipFile, members: list[zipfile.ZipInfo], budget: list[int]) -> RawLayer:
        layers = _shapefile_layers(_shapefile_groups(members), members, name)
        chosen = _choose(sorted(layers), layer, name)
        group = layers[chosen]
        for suffix, info in group.items():
            _extract(zf, info, tmp / f"layer{suffix}", budget=budget, name=name, settings=settings)
        cpg = (tmp / "layer.cpg").read_bytes() if ".cpg" in group else None
        dbf = (tmp / "layer.dbf").read_bytes()
        codec, source, notes = _shapefile_encoding(dbf, cpg, encoding, name)
        (tmp / "layer.cpg").unlink(missing_ok=True)  # we decode; GDAL must not re-decode
        frame = _read_ogr(tmp / "layer.shp", layer=None, name=name, encoding=codec)
        crs_source = "declared in the .prj" if frame.crs is not None else "none"
        if ".prj" not in group:
            notes.append("the zip has no .prj file, so the Shapefile declares no CRS")
        elif frame.crs is None:
            notes.append("the .prj file could not be understood as a coordinate system")
        return RawLayer(
            frame, "shapefile_zip", chosen, tuple(sorted(layers)), codec, source, crs_source,
            tuple(notes),
        )  # fmt: skip

    return _read_zip(data, name, tmp, settings, pick)


def read_kmz(
    data: bytes, name: str, tmp: Path, *, layer: str | None, settings: UploadSettings
) -> RawLayer:
    """Read the KML document inside a KMZ (``doc.kml``, or its only .kml file)."""

    def pick(zf: zipfile.ZipFile, members: list[zipfile.ZipInfo], budget: list[int]) -> RawLayer:
        kmls = [i for i in members if i.filename.lower().endswith(".kml")]
        if not kmls:
            found = ", ".join(i.filename for i in members[:10]) or "nothing"
            raise InputFileError(
                f"{name}: zip with no layer: the KMZ holds no .kml document (found {found}). "
                "Export it again from Google Earth or the program that made it."
            )
        docs = [i for i in kmls if i.filename.lower() == "doc.kml"] or kmls
        if len(docs) > 1:
            raise InputFileError(
                f"{name}: the KMZ holds several KML documents "
                f"({', '.join(i.filename for i in docs)}); upload them one at a time as .kml files."
            )
        _extract(zf, docs[0], tmp / "doc.kml", budget=budget, name=name, settings=settings)
        raw = read_kml_path(tmp / "doc.kml", name, layer=layer)
        return RawLayer(
            raw.frame, "kmz", raw.layer, raw.layers, "utf-8", "KML is UTF-8", raw.crs_source
        )

    return _read_zip(data, name, tmp, settings, pick)


def read_kml_path(path: Path, name: str, *, layer: str | None) -> RawLayer:
    """Read one layer (folder) of a KML file; KML coordinates are always WGS 84."""
    spatial, _tables = _ogr_layers(path, name)
    chosen = _choose(spatial, layer, name)
    frame = _read_ogr(path, layer=chosen, name=name)
    if frame.crs is None:
        frame = frame.set_crs("EPSG:4326")
    return RawLayer(frame, "kml", chosen, tuple(spatial), "utf-8", "KML is UTF-8", "KML is WGS 84")


def read_geopackage(data: bytes, name: str, tmp: Path, *, layer: str | None) -> RawLayer:
    """Read one layer of a GeoPackage (the caller chooses when there are several)."""
    path = tmp / "upload.gpkg"
    path.write_bytes(data)
    spatial, tables = _ogr_layers(path, name)
    chosen = _choose(spatial, layer, name)
    frame = _read_ogr(path, layer=chosen, name=name)
    notes = (f"attribute-only tables not read: {', '.join(tables)}",) if tables else ()
    crs_source = "declared in the file" if frame.crs is not None else "none"
    return RawLayer(
        frame,
        "geopackage",
        chosen,
        tuple(spatial),
        "utf-8",
        "GeoPackage is UTF-8",
        crs_source,
        notes,
    )


# ------------------------------------------------------------------------------- CSV


def _normalise(column: str) -> str:
    key = re.sub(r"\s+", "", str(column)).lower().lstrip("\ufeff")
    return re.sub(r"[\(（\[【].*$", "", key)


def _find(columns: list[str], names: tuple[str, ...]) -> str | None:
    for column in columns:
        if _normalise(column) in names:
            return column
    return None


def detect_csv_columns(columns: list[str]) -> CsvColumns:
    """The WKT column, or the longitude and latitude columns, by their usual names."""
    return CsvColumns(
        wkt=_find(columns, WKT_COLUMNS),
        lon=_find(columns, LON_COLUMNS),
        lat=_find(columns, LAT_COLUMNS),
    )


def _decode_csv(data: bytes, name: str, encoding: str | None) -> tuple[str, str, str]:
    if encoding is not None:
        codec = _codec(encoding, name)
        try:
            return data.decode(codec), codec, "chosen by the user"
        except UnicodeDecodeError as exc:
            raise InputFileError(
                f"{name}: the text is not valid {encoding} ({exc.reason} at byte {exc.start}); "
                "choose another encoding."
            ) from exc
    for codec, source in (("utf-8-sig", "detected (UTF-8)"), ("gb18030", "detected (GBK/GB18030)")):
        try:
            return data.decode(codec), codec.removesuffix("-sig"), source
        except UnicodeDecodeError:
            continue
    raise InputFileError(
        f"{name}: unknown encoding: the CSV is neither UTF-8 nor GBK/GB18030 text. Save it as "
        "UTF-8 CSV, or choose its encoding."
    )


def read_csv(
    data: bytes, name: str, *, encoding: str | None, columns: CsvColumns | None
) -> RawLayer:
    """Read a CSV whose geometry is a WKT column or longitude/latitude (x/y) columns.

    Every attribute is kept as text (codes such as 0012 keep their leading zeros). The
    CRS is ``None`` unless the WKT carries ``SRID=…;``: CSV files do not declare one.
    """
    text, codec, source = _decode_csv(data, name, encoding)
    header = text.lstrip("\ufeff").split("\n", 1)[0]
    sep = max(",;\t|", key=header.count)  # from the header: WKT values are full of commas
    try:
        table = pd.read_csv(io.StringIO(text), sep=sep, dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise InputFileError(
            f"{name}: not a readable CSV table ({exc}). Save it again as CSV."
        ) from exc
    table.columns = [str(c).strip().lstrip("\ufeff") for c in table.columns]
    cols = list(table.columns)
    found = detect_csv_columns(cols)
    chosen = columns or (
        CsvColumns(wkt=found.wkt) if found.wkt else CsvColumns(lon=found.lon, lat=found.lat)
    )
    named = [c for c in (chosen.wkt, chosen.lon, chosen.lat) if c is not None]
    unknown = [c for c in named if c not in cols]
    if unknown:
        raise InputFileError(
            f"{name}: no column {', '.join(map(repr, unknown))}; the columns are {', '.join(cols)}."
        )
    if chosen.wkt is None and (chosen.lon is None or chosen.lat is None):
        raise InputFileError(
            f"{name}: not a spatial file: no geometry column found among {', '.join(cols)}. "
            "Name a WKT column (wkt/geometry) or longitude and latitude columns (lon/lat, "
            "x/y, 经度/纬度), or choose them."
        )
    if table.empty:
        raise InputFileError(f"{name}: empty collection: the CSV has a header but no rows.")
    notes: list[str] = []
    crs: str | None = None
    if chosen.wkt is not None:
        raw = table[chosen.wkt].str.strip()
        srids = {m.group(1) for v in raw if (m := _SRID.match(v))}
        if len(srids) > 1:
            raise InputFileError(f"{name}: the WKT mixes SRIDs {sorted(srids)}; use one CRS.")
        if srids:
            crs = f"EPSG:{srids.pop()}"
        wkt = raw.str.replace(_SRID, "", regex=True)
        geoms = shapely.from_wkt(
            np.array([v or None for v in wkt], dtype=object), on_invalid="ignore"
        )
        bad = [i for i, (v, g) in enumerate(zip(wkt, geoms, strict=True)) if v and g is None]
        if bad:
            rows = ", ".join(f"line {i + 2} ({wkt.iloc[i][:30]!r})" for i in bad[:5])
            raise InputFileError(
                f"{name}: {len(bad)} value(s) in column {chosen.wkt!r} are not WKT: {rows}. Fix "
                "them (e.g. POLYGON ((x y, …))) and upload again."
            )
        frame = gpd.GeoDataFrame(table.drop(columns=[chosen.wkt]), geometry=list(geoms), crs=crs)
        notes.append(f"geometry from WKT column {chosen.wkt!r}")
    else:
        assert chosen.lon is not None and chosen.lat is not None
        xy = {}
        for col in (chosen.lon, chosen.lat):
            values = pd.to_numeric(table[col].str.strip(), errors="coerce")
            bad = np.flatnonzero(values.isna() & (table[col].str.strip() != "")).tolist()
            if bad:
                rows = ", ".join(f"line {i + 2} ({table[col].iloc[i]!r})" for i in bad[:5])
                raise InputFileError(
                    f"{name}: {len(bad)} value(s) in column {col!r} are not numbers: {rows}. "
                    "Use decimal degrees (e.g. 102.8523) or metres."
                )
            xy[col] = values.to_numpy(dtype=float)
        x, y = xy[chosen.lon], xy[chosen.lat]
        points = gpd.points_from_xy(x, y)
        points[np.isnan(x) | np.isnan(y)] = None
        frame = gpd.GeoDataFrame(table, geometry=points, crs=None)
        notes.append(f"points from columns {chosen.lon!r} (x) and {chosen.lat!r} (y)")
    crs_source = "SRID in the WKT" if crs else "none"
    return RawLayer(frame, "csv", None, (), codec, source, crs_source, tuple(notes))


# ------------------------------------------------------------------------------ entry


def list_upload_layers(
    data: bytes, filename: str, *, settings: UploadSettings | None = None
) -> tuple[FileFormat, tuple[str, ...]]:
    """The file's format and the layers the caller can choose from (empty: only one)."""
    settings = settings or default_settings()
    _check_size(data, filename, settings)
    fmt = sniff_format(data, filename)
    with tempfile.TemporaryDirectory(prefix="upload-") as tmpdir:
        tmp = Path(tmpdir)
        if fmt == "geopackage":
            (tmp / "upload.gpkg").write_bytes(data)
            return fmt, tuple(_ogr_layers(tmp / "upload.gpkg", filename)[0])
        if fmt == "kml":
            (tmp / "upload.kml").write_bytes(data)
            return fmt, tuple(_ogr_layers(tmp / "upload.kml", filename)[0])
        if fmt == "shapefile_zip":
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                members = _safe_members(zf, filename, settings)
                layers = _shapefile_layers(_shapefile_groups(members), members, filename)
            return fmt, tuple(sorted(layers))
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
    _check_size(data, name, settings)
    fmt = sniff_format(data, name)
    if fmt == "csv":
        raw = read_csv(data, name, encoding=encoding, columns=csv_columns)
    else:
        with tempfile.TemporaryDirectory(prefix="upload-") as tmpdir:
            tmp = Path(tmpdir)
            if fmt == "geojson":
                raw = read_geojson(data, name, tmp)
            elif fmt == "shapefile_zip":
                raw = read_shapefile_zip(
                    data, name, tmp, layer=layer, encoding=encoding, settings=settings
                )
            elif fmt == "kmz":
                raw = read_kmz(data, name, tmp, layer=layer, settings=settings)
            elif fmt == "kml":
                (tmp / "upload.kml").write_bytes(data)
                raw = read_kml_path(tmp / "upload.kml", name, layer=layer)
            else:
                raw = read_geopackage(data, name, tmp, layer=layer)
    gdal_notes = raw.frame.attrs.pop("gdal_warnings", [])
    if gdal_notes:
        raw = dataclasses.replace(raw, notes=(*raw.notes, *gdal_notes))
    if raw.frame.empty:
        where = f" layer {raw.layer!r}" if raw.layer else ""
        raise InputFileError(
            f"{name}:{where} empty collection: no features. Export the layer again with its "
            "features."
        )
    return raw
