"""GCJ-02 (Amap / Tencent offset system) and BD-09 (Baidu) to and from WGS-84.

Chinese online maps publish coordinates in GCJ-02, WGS-84 moved by a deliberate,
smoothly varying offset (at Chenggong about 145 m east and 340 m south). BD-09 is a
further offset of GCJ-02 used by Baidu. The project stores WGS-84 (EPSG:4326), so every
coordinate taken from an Amap-derived source is converted here first.

The forward transform (WGS-84 -> GCJ-02) is the well-known public algorithm (Krasovsky
1940 ellipsoid constants, trigonometric series). There is no closed-form inverse;
:func:`gcj02_to_wgs84` inverts it by fixed-point iteration to 1e-10 degrees (sub-mm).
:func:`bd09_to_gcj02` is the public closed-form approximation (error ~1e-6 degrees).

All functions take longitude and latitude in degrees (scalars or array-likes of equal
shape) and return a ``(lon, lat)`` pair of float arrays. Points outside the rough China
bounding box are returned unchanged, as the published algorithm does.

>>> lon, lat = gcj02_to_wgs84(116.401208, 39.90777)  # Beijing, Tiananmen East station
>>> round(float(lon), 5), round(float(lat), 5)
(116.39497, 39.90637)
"""

from __future__ import annotations

from typing import Final

import numpy as np
from numpy.typing import ArrayLike, NDArray

FloatArray = NDArray[np.float64]

_A: Final = 6378245.0  # Krasovsky 1940 semi-major axis, as the algorithm defines it
_EE: Final = 0.00669342162296594323  # its first eccentricity squared
_X_PI: Final = np.pi * 3000.0 / 180.0  # BD-09 constant


def _as_arrays(lon: ArrayLike, lat: ArrayLike) -> tuple[FloatArray, FloatArray]:
    x = np.asarray(lon, dtype=np.float64)
    y = np.asarray(lat, dtype=np.float64)
    if x.shape != y.shape:
        raise ValueError(f"lon and lat must have the same shape; got {x.shape} and {y.shape}")
    return x, y


def out_of_china(lon: ArrayLike, lat: ArrayLike) -> NDArray[np.bool_]:
    """True where a point lies outside the rectangle the offset is applied in.

    The rectangle (72.004-137.8347 E, 0.8293-55.8271 N) is the published algorithm's.
    """
    x, y = _as_arrays(lon, lat)
    return (x < 72.004) | (x > 137.8347) | (y < 0.8293) | (y > 55.8271)


def _offset_deg(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    """The GCJ-02 minus WGS-84 offset at a WGS-84 position, in degrees (dlon, dlat)."""
    x = lon - 105.0
    y = lat - 35.0
    sqrt_abs_x = np.sqrt(np.abs(x))
    dlat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * sqrt_abs_x
    dlat += (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    dlat += (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
    dlat += (160.0 * np.sin(y / 12.0 * np.pi) + 320.0 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0
    dlon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * sqrt_abs_x
    dlon += (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    dlon += (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
    dlon += (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0
    rad_lat = lat / 180.0 * np.pi
    magic = 1.0 - _EE * np.sin(rad_lat) ** 2
    sqrt_magic = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1.0 - _EE)) / (magic * sqrt_magic) * np.pi)
    dlon = (dlon * 180.0) / (_A / sqrt_magic * np.cos(rad_lat) * np.pi)
    return dlon, dlat


def wgs84_to_gcj02(lon: ArrayLike, lat: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Convert WGS-84 longitude/latitude (degrees) to GCJ-02 (degrees).

    >>> lon, lat = wgs84_to_gcj02(102.8603804, 24.8733628)  # 昆明南站 (OSM, WGS-84)
    >>> round(float(lon), 3), round(float(lat), 3)
    (102.862, 24.87)
    """
    x, y = _as_arrays(lon, lat)
    dlon, dlat = _offset_deg(x, y)
    outside = out_of_china(x, y)
    return np.where(outside, x, x + dlon), np.where(outside, y, y + dlat)


def gcj02_to_wgs84(
    lon: ArrayLike,
    lat: ArrayLike,
    *,
    tolerance_deg: float = 1e-10,
    max_iterations: int = 30,
) -> tuple[FloatArray, FloatArray]:
    """Convert GCJ-02 longitude/latitude (degrees) to WGS-84 (degrees), exactly.

    Solves ``wgs84_to_gcj02(w) == g`` for ``w`` by fixed-point iteration, starting from
    ``g``; the offset varies slowly, so each step gains about three orders of
    magnitude and 3-4 steps reach ``tolerance_deg``. Raises ``ArithmeticError`` if it
    has not converged after ``max_iterations`` (it always does inside China).
    """
    gx, gy = _as_arrays(lon, lat)
    wx, wy = gx.copy(), gy.copy()
    for _ in range(max_iterations):
        fx, fy = wgs84_to_gcj02(wx, wy)
        ex, ey = fx - gx, fy - gy
        wx, wy = wx - ex, wy - ey
        if np.all(np.abs(ex) <= tolerance_deg) and np.all(np.abs(ey) <= tolerance_deg):
            return wx, wy
    raise ArithmeticError(
        f"GCJ-02 -> WGS-84 did not converge to {tolerance_deg} degrees in "
        f"{max_iterations} iterations; check that the inputs are longitude/latitude."
    )


def bd09_to_gcj02(lon: ArrayLike, lat: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Convert Baidu BD-09 longitude/latitude (degrees) to GCJ-02 (degrees).

    The public closed-form approximation; error about 1e-6 degrees (0.1 m).
    """
    bx, by = _as_arrays(lon, lat)
    x = bx - 0.0065
    y = by - 0.006
    z = np.sqrt(x * x + y * y) - 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) - 0.000003 * np.cos(x * _X_PI)
    return z * np.cos(theta), z * np.sin(theta)


def gcj02_to_bd09(lon: ArrayLike, lat: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Convert GCJ-02 longitude/latitude (degrees) to Baidu BD-09 (degrees)."""
    x, y = _as_arrays(lon, lat)
    z = np.sqrt(x * x + y * y) + 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) + 0.000003 * np.cos(x * _X_PI)
    return z * np.cos(theta) + 0.0065, z * np.sin(theta) + 0.006
