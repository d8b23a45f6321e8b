"""How many figures of an area to show: as many as its accuracy supports, and no more.

A ±300 m sketch shown as "7,715.5178 亩" claims a precision it does not have. An edge
that may lie ``accuracy_m`` away from where it is drawn can move the area by up to the
band ``accuracy_m × perimeter_m``; the figures shown stop at the place of that band's
leading digit (at least one significant figure). Schematic figures carry "≈".

This is the one place that decides it: the plan check, the zone panel, the tables on
screen and the printed maps call :func:`area_display`. Data files, CSV and XLSX keep
full precision, with ``accuracy_m`` beside them.

    >>> significant_figures(5.14e6, accuracy_m=500, perimeter_m=10_400)  # 5.14 ± 5.2 km²
    1
    >>> area_display(5.1437e6, unit="km2", accuracy_m=500, perimeter_m=10_400, schematic=True)
    '≈5'
    >>> area_display(454.81e6, unit="km2", accuracy_m=100, perimeter_m=130_000)
    '450'
    >>> area_display(3_600, unit="m2", accuracy_m=1, perimeter_m=240)
    '3,600'
"""

from __future__ import annotations

import math
from typing import Final

import geopandas as gpd
import numpy as np
import pandas as pd
from pyproj import CRS, Geod
from shapely.geometry.base import BaseGeometry

from geo.measure.area import M2_PER_UNIT
from geo.measure.crs import CGCS2000_GEOGRAPHIC, require_crs

NOT_MEASURED: Final = "—"
"""Shown for a feature with no area (not located, or a line or point)."""
APPROX: Final = "≈"
_GEOD: Final[Geod] = CRS(CGCS2000_GEOGRAPHIC).get_geod()  # type: ignore[assignment]


def significant_figures(area_m2: float, *, accuracy_m: float, perimeter_m: float) -> int:
    """Significant figures an area supports: from its value down to the leading digit of
    the uncertainty band ``accuracy_m × perimeter_m`` (m²), at least 1.

    ``accuracy_m`` <= 0 (no stated uncertainty) keeps 6 figures, the most ever shown.
    """
    return figures_for_band(area_m2, band_m2=float(accuracy_m) * float(perimeter_m))


def figures_for_band(area_m2: float, *, band_m2: float) -> int:
    """Significant figures of ``area_m2`` (m²) known to ± ``band_m2`` (m²): from the area's
    leading digit down to the band's, at least 1; no band (<= 0) keeps 6.

    >>> figures_for_band(5.14e6, band_m2=52_000)  # 5.14 km² ± 0.05 km²
    3
    """
    if not area_m2 > 0:
        raise ValueError(f"area_m2 must be positive, got {area_m2!r}")
    if not band_m2 > 0:
        return 6
    digits = math.floor(math.log10(area_m2)) - math.floor(math.log10(band_m2)) + 1
    return int(min(6, max(1, digits)))


def round_significant(value: float, figures: int) -> float:
    """``value`` rounded to ``figures`` significant figures (0 stays 0)."""
    if value == 0 or not math.isfinite(value):
        return value
    return round(value, figures - 1 - math.floor(math.log10(abs(value))))


def area_display(
    area_m2: float | None,
    *,
    unit: str,
    accuracy_m: float | None,
    perimeter_m: float,
    schematic: bool = False,
) -> str:
    """The area in ``unit`` (``m2``, ``km2``, ``ha``, ``mu``) as text, rounded to what
    :func:`significant_figures` allows, with thousands separators and "≈" in front of a
    schematic figure. No area (``None``, NaN, 0) gives "—"; no stated accuracy (``None``,
    NaN: e.g. a user's layer) shows the most figures ever shown (6)."""
    if area_m2 is None or not math.isfinite(area_m2) or area_m2 <= 0:
        return NOT_MEASURED
    if accuracy_m is None or not math.isfinite(float(accuracy_m)):
        accuracy_m = 0.0
    band_m2 = float(accuracy_m) * float(perimeter_m)
    return band_display(area_m2, unit=unit, band_m2=band_m2, schematic=schematic)


