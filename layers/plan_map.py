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
import shapely.geometry
from branca.element import MacroElement
from folium.plugins import Fullscreen
from jinja2 import Template

from geo.declared.basemaps import CGCS2000_LEVEL_OFFSET, Basemap
from geo.declared.i18n import t
from geo.declared.registry import LayerSpec, Registry
from layers.map_controls import Label, MapLabels, MapNotice, MetricScale, TileFallback
from layers.offline import use_local_assets, web_font_url

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


POINT_RADIUS_PX: Final = 7
"""Point zones are circles of this radius in their layer's (tier's) colour, as in the legend."""


def _style_for(spec: LayerSpec, feature: dict[str, Any]) -> dict[str, Any]:
    style = feature_style(spec, feature["properties"])
    if (feature.get("geometry") or {}).get("type") in ("Point", "MultiPoint"):
        style |= {"radius": POINT_RADIUS_PX, "fillOpacity": 0.8, "weight": 2}
    return style


def plan_feature_group(
    layer: DrawLayer,
    *,
    lang: str,
    show: bool = True,
    tooltip_fields: Sequence[str] = (),
) -> folium.FeatureGroup:
    """A FeatureGroup holding one layer's features with tooltips (the spec's fields and
    ``tooltip_fields``, those the features have). Point features are circles in the
    layer's colours, never default pins. Labels are added by :class:`MapLabels`."""
    spec = layer.spec
    group = folium.FeatureGroup(name=spec.name(lang), show=show)
    if not layer.geojson.get("features"):
        return group
    present = layer.geojson["features"][0]["properties"]
    wanted = [*spec.tooltip, *(f for f in tooltip_fields if f not in spec.tooltip)]
    fields = [f for f in wanted if f in present]
    aliases = [html.escape(_field_alias(f, lang)) for f in fields]
    folium.GeoJson(
        _escaped_for_tooltip(layer.geojson, fields),
        name=spec.name(lang),
        style_function=lambda feature: _style_for(spec, feature),
        highlight_function=_highlight,
        tooltip=folium.GeoJsonTooltip(fields=fields, aliases=aliases, sticky=True),
        marker=folium.CircleMarker(radius=POINT_RADIUS_PX),
        smooth_factor=1.0,
    ).add_to(group)
    return group


def _geojson_child(group: folium.FeatureGroup) -> folium.GeoJson | None:
    return next((c for c in group._children.values() if isinstance(c, folium.GeoJson)), None)


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


_FIELD_TEXT: Final = {
    "id": "id",
    "layer": "layer",
    "area": "area_ellipsoidal",
    "accuracy": "accuracy",
    "source": "geometry_source",
}
"""Tooltip fields whose alias is an interface text (config/i18n.toml)."""


def _field_alias(field: str, lang: str) -> str:
    known = _FIELD_TEXT
    if field in ("name_zh", "name_en"):
        return "名称" if field == "name_zh" else "Name"
    if field == "tier":
        return "层级" if lang == "zh" else "Tier"
    return t(known.get(field, field), lang) if field in known else field


WEB_FONT_FAMILY: Final = "Noto Sans SC Web"
"""The bundled web font (static/fonts, see layers/offline.py), first in every font stack."""
FONT_STACK: Final = (
    f'"{WEB_FONT_FAMILY}", "Noto Sans SC", "Noto Sans CJK SC", "Microsoft YaHei", '
    '"PingFang SC", sans-serif'
)


LEGEND_FOLD_BELOW_PX: Final = 720
"""A map narrower than this starts with its legend folded (a click on 图例 opens it), so
the legend does not hide a third of the map."""


