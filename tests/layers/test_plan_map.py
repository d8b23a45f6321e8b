"""The plan map: styles follow provenance, text is escaped, nothing loads from a CDN."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import folium
import pytest

from geo.declared.basemaps import Basemap, available_basemaps, load_basemaps
from geo.declared.i18n import t
from geo.declared.registry import load_registry
from geo.plan.views import layer_payload
from geo.plan.zones import load_plan_layers
from layers.export_html import write_html
from layers.map_controls import MapLabels, MapNotice, TileFallback
from layers.plan_map import (
    POINT_RADIUS_PX,
    SCHEMATIC_DASH,
    DrawLayer,
    _style_for,
    base_map,
    feature_style,
    legend_html,
    plan_map,
    short_name,
    zoom_for_bounds,
)
from tests.geo.export_sample import sample_features


@pytest.fixture(scope="module")
def zones():  # type: ignore[no-untyped-def]
    return load_plan_layers(registry=load_registry())


def test_only_public_boundaries_are_solid() -> None:
    spec = load_registry().layer("finance_business")
    dashed = feature_style(spec, {"geometry_source": "street_derived", "schematic": False})
    solid = feature_style(spec, {"geometry_source": "public_boundary"})
    assert dashed["dashArray"] == SCHEMATIC_DASH
    assert "dashArray" not in solid


def test_colour_by_tier() -> None:
    spec = load_registry().layer("city_tiers")
    assert feature_style(spec, {"tier": "core"})["color"] == spec.colors["core"]
    assert feature_style(spec, {"tier": "linkage"})["fillColor"] == spec.colors["linkage"]
    assert feature_style(spec, {"tier": None})["color"] == spec.color


def test_legend_escapes_text_and_has_both_languages() -> None:
    specs = load_registry().layers
    zh, en = legend_html(specs, lang="zh"), legend_html(specs, lang="en")
    assert "图例" in zh and "Legend" in en
    assert "示意范围" in zh and "Schematic" in en
    # Layer names with quotes (“1+3+N”) or ampersands can never break the HTML.
    assert "<script" not in zh
    assert all(
        spec.name_zh.replace("&", "&amp;") in zh for spec in specs if "<" not in spec.name_zh
    )


@pytest.mark.parametrize(
    ("bounds", "expected_zoom"),
    [((102.70, 24.70, 103.00, 24.99), 11), ((102.82, 24.85, 102.84, 24.87), 15)],
)
def test_zoom_for_bounds(bounds: tuple[float, float, float, float], expected_zoom: int) -> None:
    centre, zoom = zoom_for_bounds(bounds, width_px=900, height_px=640)
    assert centre == pytest.approx(((bounds[1] + bounds[3]) / 2, (bounds[0] + bounds[2]) / 2))
    assert zoom == expected_zoom


def test_zoom_for_bounds_on_the_cgcs2000_grid() -> None:
    # plate carrée: 256 * 2**z px per 180°; 0.29° of latitude in 640 px needs
    # 2**z <= 640 * 180 / (256 * 0.29) = 1551.7, so z = 10 (web mercator: 11)
    _centre, zoom = zoom_for_bounds(
        (102.70, 24.70, 103.00, 24.99), width_px=900, height_px=640, tile_grid="cgcs2000"
    )
    assert zoom == 10


def test_default_map_is_offline_and_small(zones) -> None:  # type: ignore[no-untyped-def]
    registry = load_registry()
    visible = [s.id for s in registry.layers if s.visible]
    draw = [DrawLayer(registry.layer(i), *layer_payload(zones, i)) for i in visible]
    base = next(b for b in load_basemaps() if b.default)
    m = plan_map(
        draw, registry=registry, lang="zh", basemap=base, bounds=(102.7, 24.7, 103.0, 25.0)
    )
    page = m.get_root().render()
    urls = set(re.findall(r"""(?:src|href)=["'](https?://[^"']+)""", page))
    assert urls == set(), urls
    assert "/app/static/vendor/leaflet-1.9.3/leaflet.js" in page
    assert "科技金融服务中心" in page
    # The default view's page stays well under a megabyte.
    assert len(page.encode("utf-8")) < 1_000_000


# --------------------------------------------------------------------------------------
# Zone names are text, never markup: labels and tooltips are HTML-escaped.
# --------------------------------------------------------------------------------------

NAME_ZH = "<img src=x onerror=alert(1)>"
NAME_EN = "<b onmouseover=alert(2)>Zone</b>"
ZONE_ID = "z<script>alert(3)</script>"


def _hostile_layer() -> DrawLayer:
    spec = load_registry().layer("finance_business")
    assert spec.label and {"name_zh", "name_en", "id"} <= set(spec.tooltip)
    square = [[102.82, 24.87], [102.83, 24.87], [102.83, 24.88], [102.82, 24.88], [102.82, 24.87]]
    props = {
        "id": ZONE_ID,
        "name_zh": NAME_ZH,
        "name_en": NAME_EN,
        "layer": spec.id,
        "schematic": True,
        "geometry_source": "sketch",
    }
    geojson = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": props, "geometry": {"type": "Polygon",
                                                                  "coordinates": [square]}}
        ],
    }  # fmt: skip
    return DrawLayer(spec, geojson, ((24.875, 102.825, NAME_ZH, NAME_EN),))


