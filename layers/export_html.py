"""A standalone interactive HTML map that opens offline, e.g. from an e-mail attachment.

The map is the app's own (:func:`layers.plan_map.plan_map`: registry styles, dashed
sketches, tooltips, legend) with every Leaflet/jQuery asset inlined as ``data:`` URIs
(:func:`layers.offline.use_local_assets` with ``inline=True``) and no tile layer, so the
single file needs neither a server nor the internet. A header states the title, the
date, the data fingerprint and that positions of dashed features are indicative.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from pathlib import Path

import folium
import geopandas as gpd
from branca.element import Element, Figure

from geo.declared.registry import Registry, load_registry
from geo.errors import GeometryError
from geo.export.provenance import Fingerprint, fingerprint, today_in_china
from geo.io import atomic_write
from geo.measure.crs import STORAGE_CRS, require_crs
from geo.plan.views import features_payload
from layers.plan_map import DrawLayer, plan_map

_NOTE = {
    "zh": "虚线要素为示意或推导的几何，非测量成果。离线文件，无底图。",
    "en": "Dashed features are sketched or derived, not surveyed. Offline file, no basemap.",
}


def _header(title: str, *, lang: str, fp: Fingerprint) -> str:
    date = today_in_china().isoformat()
    line = f"{date} · sha256:{fp.short} · {_NOTE[lang]}"
    return (
        '<div style="position:absolute;z-index:1000;left:50px;top:10px;max-width:70%;'
        "background:rgba(255,255,255,0.92);padding:6px 10px;border-radius:4px;"
        'box-shadow:0 1px 4px rgba(0,0,0,0.3);font:13px/1.4 sans-serif">'
        f'<b style="font-size:16px">{html.escape(title)}</b><br>'
        f'<span style="color:#444;font-size:11px">{html.escape(line)}</span></div>'
    )


def standalone_map(
    features: gpd.GeoDataFrame,
    *,
    layers: Sequence[str],
    title: str,
    lang: str = "zh",
    registry: Registry | None = None,
    files: Sequence[str | Path] = (),
    zoom_layers: Sequence[str] = (),
) -> folium.Map:
    """The folium map of ``features`` (any CRS, with a ``layer`` column) for ``layers``,
    assets inlined, no tiles, framed on ``zoom_layers`` (default: all drawn layers).
    ``files`` are the data files read, for the fingerprint (else the data is hashed)."""
    require_crs(features, name="HTML export")
    registry = registry or load_registry()
    stored = features.to_crs(STORAGE_CRS)
    drawn: list[DrawLayer] = []
    for layer_id in layers:
        subset = stored[stored["layer"] == layer_id]
        subset = subset[subset.geometry.notna() & ~subset.geometry.is_empty]
        if not subset.empty:
            geojson, labels = features_payload(subset)
            drawn.append(DrawLayer(registry.layer(layer_id), geojson, labels))
    if not drawn:
        raise GeometryError(
            f"HTML export: none of the layers {', '.join(layers)} has features; "
            "choose other layers."
        )
    shown = stored[stored["layer"].isin(list(layers))]
    framed = stored[stored["layer"].isin(list(zoom_layers))] if zoom_layers else shown
    minx, miny, maxx, maxy = (
        float(v) for v in (framed if not framed.empty else shown).total_bounds
    )
    m = plan_map(
        drawn,
        registry=registry,
        lang=lang,
        basemap=None,
        bounds=(minx, miny, maxx, maxy),
        inline_assets=True,
    )
    fp = fingerprint(files=files) if files else fingerprint(data=shown)
    root = m.get_root()
    assert isinstance(root, Figure)
    root.html.add_child(Element(_header(title, lang=lang, fp=fp)))
    root.header.add_child(Element(f"<title>{html.escape(title)}</title>"))
    return m


def standalone_html(
    features: gpd.GeoDataFrame,
    *,
    layers: Sequence[str],
    title: str,
    lang: str = "zh",
    registry: Registry | None = None,
    files: Sequence[str | Path] = (),
    zoom_layers: Sequence[str] = (),
) -> str:
    """The whole HTML page as text (UTF-8); see :func:`standalone_map`."""
    m = standalone_map(
        features,
        layers=layers,
        title=title,
        lang=lang,
        registry=registry,
        files=files,
        zoom_layers=zoom_layers,
    )
    page: str = m.get_root().render()
    return page


def write_html(
    features: gpd.GeoDataFrame,
    path: str | Path,
    *,
    layers: Sequence[str],
    title: str,
    lang: str = "zh",
    registry: Registry | None = None,
    files: Sequence[str | Path] = (),
    zoom_layers: Sequence[str] = (),
) -> Path:
    """Write the standalone HTML map to ``path`` atomically and return the path."""
    target = Path(path)
    page = standalone_html(
        features,
        layers=layers,
        title=title,
        lang=lang,
        registry=registry,
        files=files,
        zoom_layers=zoom_layers,
    )
    with atomic_write(target) as fh:
        fh.write(page)
    return target
