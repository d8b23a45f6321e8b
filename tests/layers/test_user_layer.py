"""layers/user_layer.py: untrusted attribute names and values never become HTML, and the
payload sent to the browser is kept small."""

from __future__ import annotations

import dataclasses
import json
import re

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from geo.upload import default_settings
from layers.offline import use_local_assets
from layers.user_layer import TextDetails, display_geometries, user_layer
from tests.conftest import LON0, X0, Y0, gk_boxes

PAYLOADS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '"><svg onload=alert(1)>',
    "</script><script>alert(2)</script>",
    "'; alert(3); '",
]
RAW_MARKUP = ["<script>alert", "<img src=x", "<svg onload", "</script><script>"]


def _page(layer: folium.GeoJson) -> str:
    m = folium.Map(location=[24.88, LON0], tiles=None)
    layer.add_to(m)
    folium.LayerControl().add_to(m)
    use_local_assets(m, inline=False)
    return str(m.get_root().render())


def _as_js(text: str) -> str:
    """How a string appears in the page after folium's HTML-safe ``tojson``."""
    quoted = json.dumps(text)[1:-1]
    for char, code in (("&", "\\u0026"), ("<", "\\u003c"), (">", "\\u003e"), ("'", "\\u0027")):
        quoted = quoted.replace(char, code)
    return quoted


def _hostile_layer() -> gpd.GeoDataFrame:
    layer = gk_boxes((0, 0, 100, 100), (200, 0, 300, 100), ids=["a", "b"])
    for i, payload in enumerate(PAYLOADS):
        layer[payload] = [payload, f"{payload} 七步场村 {i}"]
    return layer


def test_payloads_in_names_and_values_are_not_markup_in_the_page() -> None:
    page = _page(user_layer(_hostile_layer(), name=PAYLOADS[1]))
    for raw in RAW_MARKUP:
        assert raw not in page, raw
    # The payloads are there, as JSON text with < > & ' escaped, to be shown as text.
    assert _as_js(PAYLOADS[1]) in page
    assert _as_js(f"{PAYLOADS[0]} 七步场村 0") in page
    assert r"\u003cimg src=x onerror=alert(1)\u003e" in page


def test_tooltip_and_popup_set_text_content_never_inner_html() -> None:
    page = _page(user_layer(_hostile_layer(), name="parcels"))
    scripts = re.findall(r"\(function \(\) \{.*?\}\)\(\);", page, flags=re.S)
    details = [s for s in scripts if "const labels" in s]
    assert len(details) == 2  # tooltip and popup
    for script in details:
        assert "textContent" in script
        assert "innerHTML" not in script
    assert ".bindTooltip(content" in page and ".bindPopup(content" in page
    assert "GeoJsonTooltip" not in page and "GeoJsonPopup" not in page


def test_values_reach_the_browser_unchanged_under_neutral_keys() -> None:
    layer = user_layer(_hostile_layer(), name="parcels")
    props = layer.data["features"][1]["properties"]
    assert list(props) == [f"f{i}" for i in range(1 + len(PAYLOADS))]
    assert props["f2"] == f"{PAYLOADS[1]} 七步场村 1"  # raw text: textContent shows it as is
    labels = next(c for c in layer._children.values() if isinstance(c, TextDetails)).labels
    assert labels[:3] == ["id", PAYLOADS[0], PAYLOADS[1]]


def test_layer_name_is_escaped_for_the_layer_control() -> None:
    page = _page(user_layer(gk_boxes((0, 0, 10, 10)), name="<b>地块</b>"))
    assert _as_js("&lt;b&gt;地块&lt;/b&gt;") in page  # shown by Leaflet as <b>地块</b>, text
    assert "<b>" not in page


def test_chosen_fields_and_unknown_ones() -> None:
    layer = user_layer(_hostile_layer(), name="p", fields=["id"])
    assert list(layer.data["features"][0]["properties"]) == ["f0"]
    with pytest.raises(KeyError, match="no attribute"):
        user_layer(_hostile_layer(), name="p", fields=["nope"])


def test_coordinates_are_rounded_to_six_decimals() -> None:
    layer = user_layer(gk_boxes((0, 0, 123.4567, 98.7654)), name="p")
    text = json.dumps(layer.data)
    decimals = [len(n.split(".")[1]) for n in re.findall(r"-?\d+\.\d+", text)]
    assert decimals and max(decimals) <= 6


def _grid(n: int) -> gpd.GeoDataFrame:
    """n x n parcels of 20 m with wiggly shared edges (many vertices), EPSG:4543."""
    cells = []
    for i in range(n):
        for j in range(n):
            cell = shapely.box(X0 + 20 * i, Y0 + 20 * j, X0 + 20 * (i + 1), Y0 + 20 * (j + 1))
            cells.append(shapely.segmentize(cell, 0.5))
    return gpd.GeoDataFrame({"id": range(n * n)}, geometry=cells, crs="EPSG:4543")


