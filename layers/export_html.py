"""A standalone interactive HTML map that opens offline, e.g. from an e-mail attachment.

The map is the app's own (:func:`layers.plan_map.plan_map`: registry styles, dashed
sketches, labels, legend) with every Leaflet/jQuery asset inlined as ``data:`` URIs
(:func:`layers.offline.use_local_assets` with ``inline=True``), a font subset holding
the page's own characters and no tile layer, so the single file needs neither a
server, nor the internet, nor a Chinese system font. Tooltips carry the figures: the
ellipsoidal area (CGCS2000) in km², 公顷 and 亩, the estimated accuracy and the
geometry's source. A header states the title, the date, the data fingerprint and that
positions of dashed features are indicative.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Final

import folium
import geopandas as gpd
import pandas as pd
from branca.element import Element, Figure

from geo.declared.i18n import Message, t
from geo.declared.registry import Registry, load_registry
from geo.errors import GeometryError
from geo.export.provenance import Fingerprint, fingerprint, today_in_china
from geo.io import atomic_write
from geo.measure.area import ellipsoidal_area_m2
from geo.measure.crs import STORAGE_CRS, require_crs
from geo.measure.precision import NOT_MEASURED, area_displays
from geo.plan.views import features_payload
from layers.offline import page_characters, page_font_data_uri
from layers.plan_map import FONT_STACK, DrawLayer, Legend, plan_map

FIGURE_FIELDS: Final = ("area", "accuracy", "source")
"""Tooltip fields the standalone map adds to every feature (see :func:`feature_figures`)."""
AREA_UNITS: Final = ("km2", "ha", "mu")

_NOTE = {
    "zh": "虚线要素为示意或推导的几何，非测量成果。离线文件，无底图。",
    "en": "Dashed features are sketched or derived, not surveyed. Offline file, no basemap.",
}


def _header(title: str, *, lang: str, fp: Fingerprint) -> str:
    date = today_in_china().isoformat()
    line = f"{date} · sha256:{fp.short} · {_NOTE[lang]}"
    if fp.plan_revision:  # the store's plan version the map was drawn from
        line = f"{date} · {fp.plan_revision} · sha256:{fp.short} · {_NOTE[lang]}"
    return (
        '<div style="position:absolute;z-index:1000;left:50px;top:10px;max-width:70%;'
        "background:rgba(255,255,255,0.92);padding:6px 10px;border-radius:4px;"
        "box-shadow:0 1px 4px rgba(0,0,0,0.3);"
        f'font:13px/1.4 {html.escape(FONT_STACK, quote=True)}">'
        f'<b style="font-size:16px">{html.escape(title)}</b><br>'
        f'<span style="color:#444;font-size:11px">{html.escape(line)}</span></div>'
    )


def feature_figures(subset: gpd.GeoDataFrame, *, lang: str) -> list[dict[str, str]]:
    """Per feature of ``subset`` (any CRS, in row order), the tooltip texts of
    :data:`FIGURE_FIELDS`: ellipsoidal area in km² / 公顷 / 亩 ("—" for points and lines),
    estimated accuracy in metres and the geometry's source (with its detail)."""
    areas_m2 = ellipsoidal_area_m2(subset)
    # Rounded to what each feature's accuracy supports, ≈ when schematic (issue 12 §6).
    shown = {u: area_displays(subset, areas_m2, unit=u).tolist() for u in AREA_UNITS}
    out: list[dict[str, str]] = []
    for i, ((_, row), area_m2) in enumerate(zip(subset.iterrows(), areas_m2, strict=True)):
        area = (
            " · ".join(f"{shown[u][i]} {t(f'unit_{u}', lang)}" for u in AREA_UNITS)
            if area_m2 > 0 and shown[AREA_UNITS[0]][i] != NOT_MEASURED
            else "—"
        )
        accuracy = row.get("accuracy_m")
        source = row.get("geometry_source")
        detail = row.get("source_detail")
        source_text = _source_text(source, lang) if _present(source) else "—"
        if _present(detail):
            source_text += f" — {detail}"
        out.append(
            {
                "area": area,
                "accuracy": f"±{float(accuracy):,.0f} {t('metres', lang)}"
                if _present(accuracy)
                else "—",
                "source": source_text,
            }
        )
    return out


def _present(value: Any) -> bool:
    return value is not None and not (isinstance(value, float) and pd.isna(value)) and value != ""


def _source_text(source: Any, lang: str) -> str:
    try:
        return t(f"source_{source}", lang)
    except KeyError:
        return str(source)


def _with_figures(geojson: dict[str, Any], figures: list[dict[str, str]]) -> dict[str, Any]:
    features = geojson.get("features", [])
    if len(features) != len(figures):  # display copy and data no longer row for row
        raise GeometryError("HTML export: the drawn features do not match the data's rows")
    return {
        **geojson,
        "features": [
            {**f, "properties": {**(f.get("properties") or {}), **fig}}
            for f, fig in zip(features, figures, strict=True)
        ],
    }


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
            geojson = _with_figures(geojson, feature_figures(subset, lang=lang))
            drawn.append(DrawLayer(registry.layer(layer_id), geojson, labels))
    if not drawn:
        raise GeometryError(
            "err_none_drawn", what=Message("export_what_html"), layers=", ".join(layers)
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
        tooltip_fields=FIGURE_FIELDS,
    )
    fp = fingerprint(files=files) if files else fingerprint(data=shown)
    root = m.get_root()
    assert isinstance(root, Figure)
    root.html.add_child(Element(_header(title, lang=lang, fp=fp)))
    root.header.add_child(Element(f"<title>{html.escape(title)}</title>"))
    _embed_font(m)
    return m


def _embed_font(m: folium.Map) -> None:
    """Give the page's legend (whose stylesheet declares the web font) a subset of the
    bundled font that holds every character the page shows."""
    legend = next(c for c in m._children.values() if isinstance(c, Legend))
    page = m.get_root().render()
    legend.font_url = page_font_data_uri(page_characters(page))
    legend.font_format = "woff"


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
