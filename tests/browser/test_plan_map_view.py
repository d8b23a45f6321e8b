"""The plan map read offline in a real browser at 1366×768 (issue 13): names on the map
without hovering (none overlapping), street names along the streets, the 1+3+N view with
its prefectures, point zones and per-tier toggles, the bundled web font, a metric scale.

Uses the standalone HTML export (the app's own plan map, assets inlined) of the
project's data, so no server is needed; screenshots go to tests/browser/artifacts/.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from geo.declared.registry import load_registry
from geo.plan.zones import load_plan_layers
from layers.export_html import write_html
from layers.plan_map import WEB_FONT_FAMILY

if TYPE_CHECKING:
    from tests.browser.conftest import BrowserSession

pytestmark = pytest.mark.browser

WIDTH, HEIGHT = 1366, 768
PROVINCE_VIEW = ["extents", "context_regions", "province_1_3_n"]

# The labels the page shows: their rectangles on screen, text and kind.
SHOWN_LABELS = """
return Array.from(document.querySelectorAll('.cg-label')).filter(function (e) {
  return e.parentElement.style.display !== 'none' && e.offsetParent !== null;
}).map(function (e) {
  var r = e.getBoundingClientRect();
  return {text: e.textContent, street: e.classList.contains('cg-label-street'),
          transform: e.style.transform,
          left: r.left, right: r.right, top: r.top, bottom: r.bottom};
});
"""
MAP = "Object.values(window).find(function (v) { return v instanceof L.Map; })"


@pytest.fixture(scope="module")
def zones():  # type: ignore[no-untyped-def]
    return load_plan_layers(registry=load_registry())


def set_viewport(browser: BrowserSession, width: int = WIDTH, height: int = HEIGHT) -> None:
    """Make the page's viewport (not the window around it) ``width`` × ``height``."""
    browser.driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
    )


def _open(browser: BrowserSession, page: Path) -> None:
    set_viewport(browser)
    browser.driver.get(page.as_uri())
    browser.wait_for_leaflet_paths(min_count=3, frame_selector=None)


def _labels_placed_after(browser: BrowserSession, count: int) -> list[dict[str, Any]]:
    """Wait until the label script has placed the labels more than ``count`` times (a
    zoom or a toggle places them again) and the web font is in; return the shown ones."""

    def placed(d: WebDriver) -> list[dict[str, Any]] | bool:
        c = d.find_element(By.CSS_SELECTOR, ".leaflet-container")
        ready = c.get_attribute("data-cg-labels-fonts") == "loaded"
        done = int(c.get_attribute("data-cg-labels-placed") or 0) > count
        return d.execute_script(SHOWN_LABELS) if done and ready else False

    shown: list[dict[str, Any]] = browser.wait_in_map(
        placed, what="the labels placed", frame_selector=None
    )
    return shown


def _placements(browser: BrowserSession) -> int:
    c = browser.driver.find_element(By.CSS_SELECTOR, ".leaflet-container")
    return int(c.get_attribute("data-cg-labels-placed") or 0)


def _overlapping(labels: list[dict[str, Any]]) -> list[tuple[str, str]]:
    pairs = []
    for i, a in enumerate(labels):
        for b in labels[i + 1 :]:
            if (
                a["left"] < b["right"]
                and b["left"] < a["right"]
                and a["top"] < b["bottom"]
                and b["top"] < a["bottom"]
            ):
                pairs.append((a["text"], b["text"]))
    return pairs