def _as_the_script_sees_it(page: str) -> str:
    """The page with the JSON/JS string escapes folium writes (``\\u003c`` for ``<`` and
    so on) undone: the strings as the browser's JavaScript holds them, i.e. what
    Leaflet hands to ``innerHTML``."""
    out = re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), page)
    return out.replace('\\"', '"').replace("\\/", "/")


@pytest.mark.parametrize(("lang", "label"), [("zh", NAME_ZH), ("en", NAME_EN)])
def test_zone_labels_and_tooltips_are_escaped(lang: str, label: str) -> None:
    layer = _hostile_layer()
    before = json.dumps(layer.geojson, sort_keys=True)
    m = plan_map([layer], registry=load_registry(), lang=lang, basemap=None)
    script = _as_the_script_sees_it(m.get_root().render())
    # The label's HTML (put into its DivIcon by the label script) is the name escaped.
    assert f'"html": "{html.escape(label)}"' in script
    # The tooltip's values (folium puts them into innerHTML) are escaped too: every
    # hostile text is present only as its escaped form.
    for text in (NAME_ZH, NAME_EN, ZONE_ID):
        assert html.escape(text) in script, text
        assert text not in script, text
    assert json.dumps(layer.geojson, sort_keys=True) == before, "the input is not modified"


def test_the_standalone_html_export_escapes_zone_names(tmp_path: Path) -> None:
    features = sample_features()
    features.loc[features["id"] == "fin_centre", "name_zh"] = NAME_ZH
    features.loc[features["id"] == "fin_centre", "id"] = ZONE_ID
    out = write_html(features, tmp_path / "m.html", layers=["finance_business"], title=NAME_EN)
    script = _as_the_script_sees_it(out.read_text("utf-8"))
    for text in (NAME_ZH, NAME_EN, ZONE_ID):
        assert html.escape(text) in script, text
        assert text not in script, text


# --------------------------------------------------------------------------------------
# A map you can read offline (issue 13): labels, streets, points, tiers, scale, basemaps.
# --------------------------------------------------------------------------------------


def _default_draw(zones, ids):  # type: ignore[no-untyped-def]
    registry = load_registry()
    return [DrawLayer(registry.layer(i), *layer_payload(zones, i)) for i in ids]


def _labels(m: folium.Map) -> MapLabels:
    return next(c for c in m._children.values() if isinstance(c, MapLabels))


def test_scale_bar_is_metric_only() -> None:
    page = plan_map([_hostile_layer()], registry=load_registry(), lang="zh", basemap=None)
    script = page.get_root().render()
    assert "imperial: false" in script and "metric: true" in script
    assert "L.control.scale()" not in script  # Leaflet's default shows miles and feet too


def test_zone_and_street_labels_are_placed_at_every_zoom(zones) -> None:  # type: ignore[no-untyped-def]
    registry = load_registry()
    ids = [s.id for s in registry.layers if s.visible]
    m = plan_map(_default_draw(zones, ids), registry=registry, lang="zh", basemap=None)
    items = _labels(m).items
    kinds = {i["kind"] for i in items}
    assert kinds == {"zone", "street"}
    streets = {i["html"] for i in items if i["kind"] == "street"}
    # every named street of data/streets.geojson, without its parenthesised note
    assert {"彩云路", "春融街", "聚贤街", "祥和街"} <= streets
    caiyun = next(i for i in items if i["html"] == "彩云路")
    assert caiyun["a"] != caiyun["z"]  # a direction to write along
    zone = next(i for i in items if i["html"] == "科技金融服务中心")
    minx, miny, maxx, maxy = zone["b"]
    assert minx <= zone["lon"] <= maxx and miny <= zone["lat"] <= maxy
    page = m.get_root().render()
    assert "cg-labels-off" not in page  # no zoom below which every name disappears


