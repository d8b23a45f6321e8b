"""Layers as files for other GIS software: GeoJSON, GeoPackage, zipped Shapefile, KML.

All writes go through pyogrio (GDAL), the engine :mod:`geo.io` uses, and are atomic:
written in a temporary folder, then renamed over the target.

- **GeoJSON**: EPSG:4326 (RFC 7946), 7 decimals (≈1 cm), UTF-8; :func:`geo.io.geojson_text`.
  Dates and times become ISO 8601 text (:func:`iso_datetimes`), as in the Shapefile;
  GeoPackage and KML keep their own date-time types.
- **GeoPackage** (``.gpkg``): one table named after the file, in ``crs`` (default
  EPSG:4326; EPSG:4543 for CAD work), every attribute with its type.
- **Zipped Shapefile** (``.zip``): a Shapefile holds one geometry type, so mixed layers
  become up to three, ``<name>_polygons``, ``<name>_lines`` and ``<name>_points``. Each
  has a ``.prj`` (the CRS) and a ``.cpg`` saying ``UTF-8``, so Chinese attributes open
  correctly in QGIS and ArcGIS. Two limits of the format are handled and documented in
  the zip's ``README.txt``:

  * field names are at most 10 characters: :func:`shapefile_field_names` shortens them
    (``plan_land_km2`` → ``plan_land_``, clashes numbered ``plan_qu_1``), and
    ``fields.csv`` maps every short name back to the original;
  * text values are at most 254 bytes (about 84 Chinese characters): longer ones are cut
    at a character boundary and end in ``…``; ``attributes.csv`` (UTF-8 with BOM) holds
    every attribute in full, keyed by ``id`` (text that a spreadsheet would run as a
    formula gets a leading apostrophe there, as in every table: :mod:`geo.tables`).

- **KML**: EPSG:4326 as KML requires, GDAL's LIBKML driver; each placemark's name is
  ``name_zh`` (or ``name_en``), every attribute is kept as ExtendedData.

Every file says where it came from (:func:`geo.export.provenance.provenance_lines`: the
plan version of the store it was read at, the data's fingerprint, when it was made): a
top-level ``provenance`` member in GeoJSON (a foreign member, RFC 7946 § 6.1), the
layer's metadata in a GeoPackage (``gpkg_metadata``, GDAL's ``DESCRIPTION`` and
``IDENTIFIER`` items), ``provenance.txt`` in a Shapefile zip, and the document's
description in KML.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import tempfile
import zipfile
from pathlib import Path
from typing import Any, Final, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio

from geo.errors import GeometryError
from geo.export.provenance import fingerprint, provenance_lines
from geo.io import atomic_write, geojson_text
from geo.measure.crs import STORAGE_CRS, require_crs
from geo.tables import csv_bytes

LayerFormat = Literal["geojson", "gpkg", "shp", "kml"]
FORMATS: Final[dict[str, str]] = {
    "geojson": ".geojson",
    "gpkg": ".gpkg",
    "shp": ".zip",
    "kml": ".kml",
}
"""Format id → file suffix."""

SHAPEFILE_FIELD_CHARS: Final = 10
SHAPEFILE_TEXT_BYTES: Final = 254
_GEOMETRY_KINDS: Final[dict[str, tuple[str, ...]]] = {
    "polygons": ("Polygon", "MultiPolygon"),
    "lines": ("LineString", "MultiLineString", "LinearRing"),
    "points": ("Point", "MultiPoint"),
}


def shapefile_field_names(columns: list[str]) -> dict[str, str]:
    """Map column names to unique Shapefile (dBASE) field names of ≤ 10 ASCII characters.

    Names that fit are kept; longer ones are cut to 10; a cut name that clashes gets a
    ``_1``, ``_2`` … suffix in its last characters; names with non-ASCII characters
    become ``field_1`` …. Matching is case-insensitive, as in dBASE.

    >>> shapefile_field_names(["id", "plan_land_km2", "plan_land_km3", "名称"])
    {'id': 'id', 'plan_land_km2': 'plan_land_', 'plan_land_km3': 'plan_lan_1', '名称': 'field_1'}
    """
    out: dict[str, str] = {}
    used: set[str] = set()
    for column in columns:
        ascii_name = re.sub(r"[^A-Za-z0-9_]", "_", column)
        base = ascii_name[:SHAPEFILE_FIELD_CHARS] if ascii_name == column else "field"
        candidate = base if base != "field" else "field_1"
        n = 0
        while candidate.lower() in used:
            n += 1
            suffix = f"_{n}"
            candidate = base[: SHAPEFILE_FIELD_CHARS - len(suffix)] + suffix
        used.add(candidate.lower())
        out[column] = candidate
    return out


def truncate_utf8(text: str, *, max_bytes: int = SHAPEFILE_TEXT_BYTES) -> str:
    """``text`` unchanged if its UTF-8 fits ``max_bytes``, else cut at a character
    boundary and ended with ``…`` so that it fits.

    >>> truncate_utf8("呈贡区科技金融", max_bytes=12)
    '呈贡区…'
    """
    if len(text.encode("utf-8")) <= max_bytes:
        return text
    budget = max_bytes - len("…".encode())
    cut = text.encode("utf-8")[:budget].decode("utf-8", errors="ignore")
    return cut + "…"


def _attribute_columns(gdf: gpd.GeoDataFrame) -> list[str]:
    return [str(c) for c in gdf.columns if c != gdf.geometry.name]


def _plain_attributes(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Lists and dicts as JSON text; 64-bit integers that fit as 32-bit (KML and dBASE
    store 64-bit integers as text or wide decimals)."""
    out = gdf.copy()
    int32 = np.iinfo(np.int32)
    for column in _attribute_columns(out):
        series = out[column]
        if series.dtype == object and series.map(lambda v: isinstance(v, list | dict)).any():
            out[column] = series.map(
                lambda v: json.dumps(v, ensure_ascii=False) if isinstance(v, list | dict) else v
            )
        elif (
            pd.api.types.is_integer_dtype(series)
            and len(series)
            and int32.min <= series.min()
            and series.max() <= int32.max
        ):
            out[column] = series.astype("int32")
    return out


