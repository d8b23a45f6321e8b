"""Exports for briefings: printed maps, data layers and tables, offline and in Chinese.

- :mod:`geo.export.maps`: :func:`~geo.export.maps.render_map`, a print-ready PNG or PDF
  in EPSG:4543 with title, legend, scale bar, north arrow and provenance notes, drawn
  on a :mod:`~geo.export.sheet` with :mod:`~geo.export.furniture`;
- :mod:`geo.export.layers`: GeoJSON, GeoPackage, zipped Shapefile and KML;
- :mod:`geo.export.tables`: area and overlap tables as CSV (UTF-8 with BOM) and XLSX;
- :mod:`geo.export.presets`: named map views from ``config/export_presets.toml``;
- :mod:`geo.export.provenance`: the fingerprint that lets a figure be regenerated;
- :mod:`geo.export.fonts`: the bundled CJK font (no system fonts needed);
- :mod:`geo.export.cli`: ``python -m geo export map|layer|table``.

Like the rest of ``geo/``, nothing here imports Streamlit or Folium (the interactive
HTML export lives in ``layers/export_html.py``).
"""
