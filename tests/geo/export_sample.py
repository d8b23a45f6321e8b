"""A small synthetic plan layer for the export tests, in the registry's layer ids.

Built here, in metres around Chenggong (EPSG:4543), so the tests do not depend on the
contents of data/zones.geojson.
"""

from __future__ import annotations

import geopandas as gpd
import shapely

from tests.conftest import X0, Y0

LONG_TEXT = "规划原文：" + "以东至春融东路、和谐路，南至聚贤街，西至谊康北路。" * 6  # > 254 bytes


def sample_features() -> gpd.GeoDataFrame:
    """Six features: polygons (public and sketched), a line and a point; EPSG:4326."""
    rows = [
        # id, name_zh, name_en, layer, source, schematic, geometry (metres from X0, Y0)
        (
            "ext_box",
            "呈贡区行政区域",
            "Chenggong District",
            "extents",
            "public_boundary",
            False,
            shapely.box(-6000, -6000, 6000, 6000),
        ),
        (
            "fin_centre",
            "科技金融服务中心",
            "Finance centre",
            "finance_business",
            "street_derived",
            False,
            shapely.box(-1000, -1000, 1000, 1500),
        ),
        (
            "fin_hq",
            "科技企业总部聚集区（示意）",
            "HQ cluster (sketch)",
            "finance_business",
            "sketch",
            True,
            shapely.box(500, 500, 2500, 2500),
        ),
        (
            "eco_lake",
            "洛龙湖",
            "Luolong Lake",
            "ecology",
            "point_buffer",
            True,
            shapely.Point(-3000, 2500).buffer(800),
        ),
        (
            "metro_1",
            "地铁1号线",
            "Metro Line 1",
            "infrastructure",
            "street_derived",
            False,
            shapely.LineString([(-5000, -5000), (0, 0), (4000, 5000)]),
        ),
        (
            "base_egu",
            "中关村e谷创想空间",
            "Zhongguancun e-Valley",
            "innovation_bases",
            "sketch",
            True,
            shapely.Point(3000, -3000),
        ),
    ]
    geoms = [shapely.affinity.translate(g, X0, Y0) for *_, g in rows]
    gdf = gpd.GeoDataFrame(
        {
            "id": [r[0] for r in rows],
            "name_zh": [r[1] for r in rows],
            "name_en": [r[2] for r in rows],
            "layer": [r[3] for r in rows],
            "geometry_source": [r[4] for r in rows],
            "schematic": [r[5] for r in rows],
            "accuracy_m": [100, 300, 2000, 800, 150, 3000],
            "plan_land_km2": [None, 5.0, None, None, None, None],
            "plan_quote_zh": [LONG_TEXT, "金融片区", "", "湿地", "轨道", "双创"],
        },
        geometry=geoms,
        crs="EPSG:4543",
    )
    return gdf.to_crs("EPSG:4326")
