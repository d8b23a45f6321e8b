"""Streamlit pieces of the app that would make ``streamlit_app.py`` too long to read.

Only widgets and wiring live here: data and figures come from ``geo/``, map objects
from ``layers/``.
"""
