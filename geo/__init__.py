"""Computation and I/O for the planning map of Chenggong.

Pure functions on GeoDataFrames: areas on the CGCS2000 ellipsoid, overlaps,
validation and file I/O. Nothing here imports Streamlit or Folium.
"""

__version__ = "0.1.0"
