"""layers/offline.py: a rendered map loads nothing from the internet except tiles."""

from __future__ import annotations

import base64
import re
from collections.abc import Callable

import folium
import folium.plugins
import pytest

from geo.errors import ConfigError
from layers.offline import STREAMLIT_VENDOR_URL, VENDOR_DIR, use_local_assets

URL_PATTERN = re.compile(r"""https?://[^\s"'<>)]+""")
# URLs in the page that the browser never fetches: a comment in the JS that folium's
# MeasureControl template writes.
INERT_URLS = frozenset({"https://github.com/ljagis/leaflet-measure/issues/171"})
ASSET_REF_PATTERN = re.compile(r"""(?:src|href)="([^"]+)\"""")
SQUARE = {
    "type": "FeatureCollection",
    "features": [
        {
            "type": "Feature",
            "properties": {"name": "zone A", "zone_id": "A-1"},
            "geometry": {
                "type": "Polygon",
                "coordinates": [[[102.8, 24.85], [102.9, 24.85], [102.9, 24.9], [102.8, 24.85]]],
            },
        }
    ],
}


def app_like_map(*, tiles: str | None = None) -> folium.Map:
    """A map with every kind of element the app plans to use."""
    m = folium.Map(location=[24.875, 102.85], zoom_start=12, tiles=tiles)
    group = folium.FeatureGroup(name="zones")
    folium.GeoJson(
        SQUARE,
        tooltip=folium.GeoJsonTooltip(fields=["name", "zone_id"]),
        popup=folium.GeoJsonPopup(fields=["name"]),
    ).add_to(group)
    folium.Marker([24.87, 102.85], popup=folium.Popup("plain Leaflet marker")).add_to(group)
    group.add_to(m)
    folium.plugins.Fullscreen().add_to(m)
    folium.plugins.MeasureControl().add_to(m)
    folium.LayerControl().add_to(m)
    return m


def render(m: folium.Map) -> str:
    html: str = m.get_root().render()
    return html


def urls_in(html: str) -> set[str]:
    """Every http(s) URL in the page, less the inert ones."""
    return {u.rstrip("\\") for u in URL_PATTERN.findall(html)} - INERT_URLS


def test_default_folium_map_uses_cdns() -> None:
    # The premise: without use_local_assets folium's page fetches from the internet.
    assert "cdn.jsdelivr.net" in render(app_like_map())


def tile_layer_urls(m: folium.Map) -> set[str]:
    """URLs that tile layers legitimately carry: the tile template and attribution links."""
    urls: set[str] = set()
    for element in _walk(m):
        if isinstance(element, folium.TileLayer):
            urls.add(element.tiles)
            urls.update(URL_PATTERN.findall(str(element.options.get("attribution", ""))))
    return urls


def test_rendered_map_references_no_url_but_tiles() -> None:
    m = app_like_map(tiles="OpenStreetMap")
    folium.plugins.MiniMap().add_to(m)  # a second tile layer, inside the minimap
    use_local_assets(m, base_url="/app/static/vendor")
    html = render(m)

    allowed = tile_layer_urls(m)
    assert any("{z}" in u for u in allowed)
    found = urls_in(html)
    assert found, "expected the tile URL in the page"
    assert found <= allowed, found - allowed


def test_map_without_tiles_references_no_url_at_all() -> None:
    assert urls_in(render(use_local_assets(app_like_map()))) == set()


def test_every_asset_reference_exists_under_static_vendor() -> None:
    html = render(use_local_assets(app_like_map(), base_url="/base/vendor"))
    refs = ASSET_REF_PATTERN.findall(html)

    assert refs, "expected script and stylesheet links"
    for ref in refs:
        assert ref.startswith("/base/vendor/"), ref
        assert (VENDOR_DIR / ref.removeprefix("/base/vendor/")).is_file(), ref
    # Leaflet first: plugins extend L, so it must load before them.
    assert refs[0].endswith("leaflet.js")
    for plugin_js in ("Control.FullScreen.js", "leaflet-measure.min.js"):
        assert any(r.endswith(plugin_js) for r in refs), plugin_js


def test_default_base_url_is_streamlit_static_serving() -> None:
    html = render(use_local_assets(app_like_map()))
    assert f'src="{STREAMLIT_VENDOR_URL}/leaflet-1.9.3/leaflet.js"' in html
    assert STREAMLIT_VENDOR_URL == "/app/static/vendor"


