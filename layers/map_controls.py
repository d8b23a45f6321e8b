"""The plan map's own controls and scripts, as folium elements.

- :class:`MetricScale`: a scale bar in metres and kilometres only (no miles or feet).
- :class:`MapNotice`: a message box on the map (a basemap that needs a key, or that
  cannot be reached).
- :class:`TileFallback`: watches the basemap's tiles in the browser; when none loads
  (failed requests, or no answer at all within :data:`TILE_TIMEOUT_MS`) it removes the
  tile layers, so the map shows no tiles instead of grey squares, and shows its notice.
- :class:`MapLabels`: zone names at district zoom and street names along the streets,
  placed in the browser with collision avoidance (bigger zones first, then streets; a
  label that would overlap one already placed, the legend or a control is hidden), plus
  the legend's tier checkboxes (1 / 3 / N, core / development / linkage) that show and
  hide the features of one tier and their labels (remembered in the tab's
  ``sessionStorage``, so a tier stays off when the app draws the map again).

Every text reaches the page escaped (labels as escaped HTML, notices as ``textContent``).
The page element that holds the map gets ``data-cg-*`` attributes with the state these
scripts reached, for tests that wait on it (``data-cg-labels-placed``: how many times
the labels were placed; ``data-cg-labels-fonts``: whether the fonts had loaded then).
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

import folium
from branca.element import MacroElement
from jinja2 import Template

TILE_TIMEOUT_MS: Final = 12_000
"""A basemap none of whose requested tiles loaded within this time is unreachable."""
TILE_ERRORS_BEFORE_FALLBACK: Final = 3
"""Failed tiles (with none loaded) after which the basemap is unreachable."""


class MetricScale(MacroElement):
    """Leaflet's scale bar in metric units only."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        L.control.scale({metric: true, imperial: false, maxWidth: 120})
          .addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._name = "MetricScale"