def band_display(
    area_m2: float | None, *, unit: str, band_m2: float, schematic: bool = False
) -> str:
    """The area in ``unit`` as text, known to ± ``band_m2`` (m²): figures down to the band's
    leading digit (:func:`figures_for_band`), as :func:`area_display` shows a zone. For an
    area whose band is known directly (a rule's violating pieces, a total). "—" for none.

    >>> band_display(579_645.4, unit="ha", band_m2=7_544_191.0)
    '60'
    """
    if area_m2 is None or not math.isfinite(area_m2) or area_m2 <= 0:
        return NOT_MEASURED
    if unit not in M2_PER_UNIT:
        raise ValueError(f"unknown area unit {unit!r}; use one of {', '.join(M2_PER_UNIT)}")
    figures = figures_for_band(area_m2, band_m2=band_m2)
    value = round_significant(area_m2 / M2_PER_UNIT[unit], figures)
    decimals = max(0, figures - 1 - math.floor(math.log10(abs(value))))
    text = f"{value:,.{decimals}f}"
    return (APPROX if schematic else "") + text


def perimeter_m(gdf: gpd.GeoDataFrame | gpd.GeoSeries) -> pd.Series:
    """Geodesic perimeter on CGCS2000 (m) of each polygon (rings, holes included); 0 for
    lines, points and missing geometries. Aligned to the input index."""
    series = gdf if isinstance(gdf, gpd.GeoSeries) else gdf.geometry
    require_crs(series, name="layer")
    geographic = series.to_crs(4326) if not series.crs.is_geographic else series

    def one(geom: BaseGeometry | None) -> float:
        if geom is None or geom.is_empty or geom.geom_type not in ("Polygon", "MultiPolygon"):
            return 0.0
        return float(_GEOD.geometry_length(geom.boundary))

    return pd.Series(
        np.array([one(g) for g in geographic], dtype=float), index=series.index, name="perimeter_m"
    )


def area_displays(zones: gpd.GeoDataFrame, area_m2: pd.Series, *, unit: str) -> pd.Series:
    """:func:`area_display` for every row of ``zones`` (its ``accuracy_m`` and
    ``schematic`` columns where present, its perimeter), given the areas to show (aligned to
    its index). A layer without those columns (a user's upload) shows 6 figures, no ≈."""
    perimeters = perimeter_m(zones)
    schematic = zones["schematic"] if "schematic" in zones else pd.Series(False, index=zones.index)
    accuracy = zones["accuracy_m"] if "accuracy_m" in zones else pd.Series(None, index=zones.index)
    return pd.Series(
        [
            area_display(
                None if pd.isna(a) else float(a),
                unit=unit,
                accuracy_m=None if pd.isna(acc) else float(acc),
                perimeter_m=float(p),
                schematic=bool(s),
            )
            for a, acc, p, s in zip(
                area_m2.reindex(zones.index),
                pd.to_numeric(accuracy, errors="coerce"),
                perimeters,
                schematic,
                strict=True,
            )
        ],
        index=zones.index,
        name=f"area_{unit}_display",
    )


def band_m2(zones: gpd.GeoDataFrame) -> pd.Series:
    """Each polygon's uncertainty band ``accuracy_m × perimeter_m`` (m²); 0 where the
    layer states no accuracy (a user's upload) and for lines and points. Aligned to the
    input index."""
    accuracy = zones["accuracy_m"] if "accuracy_m" in zones else pd.Series(0.0, index=zones.index)
    accuracy_m = pd.to_numeric(accuracy, errors="coerce").fillna(0.0).clip(lower=0.0)
    if not (accuracy_m > 0).any():  # no stated accuracy: no band, no perimeters to compute
        return pd.Series(0.0, index=zones.index, name="band_m2")
    return (accuracy_m * perimeter_m(zones)).rename("band_m2")


def total_display(total_m2: float | None, members: gpd.GeoDataFrame, *, unit: str) -> str:
    """A total of ``members``' areas (their plain sum, or the area of their union) as text
    in ``unit``, by the same rule as each member (:func:`area_display`).

    Each member's edges may lie ``accuracy_m`` from where they are drawn, so the total may
    be off by up to the sum of the members' bands (the union's boundary is part of theirs,
    so the same bound holds for it). That sum is at least the largest band: a total is
    never shown more precisely than its least accurate member. "≈" when any member is
    schematic; "—" for no area.

    >>> import geopandas as gpd
    >>> from shapely.geometry import box
    >>> two = gpd.GeoDataFrame({"accuracy_m": [1.0, 50.0]},
    ...     geometry=[box(0, 0, 1000, 1000), box(2000, 0, 3000, 1000)], crs="EPSG:4543")
    >>> total_display(2.0e6, two, unit="km2")  # band ≈ 1 × 4 km + 50 × 4 km = 204,000 m²
    '2.0'
    """
    schematic = "schematic" in members and bool(members["schematic"].fillna(False).any())
    band = float(band_m2(members).sum())
    return band_display(total_m2, unit=unit, band_m2=band, schematic=schematic)
