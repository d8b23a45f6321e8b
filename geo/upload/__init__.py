"""Layers that users bring: read an uploaded file, confirm its CRS, validate, measure.

The UI calls, in order: :func:`inspect_upload` (format, layers to choose from),
:func:`read_upload` (a :class:`LoadedLayer`, or a :class:`NeedsCRS` with ranked
candidates to confirm), then :func:`overlap_with_zones`; :mod:`geo.store.workspace` saves the
result. Limits and the expected region are declared in ``config/upload.toml``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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

_HOME = {
    "ZoneOverlap": "geo.upload.analysis",
    "overlap_with_zones": "geo.upload.analysis",
    "CoordinateSystem": "geo.upload.coords",
    "CRSCandidate": "geo.upload.coords",
    "crs_candidates": "geo.upload.coords",
    "LoadedLayer": "geo.upload.load",
    "NeedsCRS": "geo.upload.load",
    "UploadInspection": "geo.upload.load",
    "UploadSource": "geo.upload.load",
    "inspect_upload": "geo.upload.load",
    "read_upload": "geo.upload.load",
    "CsvColumns": "geo.upload.readers",
    "RawLayer": "geo.upload.readers",
    "read_raw": "geo.upload.readers",
    "UploadSettings": "geo.upload.settings",
    "default_settings": "geo.upload.settings",
    "load_settings": "geo.upload.settings",
}
"""Where each name of the package lives: it is imported from there when first used, so
that importing one small module (e.g. :mod:`geo.upload.settings`, which the page's
first screen reads) does not import every reader."""


def __getattr__(name: str) -> Any:
    try:
        home = _HOME[name]
    except KeyError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    return getattr(importlib.import_module(home), name)


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
