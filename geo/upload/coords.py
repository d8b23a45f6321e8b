"""Coordinates of uploaded layers: CRS candidates, swapped axes, the region check and
GCJ-02 / BD-09 conversion.

A file that declares no CRS is never guessed: :func:`crs_candidates` looks at the
coordinate magnitudes and returns the CRSs (and axis orders) that would put the data in
the expected region, ranked by distance from its centre; the caller confirms one.
Candidates come from ``config/crs.toml``: WGS 84 longitude/latitude, CGCS2000
Gauss-Kruger CM 102°E (EPSG:4543, 500 000 m false easting), the same with the zone
number (EPSG:4522, 34 500 000 m), the neighbouring zone 35 with its number (EPSG:4523,
35 500 000 m) and UTM 48N (EPSG:32648), each also with X and Y
swapped (Chinese surveys call the northing X).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Final, Literal

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import shapely
from pyproj import CRS, Geod, Transformer
from pyproj.exceptions import CRSError as ProjCRSError

from geo.declared.config import CONFIG_DIR, load_toml
from geo.declared.i18n import Message, Names
from geo.errors import CRSError
from geo.measure.crs import GK_CM102, GK_ZONE34, GK_ZONE35, STORAGE_CRS, UTM48N
from geo.measure.gcj02 import bd09_to_gcj02, gcj02_to_wgs84
from geo.measure.validate import has_geometry
from geo.upload.settings import Region

CoordinateSystem = Literal["wgs84", "gcj02", "bd09"]
"""Which web-map offset system lon/lat coordinates are in: WGS-84 (none), GCJ-02
(Amap, Tencent, Google China) or BD-09 (Baidu)."""

SYSTEM_NAMES: Final[dict[str, str]] = {
    "wgs84": "WGS-84 (no offset)",
    "gcj02": "GCJ-02 (Amap/Tencent)",
    "bd09": "BD-09 (Baidu)",
}

_PURPOSE_OF: Final[dict[str, str]] = {
    STORAGE_CRS: "storage",
    GK_CM102: "gauss_kruger",
    GK_ZONE34: "gauss_kruger_zone34",
    GK_ZONE35: "gauss_kruger_zone35",
    UTM48N: "utm48n",
}
_GEOD: Final = Geod(ellps="WGS84")
# Candidates outside the region are still listed when they land in this box (China).
_WIDE_BOX: Final = (73.0, 18.0, 135.0, 54.0)


@dataclass(frozen=True)
class CRSCandidate:
    """One way to read coordinates that have no declared CRS, and where it puts them."""

    crs: str
    swap_xy: bool
    name_en: str
    name_zh: str
    centre_lon: float
    centre_lat: float
    inside_region: bool
    distance_km: float

    def describe(self) -> Message:
        """One line for the user, e.g. 'EPSG:4543 … → centre 102.8500 E, 24.8700 N' (as a
        ``str`` the English; either language with :func:`~geo.declared.i18n.say`)."""
        return Message(
            "crs_candidate",
            crs=self.crs,
            name=Names(zh=self.name_zh, en=self.name_en),
            swap=Message("crs_swapped") if self.swap_xy else "",
            lon=f"{self.centre_lon:.4f}",
            lat=f"{self.centre_lat:.4f}",
            km=f"{self.distance_km:,.0f}",
            where=Message("crs_inside" if self.inside_region else "crs_outside"),
        )


def _names() -> dict[str, tuple[str, str]]:
    table = load_toml(CONFIG_DIR / "crs.toml")
    return {
        crs: (str(table[p]["name_en"]), str(table[p]["name_zh"])) for crs, p in _PURPOSE_OF.items()
    }


_NAMES: Final = _names()


def _bounds(frame: gpd.GeoDataFrame) -> tuple[float, float, float, float] | None:
    geoms = frame.geometry[has_geometry(frame)]
    if geoms.empty:
        return None
    minx, miny, maxx, maxy = (float(v) for v in geoms.total_bounds)
    return minx, miny, maxx, maxy


def _land(
    crs: str, bounds: tuple[float, float, float, float], *, swap: bool
) -> npt.NDArray[np.float64] | None:
    """Corners and centre of ``bounds`` as lon/lat if read in ``crs`` (None if impossible)."""
    minx, miny, maxx, maxy = bounds
    xs = np.array([minx, maxx, minx, maxx, (minx + maxx) / 2])
    ys = np.array([miny, miny, maxy, maxy, (miny + maxy) / 2])
    if swap:
        xs, ys = ys, xs
    lon, lat = Transformer.from_crs(crs, STORAGE_CRS, always_xy=True).transform(xs, ys)
    out = np.column_stack([lon, lat]).astype(float)
    if not np.all(np.isfinite(out)):
        return None
    if np.any(np.abs(out[:, 0]) > 180) or np.any(np.abs(out[:, 1]) > 90):
        return None
    return out


def _distance_km(region: Region, lon: float, lat: float) -> float:
    _az, _baz, dist_m = _GEOD.inv(region.centre_lon, region.centre_lat, lon, lat)
    return float(dist_m) / 1000.0


def crs_candidates(frame: gpd.GeoDataFrame, *, region: Region) -> tuple[CRSCandidate, ...]:
    """Ranked CRS candidates for a layer whose file declares no CRS.

    Each candidate CRS is tried with X/Y as given and swapped; those that put the whole
    layer inside ``region`` come first, nearest the region centre first; those that put it
    elsewhere in China follow (flagged). Empty when no reading lands anywhere near.
    """
    bounds = _bounds(frame)
    if bounds is None:
        return ()
    found: list[CRSCandidate] = []
    for crs, (name_en, name_zh) in _NAMES.items():
        for swap in (False, True):
            with np.errstate(all="ignore"):
                landed = _land(crs, bounds, swap=swap)
            if landed is None:
                continue
            inside = all(region.contains(lon, lat) for lon, lat in landed[:4])
            lon, lat = landed[4]
            wide = _WIDE_BOX[0] <= lon <= _WIDE_BOX[2] and _WIDE_BOX[1] <= lat <= _WIDE_BOX[3]
            if inside or wide:
                found.append(
                    CRSCandidate(
                        crs, swap, name_en, name_zh, float(lon), float(lat), inside,
                        _distance_km(region, float(lon), float(lat)),
                    )
                )  # fmt: skip
    found.sort(key=lambda c: (not c.inside_region, c.distance_km, c.swap_xy))
    return tuple(found)


def describe_magnitudes(frame: gpd.GeoDataFrame) -> str:
    """The coordinate ranges in words, e.g. 'x 582,100 … 583,100, y 2,752,000 … 2,753,000'."""
    bounds = _bounds(frame)
    if bounds is None:
        return "no coordinates"
    minx, miny, maxx, maxy = bounds
    largest = max(abs(v) for v in bounds)
    fmt = ".6g" if largest >= 1e9 else ",.0f" if largest >= 1000 else ".6f"
    return f"x {minx:{fmt}} … {maxx:{fmt}}, y {miny:{fmt}} … {maxy:{fmt}}"


def swap_axes(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """A copy with X and Y exchanged in every coordinate (Z kept)."""

    def flip(coords: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        out = coords.copy()
        out[:, [0, 1]] = coords[:, [1, 0]]
        return out

    geoms = shapely.transform(  # type: ignore[call-overload]
        np.asarray(frame.geometry.array), flip, include_z=None
    )
    return frame.set_geometry(gpd.GeoSeries(geoms, index=frame.index, crs=frame.crs))


def to_wgs84(frame: gpd.GeoDataFrame, *, system: CoordinateSystem) -> gpd.GeoDataFrame:
    """Remove the GCJ-02 or BD-09 offset from an EPSG:4326 layer (a copy; Z kept).

    Uses :mod:`geo.measure.gcj02` (the public algorithm; BD-09 via GCJ-02). ``"wgs84"`` returns
    an unchanged copy.
    """
    if system == "wgs84":
        return frame.copy()
    if system not in ("gcj02", "bd09"):
        raise ValueError(f"unknown coordinate system {system!r}; use wgs84, gcj02 or bd09")
    if frame.crs is None or not CRS(frame.crs).equals(CRS(STORAGE_CRS)):
        raise CRSError("GCJ-02/BD-09 conversion needs the layer in EPSG:4326 first.")

    def convert(coords: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        lon, lat = coords[:, 0], coords[:, 1]
        if system == "bd09":
            lon, lat = bd09_to_gcj02(lon, lat)
        wlon, wlat = gcj02_to_wgs84(lon, lat)
        out = coords.copy()
        out[:, 0], out[:, 1] = wlon, wlat
        return out

    geoms = shapely.transform(  # type: ignore[call-overload]
        np.asarray(frame.geometry.array), convert, include_z=None
    )
    return frame.set_geometry(gpd.GeoSeries(geoms, index=frame.index, crs=frame.crs))


def parse_crs(crs: str, *, name: str) -> str:
    """Normalise a user's CRS choice ('EPSG:4543', '4543', a WKT or PROJ string)."""
    text = crs.strip()
    try:
        parsed = CRS.from_epsg(int(text)) if text.isdigit() else CRS.from_user_input(text)
    except ProjCRSError as exc:
        raise CRSError("err_crs_unknown", name=name, crs=repr(crs)) from exc
    return parsed.to_string()


