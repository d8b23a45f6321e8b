"""A layer imported on the server (``python -m geo store import-layer``'s function) in the
real app, in headless Chromium: the layers tab lists it with the figures its import kept,
at zoom 16 its parcels are drawn from its tiles, and a click on one shows that parcel,
read from the store by its id (the browser half is ``tests/browser/test_tiles.py``'s)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from selenium.webdriver.common.by import By

from geo.io import geojson_text
from geo.store.importer import import_layer
from geo.store.store import open_plan_store
from geo.store.tiles import TileStore
from tests.app.embedded import LOCAL_USER
from tests.browser.test_tiles import _check_in_browser, _parcels

if TYPE_CHECKING:
    from tests.browser.conftest import BrowserSession

pytestmark = pytest.mark.browser


def test_an_imported_layer_lists_its_figures_draws_from_tiles_and_answers_a_click(
    streamlit_url: Callable[[Path], str],
    browser: BrowserSession,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    root = tmp_path / "workspace"
    monkeypatch.setenv("PLANMAP_WORKSPACE", str(root))
    monkeypatch.setenv("PLANMAP_USER", LOCAL_USER)
    frame = _parcels()
    path = tmp_path / "地籍.geojson"
    path.write_text(geojson_text(frame, precision=7), encoding="utf-8")
    with open_plan_store(workspace_dir=root) as store:
        done = import_layer(store, store.local_user(LOCAL_USER), path, workspace_dir=root)
    try:
        _check_in_browser(streamlit_url, browser, frame)  # tab opened, layer shown, clicked
        body = browser.driver.find_element(By.TAG_NAME, "body").text
        assert done.summary.line("km2", "zh") in body  # the kept figures, in the list
        caption = browser.driver.find_element(
            By.XPATH, "//*[@data-testid='stText'][contains(., '简单合计')]"
        )
        browser.driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", caption)
        browser.screenshot("import_layer_listed")
    finally:
        TileStore(root / "store-cache").remove(done.layer.layer_id)
