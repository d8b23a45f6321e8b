"""Computation and I/O for the planning map of Chenggong.

Pure functions on GeoDataFrames: areas on the CGCS2000 ellipsoid, overlaps,
validation and file I/O. Nothing here imports Streamlit or Folium.

Importing ``geo`` locks GDAL down first (:mod:`geo.gdal`): only the drivers the app
needs stay registered and GDAL has no network, so no file's content can make it read
other files or fetch URLs.
"""

from geo.gdal import lock_down as _lock_down

_lock_down()

__version__ = "0.1.0"
