"""From an uploaded file to a validated EPSG:4326 layer, or to a question about its CRS.

:func:`read_upload` is the one entry point the UI calls, possibly twice:

1. ``read_upload(data, filename)`` — if the file declares a CRS the layer comes back as a
   :class:`LoadedLayer`; if it declares none, a :class:`NeedsCRS` comes back with ranked
   candidates and no layer (nothing is guessed);
2. ``read_upload(data, filename, crs=chosen.crs, swap_xy=chosen.swap_xy)`` after the user
   confirms a candidate.

Options are explicit and recorded in :class:`UploadSource`: the layer of a multi-layer
file, the attribute encoding, the CSV geometry columns, the CRS, swapped axes and the
GCJ-02/BD-09 conversion. Before a layer is returned its location is checked (swapped
latitude/longitude, far outside the region) and its geometries repaired and reported
(:func:`geo.measure.validate.repair_geometries`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import shapely
from pyproj import CRS

from geo.declared.i18n import Joined, Message, Names
from geo.errors import CRSError, InputFileError
from geo.measure.crs import STORAGE_CRS
from geo.measure.validate import ValidationReport, has_geometry, repair_geometries
from geo.upload.coords import (
    SYSTEM_NAMES,
    CoordinateSystem,
    CRSCandidate,
    OutsideRegionError,
    check_location,
    crs_candidates,
    describe_magnitudes,
    parse_crs,
    swap_axes,
    to_wgs84,
)
from geo.upload.readers import (
    FORMAT_NAMES,
    CsvColumns,
    FileFormat,
    RawLayer,
    list_upload_layers,
    read_raw,
)
from geo.upload.settings import UploadSettings, default_settings

ID_COLUMNS = ("id", "fid", "objectid", "编号", "地块编号", "bsm", "code", "dkbm")
"""Column names taken as a feature id (for the duplicated-id check), case-insensitive."""


@dataclass(frozen=True)
class UploadInspection:
    """What the user chooses from before reading: the format and the layers (if several)."""

    filename: str
    format: FileFormat
    format_name: str
    layers: tuple[str, ...]


@dataclass(frozen=True)
class UploadSource:
    """Where a loaded layer came from and every choice made reading it.

    The one record of a layer's reading: a saved layer keeps it as it is
    (:class:`geo.store.workspace.WorkspaceLayer` ``.source``).
    """

    filename: str
    format: FileFormat
    layer: str | None
    encoding: str | None
    encoding_source: str
    crs_declared: str | None
    crs_used: str
    crs_source: str
    swap_xy: bool
    coordinate_system: CoordinateSystem
    id_column: str | None


@dataclass(frozen=True)
class LoadedLayer:
    """A validated layer in EPSG:4326 with every attribute, and how it was read."""

    frame: gpd.GeoDataFrame
    source: UploadSource
    report: ValidationReport
    notes: tuple[str, ...] = field(default=())

    def messages(self) -> list[str]:
        """Notes on reading (encoding, CRS, conversion) then the validation findings."""
        return [*self.notes, *self.report.messages()]


@dataclass(frozen=True)
class NeedsCRS:
    """The file declares no CRS: the user must confirm one of ``candidates`` (or another)."""

    filename: str
    format: FileFormat
    layer: str | None
    magnitudes: str
    candidates: tuple[CRSCandidate, ...]
    notes: tuple[str, ...] = field(default=())
    declared: str | None = None
    """The CRS the file declares when that CRS cannot be right (see ``notes``)."""

    @property
    def message(self) -> str:
        """Plain-language explanation and the candidates, best first."""
        why = f" ({'; '.join(self.notes)})" if self.notes else ""
        if self.declared is not None:
            head = (
                f"{self.filename}: the file declares {self.declared}, but that cannot be "
                f"right{why} (coordinates: {self.magnitudes}). Confirm which CRS it really is"
            )
        else:
            head = (
                f"{self.filename}: the file declares no coordinate reference system{why} "
                f"(coordinates: {self.magnitudes}). Confirm which one it is"
            )
        if not self.candidates:
            return head + "; none of the usual ones puts the data in China, give its EPSG code."
        lines = "\n".join(f"  {i + 1}. {c.describe()}" for i, c in enumerate(self.candidates))
        return f"{head}:\n{lines}"


def inspect_upload(
    data: bytes, filename: str, *, settings: UploadSettings | None = None
) -> UploadInspection:
    """The format of an uploaded file and its layers, to choose from before reading."""
    fmt, layers = list_upload_layers(data, filename, settings=settings)
    return UploadInspection(filename, fmt, FORMAT_NAMES[fmt], layers)


def _id_column(frame: gpd.GeoDataFrame, requested: str | None) -> str | None:
    if requested is not None:
        if requested not in frame.columns:
            columns = ", ".join(str(c) for c in frame.columns if c != frame.geometry.name)
            raise InputFileError("err_no_id_column", column=repr(requested), columns=columns)
        return requested
    for column in frame.columns:
        if str(column).strip().lower() in ID_COLUMNS:
            return str(column)
    return None


def read_upload(
    data: bytes,
    filename: str,
    *,
    layer: str | None = None,
    encoding: str | None = None,
    csv_columns: CsvColumns | None = None,
    crs: str | None = None,
    swap_xy: bool = False,
    coordinate_system: CoordinateSystem = "wgs84",
    id_column: str | None = None,
    allow_outside_region: bool = False,
    settings: UploadSettings | None = None,
) -> LoadedLayer | NeedsCRS:
    """Read, locate and validate an uploaded file (bytes + original file name).

    - ``crs``: the CRS to read the coordinates in. Required when the file declares none
      (otherwise a :class:`NeedsCRS` is returned); when the file declares one, giving
      another overrides it (recorded in the notes).
    - ``swap_xy``: exchange X and Y before use (latitude/longitude or northing/easting
      files).
    - ``coordinate_system``: ``"gcj02"`` or ``"bd09"`` removes the web-map offset after
      reading (longitude/latitude data only); ``"wgs84"`` (default) changes nothing.
    - ``layer``, ``encoding``, ``csv_columns``: see :func:`geo.upload.readers.read_raw`.
    - ``id_column``: column checked for duplicated ids (default: a column named id, fid,
      OBJECTID, 编号, 地块编号, BSM, code or DKBM, if any).
    - ``allow_outside_region``: accept a layer wholly outside the region box.

    Raises :class:`~geo.errors.InputFileError` or :class:`~geo.errors.CRSError` with a
    specific message for bad input; the returned frame is in EPSG:4326.
    """
    settings = settings or default_settings()
    raw = read_raw(
        data, filename, layer=layer, encoding=encoding, csv_columns=csv_columns, settings=settings
    )
    name = Message("name_with_layer", file=filename, layer=raw.layer) if raw.layer else filename
    declared = raw.frame.crs.to_string() if raw.frame.crs is not None else None
    if crs is None and declared is None:
        crs_notes = tuple(n for n in raw.notes if "CRS" in n or ".prj" in n)
        return _needs_crs(raw, filename, settings=settings, notes=crs_notes)
    frame, used, crs_source, notes = _frame_in_crs(raw, crs=crs, declared=declared, name=name)
    try:
        frame = _placed(
            frame,
            raw=raw,
            name=name,
            used=used,
            chosen=crs is not None,
            swap_xy=swap_xy,
            coordinate_system=coordinate_system,
            allow_outside_region=allow_outside_region,
            settings=settings,
            notes=notes,
        )
    except _DeclaredCRSWrongError as exc:
        return _needs_crs(raw, filename, settings=settings, notes=(exc.why,), declared=declared)
    _require_geometries(frame, name=name)
    ids = _id_column(frame, id_column)
    fixed, report = repair_geometries(frame, id_column=ids)
    source = UploadSource(
        filename=filename,
        format=raw.format,
        layer=raw.layer,
        encoding=raw.encoding,
        encoding_source=raw.encoding_source,
        crs_declared=declared,
        crs_used=used,
        crs_source=crs_source,
        swap_xy=swap_xy,
        coordinate_system=coordinate_system,
        id_column=ids,
    )
    return LoadedLayer(fixed, source, report, tuple(notes))


class _DeclaredCRSWrongError(Exception):
    """The CRS the file declares cannot be right (raised only when the user chose none:
    :func:`read_upload` then asks, as for a file that declares none)."""

    def __init__(self, why: str) -> None:
        super().__init__(why)
        self.why = why


def _needs_crs(
    raw: RawLayer,
    filename: str,
    *,
    settings: UploadSettings,
    notes: tuple[str, ...],
    declared: str | None = None,
) -> NeedsCRS:
    """The question to ask: the coordinates' magnitudes and the ranked candidates."""
    bare = raw.frame if declared is None else raw.frame.set_crs(None, allow_override=True)
    return NeedsCRS(
        filename, raw.format, raw.layer, describe_magnitudes(bare),
        crs_candidates(bare, region=settings.region), notes, declared,
    )  # fmt: skip