def test_default_view_names_the_zones_and_streets_without_overlap(
    zones: Any, tmp_path: Path, browser: BrowserSession
) -> None:
    visible = [s.id for s in load_registry().layers if s.visible]
    page = write_html(zones, tmp_path / "default.html", layers=visible, title="呈贡规划一张图")
    _open(browser, page)
    driver = browser.driver
    shown = _labels_placed_after(browser, 0)
    zone_names = {label["text"] for label in shown if not label["street"]}
    # At district zoom the main zones are named (before: nothing below zoom 13).
    zoom = driver.execute_script(f"return {MAP}.getZoom();")
    assert zoom <= 12, zoom
    assert len(zone_names) >= 6, zone_names
    assert {"滇池", "梁王山"} <= zone_names, zone_names
    assert _overlapping(shown) == []
    # The bundled web font drew them (this machine has system CJK fonts too, so check
    # that the page's own font face was loaded, not just that glyphs appeared).
    faces = driver.execute_script(
        "return Array.from(document.fonts).map(f => [f.family, f.status]);"
    )
    assert [f"{WEB_FONT_FAMILY}", "loaded"] in [[f.strip('"'), s] for f, s in faces], faces
    # The scale bar is metric only: one line, in m or km.
    scales = [e.text for e in driver.find_elements(By.CSS_SELECTOR, ".leaflet-control-scale-line")]
    assert len(scales) == 1 and re.fullmatch(r"\d+ k?m", scales[0]), scales
    browser.screenshot("map_default_view_1366")

    # Two levels in, the streets are named along their lines, still without overlap.
    before = _placements(browser)
    driver.execute_script(
        f"var m = {MAP}; m.setView([24.875, 102.855], m.getZoom() + 2, {{animate: false}});"
    )
    shown = _labels_placed_after(browser, before)
    streets = [label for label in shown if label["street"]]
    assert len(streets) >= 3, [label["text"] for label in shown]
    assert all("rotate(" in label["transform"] for label in streets)
    assert _overlapping(shown) == []
    browser.screenshot("map_streets_named_1366")
    browser.collect_logs()
    assert browser.console_errors == []


def _paths_with_stroke(driver: WebDriver, colour: str) -> list[Any]:
    return [
        p
        for p in driver.find_elements(By.CSS_SELECTOR, "path.leaflet-interactive")
        if p.get_attribute("stroke") == colour
    ]


def test_the_1_3_n_view_shows_prefectures_points_and_toggles_tiers(
    zones: Any, tmp_path: Path, browser: BrowserSession
) -> None:
    spec = load_registry().layer("province_1_3_n")
    context = load_registry().layer("context_regions")
    page = write_html(zones, tmp_path / "p.html", layers=PROVINCE_VIEW, title="“1+3+N” 空间格局")
    _open(browser, page)
    driver = browser.driver
    shown = _labels_placed_after(browser, 0)
    names = {label["text"] for label in shown}
    assert {"昆明市", "曲靖市", "玉溪市"} <= names, names
    assert _overlapping(shown) == []
    # the four prefecture outlines are drawn, in the context layer's grey
    assert len(_paths_with_stroke(driver, context.color)) == 4
    # the three point zones are circles in the tier colour, not default blue pins
    assert driver.find_elements(By.CSS_SELECTOR, "img.leaflet-marker-icon") == []
    points = zones[(zones["layer"] == spec.id) & (zones.geometry.geom_type == "Point")]
    assert len(points) == 3
    tier_3 = _paths_with_stroke(driver, spec.colors["3"])
    areal_3 = zones[(zones["layer"] == spec.id) & (zones["tier"] == "3")]
    assert len(tier_3) == len(areal_3)  # every tier-3 feature, the 3 points included
    browser.screenshot("map_1_3_n_view_1366")

    # Untick "N": its zones and their labels go; tick it again: they are back.
    n_count = len(_paths_with_stroke(driver, spec.colors["N"]))
    assert n_count == int((zones.loc[zones["layer"] == spec.id, "tier"] == "N").sum())
    box = driver.find_element(By.CSS_SELECTOR, 'input.cg-tier[data-tier="N"]')
    before = _placements(browser)
    box.click()
    shown = _labels_placed_after(browser, before)
    assert _paths_with_stroke(driver, spec.colors["N"]) == []
    assert len(_paths_with_stroke(driver, spec.colors["3"])) == len(tier_3)
    n_names = set(zones.loc[(zones["layer"] == spec.id) & (zones["tier"] == "N"), "name_zh"])
    assert not n_names & {label["text"] for label in shown}
    browser.screenshot("map_1_3_n_without_n_1366")
    # Drawn again (the app rebuilds the map when another layer is switched), N stays off.
    driver.refresh()
    browser.wait_for_leaflet_paths(min_count=3, frame_selector=None)
    _labels_placed_after(browser, 0)
    box = driver.find_element(By.CSS_SELECTOR, 'input.cg-tier[data-tier="N"]')
    assert not box.is_selected()
    assert _paths_with_stroke(driver, spec.colors["N"]) == []
    before = _placements(browser)
    box.click()
    _labels_placed_after(browser, before)
    assert len(_paths_with_stroke(driver, spec.colors["N"])) == n_count
    browser.collect_logs()
    assert browser.console_errors == []
