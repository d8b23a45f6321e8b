"""Smallest Streamlit page that draws a folium map through st_folium, offline.

One GeoJSON polygon (a 0.1 x 0.05 degree box near Chenggong, WGS-84 / EPSG:4326) with a
tooltip and a plain Leaflet marker, inside a FeatureGroup, plus a LayerControl, on a map
with no tiles. Used by
tests/browser/test_offline_map.py. The static/ folder beside this file is a symlink to
the repository's static/, because Streamlit serves static files from next to the script.
"""

from __future__ import annotations

import folium
import streamlit as st
from streamlit_folium import st_folium

from layers.offline import use_local_assets

POLYGON = {
    "type": "FeatureCollection",
    "features": [
        {
            "type": "Feature",
            "properties": {"name": "测试区 test zone", "zone_id": "T-1"},
            "geometry": {
                "type": "Polygon",
                "coordinates": [
                    [
                        [102.80, 24.85],
                        [102.90, 24.85],
                        [102.90, 24.90],
                        [102.80, 24.90],
                        [102.80, 24.85],
                    ]
                ],
            },
        }
    ],
}

st.title("offline map test")
m = folium.Map(location=[24.875, 102.85], zoom_start=12, tiles=None)
group = folium.FeatureGroup(name="zones")
folium.GeoJson(
    POLYGON,
    name="test zone",
    style_function=lambda _feature: {"color": "#c0392b", "fillColor": "#e74c3c", "weight": 3},
    tooltip=folium.GeoJsonTooltip(fields=["name", "zone_id"]),
).add_to(group)
folium.Marker([24.875, 102.85], tooltip="marker").add_to(group)
group.add_to(m)
folium.LayerControl().add_to(m)
use_local_assets(m)
st_folium(m, height=500, width=700, returned_objects=[], key="map")
