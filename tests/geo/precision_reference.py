"""The rounding rule of totals, computed for the tests without geo.measure.precision.

A total of zones is known to ± the sum of their bands, accuracy_m × geodesic perimeter
(pyproj Geod on CGCS2000, directly): its figures run from the total's leading digit to
the band's (at least 1, at most 6), with "≈" when any zone is schematic.
"""

from __future__ import annotations

import math

import geopandas as gpd
import pandas as pd

from geo.measure.area import M2_PER_UNIT
from tests.geo.geod_reference import CGCS2000_GEOD


def geod_perimeter_m(geom: object) -> float:
    """Geodesic perimeter (m) of a (multi)polygon in longitude/latitude, rings and holes."""
    _area, perimeter = CGCS2000_GEOD.geometry_area_perimeter(geom)
    return abs(float(perimeter))


def expected_total_text(total_m2: float, members: gpd.GeoDataFrame, *, unit: str) -> str:
    """The total as the rule shows it, from the members' accuracies and perimeters."""
    accuracy = members["accuracy_m"] if "accuracy_m" in members else pd.Series(0.0, members.index)
    band_m2 = sum(
        (0.0 if pd.isna(a) else float(a)) * geod_perimeter_m(g)
        for a, g in zip(accuracy, members.to_crs(4326).geometry, strict=True)
    )
    if band_m2 > 0:
        figures = math.floor(math.log10(total_m2)) - math.floor(math.log10(band_m2)) + 1
        figures = min(6, max(1, figures))
    else:
        figures = 6
    value = total_m2 / M2_PER_UNIT[unit]
    exponent = math.floor(math.log10(value)) - figures + 1
    approx = "schematic" in members and bool(members["schematic"].fillna(False).any())
    return ("≈" if approx else "") + f"{round(value, -exponent):,.{max(0, -exponent)}f}"
