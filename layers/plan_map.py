"""The plan's layers as a Folium map: styles, tooltips, labels, legend and notes.

Styles come from the layer registry (``config/layers.toml``). Any feature whose
geometry is not a public boundary is drawn with a dashed outline, so no one mistakes a
sketch for a survey; the legend and a note on the map say so.
"""

from __future__ import annotations

import html
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Final

import folium
from branca.element import MacroElement
from folium.plugins import Fullscreen
from jinja2 import Template

from geo.declared.basemaps import Basemap
from geo.declared.i18n import t
from geo.declared.registry import LayerSpec, Registry
from layers.offline import use_local_assets

SCHEMATIC_DASH: Final = "6 5"
CHENGGONG_CENTRE: Final = (24.87, 102.85)  # lat, lon


@dataclass(frozen=True)
class DrawLayer:
    """One registry layer ready to draw: its spec and a small GeoJSON FeatureCollection
    (display copy: simplified, rounded). Features need ``id``, ``name_zh``, ``name_en``
    and ``schematic`` properties, plus the spec's tooltip fields."""

    spec: LayerSpec
    geojson: dict[str, Any]
    label_points: tuple[tuple[float, float, str, str], ...] = ()  # lat, lon, zh, en


def feature_style(spec: LayerSpec, properties: dict[str, Any]) -> dict[str, Any]:
    """Leaflet path options for one feature of ``spec``'s layer."""
    stroke, fill = spec.colour_for(properties.get(spec.color_by) if spec.color_by else None)
    style: dict[str, Any] = {
        "color": stroke,
        "weight": spec.weight,
        "fillColor": fill,
        "fillOpacity": spec.fill_opacity,
        "opacity": 0.9,
    }
    # Only public boundary data is drawn solid; anything inferred, sketched or sized to
    # a figure is dashed, whatever else the feature says about itself.
    if properties.get("geometry_source") != "public_boundary":
        style["dashArray"] = SCHEMATIC_DASH
    return style


def _highlight(_feature: dict[str, Any]) -> dict[str, Any]:
    return {"weight": 4, "fillOpacity": 0.55}


def plan_feature_group(layer: DrawLayer, *, lang: str, show: bool = True) -> folium.FeatureGroup:
    """A FeatureGroup holding one layer's features (with tooltips) and its labels."""
    spec = layer.spec
    group = folium.FeatureGroup(name=spec.name(lang), show=show)
    if not layer.geojson.get("features"):
        return group
    fields = [f for f in spec.tooltip if f in layer.geojson["features"][0]["properties"]]
    aliases = [html.escape(_field_alias(f, lang)) for f in fields]
    folium.GeoJson(
        _escaped_for_tooltip(layer.geojson, fields),
        name=spec.name(lang),
        style_function=lambda feature: feature_style(spec, feature["properties"]),
        highlight_function=_highlight,
        tooltip=folium.GeoJsonTooltip(fields=fields, aliases=aliases, sticky=True),
        smooth_factor=1.0,
    ).add_to(group)
    for lat, lon, name_zh, name_en in layer.label_points if spec.label else ():
        text = html.escape(name_zh if lang == "zh" else name_en)
        folium.Marker(
            location=(lat, lon),
            icon=folium.DivIcon(
                html=f'<div class="cg-label">{text}</div>',
                icon_size=(0, 0),
                icon_anchor=(0, 0),
                class_name="cg-label-icon",
            ),
            interactive=False,
        ).add_to(group)
    return group


def _escaped_for_tooltip(geojson: dict[str, Any], fields: Sequence[str]) -> dict[str, Any]:
    """A copy of ``geojson`` whose text in the tooltip ``fields`` is HTML-escaped.

    folium's ``GeoJsonTooltip`` (0.20) puts property values into ``innerHTML`` as they
    are, so a zone named ``<img src=x onerror=...>`` would become an element and run.
    Escaped, the browser shows the text itself. Only the tooltip's fields are touched
    (the styles read ``geometry_source`` and ``tier``, declared slugs that escaping
    leaves as they are); the input is not modified.
    """
    features = []
    for feature in geojson.get("features", []):
        props = dict(feature.get("properties") or {})
        for name in fields:
            if isinstance(props.get(name), str):
                props[name] = html.escape(props[name])
        features.append({**feature, "properties": props})
    return {**geojson, "features": features}


