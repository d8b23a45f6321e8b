"""Shared fixtures: small layers made by hand in known places."""

from __future__ import annotations

import geopandas as gpd
import pytest
import shapely
from pyproj import Transformer

# A point in Chenggong, near the municipal government.
LON0, LAT0 = 102.82, 24.88
_TO_GK = Transformer.from_crs("EPSG:4326", "EPSG:4543", always_xy=True)
X0, Y0 = _TO_GK.transform(LON0, LAT0)


def gk_boxes(
    *boxes: tuple[float, float, float, float], ids: list[str] | None = None
) -> gpd.GeoDataFrame:
    """Rectangles given in metres (x0, y0, x1, y1) relative to (X0, Y0) in EPSG:4543,
    returned in EPSG:4326 like every stored layer."""
    geoms = [shapely.box(X0 + a, Y0 + b, X0 + c, Y0 + d) for a, b, c, d in boxes]
    ids = ids or [f"f{i}" for i in range(len(geoms))]
    return gpd.GeoDataFrame({"id": ids}, geometry=geoms, crs="EPSG:4543").to_crs("EPSG:4326")


@pytest.fixture
def two_squares() -> gpd.GeoDataFrame:
    """Two 1 km squares overlapping by a quarter (500 m x 500 m)."""
    return gk_boxes((0, 0, 1000, 1000), (500, 500, 1500, 1500), ids=["a", "b"])