class OutsideRegionError(CRSError):
    """The layer, read in the CRS used, lies wholly outside the expected region.

    ``where`` says where it lies instead ("centre 120.1 E, 30.2 N, 1,500 km from …")."""

    def __init__(self, message: str, *, where: str) -> None:
        super().__init__(message)
        self.where = where


def check_location(
    frame: gpd.GeoDataFrame, *, region: Region, name: str, allow_outside: bool = False
) -> list[str]:
    """Raise :class:`CRSError` when a layer (EPSG:4326) sits where the region is not.

    - coordinates that look like (latitude, longitude): "swapped", with what to do;
    - the whole layer outside the region box: "far outside", unless ``allow_outside``.

    Returns notes for the report (features partly outside the box).
    """
    bounds = _bounds(frame)
    if bounds is None:
        return []
    minx, miny, maxx, maxy = bounds
    cx, cy = (minx + maxx) / 2, (miny + maxy) / 2
    if not region.contains(cx, cy) and region.contains(cy, cx):
        raise CRSError("err_lat_lon_swapped", name=name, x=cx, y=cy, region=_region_names(region))
    geoms = frame.geometry[has_geometry(frame)]
    box = shapely.box(region.min_lon, region.min_lat, region.max_lon, region.max_lat)
    hits = np.asarray(shapely.intersects(np.asarray(geoms.array), box), dtype=bool)
    if not hits.any():
        if allow_outside:
            return [Message("note_outside_allowed", region=_region_names(region))]
        far = _distance_km(region, cx, cy) if math.isfinite(cx + cy) else math.inf
        where = Message("note_where", lon=cx, lat=cy, km=far)
        raise OutsideRegionError(
            Message("err_far_outside", name=name, region=_region_names(region), where=where),
            where=where,
        )
    notes: list[str] = []
    if not hits.all():
        notes.append(
            Message(
                "note_partly_outside", count=int((~hits).sum()), region=_region_names(region),
                min_lon=region.min_lon, max_lon=region.max_lon,
                min_lat=region.min_lat, max_lat=region.max_lat,
            )
        )  # fmt: skip
    return notes


def _region_names(region: Region) -> Names:
    return Names(zh=region.name_zh, en=region.name_en)