class MapNotice(MacroElement):
    """A notice at the bottom left of the map: ``text`` (plain text), shown at once
    when ``visible``, else hidden until a script (:class:`TileFallback`) shows it."""

    _template = Template(
        """
        {% macro header(this, kwargs) %}
        <style>
          .cg-notice { background: rgba(255,248,225,0.95); border: 1px solid #c9a227;
            border-radius: 4px; padding: 5px 8px; max-width: 320px;
            font: 12px/1.35 {{ this.stack }}; color: #5d4200; }
        </style>
        {% endmacro %}
        {% macro script(this, kwargs) %}
        (function (map) {
          var box = L.DomUtil.create("div", "cg-notice");
          box.id = {{ this.dom_id|tojson }};
          box.textContent = {{ this.text|tojson }};
          box.style.display = {{ "''" if this.visible else "'none'" }};
          var control = L.control({position: "bottomleft"});
          control.onAdd = function () { return box; };
          control.addTo(map);
        })({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, text: str, *, dom_id: str, visible: bool, font_stack: str) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._name = "MapNotice"
        self.stack = font_stack
        self.text = text
        self.dom_id = dom_id
        self.visible = visible


class TileFallback(MacroElement):
    """Drops the map's tile layers when none of their tiles loads and shows the notice
    ``notice_id``; the map container's ``data-cg-basemap`` says ``loading``, ``ok`` or
    ``unreachable``."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function (map, layers) {
          var c = map.getContainer(), loaded = 0, failed = 0, started = 0, done = false;
          c.dataset.cgBasemap = "loading";
          function fallBack() {
            if (done || loaded > 0) { return; }
            done = true;
            layers.forEach(function (l) { map.removeLayer(l); });
            c.dataset.cgBasemap = "unreachable";
            var box = document.getElementById({{ this.notice_id|tojson }});
            if (box) { box.style.display = ""; }
          }
          layers.forEach(function (l) {
            l.on("tileloadstart", function () {
              started += 1;
              if (started === 1) { setTimeout(fallBack, {{ this.timeout_ms }}); }
            });
            l.on("tileload", function () {
              loaded += 1;
              if (!done) { c.dataset.cgBasemap = "ok"; }
            });
            l.on("tileerror", function () {
              failed += 1;
              if (loaded === 0 && failed >= {{ this.errors }}) { fallBack(); }
            });
          });
        })({{ this._parent.get_name() }}, [{{ this.layer_names|join(", ") }}]);
        {% endmacro %}
        """
    )

    def __init__(self, tile_layers: Sequence[folium.TileLayer], *, notice_id: str) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._name = "TileFallback"
        self.layer_names = [layer.get_name() for layer in tile_layers]
        self.notice_id = notice_id
        self.timeout_ms = TILE_TIMEOUT_MS
        self.errors = TILE_ERRORS_BEFORE_FALLBACK


@dataclass(frozen=True)
class Label:
    """One label to place: on a zone (``kind='zone'``, ``bounds`` its extent) or along
    a street (``kind='street'``, ``along`` two points either side of ``lat, lon`` that
    give the direction). ``text`` is plain text; it is escaped here."""

    group: folium.FeatureGroup
    layer_id: str
    kind: str
    lat: float
    lon: float
    text: str
    tier: str | None = None
    bounds: tuple[float, float, float, float] | None = None  # minx, miny, maxx, maxy
    along: tuple[tuple[float, float], tuple[float, float]] | None = None  # (lat, lon) x 2


class MapLabels(MacroElement):
    """Labels with collision avoidance and the legend's tier checkboxes; see the module
    docstring. ``layers`` maps a layer id to its feature group (for the tier toggles)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function (map, groups, geojsons, items) {
          var c = map.getContainer(), hidden = {};
          items.forEach(function (it) {
            var icon = L.divIcon({className: "cg-label-icon", iconSize: [0, 0],
                                  html: '<div class="cg-label cg-label-' + it.kind + '"></div>'});
            it.marker = L.marker([it.lat, it.lon], {icon: icon, interactive: false,
                                                     keyboard: false});
            it.marker.addTo(groups[it.group]);
            var el = it.marker.getElement();
            // hidden until placed, so no frame shows labels on top of each other
            if (el) { el.firstChild.innerHTML = it.html; el.style.display = "none"; }
          });
          function px(ll) { return map.latLngToContainerPoint(L.latLng(ll[0], ll[1])); }
          function size(it) {
            if (!it.b) { return 0; }
            var p = px([it.b[1], it.b[0]]), q = px([it.b[3], it.b[2]]);
            return Math.abs(q.x - p.x) * Math.abs(q.y - p.y);
          }
          function key(layer, tier) { return layer + "|" + tier; }
          function place() {
            // the legend and the map's controls count as placed: no label under them
            var taken = Array.from(document.querySelectorAll(".cg-legend, .leaflet-control"))
              .map(function (e) { return e.getBoundingClientRect(); })
              .filter(function (r) { return r.width > 0 && r.height > 0; });
            var shown = 0, order = items.slice();
            order.forEach(function (it) { it.rank = (it.kind === "zone" ? 1e12 : 0) + size(it); });
            order.sort(function (a, b) { return b.rank - a.rank; });
            order.forEach(function (it) {
              var el = it.marker.getElement();
              if (!el) { return; }
              var inner = el.firstChild;
              if (!inner.innerHTML) { inner.innerHTML = it.html; }
              el.style.display = "";
              var off = it.tier !== null && hidden[key(it.layer, it.tier)];
              if (!off && it.kind === "zone" && it.b) {
                var p = px([it.b[1], it.b[0]]), q = px([it.b[3], it.b[2]]);
                off = Math.max(Math.abs(q.x - p.x), Math.abs(q.y - p.y)) < {{ this.min_zone_px }};
              }
              if (!off && it.kind === "street") {
                var a = px(it.a), b = px(it.z), dx = b.x - a.x, dy = b.y - a.y;
                var angle = Math.atan2(dy, dx) * 180 / Math.PI;
                if (angle > 90) { angle -= 180; } else if (angle < -90) { angle += 180; }
                inner.style.transform = "translate(-50%, -50%) rotate(" + angle.toFixed(1) + "deg)";
                // the street must be longer on screen than its name
                var length = Math.sqrt(dx * dx + dy * dy) / {{ this.along_share }};
                off = length < inner.offsetWidth + 16;
              }
              if (!off) {
                var r = inner.getBoundingClientRect(), pad = 2;
                off = taken.some(function (t) {
                  return r.left < t.right + pad && r.right + pad > t.left &&
                         r.top < t.bottom + pad && r.bottom + pad > t.top;
                });
                if (!off) { taken.push(r); shown += 1; }
              }
              el.style.display = off ? "none" : "";
            });
            c.dataset.cgLabelsShown = String(shown);
            c.dataset.cgLabelsFonts = document.fonts ? document.fonts.status : "loaded";
            c.dataset.cgLabelsPlaced = String((Number(c.dataset.cgLabelsPlaced) || 0) + 1);
          }
          // Tiers ticked off stay off when the page draws the map again (the app rebuilds
          // it when another layer is switched): remembered for this browser tab.
          var STORE = "cg-hidden-tiers";
          function remembered() {
            try { return JSON.parse(sessionStorage.getItem(STORE) || "{}"); }
            catch (e) { return {}; }
          }
          function remember() {
            try {
              var all = remembered();
              Object.keys(hidden).forEach(function (k) {
                if (hidden[k]) { all[k] = true; } else { delete all[k]; }
              });
              sessionStorage.setItem(STORE, JSON.stringify(all));
            } catch (e) { /* no storage (privacy mode): the toggles still work */ }
          }
          function apply(box) {
            var layer = box.dataset.layer, tier = box.dataset.tier, geo = geojsons[layer];
            hidden[key(layer, tier)] = !box.checked;
            if (geo) {
              geo.cgAll = geo.cgAll || geo.getLayers();
              geo.cgAll.forEach(function (l) {
                if (String(l.feature.properties.tier) !== tier) { return; }
                if (box.checked) { geo.addLayer(l); } else { geo.removeLayer(l); }
              });
            }
          }
          var before = remembered();
          document.querySelectorAll("input.cg-tier").forEach(function (box) {
            if (before[key(box.dataset.layer, box.dataset.tier)]) {
              box.checked = false;
              apply(box);
            }
            box.addEventListener("change", function () { apply(box); remember(); later(); });
          });
          var pending = null;
          function later() {  // once per frame, after the browser has laid out the change
            if (pending !== null) { cancelAnimationFrame(pending); }
            pending = requestAnimationFrame(function () { pending = null; place(); });
          }
          map.on("zoomend moveend resize overlayadd overlayremove layeradd", function (e) {
            if (e.type === "layeradd" && !(e.layer instanceof L.FeatureGroup)) { return; }
            later();
          });
          map.whenReady(later);
          var legend = document.getElementById("cg-legend");  // opened or folded: re-place
          if (legend) { legend.addEventListener("toggle", later); }
          if (document.fonts) {  // a web font that arrives later changes the labels' size
            document.fonts.ready.then(later);
            document.fonts.addEventListener("loadingdone", later);
          }
        })({{ this._parent.get_name() }},
           { {%- for name in this.group_names %}
             {{ name|tojson }}: {{ name }}{{ ", " if not loop.last }}
           {%- endfor %} },
           { {%- for lid, name in this.geojson_names %}
             {{ lid|tojson }}: {{ name }}{{ ", " if not loop.last }}
           {%- endfor %} },
           {{ this.items|tojson }});
        {% endmacro %}
        """
    )

    def __init__(
        self,
        labels: Sequence[Label],
        *,
        geojsons: dict[str, folium.GeoJson],
        min_zone_px: int = 14,
        along_share: float = 0.1,
    ) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._name = "MapLabels"
        self.group_names = sorted({label.group.get_name() for label in labels})
        self.geojson_names = sorted((lid, g.get_name()) for lid, g in geojsons.items())
        self.min_zone_px = int(min_zone_px)
        self.along_share = float(along_share)
        self.items: list[dict[str, Any]] = [_item(label) for label in labels]


def _item(label: Label) -> dict[str, Any]:
    a, z = label.along or ((label.lat, label.lon), (label.lat, label.lon))
    return {
        "group": label.group.get_name(),
        "layer": label.layer_id,
        "kind": label.kind,
        "lat": round(label.lat, 6),
        "lon": round(label.lon, 6),
        "html": html.escape(label.text),
        "tier": label.tier,
        "b": [round(v, 6) for v in label.bounds] if label.bounds else None,
        "a": [round(a[0], 6), round(a[1], 6)],
        "z": [round(z[0], 6), round(z[1], 6)],
    }
