"""The plan editor in headless Chromium at 1366×768, with no internet (issue 15): a zone
drawn by clicking its vertices shows its ≈ area while it is drawn and the statutory
figure once it is sent; the financial district's west edge is moved by dragging a vertex
and saved, and the store's history has the change. Figures are checked against pyproj's
Geod on the shape the browser holds; every wait is on the page's state."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import shapely
from pyproj import Geod
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver

from geo.declared.i18n import t
from geo.store.store import EMBEDDED_FILE, Store

if TYPE_CHECKING:
    from tests.browser.conftest import BrowserSession

pytestmark = pytest.mark.browser

APP = Path(__file__).resolve().parents[2] / "streamlit_app.py"
EDITOR_IFRAME = 'iframe[title*="plan_editor"]'
FIN = "fin_sci_tech_finance_centre"
CGCS2000_GEOD = Geod(a=6378137.0, f=1 / 298.257222101)
WIDTH, HEIGHT = 1366, 768


def geod_m2(geojson: dict[str, Any]) -> float:
    """Area of the polygons of a FeatureCollection on the CGCS2000 ellipsoid (pyproj)."""
    parts = [shapely.from_geojson(json.dumps(f["geometry"])) for f in geojson["features"]]
    shape = shapely.orient_polygons(shapely.union_all(parts))
    area, _ = CGCS2000_GEOD.geometry_area_perimeter(shape)
    return float(area)


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh embedded store for the server the test starts (no login: ``planner``)."""
    root = tmp_path / "workspace"
    monkeypatch.setenv("PLANMAP_WORKSPACE", str(root))
    monkeypatch.delenv("PLANMAP_DATABASE_URL", raising=False)
    monkeypatch.delenv("PLANMAP_REQUIRE_LOGIN", raising=False)
    monkeypatch.setenv("PLANMAP_USER", "planner")
    return root


def _open_edit_tab(browser: BrowserSession, url: str, choice: str) -> None:
    """The Edit tab with ``choice`` typed into the element box (an id, or the new-zone
    option's words), once the editor's map is there."""
    driver = browser.driver
    driver.set_window_size(WIDTH, HEIGHT)
    driver.get(url)
    browser.wait_for_leaflet_paths(min_count=10)
    driver.switch_to.default_content()

    def edit_tab(d: WebDriver) -> Any:
        tabs = d.find_elements(By.CSS_SELECTOR, '[role="tab"]')
        found = [e for e in tabs if (e.get_attribute("textContent") or "").strip() == "编辑"]
        return found[0] if found else None

    d = driver
    d.execute_script("arguments[0].click();", browser.wait().until(edit_tab))
    box = browser.wait().until(
        lambda d: d.find_element(By.CSS_SELECTOR, f".st-key-{_key('EDIT_ELEMENT')} input")
    )
    d.execute_script("arguments[0].scrollIntoView({block: 'center'});", box)
    box.click()
    box.send_keys(choice)
    box.send_keys(Keys.ENTER)
    browser.wait_in_map(
        lambda d: d.execute_script("return !!(window.planEditor && planEditor.map);"),
        what="the editor's map",
        frame_selector=EDITOR_IFRAME,
    )


def _key(name: str) -> str:
    from ui import state

    return str(getattr(state, name))


def _statutory(browser: BrowserSession) -> str:
    """The server's figures as the editor shows them, once they are there."""
    sending = t("editor_sending", "zh")

    def shown(d: WebDriver) -> str | bool:
        text = d.find_element(By.ID, "statutory").text
        return text if text and text != sending else False

    text: str = browser.wait_in_map(
        shown, what="the statutory figure on the editor", frame_selector=EDITOR_IFRAME
    )
    return text


def _km2(statutory: str) -> float:
    """The km² figure of 'statutory' ('法定面积 5.29457 平方公里 · …')."""
    return float(statutory.split()[1].replace(",", ""))


def _show_map_top(browser: BrowserSession) -> None:
    """Scroll the tab so the editor's top (its figures box) is on screen."""
    browser.driver.switch_to.default_content()
    frame = browser.driver.find_element(By.CSS_SELECTOR, EDITOR_IFRAME)
    browser.driver.execute_script("arguments[0].scrollIntoView({block: 'start'});", frame)


def _click_at(driver: WebDriver, container: Any, points: list[tuple[int, int]]) -> None:
    """Click each point (pixels from the map's centre) in turn, like a user."""
    actions = ActionChains(driver)
    for x, y in points:
        actions.move_to_element_with_offset(container, x, y).click()
    actions.perform()


def _drawn(browser: BrowserSession) -> dict[str, Any]:
    browser.enter_map(EDITOR_IFRAME)
    value: dict[str, Any] = browser.driver.execute_script(
        "return planEditor.editGroup.toGeoJSON(8);"
    )
    return value


