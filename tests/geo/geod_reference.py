"""Reference areas for the tests, computed without geo.measure.area.

pyproj's :class:`~pyproj.Geod` built from the CGCS2000 ellipsoid's defining constants
(a = 6 378 137 m, 1/f = 298.257222101), applied to the geometry directly: the
independent figure the code's areas are checked against.
"""

from __future__ import annotations

import shapely
from pyproj import Geod, Transformer
from shapely.geometry.base import BaseGeometry

from tests.conftest import X0, Y0

CGCS2000_GEOD = Geod(a=6378137.0, rf=298.257222101)
_GK_TO_LONLAT = Transformer.from_crs("EPSG:4543", "EPSG:4326", always_xy=True)


def geod_area_m2(geom: BaseGeometry) -> float:
    """Area of a (multi)polygon given in longitude/latitude on the CGCS2000 ellipsoid.

    Rings are oriented first (shells anticlockwise, holes clockwise), so Geod's signed
    sum over the rings is the area.
    """
    area, _perimeter = CGCS2000_GEOD.geometry_area_perimeter(shapely.orient_polygons(geom))
    return float(area)


def gk_polygon(points: list[tuple[float, float]]) -> shapely.Polygon:
    """A polygon drawn in metres relative to (X0, Y0) in EPSG:4543, as longitude/latitude
    (like tests.conftest.gk_boxes: vertices transformed, edges straight between them)."""
    lonlat = [_GK_TO_LONLAT.transform(X0 + x, Y0 + y) for x, y in points]
    return shapely.Polygon(lonlat)