def _iso_text(value: Any) -> Any:
    if value is pd.NaT:
        return None
    if isinstance(value, dt.date | dt.time):  # datetime, date, time and pd.Timestamp
        return value.isoformat()
    return value


def iso_datetimes(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """A copy with every date, time and datetime attribute as ISO 8601 text.

    For formats with no date-time type: GeoJSON (RFC 7946 has none, and JSON cannot hold
    a ``Timestamp``) and the Shapefile (dBASE has dates only; GDAL would write
    ``2024/03/01 08:30:00`` text with a warning). ``2024-03-01``, ``2024-03-01T08:30:00``,
    ``2024-03-01T08:30:00+08:00`` (the offset kept), ``08:30:00``; missing stays missing.
    """
    out = gdf.copy()
    for column in _attribute_columns(out):
        series = out[column]
        if pd.api.types.is_datetime64_any_dtype(series):
            out[column] = series.astype(object).map(_iso_text)
        elif (
            series.dtype == object and series.map(lambda v: isinstance(v, dt.date | dt.time)).any()
        ):
            out[column] = series.map(_iso_text)
    return out


def _prepare(gdf: gpd.GeoDataFrame, *, crs: str) -> gpd.GeoDataFrame:
    require_crs(gdf, name="export layer")
    keep = gdf.geometry.notna() & ~gdf.geometry.is_empty
    if not keep.any():
        raise GeometryError("err_export_no_geometry")
    return _plain_attributes(gdf[keep].to_crs(crs))


def _provenance_text(provenance: dict[str, str]) -> str:
    return "".join(f"{key}: {value}\n" for key, value in provenance.items())


def write_gpkg(
    gdf: gpd.GeoDataFrame,
    path: str | Path,
    *,
    layer: str | None = None,
    crs: str = STORAGE_CRS,
    provenance: dict[str, str] | None = None,
) -> Path:
    """Write a GeoPackage with one table (named ``layer`` or after the file) in ``crs``;
    ``provenance`` (default: :func:`layer_provenance`) as the layer's metadata."""
    target = Path(path)
    about = provenance or layer_provenance(gdf)
    frame = _prepare(gdf, crs=crs)
    for column in _attribute_columns(frame):
        # The GeoPackage stores date-times in UTC ("…Z"); an offset would be read back
        # as non-conformant. The instant is kept.
        if isinstance(frame[column].dtype, pd.DatetimeTZDtype):
            frame[column] = frame[column].dt.tz_convert("UTC")
    with tempfile.TemporaryDirectory(dir=target.parent) as tmp:
        tmp_file = Path(tmp) / target.name
        pyogrio.write_dataframe(
            frame, tmp_file, layer=layer or target.stem, driver="GPKG",
            layer_metadata={"DESCRIPTION": _provenance_text(about),
                            "IDENTIFIER": about["plan_revision"]},
        )  # fmt: skip
        tmp_file.replace(target)
    return target


def write_kml(
    gdf: gpd.GeoDataFrame,
    path: str | Path,
    *,
    name_column: str = "name_zh",
    provenance: dict[str, str] | None = None,
) -> Path:
    """Write KML (EPSG:4326) with ``name_column`` as each placemark's name and
    ``provenance`` (default: :func:`layer_provenance`) as the document's description."""
    target = Path(path)
    about = provenance or layer_provenance(gdf)
    frame = _prepare(gdf, crs=STORAGE_CRS)
    if name_column in frame.columns and "Name" not in frame.columns:
        frame.insert(0, "Name", frame[name_column])
    with tempfile.TemporaryDirectory(dir=target.parent) as tmp:
        tmp_file = Path(tmp) / target.name
        pyogrio.write_dataframe(
            frame, tmp_file, layer=target.stem, driver="LIBKML",
            layer_options={"DESCRIPTION": _provenance_text(about)},
        )  # fmt: skip
        tmp_file.replace(target)
    return target


def _readme(stem: str, parts: list[str], renamed: dict[str, str], cut: list[str], crs: str) -> str:
    lines = [
        f"{stem}.zip — Shapefile export of the Chenggong planning map",
        "",
        f"CRS: {crs} (see each .prj). Text encoding: UTF-8 (see each .cpg).",
        "A Shapefile holds one geometry type; this layer is split into: " + ", ".join(parts),
        "",
        "Shapefile field names are at most 10 characters. Renamed fields (short -> original):",
    ]
    lines += [f"  {short} -> {orig}" for orig, short in renamed.items() if orig != short] or [
        "  (none)"
    ]
    lines.append("fields.csv lists every field.")
    lines.append("")
    if cut:
        lines.append(
            "Text longer than 254 bytes (about 84 Chinese characters) was cut and ends in '…' "
            "in these fields: " + ", ".join(cut) + "."
        )
    lines.append("attributes.csv (UTF-8 with BOM) holds every attribute in full, keyed by id.")
    lines.append("provenance.txt names the plan version, the data's fingerprint and the date.")
    lines.append(
        "In both CSV files, text starting with = + - @, a tab or a carriage return has a "
        "leading ' so that spreadsheets show it as text, not as a formula."
    )
    return "\n".join(lines) + "\n"


def write_shapefile_zip(
    gdf: gpd.GeoDataFrame,
    path: str | Path,
    *,
    crs: str = STORAGE_CRS,
    provenance: dict[str, str] | None = None,
) -> Path:
    """Write a zipped Shapefile set (see the module docstring for splits and limits),
    with ``provenance.txt`` (default: :func:`layer_provenance`)."""
    target = Path(path)
    about = provenance or layer_provenance(gdf)
    stem = target.stem
    frame = iso_datetimes(_prepare(gdf, crs=crs))
    columns = _attribute_columns(frame)
    renamed = shapefile_field_names(columns)
    short = frame.rename(columns=renamed)
    cut: list[str] = []
    for column in columns:
        new = renamed[column]
        if short[new].dtype == object or pd.api.types.is_string_dtype(short[new]):
            values = short[new].map(lambda v: truncate_utf8(v) if isinstance(v, str) else v)
            if not values.equals(short[new]):
                cut.append(column)
            short[new] = values
    kinds = frame.geometry.geom_type
    groups = {
        kind: short[kinds.isin(types).to_numpy()]
        for kind, types in _GEOMETRY_KINDS.items()
        if kinds.isin(types).any()
    }
    other = ~kinds.isin([t for types in _GEOMETRY_KINDS.values() for t in types])
    if other.any():
        raise GeometryError(
            "err_shapefile_kinds",
            count=int(other.sum()),
            kinds=", ".join(sorted(set(kinds[other]))),
        )
    names = {kind: stem if len(groups) == 1 else f"{stem}_{kind}" for kind in groups}
    full = pd.DataFrame(frame.drop(columns=frame.geometry.name))
    fields = pd.DataFrame({"shapefile_field": list(renamed.values()), "original": columns})
    with tempfile.TemporaryDirectory() as tmp:
        for kind, part in groups.items():
            pyogrio.write_dataframe(
                part, Path(tmp) / f"{names[kind]}.shp", driver="ESRI Shapefile", encoding="UTF-8"
            )
        with (
            atomic_write(target, mode="wb") as fh,
            zipfile.ZipFile(fh, "w", zipfile.ZIP_DEFLATED) as zf,
        ):
            for file in sorted(Path(tmp).iterdir()):
                zf.write(file, arcname=file.name)
            zf.writestr("fields.csv", csv_bytes(fields))
            zf.writestr("attributes.csv", csv_bytes(full))
            zf.writestr("README.txt", _readme(stem, sorted(names.values()), renamed, cut, crs))
            zf.writestr("provenance.txt", _provenance_text(about))
    return target


def layer_provenance(gdf: gpd.GeoDataFrame) -> dict[str, str]:
    """Where ``gdf`` came from: the plan version it was read at (``attrs``), its
    fingerprint (the data itself hashed) and the time (:func:`provenance_lines`)."""
    return provenance_lines(fingerprint(data=gdf))


def write_geojson(gdf: gpd.GeoDataFrame, path: str | Path, *, provenance: dict[str, str]) -> Path:
    """GeoJSON (see :func:`geo.io.geojson_text`) with a top-level ``provenance`` member,
    written atomically."""
    target = Path(path)
    text = geojson_text(gdf)
    member = json.dumps(provenance, ensure_ascii=False, separators=(",", ":"))
    with atomic_write(target) as fh:
        fh.write('{"provenance":' + member + "," + text[1:] + "\n")
    return target


def export_layer(
    gdf: gpd.GeoDataFrame,
    path: str | Path,
    *,
    fmt: LayerFormat | None = None,
    crs: str | None = None,
) -> Path:
    """Write ``gdf`` as ``fmt`` (default: from the suffix of ``path``) and return the path.

    ``crs`` applies to GeoPackage and Shapefile (default EPSG:4326); GeoJSON and KML are
    always EPSG:4326 by their specifications.
    """
    target = Path(path)
    if fmt is None:
        by_suffix = {suffix: name for name, suffix in FORMATS.items()}
        by_suffix[".json"] = "geojson"
        if target.suffix.lower() not in by_suffix:
            raise ValueError(
                f"{target}: cannot tell the format from {target.suffix!r}; use one of "
                f"{', '.join(FORMATS.values())} or name the format"
            )
        fmt = by_suffix[target.suffix.lower()]  # type: ignore[assignment]
    target.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "geojson":
        if crs not in (None, STORAGE_CRS):
            raise ValueError("GeoJSON is always EPSG:4326 (RFC 7946); do not pass crs")
        require_crs(gdf, name="export layer")
        write_geojson(iso_datetimes(gdf), target, provenance=layer_provenance(gdf))
        return target
    if fmt == "gpkg":
        return write_gpkg(gdf, target, crs=crs or STORAGE_CRS)
    if fmt == "shp":
        return write_shapefile_zip(gdf, target, crs=crs or STORAGE_CRS)
    if fmt == "kml":
        if crs not in (None, STORAGE_CRS):
            raise ValueError("KML is always EPSG:4326; do not pass crs")
        return write_kml(gdf, target)
    raise ValueError(f"unknown layer format {fmt!r}; use one of {', '.join(FORMATS)}")


def layer_bytes(
    gdf: gpd.GeoDataFrame, *, fmt: LayerFormat, name: str = "layer", crs: str | None = None
) -> bytes:
    """The layer file as bytes (for a download button); ``name`` is the file stem inside
    (the GeoPackage table, the Shapefile names in the zip, the KML document)."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown layer format {fmt!r}; use one of {', '.join(FORMATS)}")
    with tempfile.TemporaryDirectory() as tmp:
        path = export_layer(gdf, Path(tmp) / f"{name}{FORMATS[fmt]}", fmt=fmt, crs=crs)
        return path.read_bytes()