def test_draw_a_zone_by_clicking_and_see_its_area(
    streamlit_url: Callable[[Path], str], browser: BrowserSession, workspace: Path
) -> None:
    driver = browser.driver
    _open_edit_tab(browser, streamlit_url(APP), t("edit_new_zone", "zh").strip("（）"))
    _show_map_top(browser)
    browser.enter_map(EDITOR_IFRAME)
    container = driver.find_element(By.CSS_SELECTOR, ".leaflet-container")
    driver.find_element(By.CSS_SELECTOR, ".leaflet-pm-icon-polygon").click()
    # On screen, right of the toolbar and its action buttons, below the figures box.
    corners = [(-40, -70), (120, -80), (170, 30), (60, 70), (-20, 20)]

    def add_vertex(x: int, y: int, count: int) -> None:
        """Click a vertex and wait until the polygon being drawn has ``count`` vertices
        (clicked again if the page was not ready for the click)."""
        browser.click_until(
            lambda: _click_at(driver, container, [(x, y)]),
            lambda d: browser.enter_map(EDITOR_IFRAME) or d.execute_script(
                "return planEditor.vertices();") >= count,
            what=f"vertex {count}",
        )  # fmt: skip

    for n, (x, y) in enumerate(corners[:3], start=1):
        add_vertex(x, y, n)
    ActionChains(driver).move_to_element_with_offset(container, 50, 0).perform()

    def approx(d: WebDriver) -> str | bool:
        text = d.find_element(By.ID, "approx").text
        return text if text.startswith("≈") else False

    shown = browser.wait_in_map(
        approx, what="the ≈ area while drawing", frame_selector=EDITOR_IFRAME
    )
    assert "平方公里" in shown and "亩" in shown
    driver.switch_to.default_content()
    browser.screenshot("editor_drawing_zone_1366")
    browser.enter_map(EDITOR_IFRAME)
    for n, (x, y) in enumerate(corners[3:], start=4):
        add_vertex(x, y, n)
    _click_at(driver, container, [corners[0]])  # the first vertex closes it
    statutory = _statutory(browser)
    drawn = _drawn(browser)
    assert len(drawn["features"]) == 1
    assert len(drawn["features"][0]["geometry"]["coordinates"][0]) == len(corners) + 1
    assert _km2(statutory) == pytest.approx(geod_m2(drawn) / 1e6, rel=1e-5)
    _show_map_top(browser)
    browser.screenshot("editor_drawn_zone_statutory_1366")


def test_edit_the_financial_district_west_edge_and_save(
    streamlit_url: Callable[[Path], str], browser: BrowserSession, workspace: Path
) -> None:
    driver = browser.driver
    _open_edit_tab(browser, streamlit_url(APP), FIN)
    before = _drawn(browser)
    # The westernmost vertex, brought to the map's centre (a pan sends nothing).
    icon = driver.execute_script(
        "const layer = planEditor.editGroup.getLayers()[0];"
        "const markers = layer.pm._markers.flat(3);"
        "const west = markers.reduce((a, b) => a.getLatLng().lng < b.getLatLng().lng ? a : b);"
        "planEditor.map.setView(west.getLatLng(), planEditor.map.getZoom(), {animate: false});"
        "return west._icon;"
    )
    browser.enter_map(EDITOR_IFRAME, scroll=True)
    ActionChains(driver).click_and_hold(icon).move_by_offset(-10, 0).move_by_offset(
        -30, 0
    ).release().perform()
    statutory = _statutory(browser)
    after = _drawn(browser)
    moved_m2 = geod_m2(after)
    assert moved_m2 > geod_m2(before), "the west edge moved west: the zone grew"
    assert _km2(statutory) == pytest.approx(moved_m2 / 1e6, rel=1e-5)
    _show_map_top(browser)
    browser.screenshot("editor_financial_district_before_save_1366")

    accuracy = driver.find_element(By.CSS_SELECTOR, f".st-key-{_key('EDIT_ACCURACY')} input")
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", accuracy)
    accuracy.send_keys("50", Keys.ENTER)
    reason = driver.find_element(By.CSS_SELECTOR, f".st-key-{_key('EDIT_REASON')} input")
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", reason)
    reason.send_keys("西边界按谊康北路调整", Keys.ENTER)

    def saved(d: WebDriver) -> bool:
        d.switch_to.default_content()
        return any(
            "已保存" in e.text for e in d.find_elements(By.CSS_SELECTOR, '[data-testid="stAlert"]')
        )

    def click_save() -> None:
        driver.switch_to.default_content()
        button = driver.find_element(By.CSS_SELECTOR, f".st-key-{_key('EDIT_SAVE')} button")
        driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", button)
        if button.is_enabled() and not saved(driver):
            button.click()

    browser.click_until(click_save, saved, what="saving the edit")
    alert = next(
        e
        for e in driver.find_elements(By.CSS_SELECTOR, '[data-testid="stAlert"]')
        if "已保存" in e.text
    )
    driver.execute_script("arguments[0].scrollIntoView({block: 'end'});", alert)
    browser.screenshot("editor_financial_district_saved_1366")
    # The editor reloads the element as saved (its new version): the moved vertex stays.
    browser.wait_in_map(
        lambda d: abs(geod_m2(_drawn(browser)) - moved_m2) < 1e-6 * moved_m2,
        what="the saved shape in the editor",
        frame_selector=EDITOR_IFRAME,
    )
    _show_map_top(browser)
    browser.screenshot("editor_financial_district_saved_map_1366")
    browser.collect_logs()
    assert browser.failed_requests == []

    store = Store(f"sqlite:///{workspace / EMBEDDED_FILE}")
    try:
        planner = store.local_user("planner")
        latest, *_ = store.history(planner, object_id=FIN)
        assert latest.reason == "西边界按谊康北路调整"
        assert latest.username == "planner"
        assert latest.area_after_m2 == pytest.approx(moved_m2, rel=1e-6)
        assert latest.area_before_m2 == pytest.approx(geod_m2(before), rel=1e-6)
        row = store.current_plan().loc[FIN]
        assert row["geometry_source"] == "edited"
        assert row["accuracy_m"] == 50.0
    finally:
        store.close()


