"""Zone names are text in the real browser: a name that is an HTML tag shows as the tag's
text in the label and the tooltip, never as an element, and no script of it runs.

Uses the standalone HTML export (layers/export_html.py, the app's own plan map with
assets inlined), so no server is needed.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement

from geo.declared.registry import load_registry
from layers.export_html import write_html
from tests.geo.export_sample import sample_features

if TYPE_CHECKING:
    from tests.browser.conftest import BrowserSession

pytestmark = pytest.mark.browser

NAME = "<img src=x onerror=window.__xss_zone=1>金融区"
ZONE_ID = "fin<script>window.__xss_id=1</script>"
TITLE = "<b onmouseover=window.__xss_title=1>标题</b>"


def test_hostile_zone_names_are_shown_as_text(tmp_path: Path, browser: BrowserSession) -> None:
    features = sample_features()
    fin = features["id"] == "fin_centre"
    features.loc[fin, "name_zh"] = NAME
    features.loc[fin, "id"] = ZONE_ID
    page = write_html(features, tmp_path / "map.html", layers=["finance_business"], title=TITLE)
    driver = browser.driver
    driver.get(page.as_uri())
    colour = load_registry().layer("finance_business").color
    browser.wait_for_leaflet_paths(min_count=2, frame_selector=None)
    # Labels show from zoom 13: zoom in on the zone so its label is displayed.
    driver.execute_script(
        "var m = Object.values(window).find(v => v instanceof L.Map);"
        "m.fitBounds(L.geoJSON(arguments[0]).getBounds(), {animate: false});",
        features[fin].geometry.iloc[0].__geo_interface__,
    )

    def label(d: WebDriver) -> WebElement | None:
        found = [e for e in d.find_elements(By.CSS_SELECTOR, ".cg-label") if e.is_displayed()]
        return found[0] if found else None

    shown = browser.wait_in_map(label, what="the zone's label", frame_selector=None)
    assert shown.get_attribute("textContent") == NAME
    assert shown.find_elements(By.CSS_SELECTOR, "*") == []  # text only, no element

    def zone(d: WebDriver) -> WebElement | None:
        paths = d.find_elements(By.CSS_SELECTOR, ".leaflet-interactive")
        mine = [p for p in paths if p.get_attribute("stroke") == colour]
        # the largest finance polygon on screen is the hostile zone (2 x 2.5 km)
        return max(mine, key=lambda p: p.size["width"] * p.size["height"], default=None)

    tooltip = browser.hover_for_tooltip(
        zone, frame_selector=None, expect=lambda text: "金融区" in text
    )
    text = tooltip.get_attribute("textContent") or ""
    assert NAME in text and ZONE_ID in text
    # the figures too: ellipsoidal area in three units, accuracy, source
    assert re.search(r"≈?[\d.,]+ 平方公里 · ≈?[\d.,]+ 公顷 · ≈?[\d.,]+ 亩", text), text
    assert "估计精度" in text and "±300 米" in text and "几何来源" in text
    assert tooltip.find_elements(By.TAG_NAME, "img") == []
    assert tooltip.find_elements(By.TAG_NAME, "script") == []
    header = driver.find_element(By.XPATH, "//*[contains(text(), '标题')]")
    assert TITLE in (header.get_attribute("textContent") or "")
    assert driver.find_elements(By.CSS_SELECTOR, "b[onmouseover]") == []
    assert driver.title == TITLE
    assert driver.execute_script(
        "return [window.__xss_zone, window.__xss_id, window.__xss_title];"
    ) == [None, None, None]
    browser.collect_logs()
    assert browser.console_errors == []
