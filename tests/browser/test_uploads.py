"""Uploads in the real app, in headless Chromium: a broken file gets a clear message and
breaks nothing; a file with script and image-tag payloads in its attributes is shown,
and the payloads appear as text, never as markup."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement

if TYPE_CHECKING:
    from tests.browser.conftest import BrowserSession

pytestmark = pytest.mark.browser

APP = Path(__file__).resolve().parents[2] / "streamlit_app.py"
NAME_PAYLOAD = "<script>window.__xss_name=1</script>名称"
VALUE_PAYLOAD = "<img src=x onerror=window.__xss_value=1>七步场村"
USER_COLOUR = "#d62728"  # ui/uploads.py: the first saved layer's colour


def _write_files(folder: Path) -> tuple[Path, Path]:
    broken = folder / "broken.geojson"
    broken.write_text('{"type": "FeatureCollection", "features": [{"type": "Fea', encoding="utf-8")
    good = folder / "parcels.geojson"
    square = [[102.826, 24.872], [102.836, 24.872], [102.836, 24.880], [102.826, 24.880]]
    good.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {NAME_PAYLOAD: VALUE_PAYLOAD, "id": "p1"},
                        "geometry": {"type": "Polygon", "coordinates": [[*square, square[0]]]},
                    }
                ],
            },
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    return broken, good


def _body(driver: WebDriver) -> str:
    driver.switch_to.default_content()
    return str(driver.find_element(By.TAG_NAME, "body").text)


def _wait_text(browser: BrowserSession, text: str) -> None:
    browser.wait().until(lambda d: text in _body(d))


def _click(browser: BrowserSession, css: str, text: str | None = None) -> None:
    """Click the element matching ``css`` (and whose text is ``text``), once it is drawn."""

    def find(driver: WebDriver) -> WebElement | bool:
        driver.switch_to.default_content()
        hits = [
            e
            for e in driver.find_elements(By.CSS_SELECTOR, css)
            if text is None or e.text.strip() == text
        ]
        return hits[0] if hits and hits[0].is_enabled() else False

    browser.wait().until(find).click()  # type: ignore[union-attr]


def _upload(browser: BrowserSession, path: Path) -> None:
    browser.driver.switch_to.default_content()
    field = browser.wait().until(lambda d: d.find_element(By.CSS_SELECTOR, "input[type=file]"))
    field.send_keys(str(path))


def _user_paths(driver: WebDriver) -> list[WebElement]:
    return [
        p
        for p in driver.find_elements(By.CSS_SELECTOR, ".leaflet-interactive")
        if p.get_attribute("stroke") == USER_COLOUR
    ]


def test_upload_errors_and_untrusted_text(
    streamlit_url: Callable[[Path], str],
    browser: BrowserSession,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PLANMAP_WORKSPACE", str(tmp_path / "workspace"))
    broken, good = _write_files(tmp_path)
    driver = browser.driver
    driver.get(streamlit_url(APP))
    browser.wait_for_leaflet_paths(min_count=10)
    driver.switch_to.default_content()
    browser.wait().until(
        lambda d: [
            t for t in d.find_elements(By.CSS_SELECTOR, "[role=tab]") if "导入图层" in t.text
        ]
    )[0].click()

    _upload(browser, broken)
    _wait_text(browser, "无法读取该文件")
    # The specific reason, in the page's language (config/i18n.toml err_json_truncated).
    assert "JSON 不完整" in _body(driver) and "被截断" in _body(driver)
    assert "Traceback" not in _body(driver)

    _upload(browser, good)
    _click(browser, "button", "保存到工作空间")
    _wait_text(browser, "已保存：")
    assert list((tmp_path / "workspace").iterdir()), "the layer was written to the workspace"

    # Tick "show on map" for the saved layer (its checkbox's widget key is
    # ui/state.py's user_layer_on__<layer id>; Streamlit puts st-key-<key> on the
    # element), then wait until the map (redrawn by that rerun) holds its outline.
    _wait_text(browser, "parcels")
    _click(browser, '[class*="st-key-user_layer_on__"] label')
    browser.wait_in_map(_user_paths, what="the uploaded layer drawn in its colour")
    paths = browser.wait_for_leaflet_paths(min_count=10)
    assert len(paths) >= 10
    # Hover it until its tooltip is open (found again on each try: the map may redraw).
    tooltip = browser.hover_for_tooltip(
        lambda d: next(iter(_user_paths(d)), None), expect=lambda text: "p1" in text
    )
    # The payloads are shown as the text they are (textContent: the tooltip may run past
    # the map's edge, where Selenium's .text would not see it) ...
    shown = tooltip.get_attribute("textContent") or ""
    assert VALUE_PAYLOAD in shown
    assert NAME_PAYLOAD in shown
    # ... and none of them became an element or ran.
    assert tooltip.find_elements(By.TAG_NAME, "img") == []
    assert tooltip.find_elements(By.TAG_NAME, "script") == []
    assert driver.execute_script("return [window.__xss_name, window.__xss_value];") == [None, None]
    driver.switch_to.default_content()
    assert driver.execute_script("return [window.__xss_name, window.__xss_value];") == [None, None]
    browser.screenshot("app_user_layer")
    browser.collect_logs()
    assert browser.console_errors == []
    assert browser.failed_requests == []