def _field_alias(field: str, lang: str) -> str:
    known = {"id": "id", "layer": "layer"}
    if field in ("name_zh", "name_en"):
        return "名称" if field == "name_zh" else "Name"
    if field == "tier":
        return "层级" if lang == "zh" else "Tier"
    return t(known.get(field, field), lang) if field in known else field


class Legend(MacroElement):
    """An always-visible legend (layer colours, dashed = schematic) and a provenance note."""

    _template = Template(
        """
        {% macro header(this, kwargs) %}
        <style>
          .cg-legend { position: absolute; z-index: 1000; right: 10px; top: 10px;
            background: rgba(255,255,255,0.92); padding: 6px 9px; border-radius: 4px;
            font: 11px/1.3 "Noto Sans CJK SC", "Microsoft YaHei", "PingFang SC", sans-serif;
            box-shadow: 0 1px 4px rgba(0,0,0,0.3); max-width: 210px;
            max-height: 70%; overflow-y: auto; }
          .cg-legend b { display: block; margin-bottom: 3px; }
          .cg-legend .row { display: flex; align-items: center; gap: 6px; margin: 2px 0; }
          .cg-legend .sw { width: 18px; height: 11px; border: 2px solid; flex: none; }
          .cg-legend .note { margin-top: 4px; color: #444; font-size: 11px; }
          .cg-label { white-space: nowrap; font: 600 12px "Noto Sans CJK SC", "Microsoft YaHei",
            sans-serif; color: #222; text-shadow: 0 0 3px #fff, 0 0 3px #fff, 0 0 2px #fff;
            transform: translate(-50%, -50%); pointer-events: none; }
          .cg-labels-off .cg-label { display: none; }
          .cg-legend summary { font-weight: 600; cursor: pointer; }
          .leaflet-interactive:focus { outline: none; }
        </style>
        {% endmacro %}
        {% macro html(this, kwargs) %}
        <details class="cg-legend" id="cg-legend" open>{{ this.body }}</details>
        {% endmacro %}
        """
    )

    def __init__(self, body_html: str) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._name = "Legend"
        self.body = body_html


class LabelZoom(MacroElement):
    """Hides feature labels below a zoom level, so the overview is not a pile of text."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function (map) {
          function update() {
            var c = map.getContainer();
            if (map.getZoom() < {{ this.min_zoom }}) { c.classList.add("cg-labels-off"); }
            else { c.classList.remove("cg-labels-off"); }
          }
          map.on("zoomend", update);
          map.whenReady(update);
        })({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, min_zoom: int) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._name = "LabelZoom"
        self.min_zoom = int(min_zoom)


def legend_html(specs: Sequence[LayerSpec], *, lang: str) -> str:
    """The legend's inner HTML. All text is escaped."""
    rows = [f"<summary>{html.escape(t('legend', lang))}</summary>"]
    for spec in specs:
        entries: Iterable[tuple[str, str, str]]
        if spec.color_by and spec.colors:
            rows.append(f'<div class="row"><i>{html.escape(spec.name(lang))}</i></div>')
            entries = [(_tier_label(k, lang), c, c) for k, c in spec.colors.items()]
        else:
            entries = [(spec.name(lang), spec.color, spec.fill)]
        for label, stroke, fill in entries:
            rows.append(
                f'<div class="row"><span class="sw" style="border-color:{stroke};'
                f'background:{_rgba(fill, max(spec.fill_opacity, 0.15))}"></span>'
                f"{html.escape(label)}</div>"
            )
    rows.append(
        '<div class="row"><span class="sw" style="border:2px dashed #333"></span>'
        f"{html.escape(t('legend_schematic', lang))}</div>"
    )
    rows.append(
        '<div class="row"><span class="sw" style="border:2px solid #333"></span>'
        f"{html.escape(t('legend_boundary', lang))}</div>"
    )
    rows.append(f'<div class="note">{html.escape(t("schematic_note", lang))}</div>')
    return "\n".join(rows)


def _tier_label(value: str, lang: str) -> str:
    try:
        return t(f"tier_{value}", lang)
    except KeyError:
        return value


