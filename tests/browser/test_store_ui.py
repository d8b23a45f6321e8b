"""The store in a real browser (headless Chromium, 1366x768), in server mode: private
layers (alice's layer is not in bob's list), the delete confirmation, the history view,
the conflict message and a restore, each seen in a screenshot in
tests/browser/artifacts/.

Runs on a throw-away PostgreSQL + PostGIS when ``PLANMAP_TEST_DATABASE_URL`` is set (as
``./test.sh`` does), else on the embedded SQLite store with ``PLANMAP_REQUIRE_LOGIN=1``.
Every wait is on the page's or the store's state, never a pause.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement

from geo.declared.i18n import t
from geo.io import geojson_text
from geo.store.layers import UserLayers
from geo.store.postgis import drop_database, install_postgis
from geo.store.store import EMBEDDED_FILE, Store
from geo.upload import LoadedLayer, read_upload
from tests.browser.conftest import BrowserSession
from tests.conftest import gk_boxes

pytestmark = pytest.mark.browser

APP = Path(__file__).resolve().parents[2] / "streamlit_app.py"
ADMIN_URL = os.environ.get("PLANMAP_TEST_DATABASE_URL")
LAYER_NAME = "alice的地块"


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Store]:
    """The store the app will run on (the server inherits this environment)."""
    root = tmp_path / "workspace"
    monkeypatch.setenv("PLANMAP_WORKSPACE", str(root))
    monkeypatch.delenv("PLANMAP_TRUSTED_HEADER", raising=False)
    if ADMIN_URL:
        name = f"planmap_ui_{uuid.uuid4().hex[:10]}"
        url = install_postgis(ADMIN_URL, database=name)  # the test cluster trusts local roles
        monkeypatch.setenv("PLANMAP_DATABASE_URL", url.render_as_string(hide_password=False))
        opened = Store(url)
        yield opened
        opened.close()
        drop_database(ADMIN_URL, name)
        return
    monkeypatch.delenv("PLANMAP_DATABASE_URL", raising=False)
    monkeypatch.setenv("PLANMAP_REQUIRE_LOGIN", "1")
    opened = Store(f"sqlite:///{root / EMBEDDED_FILE}")
    yield opened
    opened.close()


def _text(driver: WebDriver) -> str:
    """What the page shows (hidden tabs and closed expanders left out)."""
    driver.switch_to.default_content()
    return str(driver.execute_script("return document.body.innerText"))


def _wait_text(browser: BrowserSession, text: str, *, present: bool = True) -> None:
    try:
        browser.wait().until(lambda d: (text in _text(d)) == present)
    except TimeoutException:
        browser.screenshot("store_ui_timeout")
        pytest.fail(f"{text!r} {'never' if present else 'still'} shown:\n{_text(browser.driver)}")


def _element(browser: BrowserSession, css: str, text: str | None = None) -> WebElement:
    def find(driver: WebDriver) -> WebElement | bool:
        driver.switch_to.default_content()
        hits = [
            e
            for e in driver.find_elements(By.CSS_SELECTOR, css)
            if e.is_displayed()
            and (text is None or (e.get_attribute("textContent") or "").strip() == text)
        ]
        return hits[0] if hits and hits[0].is_enabled() else False

    found: WebElement = browser.wait().until(find)
    return found


def _screenshot_at(browser: BrowserSession, text: str, name: str) -> None:
    """Scroll the element showing ``text`` into the middle of its scrolling panel, then
    take the screenshot ``name`` (the tabs scroll inside themselves)."""

    def find(driver: WebDriver) -> WebElement | bool:
        driver.switch_to.default_content()
        hits = [
            e
            for e in driver.find_elements(By.XPATH, f"//*[contains(text(), {text!r})]")
            if e.is_displayed()
        ]
        return hits[-1] if hits else False

    element: WebElement = browser.wait().until(find)
    browser.driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", element)
    browser.wait().until(lambda d: bool(d.execute_script(
        "const r = arguments[0].getBoundingClientRect();"
        "return r.top >= 0 && r.bottom <= window.innerHeight;", element)))  # fmt: skip
    browser.screenshot(name)


def _click(browser: BrowserSession, css: str, text: str | None = None) -> None:
    element = _element(browser, css, text)
    browser.driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", element)
    element.click()


def _type(browser: BrowserSession, key: str, value: str) -> None:
    field = _element(browser, f".st-key-{key} input")
    field.clear()
    field.send_keys(value)


def _login(browser: BrowserSession, url: str, name: str, password: str) -> None:
    """A new session (a fresh page load) signed in as ``name``."""
    browser.driver.get(url)
    _type(browser, "login_name", name)
    _type(browser, "login_password", password)
    _click(browser, "button", t("login_button", "zh"))
    _wait_text(browser, f"{name} (editor)")


def _open_tab(browser: BrowserSession, key: str) -> None:
    _click(browser, "[role=tab]", t(key, "zh"))


def test_private_layers_delete_history_conflict_and_restore(
    streamlit_url: Callable[[Path], str], browser: BrowserSession, store: Store, tmp_path: Path
) -> None:
    alice = store.add_user("alice", "alice-pass-1", "editor")
    store.add_user("bob", "bob-pass-12", "editor")
    data = geojson_text(gk_boxes((0, 0, 300, 300), (400, 0, 700, 300))).encode("utf-8")
    loaded = read_upload(data, "parcels.geojson")
    assert isinstance(loaded, LoadedLayer)
    layer_id = (
        UserLayers(store, alice, tmp_path / "workspace")
        .save(loaded, data, name=LAYER_NAME)
        .layer_id
    )
    driver = browser.driver
    driver.set_window_size(1366, 768)
    url = streamlit_url(APP)

    # bob: alice's private layer is not in his list.
    _login(browser, url, "bob", "bob-pass-12")
    _open_tab(browser, "upload_tab")
    _wait_text(browser, t("no_saved_layers", "zh"))
    assert LAYER_NAME not in _text(driver) and layer_id not in driver.page_source
    browser.screenshot("store_private_bob")

    # alice: her layer is listed; delete asks first and deletes only on "yes".
    _login(browser, url, "alice", "alice-pass-1")
    _open_tab(browser, "upload_tab")
    _wait_text(browser, LAYER_NAME)
    browser.screenshot("store_private_alice")
    _click(browser, "button", t("delete", "zh"))  # buttons carry no st-key class
    _wait_text(browser, t("delete_confirm", "zh"))
    _screenshot_at(browser, t("delete_yes", "zh"), "store_delete_confirm")
    assert store.get(alice, layer_id).status == "active", "nothing deleted before yes"
    _click(browser, "button", t("delete_yes", "zh"))
    browser.wait().until(lambda _d: store.get(alice, layer_id).status == "deleted")
    _wait_text(browser, t("delete_confirm", "zh"), present=False)

    # The history of the layer: its versions, then a restore that meets a change made
    # meanwhile elsewhere (the conflict message), then one that succeeds.
    _open_tab(browser, "history_tab")
    _click(browser, ".st-key-history_scope label", t("history_scope_layer", "zh"))
    _wait_text(browser, t("versions_heading", "zh"))
    _element(browser, "button", t("restore_button", "zh"))  # two versions listed: restorable
    browser.screenshot("store_history")
    latest = store.get(alice, layer_id)
    store.restore(alice, layer_id, version=1, expected_version=latest.version, reason="另一窗口")
    _click(browser, "button", t("restore_button", "zh"))
    _wait_text(browser, t("conflict_heading", "zh"))
    assert "在您打开后已被 alice 于" in _text(driver)
    _screenshot_at(browser, "在您打开后已被 alice 于", "store_conflict")
    _click(browser, "button", t("restore_button", "zh"))  # the page has seen the latest
    _wait_text(browser, t("restored", "zh"))
    _screenshot_at(browser, t("restored", "zh"), "store_restore")
    assert [e.action for e in store.history(alice, object_id=layer_id)][:2] == [
        "restore",
        "restore",
    ]
    browser.collect_logs()
    assert browser.failed_requests == []
