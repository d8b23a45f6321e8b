// The plan editor: a Streamlit component (the plain-JS protocol, no build step) around a
// Leaflet map with Leaflet-Geoman. Python (ui/components/plan_editor/__init__.py) sends
// the element to edit, the zones and streets to snap to, the texts (config/i18n.toml) and
// the statutory figures of the last shape it received; this page sends back the edited
// polygons as GeoJSON (EPSG:4326) after each create / edit / cut / remove, debounced, and
// never on panning or zooming. Everything shown that comes from the data (names) is set
// as text, never as HTML.
(function () {
  "use strict";

  const SEND_DELAY_MS = 350; // one value per burst of edits
  const EARTH_RADIUS_M = 6378137; // sphere of the approximate area (CGCS2000 semi-major axis)
  const RAD = Math.PI / 180;

  let map = null;
  let editGroup = null;
  let contextGroup = null;
  let shownKey = null;
  let texts = {};
  let sendTimer = null;
  let seq = 0;
  let working = null; // the layer being drawn, for the live area
  let bounds = null; // where the map opens: the element, or the district
  let fittedSize = 0; // the frame's height the view was fitted to
  let replacedToken = null; // the last replacement of the drawing the server sent

  function post(type, data) {
    window.parent.postMessage(Object.assign({ isStreamlitMessage: true, type: type }, data), "*");
  }

  // --- the approximate area: spherical excess of each ring (the formula of
  // L.GeometryUtil.geodesicArea), holes subtracted; the statutory figure is the server's.
  function ringArea(ring) {
    let sum = 0;
    for (let i = 0; i < ring.length; i++) {
      const p1 = ring[i];
      const p2 = ring[(i + 1) % ring.length];
      sum += (p2.lng - p1.lng) * RAD * (2 + Math.sin(p1.lat * RAD) + Math.sin(p2.lat * RAD));
    }
    return Math.abs((sum * EARTH_RADIUS_M * EARTH_RADIUS_M) / 2);
  }

  function isLatLng(v) {
    return v && typeof v.lat === "number" && typeof v.lng === "number";
  }

  function latlngsArea(latlngs) {
    if (!latlngs || !latlngs.length) return 0;
    if (isLatLng(latlngs[0])) return latlngs.length >= 3 ? ringArea(latlngs) : 0;
    if (isLatLng(latlngs[0][0])) {
      // [outer, hole, ...]
      let area = latlngsArea(latlngs[0]);
      for (let k = 1; k < latlngs.length; k++) area -= latlngsArea(latlngs[k]);
      return Math.max(area, 0);
    }
    return latlngs.reduce((total, polygon) => total + latlngsArea(polygon), 0);
  }

  function groupArea() {
    let area = 0;
    editGroup.eachLayer((layer) => {
      if (layer instanceof L.Polygon) area += latlngsArea(layer.getLatLngs());
    });
    return area;
  }

  function figures(areaM2) {
    const fmt = (v) => v.toLocaleString("en-US", { maximumSignificantDigits: 3 });
    return (texts.approx || "")
      .replace("{km2}", fmt(areaM2 / 1e6))
      .replace("{ha}", fmt(areaM2 / 1e4))
      .replace("{mu}", fmt(areaM2 / (1e4 / 15)));
  }

  function showApprox(areaM2) {
    document.getElementById("approx").textContent = areaM2 > 0 ? figures(areaM2) : "";
    document.getElementById("note").textContent = areaM2 > 0 ? texts.approx_note || "" : "";
    toggleBox();
  }

  function toggleBox() {
    const box = document.getElementById("figures");
    const empty = ["approx", "statutory"].every((id) => !document.getElementById(id).textContent);
    box.style.display = empty ? "none" : "block";
  }

  // --- what goes back to Python
  function value() {
    const features = [];
    const lines = [];
    editGroup.eachLayer((layer) => {
      if (layer instanceof L.Polygon) features.push(layer.toGeoJSON(8));
      else if (layer instanceof L.Polyline) lines.push(layer.toGeoJSON(8));
    });
    return {
      seq: seq,
      element: shownKey && shownKey.element,
      geojson: { type: "FeatureCollection", features: features },
      lines: { type: "FeatureCollection", features: lines }, // split lines
      approx_m2: groupArea(),
    };
  }

  function changed() {
    // Numbered now, not when sent: figures for an earlier shape that arrive meanwhile
    // are then not shown as this one's.
    seq += 1;
    showApprox(groupArea());
    document.getElementById("statutory").textContent = texts.sending || "";
    toggleBox();
    clearTimeout(sendTimer);
    sendTimer = setTimeout(() => post("streamlit:setComponentValue", {
      value: value(), dataType: "json",
    }), SEND_DELAY_MS);
  }

  function editable(layer) {
    editGroup.addLayer(layer);
    layer.setStyle({ color: "#d9480f", weight: 3, fillOpacity: 0.15, dashArray: null });
    layer.on("pm:edit", changed);
    layer.on("pm:markerdrag", () => showApprox(groupArea()));
    layer.pm.enable({ snappable: true, snapDistance: 15, allowSelfIntersection: true });
  }

  function splitLine(layer) {
    editGroup.addLayer(layer);
    layer.setStyle({ color: "#1c7ed6", weight: 3, dashArray: "8 6" });
    layer.on("pm:edit", changed);
  }

  // The server replaced the drawing (a split piece kept, or two elements merged).
  function replace(replacement) {
    if (!replacement || replacement.token === replacedToken) return;
    replacedToken = replacement.token;
    editGroup.clearLayers();
    L.geoJSON(replacement.geojson, { onEachFeature: (feature, layer) => editable(layer) });
    changed();
  }

  function textTooltip(layer, name) {
    const span = document.createElement("span");
    span.textContent = name; // a plan name is text, never HTML
    layer.bindTooltip(span, { sticky: true });
  }

  function contextStyle(feature) {
    const line = feature.properties.kind === "line";
    return { color: line ? "#555" : "#7a7a7a", weight: line ? 2 : 1.2, fill: !line,
             fillOpacity: 0.04, dashArray: line ? null : "4 3" };
  }

  // Context layers are snapped to (pmIgnore / snapIgnore false) but not changed.
  const SNAP_ONLY = { pmIgnore: false, snapIgnore: false };
  const FIXED = { allowEditing: false, allowRemoval: false, allowCutting: false,
                  allowRotation: false, draggable: false };

  function setup() {
    map = L.map("map", { attributionControl: false, zoomSnap: 0.25 });
    L.control.scale({ imperial: false }).addTo(map);
    contextGroup = L.featureGroup().addTo(map);
    editGroup = L.featureGroup().addTo(map);
    map.pm.setGlobalOptions({ snappable: true, snapDistance: 15, allowSelfIntersection: true,
                              layerGroup: editGroup });
    map.on("pm:create", (e) => {
      if (e.layer instanceof L.Polygon) editable(e.layer);
      else splitLine(e.layer);
      changed();
    });
    map.on("pm:cut", (e) => {
      editGroup.removeLayer(e.originalLayer);
      if (e.layer) editable(e.layer);
      changed();
    });
    map.on("pm:remove", (e) => { editGroup.removeLayer(e.layer); changed(); });
    map.on("pm:rotateend", changed);
    map.on("pm:drawstart", (e) => { working = e.workingLayer; });
    map.on("pm:drawend", () => { working = null; });
    map.on("mousemove", (e) => {
      if (!working || !working.getLatLngs) return;
      const ring = working.getLatLngs().slice();
      if (working instanceof L.Polyline && !(working instanceof L.Polygon)) ring.push(e.latlng);
      showApprox(groupArea() + latlngsArea(ring));
    });
    // The frame gets its height after the first render: fit the view to the real size.
    new ResizeObserver(() => {
      map.invalidateSize();
      const h = map.getSize().y;
      if (h > 0 && fittedSize === 0) { fittedSize = h; fit(); }
    }).observe(document.getElementById("map"));
    window.planEditor = {
      map: map, editGroup: editGroup, contextGroup: contextGroup,
      vertices: () => (working && working.getLatLngs ? working.getLatLngs().length : -1),
    };
  }

  function controls(t) {
    map.pm.setLang("planmap", t.geoman || {}, "en");
    map.pm.addControls({
      position: "topleft", drawMarker: false, drawCircleMarker: false, drawPolyline: true,
      drawCircle: false, drawText: false, drawPolygon: true, drawRectangle: true,
      editMode: true, dragMode: true, cutPolygon: true, removalMode: true, rotateMode: true,
    });
  }

  function fit() {
    if (!bounds) return;
    map.fitBounds([[bounds[0][0], bounds[0][1]], [bounds[1][0], bounds[1][1]]],
                  { padding: [20, 20] });
  }

  function load(payload) {
    // The view first: Leaflet adds a layer (and Geoman can edit it) once the map has one.
    bounds = payload.bounds;
    fit();
    contextGroup.clearLayers();
    editGroup.clearLayers();
    L.geoJSON(payload.context, {
      style: contextStyle,
      onEachFeature: (feature, layer) => {
        Object.assign(layer.options, SNAP_ONLY);
        textTooltip(layer, feature.properties.name);
        contextGroup.addLayer(layer);
        if (layer.pm) layer.pm.setOptions(FIXED);
      },
    });
    L.geoJSON(payload.edit, {
      onEachFeature: (feature, layer) => {
        textTooltip(layer, feature.properties.name);
        editable(layer);
      },
    });
    showApprox(groupArea());
  }

  function render(args) {
    texts = args.texts || {};
    if (!map) {
      setup();
      controls(texts);
    }
    const key = { element: args.payload.element, version: args.version };
    if (!shownKey || shownKey.element !== key.element || shownKey.version !== key.version) {
      shownKey = key;
      load(args.payload);
    }
    replace(args.replace);
    // The server's figures are for the shape it last received: shown once they are for
    // the last shape sent (a rerun for another reason repeats older figures).
    if (!seq || args.statutory_seq === seq) {
      document.getElementById("statutory").textContent = args.statutory || "";
    }
    toggleBox();
    post("streamlit:setFrameHeight", { height: args.height });
  }

  window.addEventListener("message", (event) => {
    if (event.data && event.data.type === "streamlit:render") render(event.data.args);
  });
  post("streamlit:componentReady", { apiVersion: 1 });
})();
