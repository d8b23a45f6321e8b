"""GeoJSON uploads: parsed once to check what it is (and what it declares), then read by
GDAL's GeoJSON driver only.

Truncated, deeply nested or non-GeoJSON JSON gets a specific message; a ``crs`` member
that names no known CRS is reported, never silently dropped; integers beyond 2**53 keep
their exact value.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Final

import geopandas as gpd
import numpy as np
import pandas as pd
from pyproj import CRS
from pyproj.exceptions import CRSError as ProjCRSError

from geo.declared.i18n import Message
from geo.errors import InputFileError
from geo.io import EXACT_INT_LIMIT, read_vector
from geo.measure.validate import has_geometry
from geo.upload.formats import FORMATS, RawLayer
from geo.upload.settings import UploadSettings

_MIN_BRACKETS_PER_VERTEX: Final = 1 / 1.5
"""Every position is a JSON array; rings and parts add at most half as many again (a
4-position ring has 4 + 1 + 1 brackets), so vertices >= brackets / 1.5."""


def _decode_json(data: bytes, name: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputFileError(
            "err_geojson_not_utf8", name=name, reason=exc.reason, byte=exc.start
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
    valid = frame.geometry[has_geometry(frame)]
    if valid.empty:
        return True
    minx, miny, maxx, maxy = valid.total_bounds
    return bool(minx >= -180 and maxx <= 180 and miny >= -90 and maxy <= 90)


_COORDINATES: Final = re.compile(r'"coordinates"\s*:\s*\[[-+0-9.eE,\s\[\]NaInfty]*\]')
"""A ``"coordinates"`` member with its array of numbers (the bulk of any GeoJSON)."""


def _parse(text: str, name: str) -> Any:
    """The JSON without its coordinate arrays (checks need only the structure, and the
    arrays as Python lists would cost ~100 bytes per number); GDAL reads the full text.
    A syntax error is located in the full text."""
    try:
        return json.loads(_COORDINATES.sub('"coordinates":[]', text))
    except json.JSONDecodeError:
        pass  # locate it in the text as uploaded
    except RecursionError as exc:
        raise _too_deep(name) from exc
    try:
        return json.loads(text)
    except RecursionError as exc:
        raise _too_deep(name) from exc
    except json.JSONDecodeError as exc:
        end = len(text.rstrip())
        if exc.pos >= end - 1 or exc.msg.startswith("Unterminated string"):
            raise InputFileError("err_json_truncated", name=name, end=end, cause=exc.msg) from exc
        raise InputFileError(
            "err_json_invalid", name=name, line=exc.lineno, column=exc.colno, cause=exc.msg
        ) from exc


def _too_deep(name: str) -> InputFileError:
    return InputFileError("err_json_too_deep", name=name)


def _check_size(data: bytes, name: str, settings: UploadSettings) -> None:
    """Refuse, before parsing, a file that certainly holds too many vertices or features."""
    at_least = int(data.count(b"[") * _MIN_BRACKETS_PER_VERTEX)
    if at_least > settings.max_vertices:
        raise InputFileError(
            "err_vertices_at_least", name=name, count=at_least, limit=settings.max_vertices
        )
    features = data.count(b'"Feature"')
    if features > settings.max_features:
        raise InputFileError(
            "err_features_about", name=name, count=features, limit=settings.max_features
        )


def _exact_big_integers(obj: Any, frame: gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, list[str]]:
    """Put back integers beyond 2**53 that GDAL read as floating point (the JSON has them)."""
    features = obj.get("features") if obj.get("type") == "FeatureCollection" else None
    if not isinstance(features, list) or len(features) != len(frame):
        return frame, []
    floats = [c for c in frame.columns if c != frame.geometry.name and frame[c].dtype.kind == "f"]
    big: list[str] = []
    for column in floats:
        values = frame[column].to_numpy(dtype=float)
        if np.any(np.abs(values[np.isfinite(values)]) >= EXACT_INT_LIMIT):
            big.append(str(column))
    if not big:
        return frame, []
    out = frame.copy()
    notes: list[str] = []
    for column in big:
        exact = [
            (f.get("properties") or {}).get(column) if isinstance(f, dict) else None
            for f in features
        ]
        if all(v is None or (isinstance(v, int) and not isinstance(v, bool)) for v in exact):
            out[column] = pd.array(exact, dtype=object)
            notes.append(Message("note_big_integers", column=repr(column)))
    return out, notes


def _known_crs_member(member: Any) -> bool:
    """True when a GeoJSON 2008 ``crs`` member names a CRS pyproj knows."""
    name = member.get("properties", {}).get("name") if isinstance(member, dict) else None
    if not isinstance(name, str):
        return False
    try:
        CRS.from_user_input(name)
    except ProjCRSError:
        return False
    return True


def read_geojson(data: bytes, name: str, tmp: Path, *, settings: UploadSettings) -> RawLayer:
    """Check, parse and read GeoJSON (see the module doc)."""
    _check_size(data, name, settings)
    text = _decode_json(data, name)
    obj = _parse(text, name)
    del text
    kind = obj.get("type") if isinstance(obj, dict) else None
    if kind not in _GEOJSON_TYPES:
        raise InputFileError("err_json_not_geojson", name=name)
    if kind == "FeatureCollection" and not obj.get("features"):
        raise InputFileError("err_geojson_no_features", name=name)
    path = tmp / "upload.geojson"
    path.write_bytes(data)
    frame = read_vector(
        path, drivers=FORMATS["geojson"].drivers, name=name, max_features=settings.max_features
    )
    frame, notes = _exact_big_integers(obj, frame)
    crs_source = "declared in the file"
    if "crs" not in obj:
        if _looks_lonlat(frame):
            crs_source = "GeoJSON default, WGS 84 longitude/latitude (RFC 7946)"
        else:
            frame = frame.set_crs(None, allow_override=True)
            crs_source = "none"
            notes.append(Message("note_geojson_no_crs"))
    elif frame.crs is None or not _known_crs_member(obj["crs"]):
        frame = frame.set_crs(None, allow_override=True)
        crs_source = "none"
        declared = json.dumps(obj["crs"], ensure_ascii=False)[:120]
        notes.append(Message("note_geojson_unknown_crs", declared=declared))
    return RawLayer(
        frame, "geojson", None, (), "utf-8", "GeoJSON is UTF-8", crs_source, tuple(notes)
    )