def _rgba(hex_colour: str, alpha: float) -> str:
    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha:.2f})"


def zoom_for_bounds(
    bounds: tuple[float, float, float, float], *, width_px: int = 900, height_px: int = 640
) -> tuple[tuple[float, float], int]:
    """Centre (lat, lon) and a Web-map zoom level that shows ``bounds`` (minx, miny,
    maxx, maxy in degrees) in a map of the given size."""
    minx, miny, maxx, maxy = bounds
    centre = ((miny + maxy) / 2, (minx + maxx) / 2)

    def merc_y(lat: float) -> float:
        s = math.sin(math.radians(max(min(lat, 85.0), -85.0)))
        return math.log((1 + s) / (1 - s)) / (4 * math.pi)

    span_x = max((maxx - minx) / 360.0, 1e-9)
    span_y = max(abs(merc_y(maxy) - merc_y(miny)), 1e-9)
    zoom = min(math.log2(width_px / 256 / span_x), math.log2(height_px / 256 / span_y))
    return centre, int(max(1, min(18, math.floor(zoom))))


def base_map(
    *,
    basemap: Basemap | None,
    token: str | None = None,
    bounds: tuple[float, float, float, float] | None = None,
) -> folium.Map:
    """An empty map with the chosen basemap (or none), a scale bar and fitted bounds."""
    m = folium.Map(
        location=CHENGGONG_CENTRE,
        zoom_start=11,
        tiles=None,
        control_scale=True,
        prefer_canvas=False,
    )
    if basemap is not None and basemap.url:
        base_url, overlay_url = basemap.tiles(token)
        folium.TileLayer(
            tiles=base_url,
            attr=basemap.attribution or basemap.name_en,
            name=basemap.name_en,
            subdomains=basemap.subdomains,
            max_zoom=18,
            overlay=False,
            control=False,
        ).add_to(m)
        if overlay_url:
            folium.TileLayer(
                tiles=overlay_url,
                attr=basemap.attribution,
                subdomains=basemap.subdomains,
                overlay=True,
                control=False,
            ).add_to(m)
    if bounds is not None:
        minx, miny, maxx, maxy = bounds
        m.fit_bounds([[miny, minx], [maxy, maxx]], padding=(12, 12))
    return m


def plan_map(
    layers: Sequence[DrawLayer],
    *,
    registry: Registry,
    lang: str,
    basemap: Basemap | None,
    token: str | None = None,
    bounds: tuple[float, float, float, float] | None = None,
    static_base_url: str | None = None,
    inline_assets: bool = False,
    label_min_zoom: int = 13,
) -> folium.Map:
    """The whole plan map: basemap, the given layers in draw order, legend, offline assets.

    ``layers`` are drawn in registry order (low ``order`` first, i.e. underneath).
    Assets are served locally (``static_base_url``) or inlined for a standalone file.
    Labels show from zoom ``label_min_zoom`` on.
    """
    m = base_map(basemap=basemap, token=token, bounds=bounds)
    ordered = sorted(layers, key=lambda d: d.spec.order)
    for layer in ordered:
        plan_feature_group(layer, lang=lang).add_to(m)
    Legend(legend_html([d.spec for d in ordered], lang=lang)).add_to(m)
    LabelZoom(label_min_zoom).add_to(m)
    Fullscreen(  # type: ignore[no-untyped-call]
        position="topleft",
        title="全屏" if lang == "zh" else "Full screen",
        title_cancel="退出全屏" if lang == "zh" else "Exit full screen",
    ).add_to(m)
    kwargs: dict[str, Any] = {"inline": inline_assets}
    if static_base_url is not None:
        kwargs["base_url"] = static_base_url
    use_local_assets(m, **kwargs)
    return m


def highlight_group(
    geojson: dict[str, Any], *, name: str, color: str = "#00e5ff"
) -> folium.FeatureGroup:
    """A FeatureGroup that outlines features (the selected zone, overlap pieces) boldly."""
    group = folium.FeatureGroup(name=name)
    if geojson.get("features"):
        folium.GeoJson(
            geojson,
            style_function=lambda _f: {
                "color": color,
                "weight": 4,
                "fillColor": color,
                "fillOpacity": 0.25,
            },
        ).add_to(group)
    return group
