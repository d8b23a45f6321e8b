"""The Chinese page has no English sentence left (issue 13, 'Chinese first'): the
default view, a selected zone, the overlap analysis tab and the 1+3+N view at 1366×768
and 1920×1080 in headless Chromium, each screenshot kept in tests/browser/artifacts.

A line counts as an English sentence when it has no CJK character and at least four
Latin words (ids, codes, numbers and the English names beside Chinese ones pass);
Streamlit's own English texts are named one by one."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from selenium.webdriver.common.by import By

from geo.declared.i18n import t
from geo.declared.registry import load_registry
from geo.plan.zones import load_plan_layers
from tests.browser.test_language_switch import ZONE, _panel_heads, _spot_far_from_lines

if TYPE_CHECKING:
    from tests.browser.conftest import BrowserSession

pytestmark = pytest.mark.browser

APP = Path(__file__).resolve().parents[2] / "streamlit_app.py"
CJK = re.compile(r"[\u4e00-\u9fff]")
WORD = re.compile(r"\b[A-Za-z]{2,}\b")
STREAMLIT_ENGLISH = (
    "No results",
    "Choose an option",
    "Choose options",
    "No options to select",
    "Drag and drop",
    "Browse files",
    "200MB per file",
)


KEYBOARD_ONLY = frozenset({"Skip to main content"})
"""Streamlit's skip link: drawn only when the keyboard focuses it, and not an app text
(Streamlit has no setting for it)."""


def english_lines(text: str) -> list[str]:
    """Lines of ``text`` that read as English sentences (see the module's docstring)."""
    return [
        line
        for line in (raw.strip() for raw in text.splitlines())
        if line
        and line not in KEYBOARD_ONLY
        and not CJK.search(line)
        and len(WORD.findall(line)) >= 4
    ]


def _page_text(driver: Any) -> str:
    driver.switch_to.default_content()
    return str(driver.execute_script("return document.body.innerText;"))


def _settled(driver: Any) -> bool:
    driver.switch_to.default_content()
    return not driver.find_elements(By.CSS_SELECTOR, '[data-testid="stStatusWidget"]')


@pytest.mark.parametrize("size", [(1366, 768), (1920, 1080)], ids=["1366", "1920"])
def test_the_chinese_page_has_no_english_sentence(
    streamlit_url: Callable[[Path], str], browser: BrowserSession, size: tuple[int, int]
) -> None:
    from tests.browser.test_language_switch import _click_at

    driver = browser.driver
    driver.set_window_size(*size)
    driver.get(streamlit_url(APP))
    browser.wait_for_leaflet_paths(min_count=10)
    browser.wait().until(_settled)
    found: dict[str, list[str]] = {}

    def look(view: str) -> None:
        browser.wait().until(_settled)
        browser.screenshot(f"zh_{view}_{size[0]}")
        text = _page_text(driver)
        found[view] = english_lines(text) + [s for s in STREAMLIT_ENGLISH if s in text]

    look("default_view")
    zone = load_plan_layers().loc[ZONE]
    browser.click_until(
        _click_at(browser, _spot_far_from_lines(ZONE)),
        lambda d: zone["name_zh"] in _panel_heads(d),
        what="clicking the financial district",
    )
    look("selected_zone")
    driver.switch_to.default_content()
    overlap = t("overlap_tab", "zh")
    # Found and clicked in one script: a rerun may replace the tab bar between a lookup
    # and a click (a stale node); clicking an open tab again is harmless.
    browser.click_until(
        lambda: driver.execute_script(
            "const tab = [...document.querySelectorAll('[role=tab]')]"
            ".find(b => b.innerText.includes(arguments[0])); if (tab) tab.click();",
            overlap,
        ),
        lambda d: t("overlap_pick_hint", "zh") in _page_text(d),
        what="opening the overlap tab",
    )
    look("overlap_tab")
    # The 1+3+N view on a fresh page (a selection keeps the view where it is).
    driver.get(driver.current_url)
    browser.wait_for_leaflet_paths(min_count=10)
    browser.wait().until(_settled)
    registry = load_registry()
    group = registry.group("province")
    driver.find_element(
        By.XPATH, f"//label[.//*[normalize-space(text())={group.name_zh!r}]]"
    ).click()
    grey = registry.layer("context_regions").color

    def prefectures_drawn(d: Any) -> bool:
        strokes = [
            p.get_attribute("stroke")
            for p in d.find_elements(By.CSS_SELECTOR, "path.leaflet-interactive")
        ]
        return strokes.count(grey) >= 4

    browser.wait_in_map(prefectures_drawn, what="the 1+3+N view with the prefectures")
    driver.switch_to.default_content()
    look("1_3_n_view")
    assert all(not lines for lines in found.values()), found
