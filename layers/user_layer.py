"""A folium layer for a user's uploaded layer, its attributes shown as text only.

Attribute names and values come from the user's file and are untrusted. folium's own
``GeoJsonTooltip``/``GeoJsonPopup`` build an HTML string from them and assign it to
``innerHTML`` (folium 0.20, ``GeoJsonDetail.base_template``), so a value such as
``<img src=x onerror=alert(1)>`` would run. This module therefore:

- sends every value as a JSON string under neutral keys (``f0``, ``f1``, …) and the
  attribute names once, as a JSON list; folium's ``tojson`` writes ``<``, ``>``, ``&``
  and ``'`` as ``\\u003c``-style escapes, so nothing in the page source is markup;
- builds the tooltip and popup with DOM calls that set ``textContent`` (:class:`TextDetails`);
- escapes the layer name with :func:`html.escape`, because Leaflet's layer control
  inserts layer names as HTML.

To keep the page small whatever the upload holds, coordinates are rounded
(``config/upload.toml``: 6 decimals ≈ 0.1 m); layers with many features, or with more
than :data:`geo.display.MAX_DISPLAY_VERTICES` vertices in all (one 1M-vertex polygon is
enough), are simplified for display only (:func:`display_geometries`:
:func:`shapely.coverage_simplify` keeps a tiling of parcels gap-free); attribute values
are cut to :data:`MAX_VALUE_CHARS` characters, fewer when many features and fields
would exceed :data:`MAX_TEXT_CHARS` in all, and at most :data:`MAX_FIELDS` attributes are
sent. Figures must always be computed from the full data, never from this layer.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

import folium
import geopandas as gpd
import numpy as np
import shapely
from branca.element import MacroElement
from folium.elements import JSCSSMixin
from folium.template import Template

from geo.display import (
    DISPLAY_TEXT_CHARS,
    MAX_DISPLAY_VERTICES,
    simplify_within_budget,
    vertex_count,
)
from geo.measure.crs import GK_CM102, STORAGE_CRS, require_crs
from geo.upload.settings import UploadSettings, default_settings
from layers.offline import STREAMLIT_VENDOR_URL

MAX_VALUE_CHARS: Final = DISPLAY_TEXT_CHARS
"""Longer attribute values (and names) are cut (with "…") in tooltips and popups."""
MIN_VALUE_CHARS: Final = 20
"""Values are never cut shorter than this, however many there are."""
MAX_TEXT_CHARS: Final = 400_000
"""Attribute text sent with one layer, in all: values are cut shorter to stay within it."""
MAX_FIELDS: Final = 50
"""The popup shows the first this many attributes (the data keep all of them)."""
TOOLTIP_FIELDS: Final = 8
"""The tooltip shows the first this many attributes; the popup up to :data:`MAX_FIELDS`."""


class TextDetails(MacroElement):
    """Tooltip or popup of a :class:`folium.GeoJson` that shows attributes as plain text.

    ``labels`` are the attribute names shown, ``keys`` the property keys holding their
    values. The content is a table built with ``textContent``: no string from the data
    is ever parsed as HTML.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
            const labels = {{ this.labels|tojson }};
            const keys = {{ this.keys|tojson }};
            function content(layer) {
                const table = document.createElement("table");
                table.className = "user-layer-details";
                const props = (layer.feature && layer.feature.properties) || {};
                keys.forEach(function (key, i) {
                    const row = table.insertRow();
                    const th = document.createElement("th");
                    th.textContent = labels[i];
                    th.style.textAlign = "left";
                    th.style.paddingRight = "6px";
                    row.appendChild(th);
                    const value = props[key];
                    row.insertCell().textContent = value == null ? "" : String(value);
                });
                return table;
            }
            {{ this._parent.get_name() }}.{{ this.method }}(content, {{ this.options|tojson }});
        })();
        {% endmacro %}
        """
    )

    def __init__(
        self,
        *,
        labels: Sequence[str],
        keys: Sequence[str],
        kind: str = "tooltip",
        options: dict[str, Any] | None = None,
    ) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        if kind not in ("tooltip", "popup"):
            raise ValueError(f"kind must be 'tooltip' or 'popup', not {kind!r}")
        if len(labels) != len(keys):
            raise ValueError("labels and keys must have the same length")
        self._name = "TextDetails"
        self.labels = [str(label) for label in labels]
        self.keys = [str(key) for key in keys]
        self.method = "bindTooltip" if kind == "tooltip" else "bindPopup"
        self.options = options or ({"sticky": True} if kind == "tooltip" else {"maxWidth": 420})


def _text(value: Any, limit: int = MAX_VALUE_CHARS) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    text = str(value)
    return text if len(text) <= limit else text[:limit] + "…"


def field_count(features: int) -> int:
    """How many attributes are sent by default for a layer of ``features`` features:
    :data:`MAX_FIELDS`, fewer (down to :data:`TOOLTIP_FIELDS`) for many features."""
    fit = MAX_TEXT_CHARS // max(1, features * MIN_VALUE_CHARS)
    return max(TOOLTIP_FIELDS, min(MAX_FIELDS, fit))


def value_chars(features: int, fields: int) -> int:
    """How many characters of each attribute value are sent for a layer this size."""
    per_value = MAX_TEXT_CHARS // max(1, features * fields)
    return max(MIN_VALUE_CHARS, min(MAX_VALUE_CHARS, per_value))


def display_geometries(
    gdf: gpd.GeoDataFrame,
    *,
    settings: UploadSettings | None = None,
    max_vertices: int = MAX_DISPLAY_VERTICES,
) -> tuple[gpd.GeoSeries, bool]:
    """The geometries to draw (EPSG:4326), and whether they were simplified.

    Layers with more than ``simplify_above_features`` features, or with more than
    ``max_vertices`` vertices in all, are simplified by ``simplify_tolerance_m`` metres in
    EPSG:4543, and by a growing tolerance while still over ``max_vertices``: polygons
    that form a valid coverage (no overlaps) with :func:`shapely.coverage_simplify`, so
    shared edges stay shared and no gaps open; otherwise each geometry with
    topology-preserving simplification. Points are unchanged. Coordinates are rounded to
    ``coordinate_decimals``.
    """
    settings = settings or default_settings()
    require_crs(gdf, name="user layer")
    geoms = gdf.geometry.to_crs(STORAGE_CRS)
    many = len(gdf) > settings.simplify_above_features
    simplified = many or vertex_count(geoms.array) > max_vertices
    if simplified:
        shown, _ = simplify_within_budget(
            np.asarray(geoms.to_crs(GK_CM102).array, dtype=object),
            tolerance_m=settings.simplify_tolerance_m,
            max_vertices=max_vertices,
            always=True,
        )
        geoms = gpd.GeoSeries(shown, index=gdf.index, crs=GK_CM102).to_crs(STORAGE_CRS)
    decimals = settings.coordinate_decimals
    rounded = shapely.transform(np.asarray(geoms.array), lambda c: np.round(c, decimals))
    return gpd.GeoSeries(rounded, index=gdf.index, crs=STORAGE_CRS), simplified


def user_layer(
    gdf: gpd.GeoDataFrame,
    *,
    name: str,
    color: str = "#d62728",
    fields: Sequence[str] | None = None,
    show: bool = True,
    settings: UploadSettings | None = None,
) -> folium.GeoJson:
    """A folium layer for an uploaded layer (any CRS; drawn in EPSG:4326).

    ``fields`` chooses the attributes shown (default: the first :data:`MAX_FIELDS`, in
    column order); the tooltip shows the first :data:`TOOLTIP_FIELDS`, the popup all
    chosen, as text cut to :func:`value_chars` characters. ``name`` appears in the layer
    control, escaped.
    """
    features = layer_features(gdf, fields=fields, settings=settings)
    return user_layer_from(features, name=name, color=color, show=show)


@dataclass(frozen=True)
class LayerFeatures:
    """What :func:`user_layer` sends of a layer: its display GeoJSON (values as text
    under the keys ``f0``, ``f1``, …) and the attribute names shown. Made once per layer
    version by a caller that draws the same layer on every rerun (5,000 parcels: 0.5
    CPU-s); read-only."""

    data: dict[str, Any]
    labels: list[str]
    keys: list[str]


def layer_features(
    gdf: gpd.GeoDataFrame,
    *,
    fields: Sequence[str] | None = None,
    settings: UploadSettings | None = None,
) -> LayerFeatures:
    """The display features of ``gdf`` for :func:`user_layer_from` (see :func:`user_layer`)."""
    columns = [c for c in gdf.columns if c != gdf.geometry.name]
    chosen = list(columns[: field_count(len(gdf))] if fields is None else fields)
    unknown = [f for f in chosen if f not in columns]
    if unknown:
        raise KeyError(f"no attribute(s) {unknown}; the layer has {columns}")
    keys = [f"f{i}" for i in range(len(chosen))]
    geometry, _simplified = display_geometries(gdf, settings=settings)
    limit = value_chars(len(gdf), len(chosen))
    table = {
        key: [_text(v, limit) for v in gdf[col].tolist()]
        for key, col in zip(keys, chosen, strict=True)
    }
    frame = gpd.GeoDataFrame(table, geometry=geometry.array, crs=STORAGE_CRS)
    present = frame.geometry.notna() & ~frame.geometry.is_empty
    data = frame[present].__geo_interface__
    data.pop("bbox", None)
    for k, feature in enumerate(data["features"]):
        feature.pop("bbox", None)
        # Positions as ids (not the frame's labels): folium then finds its identifier
        # without adding one, so the features are never changed once made.
        feature["id"] = str(k)
    return LayerFeatures(data=data, labels=[_text(c) for c in chosen], keys=keys)


def user_layer_from(
    features: LayerFeatures, *, name: str, color: str = "#d62728", show: bool = True
) -> folium.GeoJson:
    """The folium layer of :func:`user_layer` from its :func:`layer_features`."""
    style = {"color": color, "weight": 2, "fillColor": color, "fillOpacity": 0.15}
    layer = folium.GeoJson(
        features.data,
        name=html.escape(_text(name)),
        show=show,
        style_function=lambda _feature: style,
        highlight_function=lambda _feature: {"weight": 4, "fillOpacity": 0.3},
        marker=folium.CircleMarker(radius=5, color=color, fill=True, fill_opacity=0.6),
    )
    if features.keys:
        labels, keys, tip = features.labels, features.keys, TOOLTIP_FIELDS
        layer.add_child(TextDetails(labels=labels[:tip], keys=keys[:tip], kind="tooltip"))
        layer.add_child(TextDetails(labels=labels, keys=keys, kind="popup"))
    return layer


VECTORGRID_JS: Final = (
    f"{STREAMLIT_VENDOR_URL}/leaflet.vectorgrid-1.3.0/Leaflet.VectorGrid.bundled.min.js"
)
"""Leaflet.VectorGrid, vendored (``static/vendor/README.md``)."""
MAX_MAP_ZOOM: Final = 20
"""Tiles are drawn (scaled up from their deepest zoom) up to this zoom."""


class TiledUserLayer(JSCSSMixin, MacroElement):
    """A saved user layer drawn from its vector tiles (``geo/store/tiles.py``) with
    Leaflet.VectorGrid, as SVG paths, from ``min_zoom``; deeper than ``max_zoom`` the
    deepest tiles are scaled up. No tile is asked for outside ``bounds`` (west, south,
    east, north in degrees).

    The tiles hold geometry and a numeric id only. The hover tooltip says the layer's
    name (``textContent``: never HTML) and ``"{feature_label} #{id}"``. Each drawn
    feature also carries ``"{feature_label} #{id}"`` as its own (never opened) tooltip,
    which streamlit-folium sends back as ``last_object_clicked_tooltip`` on a click; the
    app looks the feature up by that id (:func:`geo.store.tiles.tile_id`);
    ``feature_label`` must be plain text of ours (streamlit-folium parses it as HTML).
    The clicked feature is outlined. If ``overview`` is given (a layer in the same
    feature group, e.g. grid cells), it is shown only below ``min_zoom``.
    """

    default_js = [("leaflet_vectorgrid", VECTORGRID_JS)]  # noqa: RUF012 - folium API
    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
            const group = {{ this._parent.get_name() }};
            // streamlit-folium may run this before the plugin's <script> has loaded: load
            // it (once per page) and draw when it is there.
            if (!L.vectorGrid) {
                window.planmapVectorGrid = window.planmapVectorGrid || new Promise(
                    function (resolve, reject) {
                        const script = document.createElement("script");
                        script.src = {{ this.script_url|tojson }};
                        script.onload = resolve;
                        script.onerror = reject;
                        document.head.appendChild(script);
                    });
                window.planmapVectorGrid.then(draw);
            } else {
                draw();
            }
            function draw() {
            const name = {{ this.layer_name|tojson }};
            const label = {{ this.feature_label|tojson }};
            const style = {{ this.style|tojson }};
            const chosen = {{ this.chosen_style|tojson }};
            const PANE = "planmapUserTiles";
            const tiles = L.vectorGrid.protobuf({{ this.url|tojson }}, {
                vectorTileLayerStyles: {{ '{' }}{{ this.source_layer|tojson }}: style{{ '}' }},
                interactive: true,
                getFeatureId: function (f) { return f.id; },
                minZoom: {{ this.min_zoom }},
                maxNativeZoom: {{ this.max_zoom }},
                maxZoom: {{ this.max_map_zoom }},
                bounds: L.latLngBounds({{ this.bounds|tojson }}),
                pane: PANE,
            });
            // Above the plan's zones (overlayPane, z-index 400), so a click reaches the
            // parcel rather than the zone under it; below tooltips and popups.
            tiles.beforeAdd = function (map) {
                if (!map.getPane(PANE)) { map.createPane(PANE).style.zIndex = 450; }
            };
            // Each drawn feature keeps its id, and carries it as its tooltip text:
            // streamlit-folium sends a clicked layer's tooltip text back (it parses it as
            // HTML, so the text is only our label and a number, never the user's data).
            const create = tiles._createLayer;
            tiles._createLayer = function (feat, pxPerExtent) {
                const drawn = create.call(this, feat, pxPerExtent);
                drawn.featureId = feat.id;
                // Not bound (no hover handlers on a feature Leaflet never adds to the map).
                drawn._tooltip = L.tooltip().setContent(label + " #" + feat.id);
                // streamlit-folium calls toGeoJSON() on a clicked layer; a tile feature
                // has no lat/lng rings of Leaflet's own, so it answers with its id only.
                drawn.toGeoJSON = function () {
                    return {type: "Feature", properties: {tile_id: feat.id}, geometry: null};
                };
                return drawn;
            };
            // What is shown on hover: the layer's name and the id, as text.
            const hover = L.tooltip({sticky: true});
            tiles.on("mouseover", function (e) {
                const box = document.createElement("div");
                const title = document.createElement("div");
                title.textContent = name;
                const id = document.createElement("div");
                id.textContent = label + " #" + (e.layer && e.layer.featureId);
                box.appendChild(title);
                box.appendChild(id);
                hover.setContent(box).setLatLng(e.latlng);
                tiles._map.openTooltip(hover);
            });
            tiles.on("mousemove", function (e) { hover.setLatLng(e.latlng); });
            tiles.on("mouseout", function () {
                if (tiles._map) { tiles._map.closeTooltip(hover); }
            });
            let selected = null;
            tiles.on("click", function (e) {
                const id = e.layer && e.layer.featureId;
                if (id == null) { return; }
                if (selected !== null) { tiles.resetFeatureStyle(selected); }
                selected = id;
                tiles.setFeatureStyle(id, chosen);
            });
            {% if this.overview %}
            const overview = {{ this.overview.get_name() }};
            let shownOn = null;
            function showOverview() {
                if (!shownOn) { return; }
                const wanted = shownOn.getZoom() < {{ this.min_zoom }};
                if (wanted && !group.hasLayer(overview)) { group.addLayer(overview); }
                if (!wanted && group.hasLayer(overview)) { group.removeLayer(overview); }
            }
            tiles.on("add", function () {
                shownOn = tiles._map;
                shownOn.on("zoomend", showOverview);
                showOverview();
            });
            tiles.on("remove", function () {
                if (shownOn) { shownOn.off("zoomend", showOverview); }
                shownOn = null;
            });
            {% endif %}
            window.planmapTiles = window.planmapTiles || {};
            window.planmapTiles[{{ this.layer_key|tojson }}] = tiles;
            tiles.addTo(group);
            }
        })();
        {% endmacro %}
        """
    )

    def __init__(
        self,
        *,
        url: str,
        layer_key: str,
        name: str,
        feature_label: str,
        min_zoom: int,
        max_zoom: int,
        source_layer: str,
        bounds: tuple[float, float, float, float],
        color: str = "#d62728",
        overview: folium.GeoJson | None = None,
    ) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._name = "TiledUserLayer"
        self.url = url
        self.script_url = VECTORGRID_JS
        self.layer_key = layer_key
        self.layer_name = _text(name)
        self.feature_label = feature_label
        self.min_zoom = int(min_zoom)
        self.max_zoom = int(max_zoom)
        self.max_map_zoom = MAX_MAP_ZOOM
        self.source_layer = source_layer
        west, south, east, north = bounds
        self.bounds = [[south, west], [north, east]]
        self.style = {
            "color": color,
            "weight": 1,
            "fill": True,
            "fillColor": color,
            "fillOpacity": 0.15,
            "radius": 4,
        }
        self.chosen_style = {**self.style, "weight": 4, "fillOpacity": 0.4, "color": "#ff7f0e"}
        self.overview = overview