class Legend(MacroElement):
    """An always-visible legend (layer colours, dashed = schematic, tier checkboxes) and
    a provenance note, folded to its title on a narrow map; its stylesheet also styles
    the labels and declares the web font at ``font_url`` (none: the system's fonts)."""

    _template = Template(
        """
        {% macro header(this, kwargs) %}
        <style>
          {%- if this.font_url %}
          @font-face { font-family: "{{ this.family }}"; font-display: swap;
            src: url("{{ this.font_url }}") format("{{ this.font_format }}"); }
          .leaflet-container { font-family: {{ this.stack }}; }
          {%- endif %}
          .cg-legend { position: absolute; z-index: 1000; right: 10px; top: 10px;
            background: rgba(255,255,255,0.92); padding: 6px 9px; border-radius: 4px;
            font: 11px/1.3 {{ this.stack }};
            box-shadow: 0 1px 4px rgba(0,0,0,0.3); max-width: 210px;
            max-height: 70%; overflow-y: auto; }
          .cg-legend b { display: block; margin-bottom: 3px; }
          .cg-legend .row { display: flex; align-items: center; gap: 6px; margin: 2px 0; }
          .cg-legend .sw { width: 18px; height: 11px; border: 2px solid; flex: none; }
          .cg-legend .dot { width: 11px; height: 11px; border-radius: 50%; }
          .cg-legend label.row { cursor: pointer; }
          .cg-legend input.cg-tier { margin: 0; flex: none; }
          .cg-legend .note { margin-top: 4px; color: #444; font-size: 11px; }
          .cg-label { display: inline-block; white-space: nowrap; font: 600 12px {{ this.stack }};
            color: #222;
            text-shadow: 0 0 3px #fff, 0 0 3px #fff, 0 0 2px #fff;
            transform: translate(-50%, -50%); pointer-events: none; }
          .cg-label-street { font: 500 11px {{ this.stack }}; color: #4d5656;
            font-style: italic; }
          .cg-legend summary { font-weight: 600; cursor: pointer; }
          .leaflet-interactive:focus { outline: none; }
        </style>
        {% endmacro %}
        {% macro html(this, kwargs) %}
        <details class="cg-legend" id="cg-legend" open>{{ this.body }}</details>
        {% endmacro %}
        {% macro script(this, kwargs) %}
        (function (map) {  // a narrow map starts with the legend folded to its title
          var legend = document.getElementById("cg-legend");
          if (legend && map.getSize().x < {{ this.fold_below_px }}) { legend.open = false; }
        })({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, body_html: str, *, font_url: str | None = None) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._name = "Legend"
        self.body = body_html
        self.font_url = font_url
        self.font_format = "woff" if font_url and "font/woff;" in font_url else "woff2"
        self.family = WEB_FONT_FAMILY
        self.stack = FONT_STACK
        self.fold_below_px = LEGEND_FOLD_BELOW_PX


def legend_html(specs: Sequence[LayerSpec], *, lang: str, points: Iterable[str] = ()) -> str:
    """The legend's inner HTML. All text is escaped. Layers coloured by tier get a
    checkbox per tier (``input.cg-tier``, wired by :class:`MapLabels`); the layers in
    ``points`` (ids) show a circle beside the square, as their point zones are drawn."""
    with_points = set(points)
    rows = [f"<summary>{html.escape(t('legend', lang))}</summary>"]
    for spec in specs:
        dot = spec.id in with_points
        if spec.color_by and spec.colors:
            rows.append(f'<div class="row"><i>{html.escape(spec.name(lang))}</i></div>')
            hint = html.escape(t("legend_tier_toggle", lang), quote=True)
            for value, colour in spec.colors.items():
                rows.append(
                    f'<label class="row" title="{hint}"><input type="checkbox" class="cg-tier" '
                    f'data-layer="{html.escape(spec.id, quote=True)}" '
                    f'data-tier="{html.escape(value, quote=True)}" checked>'
                    f"{_swatch(colour, colour, spec.fill_opacity, dot=dot)}"
                    f"{html.escape(_tier_label(value, lang))}</label>"
                )
            continue
        rows.append(
            f'<div class="row">{_swatch(spec.color, spec.fill, spec.fill_opacity, dot=dot)}'
            f"{html.escape(spec.name(lang))}</div>"
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


def _swatch(stroke: str, fill: str, fill_opacity: float, *, dot: bool) -> str:
    square = (
        f'<span class="sw" style="border-color:{stroke};'
        f'background:{_rgba(fill, max(fill_opacity, 0.15))}"></span>'
    )
    if not dot:
        return square
    return square + f'<span class="sw dot" style="border-color:{stroke};background:{fill}"></span>'


def _tier_label(value: str, lang: str) -> str:
    try:
        return t(f"tier_{value}", lang)
    except KeyError:
        return value


def _rgba(hex_colour: str, alpha: float) -> str:
    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha:.2f})"


def zoom_for_bounds(
    bounds: tuple[float, float, float, float],
    *,
    width_px: int = 900,
    height_px: int = 640,
    tile_grid: str = "web_mercator",
) -> tuple[tuple[float, float], int]:
    """Centre (lat, lon) and a Leaflet zoom level that shows ``bounds`` (minx, miny,
    maxx, maxy in degrees) in a map of the given size, on the basemap's ``tile_grid``
    (a ``cgcs2000`` map is plate carrée: zoom 0 is 512 × 256 px for 360° × 180°)."""
    minx, miny, maxx, maxy = bounds
    centre = ((miny + maxy) / 2, (minx + maxx) / 2)

    def merc_y(lat: float) -> float:
        s = math.sin(math.radians(max(min(lat, 85.0), -85.0)))
        return math.log((1 + s) / (1 - s)) / (4 * math.pi)

    if tile_grid == "cgcs2000":  # world share per 256 px tile at zoom 0: 180° both ways
        span_x = max((maxx - minx) / 180.0, 1e-9)
        span_y = max((maxy - miny) / 180.0, 1e-9)
    else:
        span_x = max((maxx - minx) / 360.0, 1e-9)
        span_y = max(abs(merc_y(maxy) - merc_y(miny)), 1e-9)
    zoom = min(math.log2(width_px / 256 / span_x), math.log2(height_px / 256 / span_y))
    return centre, int(max(1, min(18, math.floor(zoom))))


BASEMAP_NOTICE_ID: Final = "cg-basemap-notice"
"""DOM id of the notice that says a basemap needs a key or cannot be reached."""
_MAX_ZOOM: Final = 18


def base_map(
    *,
    basemap: Basemap | None,
    token: str | None = None,
    bounds: tuple[float, float, float, float] | None = None,
    lang: str = "zh",
) -> folium.Map:
    """An empty map with the chosen basemap (or none), a metric scale bar and fitted
    bounds.

    A basemap whose token is missing draws no tiles and says how to enable it. An
    online basemap is watched in the browser: if none of its tiles loads, the tiles
    are dropped and the map says the basemap cannot be reached from this computer.
    A ``cgcs2000`` tile grid (Tianditu ``c``) puts the map in Leaflet's plate carrée
    CRS, with matrix level = zoom + 1.
    """
    missing = basemap is not None and basemap.token_env is not None and not token
    drawn = basemap if basemap is not None and basemap.url and not missing else None
    geographic = drawn is not None and drawn.tile_grid == "cgcs2000"
    m = folium.Map(
        location=CHENGGONG_CENTRE,
        zoom_start=11,
        tiles=None,
        control_scale=False,
        prefer_canvas=False,
        crs="EPSG4326" if geographic else "EPSG3857",
    )
    MetricScale().add_to(m)
    if basemap is not None and missing:
        MapNotice(
            basemap.how_to_enable(lang),
            dom_id=BASEMAP_NOTICE_ID,
            visible=True,
            font_stack=FONT_STACK,
        ).add_to(m)
    if drawn is not None:
        grid: dict[str, Any] = (
            {"zoom_offset": CGCS2000_LEVEL_OFFSET, "max_native_zoom": _MAX_ZOOM - 1}
            if geographic
            else {}
        )
        base_url, overlay_url = drawn.tiles(token)
        tiles = [
            folium.TileLayer(
                tiles=url,
                attr=drawn.attribution or drawn.name_en,
                name=drawn.name_en if i == 0 else f"{drawn.name_en} (labels)",
                subdomains=drawn.subdomains,
                max_zoom=_MAX_ZOOM,
                overlay=i > 0,
                control=False,
                **grid,
            )
            for i, url in enumerate(u for u in (base_url, overlay_url) if u)
        ]
        for tile_layer in tiles:
            tile_layer.add_to(m)
        MapNotice(
            t("basemap_unreachable", lang),
            dom_id=BASEMAP_NOTICE_ID,
            visible=False,
            font_stack=FONT_STACK,
        ).add_to(m)
        TileFallback(tiles, notice_id=BASEMAP_NOTICE_ID).add_to(m)
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
    tooltip_fields: Sequence[str] = (),
) -> folium.Map:
    """The whole plan map: basemap, the given layers in draw order, labels, legend,
    web font, offline assets.

    ``layers`` are drawn in registry order (low ``order`` first, i.e. underneath).
    Labels: zone names (layers with ``label``) and street names along lines, placed in
    the browser so that none overlaps another. ``tooltip_fields`` are shown in the
    tooltips too where the features have them (the HTML export's figures). Assets are
    served locally (``static_base_url``) or inlined for a standalone file.
    """
    m = base_map(basemap=basemap, token=token, bounds=bounds, lang=lang)
    ordered = sorted(layers, key=lambda d: d.spec.order)
    labels: list[Label] = []
    geojsons: dict[str, folium.GeoJson] = {}
    for layer in ordered:
        group = plan_feature_group(layer, lang=lang, tooltip_fields=tooltip_fields)
        group.add_to(m)
        child = _geojson_child(group)
        if child is not None:
            geojsons[layer.spec.id] = child
        labels += layer_labels(layer, group=group, lang=lang)
    points = [d.spec.id for d in ordered if _has_points(d.geojson)]
    font_url = web_font_url(static_base_url, inline=inline_assets)
    Legend(
        legend_html([d.spec for d in ordered], lang=lang, points=points), font_url=font_url
    ).add_to(m)
    MapLabels(labels, geojsons=geojsons).add_to(m)
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


def _has_points(geojson: dict[str, Any]) -> bool:
    return any(
        (f.get("geometry") or {}).get("type") in ("Point", "MultiPoint")
        for f in geojson.get("features", [])
    )


def layer_labels(layer: DrawLayer, *, group: folium.FeatureGroup, lang: str) -> list[Label]:
    """The labels of one layer (none unless its spec says ``label``): its zones' label
    points, each with its zone's extent and tier, and its named lines along the line."""
    spec = layer.spec
    if not spec.label:
        return []
    features = layer.geojson.get("features", [])
    areal = [f for f in features if (f.get("geometry") or {}).get("type") in _AREAL]
    out: list[Label] = []
    same_order = len(areal) == len(layer.label_points)
    for i, (lat, lon, name_zh, name_en) in enumerate(layer.label_points):
        props = areal[i].get("properties") or {} if same_order else {}
        tier = props.get(spec.color_by) if spec.color_by else None
        out.append(
            Label(
                group=group,
                layer_id=spec.id,
                kind="zone",
                lat=lat,
                lon=lon,
                text=short_name(name_zh if lang == "zh" else name_en),
                tier=None if tier is None else str(tier),
                bounds=_bounds(areal[i]["geometry"]) if same_order else None,
            )
        )
    for feature in features:
        geometry = feature.get("geometry") or {}
        if geometry.get("type") not in ("LineString", "MultiLineString"):
            continue
        props = feature.get("properties") or {}
        name = props.get("name_zh" if lang == "zh" else "name_en")
        if not name:
            continue
        mid, a, z = _along(geometry)
        out.append(
            Label(
                group=group,
                layer_id=spec.id,
                kind="street",
                lat=mid[0],
                lon=mid[1],
                text=short_name(str(name)),
                along=(a, z),
            )
        )
    return out


_AREAL: Final = ("Polygon", "MultiPolygon")


def short_name(name: str) -> str:
    """A name without its parenthesised note, for a label ("彩云路（…）" -> "彩云路");
    the tooltip keeps the whole name."""
    for opening in ("（", " ("):
        if opening in name and not name.startswith(opening.strip()):
            return name.split(opening, 1)[0].strip()
    return name


def _bounds(geometry: dict[str, Any]) -> tuple[float, float, float, float]:
    minx, miny, maxx, maxy = shapely.geometry.shape(geometry).bounds
    return float(minx), float(miny), float(maxx), float(maxy)


def _along(
    geometry: dict[str, Any],
) -> tuple[tuple[float, float], tuple[float, float], tuple[float, float]]:
    """The middle of a line's longest part and two points either side of it (at 45 %
    and 55 % of the part's length), as (lat, lon): where and in which direction to
    write its name. Lengths in degrees only pick points, they measure nothing."""
    shape = shapely.geometry.shape(geometry)
    parts = list(getattr(shape, "geoms", [shape]))
    line = max(parts, key=lambda p: p.length)

    def at(share: float) -> tuple[float, float]:
        point = line.interpolate(share, normalized=True)
        return float(point.y), float(point.x)

    return at(0.5), at(0.45), at(0.55)


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