def test_split_the_financial_district_by_a_drawn_line(
    streamlit_url: Callable[[Path], str], browser: BrowserSession, workspace: Path
) -> None:
    driver = browser.driver
    _open_edit_tab(browser, streamlit_url(APP), FIN)
    before = geod_m2(_drawn(browser))
    _show_map_top(browser)
    browser.enter_map(EDITOR_IFRAME)
    # A line across the district's middle, from beyond its west edge to beyond its east.
    ends = driver.execute_script(
        "const b = planEditor.editGroup.getBounds(); const m = planEditor.map;"
        "const y = (b.getNorth() + b.getSouth()) / 2;"
        "m.setView([y, (b.getWest() + b.getEast()) / 2], m.getZoom(), {animate: false});"
        "const w = m.latLngToContainerPoint([y, b.getWest()]);"
        "const e = m.latLngToContainerPoint([y, b.getEast()]);"
        "const c = m.getSize().divideBy(2);"
        "return [Math.round(w.x - c.x) - 15, Math.round(e.x - c.x) + 15];"
    )
    container = driver.find_element(By.CSS_SELECTOR, ".leaflet-container")
    driver.find_element(By.CSS_SELECTOR, ".leaflet-pm-icon-polyline").click()
    west, east = int(ends[0]), int(ends[1])
    _click_at(driver, container, [(west, 0), (east, 0)])
    driver.find_element(By.CSS_SELECTOR, ".button-container.active .action-finish").click()
    driver.switch_to.default_content()
    browser.screenshot("editor_split_line_1366")

    def pieces(d: WebDriver) -> list[Any] | bool:
        d.switch_to.default_content()
        radio = d.find_elements(
            By.CSS_SELECTOR, f".st-key-{_key('EDIT_SPLIT_PIECE')} label[data-testid=stRadioOption]"
        )
        return radio if len(radio) == 2 else False

    options = browser.wait().until(pieces)
    first_km2 = float(options[0].text.split("：")[1].split()[0])
    second_km2 = float(options[1].text.split("：")[1].split()[0])
    assert first_km2 + second_km2 == pytest.approx(before / 1e6, rel=1e-4)
    apply = f".st-key-{_key('EDIT_SPLIT_APPLY')} button"  # drawn after the pieces: wait
    button = browser.wait().until(
        lambda d: next(iter(d.find_elements(By.CSS_SELECTOR, apply)), False)
    )
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", button)
    button.click()

    def one_piece(d: WebDriver) -> float | bool:
        drawn = _drawn(browser)
        polygons = [f for f in drawn["features"] if f["geometry"]["type"] != "LineString"]
        if len(drawn["features"]) != 1 or len(polygons) != 1:
            return False
        return geod_m2(drawn)

    kept_m2 = browser.wait_in_map(one_piece, what="the kept piece", frame_selector=EDITOR_IFRAME)
    assert kept_m2 / 1e6 == pytest.approx(first_km2, rel=1e-4)
    assert _km2(_statutory(browser)) == pytest.approx(kept_m2 / 1e6, rel=1e-5)
    _show_map_top(browser)
    browser.screenshot("editor_financial_district_split_1366")