def test_inline_mode_embeds_assets_as_data_uris() -> None:
    html = render(use_local_assets(app_like_map(), inline=True))

    refs = ASSET_REF_PATTERN.findall(html)
    assert refs and all(r.startswith("data:") for r in refs), [r[:40] for r in refs]
    decoded = [base64.b64decode(r.split(",", 1)[1]) for r in refs]
    leaflet_js = (VENDOR_DIR / "leaflet-1.9.3" / "leaflet.js").read_bytes()
    assert leaflet_js in decoded
    # Images that leaflet.css refers to (layer switcher, marker icon) are inlined too.
    leaflet_css = next(v for v in decoded if b".leaflet-control-layers" in v)
    assert b"url(images/" not in leaflet_css
    assert leaflet_css.count(b"data:image/png;base64,") >= 3
    assert urls_in(html) == set()


def test_default_marker_images_are_set_before_any_marker() -> None:
    m = use_local_assets(app_like_map(), base_url="/base/vendor")
    use_local_assets(m, base_url="/base/vendor")  # twice: still one setting
    html = render(m)

    set_path = 'L.Icon.Default.imagePath = "/base/vendor/leaflet-1.9.3/images/";'
    assert html.count("L.Icon.Default.imagePath") == 1
    assert html.index(set_path) < html.index("L.marker(")
    assert (VENDOR_DIR / "leaflet-1.9.3" / "images" / "marker-icon.png").is_file()


def test_inline_mode_gives_default_marker_data_uri_images() -> None:
    html = render(use_local_assets(app_like_map(), inline=True))

    script = html[html.index("L.Icon.Default.mergeOptions(") :]
    script = script[: script.index(");")]
    for option in ("iconUrl", "iconRetinaUrl", "shadowUrl"):
        assert f'"{option}": "data:image/png;base64,' in script, option
    assert 'L.Icon.Default.imagePath = "";' in html


def test_does_not_change_folium_class_defaults() -> None:
    before = (list(folium.Map.default_js), list(folium.plugins.Fullscreen.default_css))
    use_local_assets(app_like_map())
    assert (folium.Map.default_js, folium.plugins.Fullscreen.default_css) == before


def test_calling_twice_or_after_render_leaves_no_cdn_link() -> None:
    m = app_like_map()
    render(m)  # puts CDN links into the page header
    use_local_assets(use_local_assets(m))
    html = render(m)
    assert urls_in(html) == set()
    assert html.count("leaflet-1.9.3/leaflet.js") == 1


@pytest.mark.parametrize(
    "add_bad_element",
    [
        pytest.param(
            lambda m: folium.Marker([24.87, 102.85], icon=folium.Icon(icon="info-sign")).add_to(m),
            id="awesome-marker-icon",
        ),
        pytest.param(lambda m: folium.plugins.Draw().add_to(m), id="plugin-not-vendored"),
    ],
)
def test_refuses_elements_whose_assets_are_not_vendored(
    add_bad_element: Callable[[folium.Map], object],
) -> None:
    m = app_like_map()
    add_bad_element(m)
    with pytest.raises(ConfigError, match=r"layers/offline\.py|folium\.Icon"):
        use_local_assets(m)


def test_reports_all_problems_at_once() -> None:
    m = app_like_map()
    folium.plugins.Draw().add_to(m)
    folium.Marker([24.87, 102.85], icon=folium.Icon()).add_to(m)
    with pytest.raises(ConfigError) as excinfo:
        use_local_assets(m)
    message = str(excinfo.value)
    assert "leaflet.draw" in message and "folium.Icon" in message


def test_streamlit_folium_receives_only_local_links() -> None:
    # st_folium collects default_js/default_css from every element itself (it drops
    # the header's <script src>), so the lists on the elements are what matters.
    m = use_local_assets(app_like_map())
    links = [
        url
        for element in _walk(m)
        for _name, url in [
            *getattr(element, "default_js", []),
            *getattr(element, "default_css", []),
        ]
    ]
    assert links and all(u.startswith("/app/static/vendor/") for u in links), links


def _walk(element: folium.Element) -> list[folium.Element]:
    return [element, *(e for child in element._children.values() for e in _walk(child))]
