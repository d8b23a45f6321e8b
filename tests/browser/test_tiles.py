"""A large saved layer in the real app, in headless Chromium: at zoom 16 its parcels are
drawn from vector tiles, and a click on one shows that parcel's attributes and area,
looked up on the server by the parcel's tile id."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd
import pytest
import shapely
from pyproj import Geod
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from geo.io import geojson_text
from geo.store.tiles import TileStore
from geo.upload import LoadedLayer, read_upload
from tests.app.embedded import embedded_layers
from tests.conftest import X0, Y0

if TYPE_CHECKING:
    from tests.browser.conftest import BrowserSession

pytestmark = pytest.mark.browser

APP = Path(__file__).resolve().parents[2] / "streamlit_app.py"
SIDE_M = 100.0
NX = NY = 75  # 5,625 parcels: over the 5,000 above which a layer is drawn from tiles
DETAIL_ZOOM = 16


def _parcels() -> gpd.GeoDataFrame:
    geoms = [
        shapely.box(X0 + i * SIDE_M, Y0 + j * SIDE_M, X0 + (i + 1) * SIDE_M, Y0 + (j + 1) * SIDE_M)
        for j in range(NY)
        for i in range(NX)
    ]
    names = [f"地块-{k:05d}" for k in range(len(geoms))]
    return gpd.GeoDataFrame({"name": names}, geometry=geoms, crs="EPSG:4543").to_crs("EPSG:4326")


def _tile_paths(driver: WebDriver) -> int:
    """SVG paths VectorGrid drew in the map's tiles."""
    return int(
        driver.execute_script(
            "return document.querySelectorAll('.leaflet-tile path.leaflet-interactive').length;"
        )
    )


def test_large_layer_is_drawn_from_tiles_and_a_click_shows_the_parcel(
    streamlit_url: Callable[[Path], str],
    browser: BrowserSession,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    root = tmp_path / "workspace"
    monkeypatch.setenv("PLANMAP_WORKSPACE", str(root))
    frame = _parcels()
    data = geojson_text(frame, precision=7).encode()
    loaded = read_upload(data, "parcels.geojson")
    assert isinstance(loaded, LoadedLayer)
    ws = embedded_layers(root)  # the local user's layers in the embedded store
    saved = ws.save(loaded, data, name="大图层")
    store = TileStore(ws.root)
    store.build(saved.layer_id, ws.read(saved.layer_id))
    try:
        _check_in_browser(streamlit_url, browser, frame)
    finally:
        store.remove(saved.layer_id)


def _check_in_browser(
    streamlit_url: Callable[[Path], str], browser: BrowserSession, frame: gpd.GeoDataFrame
) -> None:
    driver = browser.driver
    driver.set_window_size(1366, 768)
    driver.get(streamlit_url(APP))
    browser.wait_for_leaflet_paths(min_count=10)
    driver.switch_to.default_content()
    browser.wait().until(
        lambda d: [
            t for t in d.find_elements(By.CSS_SELECTOR, "[role=tab]") if "导入图层" in t.text
        ]
    )[0].click()
    browser.wait().until(
        lambda d: d.find_elements(By.CSS_SELECTOR, '[class*="st-key-user_layer_on__"] label')
    )[0].click()

    # The parcel in the middle of the block, and the map centred on it at zoom 16.
    middle = (NY // 2) * NX + NX // 2
    centre = frame.geometry.iloc[middle].centroid
    view = f"window.map.setView([{centre.y}, {centre.x}], {DETAIL_ZOOM}, {{animate: false}});"

    def drawn_at_detail(d: WebDriver) -> bool:
        if not d.execute_script("return !!(window.planmapTiles && window.map);"):
            return False
        if d.execute_script("return window.map.getZoom();") != DETAIL_ZOOM:
            d.execute_script(view)
            return False
        return _tile_paths(d) >= 20  # 1366 x 768 at zoom 16 shows dozens of 100 m parcels

    browser.wait_in_map(drawn_at_detail, what="parcels drawn from tiles at zoom 16", scroll=True)
    count = _tile_paths(driver)
    assert count >= 20
    browser.driver.switch_to.default_content()
    browser.screenshot("app_tiles_zoom16")

    # Click the middle of the map (the middle parcel) until the panel shows it.
    expected_name = frame["name"].iloc[middle]
    geod = Geod(ellps="GRS80")  # CGCS2000's ellipsoid: same a and 1/f to 1e-10
    area_m2 = abs(geod.geometry_area_perimeter(frame.geometry.iloc[middle])[0])

    def click_centre() -> None:
        browser.enter_map(scroll=True)
        container = driver.find_element(By.CSS_SELECTOR, ".leaflet-container")
        ActionChains(driver).move_to_element(container).click().perform()
        driver.switch_to.default_content()

    def panel_shows(d: WebDriver) -> bool:
        d.switch_to.default_content()
        text = d.find_element(By.TAG_NAME, "body").text
        return "点选的要素" in text and f"name: {expected_name}" in text

    browser.click_until(click_centre, panel_shows, what="the clicked parcel's panel")
    body = driver.find_element(By.TAG_NAME, "body").text
    assert f"要素 #{middle + 1}" in body
    # The area shown (4 decimals of the page's unit) is the parcel's own: 1 ha = 0.01 km².
    assert f"{area_m2 / 1e6:,.4f}" in body or f"{area_m2 / 1e4:,.4f}" in body
    browser.screenshot("app_tiles_clicked")
    browser.collect_logs()
    assert browser.console_errors == []
    assert browser.failed_requests == []
