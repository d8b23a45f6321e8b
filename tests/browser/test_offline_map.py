"""Folium maps draw in headless Chromium with no internet: in st_folium and as HTML export,
and the app itself reads in its bundled web font."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import folium
import pytest
from selenium.webdriver.common.by import By

from layers.offline import use_local_assets

if TYPE_CHECKING:
    from tests.browser.conftest import BrowserSession

pytestmark = pytest.mark.browser

APPS_DIR = Path(__file__).resolve().parent / "apps"
POLYGON_STROKE = "#c0392b"  # the colour tests/browser/apps/minimal_map.py gives the polygon


def test_minimal_map_draws_offline_in_streamlit(
    streamlit_url: Callable[[Path], str], browser: BrowserSession
) -> None:
    url = streamlit_url(APPS_DIR / "minimal_map.py")
    browser.driver.get(url)

    paths = browser.wait_for_leaflet_paths(min_count=1)
    # The polygon is an SVG path with a real, non-empty outline on screen.
    polygon = paths[0]
    assert polygon.tag_name == "path"
    assert polygon.get_attribute("stroke") == POLYGON_STROKE
    assert polygon.size["width"] > 50 and polygon.size["height"] > 20, polygon.size
    # The LayerControl is there and lists the group (collapsed: its icon is
    # leaflet.css's images/layers.png, which must come from the vendored copy).
    control = browser.driver.find_element(By.CSS_SELECTOR, ".leaflet-control-layers")
    assert "zones" in (control.get_attribute("textContent") or "")
    assert_marker_image_loaded(browser)
    # Hovering the polygon shows its GeoJsonTooltip (name and id from the properties);
    # the marker's own tooltip ("marker") does not count.
    tooltip = browser.hover_for_tooltip(
        lambda d: next(
            (
                p
                for p in d.find_elements(By.CSS_SELECTOR, ".leaflet-interactive")
                if p.get_attribute("stroke") == POLYGON_STROKE
            ),
            None,
        ),
        offset=(0, 40),
        expect=lambda text: "T-1" in text,
    )
    assert "测试区 test zone" in (tooltip.get_attribute("textContent") or "")
    # Leaflet itself was loaded from this server, not a CDN.
    leaflet_src = browser.driver.execute_script(
        "return Array.from(document.scripts).map(s => s.src).filter(s => s.includes('leaflet'));"
    )
    assert leaflet_src and all(src.startswith(url) for src in leaflet_src), leaflet_src

    browser.driver.switch_to.default_content()
    browser.screenshot("offline_minimal_map")
    browser.collect_logs()
    assert browser.console_errors == []
    assert browser.failed_requests == []
    loaded = list(browser.received_bytes)
    for vendored in (
        "leaflet-1.9.3/leaflet.js",
        "leaflet-1.9.3/images/layers.png",
        "leaflet-1.9.3/images/marker-icon.png",
    ):
        assert any(u.startswith(f"{url}/app/static/vendor/{vendored}") for u in loaded), vendored


def test_inline_html_export_opens_offline_from_a_file(
    tmp_path: Path, browser: BrowserSession
) -> None:
    m = folium.Map(location=[24.875, 102.85], zoom_start=12, tiles=None)
    folium.GeoJson(
        {"type": "Polygon", "coordinates": [[[102.8, 24.85], [102.9, 24.85], [102.9, 24.9],
                                              [102.8, 24.85]]]},
        style_function=lambda _feature: {"color": POLYGON_STROKE},
    ).add_to(m)  # fmt: skip
    folium.Marker([24.875, 102.85]).add_to(m)
    folium.LayerControl().add_to(m)
    html_path = tmp_path / "export.html"
    use_local_assets(m, inline=True).save(str(html_path))

    browser.driver.get(html_path.as_uri())

    paths = browser.wait_for_leaflet_paths(min_count=1, frame_selector=None)
    assert paths[0].get_attribute("stroke") == POLYGON_STROKE
    assert_marker_image_loaded(browser)
    browser.screenshot("offline_inline_export")
    browser.collect_logs()
    assert browser.console_errors == []
    assert browser.failed_requests == []
    # Nothing was fetched over the network: only the file itself and data: URIs.
    assert any(u.startswith("file:") for u in browser.received_bytes)
    assert all(u.startswith(("file:", "data:")) for u in browser.received_bytes), list(
        browser.received_bytes
    )


def assert_marker_image_loaded(browser: BrowserSession) -> None:
    """The plain Leaflet marker's PNG (vendored or inlined) loaded and has pixels."""
    image = browser.driver.find_element(By.CSS_SELECTOR, "img.leaflet-marker-icon")
    natural_width = browser.driver.execute_script(
        "return arguments[0].complete ? arguments[0].naturalWidth : -1;", image
    )
    assert natural_width == 25, (natural_width, (image.get_attribute("src") or "")[:80])


