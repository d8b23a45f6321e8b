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

from geo.errors import CRSError, InputFileError
from geo.measure.crs import STORAGE_CRS
from geo.measure.validate import ValidationReport, repair_geometries
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
            raise InputFileError(
                f"no column {requested!r} for ids; the columns are "
                f"{', '.join(str(c) for c in frame.columns if c != frame.geometry.name)}."
            )
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
    name = f"{filename} (layer {raw.layer})" if raw.layer else filename
    frame = raw.frame
    notes = list(raw.notes)
    if raw.encoding is not None and raw.format in ("shapefile_zip", "csv"):
        notes.insert(0, f"attribute text read as {raw.encoding} ({raw.encoding_source})")
    declared = frame.crs.to_string() if frame.crs is not None else None
    if crs is None and declared is None:
        return NeedsCRS(
            filename,
            raw.format,
            raw.layer,
            describe_magnitudes(frame),
            crs_candidates(frame, region=settings.region),
            tuple(n for n in raw.notes if "CRS" in n or ".prj" in n),
        )
    if crs is not None:
        used = parse_crs(crs, name=name)
        crs_source = "chosen by the user"
        if declared is not None and not CRS(declared).equals(CRS(used)):
            notes.append(f"the file declares {declared}; read as {used} as chosen")
        frame = frame.set_crs(used, allow_override=True)
    else:
        assert declared is not None
        used, crs_source = declared, raw.crs_source

    def wrong_declared(why: str) -> NeedsCRS:
        """The declared CRS cannot be right: ask, as for a file that declares none."""
        bare = raw.frame.set_crs(None, allow_override=True)
        return NeedsCRS(
            filename, raw.format, raw.layer, describe_magnitudes(bare),
            crs_candidates(bare, region=settings.region), (why,), declared,
        )  # fmt: skip

    if CRS(used).is_geographic and not swap_xy:
        problem = _degrees_problem(frame)
        if problem is not None:
            if crs is None:
                return wrong_declared(problem)
            _raise_degrees(frame, name=name, used=used, problem=problem, settings=settings)
    if swap_xy:
        frame = swap_axes(frame)
        notes.append("X and Y swapped as chosen")
    frame = frame.to_crs(STORAGE_CRS)
    coords = shapely.get_coordinates(np.asarray(frame.geometry.array))
    if not np.all(np.isfinite(coords)):
        if crs is None:
            return wrong_declared(f"the coordinates cannot be placed on the earth in {used}")
        raise CRSError(
            f"{name}: the coordinates cannot be placed on the earth in {used}; the CRS is "
            f"wrong ({describe_magnitudes(raw.frame)}). Choose the right one."
        )
    if coordinate_system != "wgs84":
        if not CRS(used).is_geographic:
            raise CRSError(
                f"{name}: GCJ-02/BD-09 offsets apply to longitude/latitude taken from web maps, "
                f"but the file is in projected {used}; read it without the conversion."
            )
        frame = to_wgs84(frame, system=coordinate_system)
        notes.append(f"converted from {SYSTEM_NAMES[coordinate_system]} to WGS-84")
    try:
        notes += check_location(
            frame, region=settings.region, name=name, allow_outside=allow_outside_region
        )
    except OutsideRegionError as exc:
        if crs is not None or swap_xy or coordinate_system != "wgs84":
            raise
        return wrong_declared(
            f"read in {used} the data lie far outside {settings.region.name_en}: {exc.where}"
        )
    present = frame.geometry.notna() & ~frame.geometry.is_empty
    if not present.any():
        raise InputFileError(
            f"{name}: every one of the {len(frame)} feature(s) has an empty or missing "
            "geometry; nothing to show. Export the layer again with its geometries."
        )
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


def _degrees_problem(frame: gpd.GeoDataFrame) -> str | None:
    """A CRS in degrees with coordinates beyond ±180/±90: metres mislabelled as degrees."""
    geoms = frame.geometry[frame.geometry.notna() & ~frame.geometry.is_empty]
    if geoms.empty:
        return None
    minx, miny, maxx, maxy = geoms.total_bounds
    if minx >= -180 and maxx <= 180 and miny >= -90 and maxy <= 90:
        return None
    if minx >= -90 and maxx <= 90 and miny >= -180 and maxy <= 180:
        return None  # latitude/longitude the wrong way round: check_location explains that
    return (
        f"the coordinates ({describe_magnitudes(frame)}) are far beyond ±180/±90, so they are "
        "projected metres, not degrees"
    )


def _raise_degrees(
    frame: gpd.GeoDataFrame, *, name: str, used: str, problem: str, settings: UploadSettings
) -> None:
    candidates = crs_candidates(frame.set_crs(None, allow_override=True), region=settings.region)
    listed = "; ".join(c.describe() for c in candidates[:3]) or "none of the usual ones fits"
    raise CRSError(
        f"{name}: the CRS {used} is in degrees but {problem}: the CRS is wrong. "
        f"Candidates: {listed}. Choose one."
    )
