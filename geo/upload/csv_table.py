"""CSV uploads: a table whose geometry is a WKT column or longitude/latitude (x/y) columns,
read with pandas (never GDAL).

Every attribute is kept as text (codes such as 0012 keep their leading zeros). The
CRS is ``None`` unless the WKT carries ``SRID=…;``: CSV files do not declare one. Rows
are counted before the table is parsed, so one file cannot exhaust the server's memory.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from typing import Final

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS
from pyproj.exceptions import CRSError as ProjCRSError

from geo.declared.i18n import Message
from geo.errors import InputFileError
from geo.upload.formats import RawLayer, codec_for
from geo.upload.settings import UploadSettings

# Column names recognised in CSV files, compared after lower-casing and removing spaces
# and a trailing unit in brackets ("经度(°)" -> "经度").
WKT_COLUMNS: Final = ("wkt", "geometry", "geom", "the_geom", "wkt_geom", "shape")
LON_COLUMNS: Final = ("lon", "lng", "long", "longitude", "x", "经度", "东经", "point_x")
LAT_COLUMNS: Final = ("lat", "latitude", "y", "纬度", "北纬", "point_y")

_SRID: Final = re.compile(r"^\s*SRID=(\d+);", re.IGNORECASE)


@dataclass(frozen=True)
class CsvColumns:
    """Which CSV columns hold the geometry: ``wkt``, or ``lon`` and ``lat`` (x and y)."""

    wkt: str | None = None
    lon: str | None = None
    lat: str | None = None


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
        codec = codec_for(encoding, name)
        try:
            return data.decode(codec), codec, Message("enc_chosen")
        except UnicodeDecodeError as exc:
            raise InputFileError(
                "err_text_not_encoding", name=name, encoding=encoding, reason=exc.reason,
                byte=exc.start,
            ) from exc  # fmt: skip
    for codec, source in (("utf-8-sig", Message("enc_utf8")), ("gb18030", Message("enc_gbk"))):
        try:
            return data.decode(codec), codec.removesuffix("-sig"), source
        except UnicodeDecodeError:
            continue
    raise InputFileError("err_csv_unknown_encoding", name=name)


def _check_rows(data: bytes, name: str, settings: UploadSettings) -> None:
    lines = data.count(b"\n")
    if lines > settings.max_features + 1:
        raise InputFileError(
            "err_csv_too_many_rows", name=name, lines=lines, limit=settings.max_features
        )


def _table(text: str, name: str) -> pd.DataFrame:
    header = text.lstrip("\ufeff").split("\n", 1)[0]
    sep = max(",;\t|", key=header.count)  # from the header: WKT values are full of commas
    try:
        table = pd.read_csv(io.StringIO(text), sep=sep, dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise InputFileError("err_csv_unreadable", name=name, cause=str(exc)) from exc
    table.columns = [str(c).strip().lstrip("\ufeff") for c in table.columns]
    return table


def _geometry_columns(table: pd.DataFrame, name: str, columns: CsvColumns | None) -> CsvColumns:
    cols = list(table.columns)
    found = detect_csv_columns(cols)
    chosen = columns or (
        CsvColumns(wkt=found.wkt) if found.wkt else CsvColumns(lon=found.lon, lat=found.lat)
    )
    named = [c for c in (chosen.wkt, chosen.lon, chosen.lat) if c is not None]
    unknown = [c for c in named if c not in cols]
    if unknown:
        raise InputFileError(
            "err_no_column",
            name=name,
            missing=", ".join(map(repr, unknown)),
            columns=", ".join(cols),
        )
    if chosen.wkt is None and (chosen.lon is None or chosen.lat is None):
        raise InputFileError("err_csv_no_geometry", name=name, columns=", ".join(cols))
    if table.empty:
        raise InputFileError("err_csv_no_rows", name=name)
    return chosen


def _srid_crs(raw: pd.Series, name: str) -> str | None:
    srids = {m.group(1) for v in raw if (m := _SRID.match(v))}
    if len(srids) > 1:
        raise InputFileError("err_wkt_mixed_srids", name=name, srids=str(sorted(srids)))
    if not srids:
        return None
    srid = srids.pop()
    try:
        return CRS.from_epsg(int(srid)).to_string()
    except ProjCRSError as exc:
        raise InputFileError("err_wkt_unknown_srid", name=name, srid=srid) from exc


def _wkt_frame(table: pd.DataFrame, column: str, name: str) -> gpd.GeoDataFrame:
    raw = table[column].str.strip()
    crs = _srid_crs(raw, name)
    wkt = raw.str.replace(_SRID, "", regex=True)
    geoms = shapely.from_wkt(np.array([v or None for v in wkt], dtype=object), on_invalid="ignore")
    bad = [i for i, (v, g) in enumerate(zip(wkt, geoms, strict=True)) if v and g is None]
    if bad:
        rows = ", ".join(f"line {i + 2} ({wkt.iloc[i][:30]!r})" for i in bad[:5])
        raise InputFileError(
            "err_not_wkt", name=name, count=len(bad), column=repr(column), rows=rows
        )
    return gpd.GeoDataFrame(table.drop(columns=[column]), geometry=list(geoms), crs=crs)


def _point_frame(table: pd.DataFrame, lon: str, lat: str, name: str) -> gpd.GeoDataFrame:
    xy = {}
    for col in (lon, lat):
        text = table[col].str.strip()
        values = pd.to_numeric(text, errors="coerce")
        bad = np.flatnonzero(values.isna() & (text != "")).tolist()
        if bad:
            rows = ", ".join(f"line {i + 2} ({table[col].iloc[i]!r})" for i in bad[:5])
            raise InputFileError(
                "err_not_numbers", name=name, count=len(bad), column=repr(col), rows=rows
            )
        xy[col] = values.to_numpy(dtype=float)
    x, y = xy[lon], xy[lat]
    points = gpd.points_from_xy(x, y)
    points[np.isnan(x) | np.isnan(y)] = None
    return gpd.GeoDataFrame(table, geometry=points, crs=None)


def read_csv(
    data: bytes,
    name: str,
    *,
    encoding: str | None,
    columns: CsvColumns | None,
    settings: UploadSettings,
) -> RawLayer:
    """Read a CSV whose geometry is a WKT column or longitude/latitude (x/y) columns."""
    _check_rows(data, name, settings)
    text, codec, source = _decode_csv(data, name, encoding)
    table = _table(text, name)
    del text
    chosen = _geometry_columns(table, name, columns)
    if chosen.wkt is not None:
        frame = _wkt_frame(table, chosen.wkt, name)
        notes = [f"geometry from WKT column {chosen.wkt!r}"]
    else:
        assert chosen.lon is not None and chosen.lat is not None
        frame = _point_frame(table, chosen.lon, chosen.lat, name)
        notes = [f"points from columns {chosen.lon!r} (x) and {chosen.lat!r} (y)"]
    crs_source = "SRID in the WKT" if frame.crs is not None else "none"
    return RawLayer(frame, "csv", None, (), codec, source, crs_source, tuple(notes))
