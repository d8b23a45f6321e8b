"""The real app in headless Chromium, with no internet: the plan is drawn, nothing
fails to load, and a click on a zone opens its figures."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import shapely
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By

from geo.declared.registry import load_registry
from geo.measure.area import ellipsoidal_area_m2
from geo.plan.zones import load_plan_layers

if TYPE_CHECKING:
    from tests.browser.conftest import BrowserSession

pytestmark = pytest.mark.browser

APP = Path(__file__).resolve().parents[2] / "streamlit_app.py"


def test_app_draws_the_plan_offline_and_a_click_opens_a_zone(
    streamlit_url: Callable[[Path], str], browser: BrowserSession
) -> None:
    url = streamlit_url(APP)
    started = time.monotonic()
    browser.driver.get(url)
    paths = browser.wait_for_leaflet_paths(min_count=10)
    drawn_after_s = time.monotonic() - started

    finance_colour = load_registry().layer("finance_business").color
    finance = [p for p in paths if p.get_attribute("stroke") == finance_colour]
    assert finance, "the financial district is drawn in its registry colour"
    # Schematic geometry is dashed; the public district boundary is solid.
    assert all(p.get_attribute("stroke-dasharray") for p in finance)
    legend = browser.driver.find_element(By.ID, "cg-legend").text
    assert "图例" in legend
    assert "示意范围" in legend

    browser.driver.switch_to.default_content()
    browser.screenshot("app_default_view")
    browser.collect_logs()
    assert browser.console_errors == []
    assert browser.failed_requests == []

    # Click, like a user, on a spot inside the financial district that no other shown
    # zone covers: the side panel then shows its name and article.
    browser.wait_for_leaflet_paths(min_count=10)
    spot = _spot_only_in("fin_sci_tech_finance_centre")
    container = browser.driver.find_element(By.CSS_SELECTOR, ".leaflet-container")
    # Zoom in on it first, as a user would, so the click lands well inside.
    browser.driver.execute_script(
        "window.map.setView([arguments[0], arguments[1]], 14, {animate: false});",
        spot.y,
        spot.x,
    )
    x, y = browser.driver.execute_script(
        "var p = window.map.latLngToContainerPoint([arguments[0], arguments[1]]);"
        "return [p.x, p.y];",
        spot.y,
        spot.x,
    )
    size = container.size

    def click_the_spot() -> None:
        browser.enter_map()
        box = browser.driver.find_element(By.CSS_SELECTOR, ".leaflet-container")
        ActionChains(browser.driver).move_to_element_with_offset(
            box, int(x - size["width"] / 2), int(y - size["height"] / 2)
        ).click().perform()
        browser.driver.switch_to.default_content()

    # Selecting the same zone again is harmless, so a click that came before the map
    # component was listening is simply repeated.
    browser.click_until(
        click_the_spot,
        lambda d: "第二十五条" in d.find_element(By.TAG_NAME, "body").text,
        what="clicking the financial district",
    )
    body = browser.driver.find_element(By.TAG_NAME, "body").text
    assert "科技金融" in body
    browser.screenshot("app_zone_selected")
    browser.collect_logs()
    assert browser.console_errors == []
    assert browser.failed_requests == []
    assets_kb = sum(browser.received_bytes.values()) / 1e3
    print(
        f"\nstart-to-drawn-map {drawn_after_s:.2f} s; streamlit messages "
        f"{browser.websocket_bytes / 1e3:.0f} kB; assets {assets_kb:.0f} kB"
    )


def _spot_only_in(zone_id: str) -> shapely.Point:
    """A point inside ``zone_id`` and outside every smaller default-visible polygon (the
    app resolves a click to the smallest zone under it)."""
    zones = load_plan_layers()
    visible = {spec.id for spec in load_registry().layers if spec.visible}
    others = zones[zones["layer"].isin(visible) & (zones.index != zone_id)]
    polygons = others[others.geometry.geom_type.isin(["Polygon", "MultiPolygon"])]
    areas = ellipsoidal_area_m2(zones)
    polygons = polygons[areas.loc[polygons.index] < areas.loc[zone_id]]
    free = zones.loc[zone_id].geometry.difference(shapely.union_all(polygons.geometry.array))
    assert not free.is_empty, f"{zone_id} is covered entirely by smaller zones"
    return free.point_on_surface()