def test_large_layers_are_simplified_for_display_without_gaps() -> None:
    settings = dataclasses.replace(default_settings(), simplify_above_features=10)
    grid = _grid(5)
    shown, simplified = display_geometries(grid, settings=settings)
    assert simplified
    _full, not_simplified = display_geometries(grid.iloc[:10], settings=settings)
    assert not not_simplified
    vertices = shapely.get_num_coordinates(shown.array).sum()
    assert vertices < shapely.get_num_coordinates(grid.geometry.array).sum() / 5
    # The tiling stays a tiling: no gaps, no overlaps (checked in metres).
    back = shown.to_crs("EPSG:4543")
    union = shapely.union_all(back.array)
    assert shapely.area(union) == pytest.approx(100 * 100, rel=1e-3)
    assert back.area.sum() == pytest.approx(shapely.area(union), rel=1e-6)
    # The data themselves are untouched.
    assert shapely.get_num_coordinates(grid.geometry.array).sum() > vertices


def test_points_and_lines_are_drawn() -> None:
    layer = gpd.GeoDataFrame(
        {"n": ["p", "l"]},
        geometry=[shapely.Point(LON0, 24.88), shapely.LineString([(LON0, 24.88), (LON0, 24.89)])],
        crs="EPSG:4326",
    )
    page = _page(user_layer(layer, name="mixed"))
    assert "circleMarker" in page or "CircleMarker" in page


def _dense_disc(vertices: int, radius_m: float = 2000.0) -> gpd.GeoDataFrame:
    """One disc of ``radius_m`` metres at Chenggong drawn with ``vertices`` vertices."""
    angles = np.linspace(0.0, 2 * np.pi, vertices, endpoint=False)
    ring = np.column_stack([X0 + radius_m * np.cos(angles), Y0 + radius_m * np.sin(angles)])
    disc = shapely.Polygon(ring)
    frame = gpd.GeoDataFrame({"name": ["圆"]}, geometry=[disc], crs="EPSG:4543")
    return frame.to_crs("EPSG:4326")


def test_one_dense_polygon_is_bounded_for_display_and_figures_use_the_full_data() -> None:
    from geo.measure.area import ellipsoidal_area_m2

    full = _dense_disc(200_000)
    layer = user_layer(full, name="圆")
    payload = json.dumps(layer.data)
    assert len(payload.encode("utf-8")) < 2_000_000, len(payload)
    shown = shapely.from_geojson(json.dumps(layer.data["features"][0]["geometry"]))
    assert 100 < shapely.get_num_coordinates(shown) < 50_000
    # Still the disc, to well under a pixel at the zoom that shows it whole.
    area_shown = ellipsoidal_area_m2(gpd.GeoDataFrame(geometry=[shown], crs="EPSG:4326"))
    assert area_shown.iloc[0] == pytest.approx(np.pi * 2000.0**2, rel=2e-3)
    # The data are untouched: every vertex is there and the area is the disc's.
    assert shapely.get_num_coordinates(full.geometry.iloc[0]) == 200_001
    assert ellipsoidal_area_m2(full).iloc[0] == pytest.approx(np.pi * 2000.0**2, rel=1e-3)


def test_many_dense_features_are_bounded_too() -> None:
    discs = pd.concat([_dense_disc(4_000, radius_m=100.0 + i) for i in range(60)])
    assert len(discs) < default_settings().simplify_above_features
    layer = user_layer(discs, name="discs")
    assert len(json.dumps(layer.data).encode("utf-8")) < 2_000_000


def test_huge_attribute_values_and_names_are_cut_for_the_page() -> None:
    layer = gk_boxes((0, 0, 100, 100), (200, 0, 300, 100))
    huge = "地" * 1_000_000
    layer["note"] = [huge, "短"]
    layer["长" * 1_000] = ["x", "y"]
    folium_layer = user_layer(layer, name="名" * 1_000)
    props = folium_layer.data["features"][0]["properties"]
    assert props["f1"] == "地" * 200 + "…"
    assert folium_layer.data["features"][1]["properties"]["f1"] == "短"
    labels = next(c for c in folium_layer._children.values() if isinstance(c, TextDetails)).labels
    assert labels[2] == "长" * 200 + "…"
    assert len(_page(folium_layer)) < 100_000
    assert layer["note"].iloc[0] == huge, "the data keep the full value"


def test_many_features_and_fields_stay_within_the_text_budget() -> None:
    n = 4_000
    layer = gk_boxes(*[(i * 20.0, 0, i * 20.0 + 10, 10) for i in range(n)])
    for k in range(60):
        layer[f"field_{k}"] = ["字" * 300] * n
    folium_layer = user_layer(layer, name="many")
    text = sum(len(v) for f in folium_layer.data["features"] for v in f["properties"].values())
    assert text <= 1_000_000
    first = folium_layer.data["features"][0]["properties"]
    assert len(first) >= 8, "the tooltip's fields are always sent"