APP = Path(__file__).resolve().parents[2] / "streamlit_app.py"


def test_the_app_reads_in_its_own_font_with_names_on_the_map_and_the_1_3_n_view(
    streamlit_url: Callable[[Path], str], browser: BrowserSession
) -> None:
    """At 1366×768 with no tiles: the page and the map use the bundled web font, zones
    are named at district zoom, and ticking the province group draws the 1+3+N with the
    prefectures beneath (screenshots of both views in tests/browser/artifacts)."""
    from geo.declared.registry import load_registry
    from layers.plan_map import WEB_FONT_FAMILY
    from tests.browser.test_plan_map_view import SHOWN_LABELS, _overlapping, set_viewport

    registry = load_registry()
    url = streamlit_url(APP)
    set_viewport(browser)
    browser.driver.get(url)
    browser.wait_for_leaflet_paths(min_count=10)

    def font_loaded(d: Any) -> bool:
        faces = d.execute_script(
            "return Array.from(document.fonts).map(f => [f.family, f.status]);"
        )
        return [WEB_FONT_FAMILY, "loaded"] in [[f.strip("\"'"), s] for f, s in faces]

    def names_placed(d: Any) -> list[str] | bool:
        c = d.find_element(By.CSS_SELECTOR, ".leaflet-container")
        if c.get_attribute("data-cg-labels-fonts") != "loaded" or not font_loaded(d):
            return False
        shown = [e.text for e in d.find_elements(By.CSS_SELECTOR, ".cg-label") if e.is_displayed()]
        return shown if len(shown) >= 4 else False

    names = browser.wait_in_map(names_placed, what="zone names in the web font")
    assert "滇池" in names, names
    assert _overlapping(browser.driver.execute_script(SHOWN_LABELS)) == []
    browser.driver.switch_to.default_content()
    # The page itself (Streamlit's theme font) uses the bundled font too.
    browser.wait(60).until(font_loaded)
    title_font = browser.driver.execute_script(
        "return getComputedStyle(document.querySelector('h1')).fontFamily;"
    )
    assert WEB_FONT_FAMILY in title_font, title_font
    browser.screenshot("app_default_view_1366")

    group = registry.group("province")
    browser.driver.find_element(
        By.XPATH, f"//label[.//*[normalize-space(text())={group.name_zh!r}]]"
    ).click()
    grey = registry.layer("context_regions").color
    tier_3 = registry.layer("province_1_3_n").colors["3"]

    def province_view(d: Any) -> bool:
        strokes = [
            p.get_attribute("stroke")
            for p in d.find_elements(By.CSS_SELECTOR, "path.leaflet-interactive")
        ]
        return strokes.count(grey) == 4 and tier_3 in strokes

    browser.wait_in_map(province_view, what="the 1+3+N view with the prefectures")
    assert browser.driver.find_elements(By.CSS_SELECTOR, "img.leaflet-marker-icon") == []
    browser.driver.switch_to.default_content()
    # the rerun has finished (Streamlit shows its status widget while a script runs)
    browser.wait().until(
        lambda d: not d.find_elements(By.CSS_SELECTOR, '[data-testid="stStatusWidget"]')
    )
    names = browser.wait_in_map(names_placed, what="names in the 1+3+N view")
    prefectures = {"昆明市", "曲靖市", "玉溪市", "楚雄彝族自治州"}  # some may sit under the legend
    assert len(prefectures & set(names)) >= 2, names
    assert _overlapping(browser.driver.execute_script(SHOWN_LABELS)) == []
    browser.driver.switch_to.default_content()
    browser.screenshot("app_1_3_n_view_1366")
    browser.collect_logs()
    assert browser.console_errors == []
    assert browser.failed_requests == []
    fonts = [
        u for u in browser.received_bytes if u.endswith("/app/static/fonts/NotoSansSC-app.woff2")
    ]
    assert fonts, "the web font came from this server"