def _frame_in_crs(
    raw: RawLayer, *, crs: str | None, declared: str | None, name: str
) -> tuple[gpd.GeoDataFrame, str, str, list[str]]:
    """The frame in the CRS it is read in (the chosen one, else the declared one), that
    CRS, where it came from, and the reading notes so far."""
    notes = list(raw.notes)
    if raw.encoding is not None and raw.format in ("shapefile_zip", "csv"):
        notes.insert(0, Message("note_encoding", encoding=raw.encoding, how=raw.encoding_source))
    if crs is None:
        assert declared is not None
        return raw.frame, declared, raw.crs_source, notes
    used = parse_crs(crs, name=name)
    if declared is not None and not CRS(declared).equals(CRS(used)):
        notes.append(Message("note_crs_overridden", declared=declared, used=used))
    return raw.frame.set_crs(used, allow_override=True), used, "chosen by the user", notes


def _placed(
    frame: gpd.GeoDataFrame,
    *,
    raw: RawLayer,
    name: str,
    used: str,
    chosen: bool,
    swap_xy: bool,
    coordinate_system: CoordinateSystem,
    allow_outside_region: bool,
    settings: UploadSettings,
    notes: list[str],
) -> gpd.GeoDataFrame:
    """The frame in EPSG:4326 (axes swapped and web-map offset removed as chosen), its
    location checked. A declared CRS that cannot be right raises :class:`_DeclaredCRSWrongError`;
    a chosen one, :class:`CRSError` (``notes`` gets what was done)."""
    if CRS(used).is_geographic and not swap_xy:
        problem = _degrees_problem(frame)
        if problem is not None and not chosen:
            raise _DeclaredCRSWrongError(problem)
        if problem is not None:
            _raise_degrees(frame, name=name, used=used, problem=problem, settings=settings)
    if swap_xy:
        frame = swap_axes(frame)
        notes.append(Message("note_xy_swapped"))
    frame = frame.to_crs(STORAGE_CRS)
    _require_finite(frame, raw=raw, name=name, used=used, chosen=chosen)
    if coordinate_system != "wgs84":
        frame = _without_offset(frame, name=name, used=used, system=coordinate_system)
        notes.append(Message("note_converted", system=SYSTEM_NAMES[coordinate_system]))
    try:
        notes += check_location(
            frame, region=settings.region, name=name, allow_outside=allow_outside_region
        )
    except OutsideRegionError as exc:
        if chosen or swap_xy or coordinate_system != "wgs84":
            raise
        region = Names(zh=settings.region.name_zh, en=settings.region.name_en)
        raise _DeclaredCRSWrongError(
            Message("note_far_outside_in", crs=used, region=region, where=exc.where)
        ) from exc
    return frame


