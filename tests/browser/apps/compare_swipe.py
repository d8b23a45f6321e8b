"""A Streamlit page with the compare tab's swipe view of two hand-built plan versions.

Element ``a`` grows eastwards between the versions, ``b`` is removed, ``c`` is added
(boxes near Chenggong, EPSG:4326). Used by tests/browser/test_compare_swipe.py; Streamlit
serves static/ from beside this script (a symlink to the repository's static/).
"""

from __future__ import annotations

import geopandas as gpd
import streamlit as st
from shapely.geometry import box
from streamlit_folium import st_folium

from geo.edit.compare import compare_layers, side_shapes
from layers.compare_map import swipe_map
from layers.offline import use_local_assets

BEFORE = gpd.GeoDataFrame(
    {"id": ["a", "b"], "name_zh": ["甲区", "乙区"], "name_en": ["Zone A", "Zone B"]},
    geometry=[box(102.80, 24.85, 102.85, 24.90), box(102.88, 24.85, 102.92, 24.88)],
    crs="EPSG:4326",
)
AFTER = gpd.GeoDataFrame(
    {"id": ["a", "c"], "name_zh": ["甲区", "丙区"], "name_en": ["Zone A", "Zone C"]},
    geometry=[box(102.80, 24.85, 102.87, 24.90), box(102.80, 24.80, 102.84, 24.83)],
    crs="EPSG:4326",
)

st.title("swipe view test")
comparison = compare_layers(BEFORE, AFTER)
m = swipe_map(
    side_shapes(comparison, "before"),
    side_shapes(comparison, "after"),
    side_labels={"before": "之前 before", "after": "之后 after"},
)
st_folium(
    use_local_assets(m), height=500, use_container_width=True, returned_objects=[], key="swipe"
)
