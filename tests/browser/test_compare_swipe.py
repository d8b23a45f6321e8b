"""The compare tab's swipe view in headless Chromium, with no internet: the slider of
leaflet-side-by-side (vendored) is there, dragging it moves the clip of the two sides'
panes, and every request stays on 127.0.0.1."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from selenium.common.exceptions import ElementNotInteractableException, TimeoutException
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from geo.declared.i18n import t
from layers.compare_map import SWIPE_PANES
from tests.browser.conftest import REDRAWING

if TYPE_CHECKING:
    from tests.browser.conftest import BrowserSession

pytestmark = pytest.mark.browser

APPS_DIR = Path(__file__).resolve().parent / "apps"
RECT = re.compile(r"rect\((-?[\d.]+)px,? (-?[\d.]+)px,? (-?[\d.]+)px,? (-?[\d.]+)px\)")
DRAG_PX = -250


def _clips(driver: WebDriver) -> dict[str, tuple[float, ...]] | None:
    """The clip rectangle (top, right, bottom, left) of each side's pane, once both have one."""
    out = {}
    for side, pane in SWIPE_PANES.items():
        style = driver.execute_script(
            "const p = document.querySelector(arguments[0]); return p ? p.style.clip : null;",
            f".leaflet-pane.leaflet-{pane}-pane",
        )
        found = RECT.search(style or "")
        if not found:
            return None
        out[side] = tuple(float(v) for v in found.groups())
    return out


def test_swipe_slider_clips_the_two_sides_offline(
    streamlit_url: Callable[[Path], str], browser: BrowserSession
) -> None:
    url = streamlit_url(APPS_DIR / "compare_swipe.py")
    browser.driver.get(url)
    # Both sides drawn (a and b before, a and c after), each in its own pane.
    browser.wait_for_leaflet_paths(min_count=4)
    for pane in SWIPE_PANES.values():
        paths = browser.driver.find_elements(
            By.CSS_SELECTOR, f".leaflet-{pane}-pane path.leaflet-interactive"
        )
        assert len(paths) == 2, pane
    start = browser.wait_in_map(_clips, what="the panes clipped by the slider")
    # The slider starts in the middle: the left pane ends where the right one begins.
    assert start["before"][1] == pytest.approx(start["after"][3])
    slider = browser.driver.find_element(By.CSS_SELECTOR, ".leaflet-sbs-range")
    width = slider.size["width"]
    ActionChains(browser.driver).move_to_element(slider).click_and_hold().move_by_offset(
        DRAG_PX, 0
    ).release().perform()

    def moved(driver: WebDriver) -> dict[str, tuple[float, ...]] | bool:
        now = _clips(driver)
        return now if now and now["before"][1] < start["before"][1] - 100 else False

    after = browser.wait_in_map(moved, what="the clip to follow the slider")
    # The divider moved left by about the drag (the thumb's padding aside), and the two
    # panes still meet at it.
    shift = after["before"][1] - start["before"][1]
    assert DRAG_PX * 1.1 < shift < DRAG_PX * 0.8, (shift, width)
    assert after["before"][1] == pytest.approx(after["after"][3])
    value = float(slider.get_attribute("value") or "nan")
    assert value < 0.5
    browser.driver.switch_to.default_content()
    browser.screenshot("compare_swipe_component")
    browser.collect_logs()
    assert browser.failed_requests == []
    assert browser.console_errors == []
    loaded = list(browser.received_bytes)
    assert any(
        "/app/static/vendor/leaflet-side-by-side-2.2.0/leaflet-side-by-side.js" in u for u in loaded
    ), loaded


APP = Path(__file__).resolve().parents[2] / "streamlit_app.py"
SCREEN = (1366, 768)


TAB_MAPS = '.st-key-tab_body__compare iframe[src*="st_folium"]'
"""The compare tab's maps, in order: the comparison's, the adopt section's pick map, its
preview (a component's own key is not on the page: Streamlit hashes it)."""
COMPARE_MAP, PICK_MAP = 0, 1


def _wait_in_tab_map(
    browser: BrowserSession, index: int, condition: Callable[[WebDriver], Any], *, what: str
) -> Any:
    """Wait until ``condition`` holds inside the compare tab's map number ``index`` (found
    again, and scrolled into view, on every poll); the driver is left inside it."""

    def poll(driver: WebDriver) -> Any:
        driver.switch_to.default_content()
        frames = driver.find_elements(By.CSS_SELECTOR, TAB_MAPS)
        if len(frames) <= index:
            return False
        driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", frames[index])
        driver.switch_to.frame(frames[index])
        return condition(driver)

    try:
        return browser.wait().until(poll)
    except TimeoutException:
        browser.collect_logs()
        browser.screenshot("compare-wait-timeout")
        pytest.fail(f"timed out waiting for {what}; {browser._diagnostics()}")


def _shot(browser: BrowserSession, name: str, index: int) -> None:
    """A screenshot with the compare tab's map number ``index`` scrolled into view."""
    driver = browser.driver
    driver.switch_to.default_content()
    frame = driver.find_elements(By.CSS_SELECTOR, TAB_MAPS)[index]
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", frame)
    browser.screenshot(name)


def _click_text(browser: BrowserSession, css: str, text: str) -> None:
    def find(driver: WebDriver) -> Any:
        driver.switch_to.default_content()
        hits = [
            e
            for e in driver.find_elements(By.CSS_SELECTOR, css)
            if text in (e.get_attribute("textContent") or "")
        ]
        return hits[0] if hits else False

    element = browser.wait().until(find)
    # Scrolled into view first (a tab far along the bar, a widget below the fold).
    browser.driver.execute_script(
        "arguments[0].scrollIntoView({block: 'center', inline: 'center'});", element
    )
    ActionChains(browser.driver).move_to_element(element).click().perform()


