"""Named coordinate reference systems, one per purpose, declared in ``config/crs.toml``.

- ``STORAGE_CRS``: EPSG:4326, GeoJSON's own; all stored layers use it.
- ``CGCS2000_GEOGRAPHIC``: EPSG:4490, the datum of official Chinese land figures.
- ``GK_CM102``: EPSG:4543, CGCS2000 3-degree Gauss-Kruger CM 102°E: planar areas,
  distances and buffers.
- ``GK_ZONE34``: EPSG:4522, the same with the zone number in the easting.
- ``GK_ZONE35``: EPSG:4523, the neighbouring zone (CM 105°E, eastern Yunnan) with the
  zone number: a candidate for files without a CRS.
- ``UTM48N``: EPSG:32648, common in imported data.
- ``EQUAL_AREA``: Lambert azimuthal equal-area on the CGCS2000 ellipsoid, centred on
  Chenggong: exact ellipsoidal areas, fast.

Areas are never measured in degrees or Web Mercator; :func:`require_crs` and
:func:`require_same_crs` make a missing or mixed CRS an error rather than a guess.
"""

from __future__ import annotations

from typing import Final

import geopandas as gpd
from pyproj import CRS

from geo.declared.config import CONFIG_DIR, check_keys, load_toml
from geo.errors import ConfigError, CRSError, collect

_CRS_FILE = CONFIG_DIR / "crs.toml"
_PURPOSES: Final = (
    "storage",
    "cgcs2000",
    "gauss_kruger",
    "gauss_kruger_zone34",
    "gauss_kruger_zone35",
    "utm48n",
    "equal_area",
)


def _load() -> dict[str, CRS]:
    raw = load_toml(_CRS_FILE)
    problems = check_keys(raw, where=str(_CRS_FILE), required=_PURPOSES)
    out: dict[str, CRS] = {}
    for purpose in _PURPOSES:
        table = raw.get(purpose, {})
        where = f"{_CRS_FILE} [{purpose}]"
        found = check_keys(
            table, where=where, required=("name_zh", "name_en"), optional=("epsg", "proj4")
        )
        if ("epsg" in table) == ("proj4" in table):
            found.append(f"{where}: give exactly one of 'epsg' or 'proj4'")
        problems += found
        if not found:
            out[purpose] = CRS.from_epsg(table["epsg"]) if "epsg" in table else CRS(table["proj4"])
    collect(problems, what="CRS configuration", error=ConfigError)
    return out


_CRS: Final = _load()

STORAGE_CRS: Final[str] = _CRS["storage"].to_string()
CGCS2000_GEOGRAPHIC: Final[str] = _CRS["cgcs2000"].to_string()
GK_CM102: Final[str] = _CRS["gauss_kruger"].to_string()
GK_ZONE34: Final[str] = _CRS["gauss_kruger_zone34"].to_string()
GK_ZONE35: Final[str] = _CRS["gauss_kruger_zone35"].to_string()
UTM48N: Final[str] = _CRS["utm48n"].to_string()
EQUAL_AREA: Final[CRS] = _CRS["equal_area"]


def require_crs(gdf: gpd.GeoDataFrame, *, name: str) -> None:
    """Raise :class:`CRSError` if ``gdf`` has no CRS. ``name`` says which layer it is."""
    if gdf.crs is None:
        raise CRSError("err_layer_no_crs", name=name)


def require_same_crs(a: gpd.GeoDataFrame, b: gpd.GeoDataFrame, *, names: tuple[str, str]) -> None:
    """Raise :class:`CRSError` if the two layers lack a CRS or their CRSs differ."""
    require_crs(a, name=names[0])
    require_crs(b, name=names[1])
    if not CRS(a.crs).equals(CRS(b.crs)):
        raise CRSError(
            "err_crs_mismatch",
            a=names[0],
            a_crs=a.crs.to_string(),
            b=names[1],
            b_crs=b.crs.to_string(),
        )
