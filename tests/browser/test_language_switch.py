"""Issue 13 bug 2: a zone picked on the map stays selected, its panel shown, when the
page switches English -> 中文 (the panel emptied until another widget changed).

Checked in headless Chromium because the selection comes from the map component: a
click, then the language switched twice; each time the panel must name the zone in the
page's language, waiting on the panel itself (never a fixed sleep). The test fails on
1c55e47 (before the fix in 06b3437) and passes after."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import pytest
import shapely
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By

from geo.declared.registry import load_registry
from geo.plan.zones import load_plan_layers
from tests.browser.test_app import _spot_only_in

if TYPE_CHECKING:
    from tests.browser.conftest import BrowserSession

pytestmark = pytest.mark.browser

APP = Path(__file__).resolve().parents[2] / "streamlit_app.py"
ZONE = "fin_sci_tech_finance_centre"


def _panel_heads(driver: Any) -> str:
    driver.switch_to.default_content()
    return " ".join(h.text for h in driver.find_elements(By.CSS_SELECTOR, "h3"))


def _switch_to(driver: Any, label: str) -> None:
    driver.switch_to.default_content()
    option = next(
        e
        for e in driver.find_elements(By.CSS_SELECTOR, "label[data-testid=stRadioOption]")
        if e.text.strip() == label
    )
    option.click()


def _spot_far_from_lines(zone_id: str) -> shapely.Point:
    """A point inside ``zone_id``, in no smaller shown zone, as far as can be from every
    shown line (a click there picks the zone at any zoom), EPSG:4326."""
    zones = load_plan_layers()
    visible = {spec.id for spec in load_registry().layers if spec.visible}
    shown = zones[zones["layer"].isin(visible)].to_crs("EPSG:4543")
    lines = shown[shown.geometry.geom_type.isin(["LineString", "MultiLineString"])]
    near = gpd.GeoSeries([_spot_only_in(zone_id)], crs=4326).to_crs("EPSG:4543").iloc[0]
    free = shown.loc[zone_id].geometry
    candidates = [
        shapely.Point(near.x + dx, near.y + dy)
        for dx in range(-1500, 1501, 100)
        for dy in range(-1500, 1501, 100)
    ]
    inside = [c for c in candidates if free.contains(c) and _only_in(c, shown, zone_id)]
    best = max(inside, key=lambda c: float(lines.distance(c).min()))
    return gpd.GeoSeries([best], crs="EPSG:4543").to_crs(4326).iloc[0]


def _only_in(point: shapely.Point, shown: gpd.GeoDataFrame, zone_id: str) -> bool:
    polygons = shown[shown.geometry.geom_type.isin(["Polygon", "MultiPolygon"])]
    under = polygons[polygons.contains(point)]
    return bool(len(under)) and under.area.idxmin() == zone_id


def _click_at(browser: BrowserSession, spot: shapely.Point) -> Callable[[], None]:
    """A click on the map at ``spot`` (lon/lat), the map centred there at zoom 14."""
    driver = browser.driver

    def click() -> None:
        browser.enter_map(scroll=True)
        driver.execute_script(
            "window.map.setView([arguments[0], arguments[1]], 14, {animate: false});",
            spot.y,
            spot.x,
        )
        x, y = driver.execute_script(
            "var p = window.map.latLngToContainerPoint([arguments[0], arguments[1]]);"
            "return [p.x, p.y];",
            spot.y,
            spot.x,
        )
        box = driver.find_element(By.CSS_SELECTOR, ".leaflet-container")
        ActionChains(driver).move_to_element_with_offset(
            box, int(x - box.size["width"] / 2), int(y - box.size["height"] / 2)
        ).click().perform()
        driver.switch_to.default_content()

    return click


def test_the_selection_survives_english_then_chinese(
    streamlit_url: Callable[[Path], str], browser: BrowserSession
) -> None:
    driver = browser.driver
    driver.set_window_size(1366, 768)
    driver.get(streamlit_url(APP))
    browser.wait_for_leaflet_paths(min_count=10)
    zone = load_plan_layers().loc[ZONE]
    spot = _spot_far_from_lines(ZONE)

    # As the planner did: the page switched to English, a zone picked there, then 中文.
    _switch_to(driver, "English")
    browser.wait().until(lambda d: "Layers" in d.find_element(By.TAG_NAME, "body").text)
    browser.wait_for_leaflet_paths(min_count=10)
    browser.click_until(
        _click_at(browser, spot),
        lambda d: zone["name_en"] in _panel_heads(d),
        what="clicking the financial district",
    )
    _switch_to(driver, "中文")
    browser.wait().until(lambda d: zone["name_zh"] in _panel_heads(d))
    # ... and it stays: the page has settled with the zone's panel (not emptied by a
    # late rerun of the map component).
    browser.wait().until(
        lambda d: d.execute_script("return !document.querySelector('[data-testid=stStatusWidget]')")
    )
    assert zone["name_zh"] in _panel_heads(driver)
    browser.collect_logs()
    assert browser.console_errors == []
