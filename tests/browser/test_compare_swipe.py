"""The compare tab's swipe view in headless Chromium, with no internet: the slider of
leaflet-side-by-side (vendored) is there, dragging it moves the clip of the two sides'
panes, and every request stays on 127.0.0.1."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from layers.compare_map import SWIPE_PANES

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
        "/app/static/vendor/leaflet-side-by-side-2.2.0/leaflet-side-by-side.js" in u
        for u in loaded
    ), loaded
