"""The plan map: styles follow provenance, text is escaped, nothing loads from a CDN."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest

from geo.declared.basemaps import load_basemaps
from geo.declared.registry import load_registry
from geo.plan.views import layer_payload
from geo.plan.zones import load_plan_layers
from layers.export_html import write_html
from layers.plan_map import (
    SCHEMATIC_DASH,
    DrawLayer,
    feature_style,
    legend_html,
    plan_map,
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
    # The label (a DivIcon's HTML) holds the name escaped, in its own element.
    assert f'<div class="cg-label">{html.escape(label)}</div>' in script
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
