"""The real app in headless Chromium, with no internet: the plan is drawn, nothing
fails to load, and a click on a zone opens its figures."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
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
    # (textContent: the legend may be folded on a narrow map; its rows are there)
    legend = browser.driver.find_element(By.ID, "cg-legend").get_attribute("textContent") or ""
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


def _near_line_inside(zone_id: str, line_id: str, *, offset_m: float) -> tuple[Any, Any]:
    """(A point inside ``zone_id`` ``offset_m`` from the line ``line_id``, the nearest
    point of the line), in EPSG:4326: the zone is the smallest polygon there and no
    other shown line is within 40 m."""
    zones = load_plan_layers()
    visible = {spec.id for spec in load_registry().layers if spec.visible}
    shown = zones[zones["layer"].isin(visible)]
    gk = shown.to_crs("EPSG:4543")
    zone, line = gk.loc[zone_id].geometry, gk.loc[line_id].geometry
    areas = ellipsoidal_area_m2(shown)
    polygonal = gk.geom_type.isin(["Polygon", "MultiPolygon"])
    smaller = gk[polygonal & (areas < areas[zone_id]) & (gk.index != zone_id)]
    other_lines = gk[~polygonal & (gk.index != line_id)]
    inner = line.intersection(zone.buffer(-2 * offset_m))
    for share in [i / 40 for i in range(1, 40)]:
        on = inner.interpolate(share, normalized=True)
        ahead = inner.interpolate(share + 0.001, normalized=True)
        dx, dy = ahead.x - on.x, ahead.y - on.y
        norm = (dx**2 + dy**2) ** 0.5
        for side in (1, -1):
            shift = side * offset_m / norm
            spot = shapely.Point(on.x - shift * dy, on.y + shift * dx)
            if (
                zone.contains(spot)
                and not smaller.geometry.contains(spot).any()
                and other_lines.distance(spot).min() > 40
            ):
                back = gpd.GeoSeries([spot, on], crs="EPSG:4543").to_crs("EPSG:4326")
                return back.iloc[0], back.iloc[1]
    pytest.fail(f"no spot in {zone_id} {offset_m} m from {line_id}")


def test_a_click_picks_a_line_only_within_a_few_pixels_and_keeps_the_view(
    streamlit_url: Callable[[Path], str], browser: BrowserSession
) -> None:
    """At zoom 16 (2.2 m a pixel) a click 15 m (7 px) from 彩云路 inside 科技企业总部聚集区
    picks the zone, a click on the road picks the road; neither moves or zooms the map."""
    driver = browser.driver
    driver.set_window_size(1366, 768)  # a planner's laptop
    driver.get(streamlit_url(APP))
    browser.wait_for_leaflet_paths(min_count=10)
    spot, on_road = _near_line_inside("fin_hq_cluster", "caiyun_lu_axis", offset_m=15.0)

    def layout() -> tuple[float, float, float]:
        """(map bottom, tab bar top, window height) in CSS pixels, once both are drawn."""

        def measured(driver: Any) -> Any:
            driver.switch_to.default_content()
            return driver.execute_script(
                "var m = document.querySelector('iframe[src*=\"st_folium\"]');"
                "var tabs = document.querySelector('[role=tablist]');"
                "if (!m || !tabs) { return null; }"
                "return [m.getBoundingClientRect().bottom,"
                " tabs.getBoundingClientRect().top, window.innerHeight];"
            )

        return tuple(browser.wait().until(measured))

    empty = layout()
    assert empty[0] <= empty[2] and empty[1] < empty[2], f"map or tabs below the fold: {empty}"

    def view() -> tuple[float, float, float]:
        browser.enter_map()
        zoom, lat, lon = driver.execute_script(
            "var c = window.map.getCenter(); return [window.map.getZoom(), c.lat, c.lng];"
        )
        driver.switch_to.default_content()
        return float(zoom), round(float(lat), 6), round(float(lon), 6)

    def click_at(point: Any) -> Callable[[], None]:
        def click() -> None:
            browser.enter_map(scroll=True)
            x, y = driver.execute_script(
                "var p = window.map.latLngToContainerPoint([arguments[0], arguments[1]]);"
                "return [p.x, p.y];",
                point.y,
                point.x,
            )
            box = driver.find_element(By.CSS_SELECTOR, ".leaflet-container")
            size = box.size
            ActionChains(driver).move_to_element_with_offset(
                box, int(x - size["width"] / 2), int(y - size["height"] / 2)
            ).click().perform()
            driver.switch_to.default_content()

        return click

    browser.enter_map()
    driver.execute_script(
        "window.map.setView([arguments[0], arguments[1]], 16, {animate: false});",
        spot.y,
        spot.x,
    )
    driver.switch_to.default_content()
    before = view()

    def panel_title(driver: Any) -> str:
        heads = driver.find_elements(By.CSS_SELECTOR, "[data-testid=stHeading] h3")
        return " ".join(h.text for h in heads)

    browser.click_until(
        click_at(spot),
        lambda d: "科技企业总部聚集区" in panel_title(d),
        what="clicking inside the zone 7 px from the road",
    )
    assert "彩云路" not in panel_title(driver)
    assert view() == before, "selecting a zone moved or zoomed the map"
    # The panel scrolls inside itself: the map and the tabs stay where they were.
    assert layout() == empty

    browser.click_until(
        click_at(on_road),
        lambda d: "彩云路" in panel_title(d),
        what="clicking on the road",
    )
    assert view() == before, "selecting a street moved or zoomed the map"
    # The zone under the road click is listed as another pick.
    assert "科技企业总部聚集区" in driver.find_element(By.TAG_NAME, "body").text

    # Switching the language keeps the selection and its panel (English, then 中文).
    road_en = load_plan_layers().loc["caiyun_lu_axis", "name_en"]

    def switch_to(label: str) -> None:
        driver.switch_to.default_content()
        option = next(
            e
            for e in driver.find_elements(By.CSS_SELECTOR, "label[data-testid=stRadioOption]")
            if e.text.strip() == label
        )
        option.click()

    switch_to("English")
    browser.wait().until(lambda d: road_en in panel_title(d))
    switch_to("中文")
    browser.wait().until(lambda d: "彩云路" in panel_title(d))
    browser.collect_logs()
    assert browser.console_errors == []
