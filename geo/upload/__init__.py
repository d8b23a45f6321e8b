"""Layers that users bring: read an uploaded file, confirm its CRS, validate, measure.

The UI calls, in order: :func:`inspect_upload` (format, layers to choose from),
:func:`read_upload` (a :class:`LoadedLayer`, or a :class:`NeedsCRS` with ranked
candidates to confirm), then :func:`overlap_with_zones`; :mod:`geo.store.workspace` saves the
result. Limits and the expected region are declared in ``config/upload.toml``.
"""

from geo.upload.analysis import ZoneOverlap, overlap_with_zones
from geo.upload.coords import CoordinateSystem, CRSCandidate, crs_candidates
from geo.upload.load import (
    LoadedLayer,
    NeedsCRS,
    UploadInspection,
    UploadSource,
    inspect_upload,
    read_upload,
)
from geo.upload.readers import CsvColumns, RawLayer, read_raw
from geo.upload.settings import UploadSettings, default_settings, load_settings

__all__ = [
    "CRSCandidate",
    "CoordinateSystem",
    "CsvColumns",
    "LoadedLayer",
    "NeedsCRS",
    "RawLayer",
    "UploadInspection",
    "UploadSettings",
    "UploadSource",
    "ZoneOverlap",
    "crs_candidates",
    "default_settings",
    "inspect_upload",
    "load_settings",
    "overlap_with_zones",
    "read_raw",
    "read_upload",
]