def test_short_names_drop_the_parenthesised_note() -> None:
    assert short_name("彩云路（彩云北路/彩云南路，地铁1号线轴线）") == "彩云路"
    assert short_name("Xianghe Jie (Amap: Xianghe Lu)") == "Xianghe Jie"
    assert short_name("（示意）") == "（示意）"


def test_point_zones_are_circles_in_their_tier_colour(zones) -> None:  # type: ignore[no-untyped-def]
    registry = load_registry()
    spec = registry.layer("province_1_3_n")
    m = plan_map(_default_draw(zones, [spec.id]), registry=registry, lang="zh", basemap=None)
    page = m.get_root().render()
    assert "new L.CircleMarker(latlng, opts)" in page
    assert "L.Marker(latlng" not in page
    point = {"geometry": {"type": "Point"}, "properties": {"tier": "3"}}
    style = _style_for(spec, point)
    assert style["color"] == style["fillColor"] == spec.colors["3"]
    assert style["radius"] == POINT_RADIUS_PX


def test_tiers_have_their_own_checkboxes_in_the_legend() -> None:
    registry = load_registry()
    body = legend_html([registry.layer("province_1_3_n"), registry.layer("city_tiers")], lang="zh")
    boxes = re.findall(r'<input type="checkbox" class="cg-tier" data-layer="(\w+)" '
                       r'data-tier="(\w+)" checked>', body)  # fmt: skip
    assert boxes == [
        ("province_1_3_n", "1"), ("province_1_3_n", "3"), ("province_1_3_n", "N"),
        ("city_tiers", "core"), ("city_tiers", "development"), ("city_tiers", "linkage"),
    ]  # fmt: skip


def test_the_1_3_n_view_draws_the_prefectures_beneath() -> None:
    registry = load_registry()
    drawn = registry.drawn_with_context(["extents", "province_1_3_n"])
    assert drawn == ["extents", "province_1_3_n", "context_regions"]
    assert registry.drawn_with_context(["extents"]) == ["extents"]


FAKE_TOKEN = "abc"  # noqa: S105 (a made-up key: nothing is fetched)


def _basemap(basemap_id: str, *, token: str | None) -> Basemap:
    maps = available_basemaps(load_basemaps(), token_for={"TIANDITU_TOKEN": token} if token else {})
    return next(b for b in maps if b.id == basemap_id)


def test_a_basemap_without_its_token_draws_no_tiles_and_says_how_to_enable_it() -> None:
    base = _basemap("tianditu_vec", token=None)
    assert base.token_missing and "TIANDITU_TOKEN" in base.name("en")
    m = base_map(basemap=base, token=None, lang="zh")
    page = m.get_root().render()
    assert "L.tileLayer" not in page
    notice = next(c for c in m._children.values() if isinstance(c, MapNotice))
    assert notice.visible and "TIANDITU_TOKEN" in notice.text and "secrets.toml" in notice.text


def test_an_online_basemap_is_watched_and_falls_back_with_a_notice() -> None:
    base = _basemap("osm", token=None)
    m = base_map(basemap=base, lang="zh")
    fallback = next(c for c in m._children.values() if isinstance(c, TileFallback))
    assert len(fallback.layer_names) == 1
    notice = next(c for c in m._children.values() if isinstance(c, MapNotice))
    assert not notice.visible and notice.text == t("basemap_unreachable", "zh")
    assert "无法从本机访问" in notice.text


def test_tianditu_cgcs2000_tiles_use_a_plate_carree_map_one_level_up() -> None:
    base = _basemap("tianditu_vec_c", token=FAKE_TOKEN)
    assert base.tile_grid == "cgcs2000"
    url, overlay = base.tiles(FAKE_TOKEN)
    assert url is not None and "TILEMATRIXSET=c" in url and "vec_c" in url
    assert overlay is not None and "cva_c" in overlay
    m = base_map(basemap=base, token=FAKE_TOKEN)
    page = m.get_root().render()
    assert '"crs": L.CRS.EPSG4326' in page or "crs: L.CRS.EPSG4326" in page
    assert page.count('"zoomOffset": 1') == 2  # the map and its labels
    web_base = _basemap("tianditu_vec", token=FAKE_TOKEN)
    web = base_map(basemap=web_base, token=FAKE_TOKEN).get_root().render()
    assert "L.CRS.EPSG3857" in web and "zoomOffset" not in web
