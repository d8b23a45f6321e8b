"""Uploads in the real app, in headless Chromium: a broken file gets a clear message and
breaks nothing; a file with script and image-tag payloads in its attributes is shown,
and the payloads appear as text, never as markup."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

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


def _wait_text(driver: WebDriver, text: str) -> None:
    WebDriverWait(driver, 60).until(lambda d: text in _body(d))


def _upload(driver: WebDriver, path: Path) -> None:
    driver.switch_to.default_content()
    field = driver.find_element(By.CSS_SELECTOR, "input[type=file]")
    field.send_keys(str(path))


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
    WebDriverWait(driver, 60).until(
        lambda d: [
            t for t in d.find_elements(By.CSS_SELECTOR, "[role=tab]") if "导入图层" in t.text
        ]
    )[0].click()

    _upload(driver, broken)
    _wait_text(driver, "无法读取该文件")
    assert "truncated" in _body(driver) or "cut off" in _body(driver)
    assert "Traceback" not in _body(driver)

    _upload(driver, good)
    _wait_text(driver, "保存到工作空间")
    next(
        b for b in driver.find_elements(By.TAG_NAME, "button") if b.text == "保存到工作空间"
    ).click()
    _wait_text(driver, "已保存：")
    assert list((tmp_path / "workspace").iterdir()), "the layer was written to the workspace"

    # Tick "show on map" for the saved layer (the checkbox carries the layer's name).
    label = next(
        el for el in driver.find_elements(By.CSS_SELECTOR, "label") if el.text.strip() == "parcels"
    )
    label.click()
    paths = browser.wait_for_leaflet_paths(min_count=10)
    mine = WebDriverWait(driver, 60).until(
        lambda d: [
            p
            for p in d.find_elements(By.CSS_SELECTOR, ".leaflet-interactive")
            if p.get_attribute("stroke") == USER_COLOUR
        ]
    )
    assert len(paths) >= 10
    ActionChains(driver).move_to_element(mine[0]).perform()
    tooltip = WebDriverWait(driver, 20).until(
        lambda d: d.find_element(By.CSS_SELECTOR, ".leaflet-tooltip")
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
