"""Streamlit custom components of the app (each a folder with its own frontend)."""