def _require_finite(
    frame: gpd.GeoDataFrame, *, raw: RawLayer, name: str, used: str, chosen: bool
) -> None:
    """Every coordinate of the frame (now in EPSG:4326) is a number on the earth."""
    coords = shapely.get_coordinates(np.asarray(frame.geometry.array))
    if np.all(np.isfinite(coords)):
        return
    if not chosen:
        raise _DeclaredCRSWrongError(Message("note_not_on_earth", crs=used))
    raise CRSError(
        "err_not_on_earth", name=name, crs=used, coordinates=describe_magnitudes(raw.frame)
    )


def _without_offset(
    frame: gpd.GeoDataFrame, *, name: str, used: str, system: CoordinateSystem
) -> gpd.GeoDataFrame:
    """GCJ-02/BD-09 longitude and latitude converted to WGS-84."""
    if not CRS(used).is_geographic:
        raise CRSError("err_offset_on_projected", name=name, crs=used)
    return to_wgs84(frame, system=system)


def _require_geometries(frame: gpd.GeoDataFrame, *, name: str) -> None:
    present = has_geometry(frame)
    if not present.any():
        raise InputFileError("err_all_empty", name=name, count=len(frame))


def _degrees_problem(frame: gpd.GeoDataFrame) -> str | None:
    """A CRS in degrees with coordinates beyond ±180/±90: metres mislabelled as degrees."""
    geoms = frame.geometry[has_geometry(frame)]
    if geoms.empty:
        return None
    minx, miny, maxx, maxy = geoms.total_bounds
    if minx >= -180 and maxx <= 180 and miny >= -90 and maxy <= 90:
        return None
    if minx >= -90 and maxx <= 90 and miny >= -180 and maxy <= 180:
        return None  # latitude/longitude the wrong way round: check_location explains that
    return Message("note_metres_not_degrees", coordinates=describe_magnitudes(frame))


def _raise_degrees(
    frame: gpd.GeoDataFrame, *, name: str, used: str, problem: str, settings: UploadSettings
) -> None:
    candidates = crs_candidates(frame.set_crs(None, allow_override=True), region=settings.region)
    described = tuple(c.describe() for c in candidates[:3])
    listed = Joined(described, Message("sep_semicolon")) if described else Message("note_none_fits")
    raise CRSError("err_degrees_wrong", name=name, crs=used, problem=problem, listed=listed)
