"""GDAL as this app uses it: only the drivers it reads and writes, and no network.

GDAL opens a file with whichever of its ~60 vector drivers recognises the content, and
several of those drivers follow what the content says: an OGR VRT document names other
files or URLs as its source (``CSV:/etc/passwd``, ``/vsicurl/http://…``), GDALG runs a
pipeline, GPSBabel starts a program, WFS/OAPIF/HTTP fetch from servers. An uploaded
file is untrusted, so this module is applied once per process, before any file is
opened (``geo/__init__.py`` calls :func:`lock_down`):

- every driver outside :data:`REGISTERED_DRIVERS` is deregistered (GDAL's own
  ``OGR_SKIP`` mechanism, applied again after registration), so no content can select
  one;
- GDAL's network access is cut: ``/vsicurl/`` and the other network file systems see no
  file (``CPL_VSIL_CURL_ALLOWED_EXTENSIONS``), and any HTTP request GDAL would make goes
  to a closed local port (``GDAL_HTTP_PROXY``);
- GDAL does not list the folder around a file it opens (``GDAL_DISABLE_READDIR_ON_OPEN``);
- DXF block references are not expanded and DXF text is not recoded by GDAL
  (:data:`DXF_READING`).

Each upload format then names the one driver it may be opened with
(:data:`geo.upload.formats.FORMATS`), and :func:`geo.io.read_vector` refuses a file that
GDAL would open with any other.
"""

from __future__ import annotations

import functools
import warnings
from typing import Final

import pyogrio

REGISTERED_DRIVERS: Final = frozenset({"GeoJSON", "ESRI Shapefile", "GPKG", "KML", "LIBKML", "DXF"})
"""The drivers the app needs: uploads (GeoJSON, Shapefile, GeoPackage, KML, DXF from CAD)
and exports (the same but DXF, KML written with LIBKML). Nothing else is registered."""

DXF_READING: Final[dict[str, str]] = {
    # Block references stay one point each instead of being expanded into the block's
    # entities: blocks are ignored anyway (geo/upload/dxf.py), and nested blocks expand
    # exponentially (7 levels of 10 inserts: 10 million features from a 23 kB file).
    "DXF_INLINE_BLOCKS": "FALSE",
    # GDAL passes DXF text through untouched; geo/upload/dxf.py decides the encoding
    # ($DWGCODEPAGE, $ACADVER, the user's choice) and hands GDAL UTF-8. A per-file choice
    # cannot be a process-wide setting that another session's read would see.
    "DXF_ENCODING": "UTF-8",
}

NETWORK_OFF: Final[dict[str, str]] = {
    # /vsicurl/, /vsis3/, ... : only files with this (impossible) extension "exist".
    "CPL_VSIL_CURL_ALLOWED_EXTENSIONS": ".no-network-access",
    # Any HTTP request GDAL still makes goes to the discard port on loopback and fails.
    "GDAL_HTTP_PROXY": "127.0.0.1:9",
    "GDAL_HTTP_TIMEOUT": "1",
    "GDAL_HTTP_MAX_RETRY": "0",
    "GDAL_DISABLE_READDIR_ON_OPEN": "EMPTY_DIR",
}


@functools.cache
def lock_down() -> frozenset[str]:
    """Deregister every driver but :data:`REGISTERED_DRIVERS` and cut GDAL's network.

    Idempotent (cached); returns the drivers left registered.
    """
    from pyogrio._ogr import _register_drivers  # re-running registration applies OGR_SKIP

    skip = sorted(set(pyogrio.list_drivers()) - REGISTERED_DRIVERS)
    pyogrio.set_gdal_config_options({**NETWORK_OFF, **DXF_READING, "OGR_SKIP": ",".join(skip)})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        _register_drivers()
    left = frozenset(pyogrio.list_drivers())
    extra = left - REGISTERED_DRIVERS
    if extra:  # never run with a driver that content could select
        raise RuntimeError(f"GDAL drivers still registered after lock-down: {sorted(extra)}")
    return left