def _choose(browser: BrowserSession, key: str, option: str) -> None:
    """Pick ``option`` in the selectbox with widget key ``key`` (typed, so that a long
    list shows it)."""
    _click_text(browser, f".st-key-{key} [role=combobox]", "")
    field = browser.driver.find_element(By.CSS_SELECTOR, f".st-key-{key} [role=combobox]")
    field.send_keys(option)
    _click_text(browser, "[role=option]", option)


def test_compare_and_adopt_in_the_app(
    streamlit_url: Callable[[Path], str],
    browser: BrowserSession,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The real app at 1366x768 on an embedded store: the university area edited twice,
    a DXF saved. The compare tab shows the difference view, then the swipe view; the
    adopt section previews the DXF's red line as the university area, and a click on a
    green parcel assigns it too (the preview's new area grows)."""
    from geo.store.store import open_plan_store
    from tests.app.test_compare_tab import BOX_A, BOX_B, UNI, _edit, _save_drawing

    root = tmp_path / "workspace"
    monkeypatch.setenv("PLANMAP_WORKSPACE", str(root))
    monkeypatch.delenv("PLANMAP_DATABASE_URL", raising=False)
    monkeypatch.delenv("PLANMAP_REQUIRE_LOGIN", raising=False)
    monkeypatch.setenv("PLANMAP_USER", "planner")
    store = open_plan_store(workspace_dir=root)
    try:
        _edit(store, BOX_A, "草图")
        _edit(store, BOX_B, "东边界调整")
        _save_drawing(store, tmp_path)
        uni_zh = str(store.current_plan().loc[UNI, "name_zh"])
    finally:
        store.close()
    driver = browser.driver
    driver.set_window_size(*SCREEN)
    driver.get(streamlit_url(APP))
    browser.wait_for_leaflet_paths(min_count=10)
    _click_text(browser, "[role=tab]", "比较与采用")
    # The difference view: the element's added piece (green) and the unchanged one.
    _wait_in_tab_map(
        browser, COMPARE_MAP,
        lambda d: len(d.find_elements(By.CSS_SELECTOR, ".leaflet-interactive")) >= 2,
        what="the difference map's pieces",
    )  # fmt: skip
    _shot(browser, "compare_difference_1366", COMPARE_MAP)
    _click_text(browser, ".st-key-compare_view label", "卷帘对比")
    _wait_in_tab_map(
        browser, COMPARE_MAP,
        lambda d: d.find_elements(By.CSS_SELECTOR, ".leaflet-sbs-range")
        and len(d.find_elements(By.CSS_SELECTOR, ".leaflet-compareAfter-pane path")) == 1,
        what="the swipe view",
    )  # fmt: skip
    start = _wait_in_tab_map(browser, COMPARE_MAP, _clips, what="the panes clipped")
    slider = driver.find_element(By.CSS_SELECTOR, ".leaflet-sbs-range")
    ActionChains(driver).move_to_element(slider).click_and_hold().move_by_offset(
        -120, 0
    ).release().perform()
    _wait_in_tab_map(
        browser, COMPARE_MAP,
        lambda d: (c := _clips(d)) and c["before"][1] < start["before"][1] - 60,
        what="the clip to follow the slider",
    )  # fmt: skip
    _shot(browser, "compare_swipe_1366", COMPARE_MAP)
    # Adopt: the saved drawing; its red line names the university area.
    _choose(browser, "adopt_layer", "控规")
    _wait_in_tab_map(
        browser, PICK_MAP,
        lambda d: len(d.find_elements(By.CSS_SELECTOR, ".leaflet-interactive")) >= 3,
        what="the drawing's polygons to click",
    )  # fmt: skip
    _shot(browser, "adopt_preview_dxf_1366", PICK_MAP + 1)
    _choose(browser, "adopt_pick_element", uni_zh[:4])

    def green_parcel(d: WebDriver) -> Any:
        paths = d.find_elements(By.CSS_SELECTOR, ".leaflet-interactive")
        free = [p for p in paths if p.get_attribute("stroke") == "#525252"]
        return free[0] if len(free) == 2 else False

    _wait_in_tab_map(browser, PICK_MAP, green_parcel, what="the free parcels")

    def click_parcel() -> None:
        # Found again in the map as it is now (choosing the element reran the page).
        try:
            parcel = _wait_in_tab_map(browser, PICK_MAP, green_parcel, what="a free parcel")
            ActionChains(driver).move_to_element(parcel).click().perform()
        except (ElementNotInteractableException, *REDRAWING):
            pass

    def assigned_twice(d: WebDriver) -> bool:
        d.switch_to.default_content()
        frames = d.find_elements(By.CSS_SELECTOR, TAB_MAPS)
        if len(frames) <= PICK_MAP:
            return False
        d.switch_to.frame(frames[PICK_MAP])
        paths = d.find_elements(By.CSS_SELECTOR, ".leaflet-interactive")
        return len([p for p in paths if p.get_attribute("stroke") == "#2166ac"]) == 2

    browser.click_until(click_parcel, assigned_twice, what="the clicked parcel drawn as assigned")
    driver.switch_to.default_content()
    united = t("note_united", "zh", elements=UNI)
    browser.wait().until(lambda d: united in d.find_element(By.TAG_NAME, "body").text)
    _shot(browser, "adopt_click_assigned_1366", PICK_MAP)
    browser.collect_logs()
    assert browser.failed_requests == []
