"""Basemaps in a real browser, against a tiny local tile server (issue 13).

- Tianditu's CGCS2000 grid ('c', EPSG:4490 longitude/latitude) and its web-mercator
  grid ('w'): the tiles the map asks for are the ones that cover the view, by the
  grids' own closed-form definitions (computed here, not by Leaflet).
- An online basemap that cannot be reached: the map drops its tiles and says so.
- Tianditu with no token: no tiles asked for, and the map says how to enable it.

The page is the app's base map with its assets inlined, opened from a file; the tile
server is a ``ThreadingHTTPServer`` on 127.0.0.1 answering every request with one
generated 256-px PNG and recording the query.
"""

from __future__ import annotations

import http.server
import math
import socket
import struct
import threading
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from geo.declared.basemaps import Basemap, available_basemaps, load_basemaps
from geo.declared.i18n import t
from layers.offline import use_local_assets
from layers.plan_map import BASEMAP_NOTICE_ID, CHENGGONG_CENTRE, base_map
from tests.browser.test_plan_map_view import MAP, set_viewport

if TYPE_CHECKING:
    from tests.browser.conftest import BrowserSession

pytestmark = pytest.mark.browser

WMTS = (
    "/{layer}_{grid}/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER={layer}"
    "&STYLE=default&TILEMATRIXSET={grid}&FORMAT=tiles"
)


def _png(size: int = 256, rgb: tuple[int, int, int] = (200, 220, 240)) -> bytes:
    """A plain-colour PNG, written by hand (zlib + CRCs)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    row = b"\x00" + bytes(rgb) * size
    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(row * size))
        + chunk(b"IEND", b"")
    )


class _TileServer(http.server.ThreadingHTTPServer):
    requests: list[dict[str, str]]


@pytest.fixture
def tile_server() -> Iterator[_TileServer]:
    tile = _png()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            query = {k: v[0] for k, v in parse_qs(parts.query).items()}
            self.server.requests.append({"path": parts.path, **query})  # type: ignore[attr-defined]
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.send_header("Content-Length", str(len(tile)))
            self.end_headers()
            self.wfile.write(tile)

        def log_message(self, *_args: Any) -> None:
            pass

    server = _TileServer(("127.0.0.1", 0), Handler)
    server.requests = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def _basemap(url: str, *, grid: str, overlay_url: str | None = None) -> Basemap:
    return Basemap(
        id=f"test_{grid}",
        name_zh="测试底图",
        name_en="Test basemap",
        crs="wgs84",
        url=url,
        overlay_url=overlay_url,
        subdomains="abc",
        attribution="test tiles",
        token_env=None,
        default=False,
        tile_grid=grid,
    )


def _open_base_map(browser: BrowserSession, tmp_path: Path, basemap: Basemap) -> None:
    m = base_map(basemap=basemap, lang="zh")  # centred on Chenggong at zoom 11
    page = tmp_path / "base.html"
    use_local_assets(m, inline=True).save(str(page))
    set_viewport(browser)
    browser.driver.get(page.as_uri())


def _basemap_state(browser: BrowserSession, state: str) -> None:
    def reached(d: WebDriver) -> bool:
        c = d.find_element(By.CSS_SELECTOR, ".leaflet-container")
        return c.get_attribute("data-cg-basemap") == state

    browser.wait_in_map(reached, what=f"the basemap {state}", frame_selector=None)


def _all_tiles_loaded(browser: BrowserSession) -> dict[str, Any]:
    """Wait until Leaflet has no tile left loading; return the view (zoom, bounds)."""

    def settled(d: WebDriver) -> dict[str, Any] | bool:
        loading = d.execute_script(
            "return Array.from(document.querySelectorAll('img.leaflet-tile'))"
            ".filter(i => !i.classList.contains('leaflet-tile-loaded')).length;"
        )
        tiles = d.find_elements(By.CSS_SELECTOR, "img.leaflet-tile-loaded")
        if loading or not tiles:
            return False
        view: dict[str, Any] = d.execute_script(
            f"var m = {MAP}, b = m.getBounds();"
            "return {zoom: m.getZoom(), west: b.getWest(), east: b.getEast(),"
            " south: b.getSouth(), north: b.getNorth()};"
        )
        return view

    view: dict[str, Any] = browser.wait_in_map(
        settled, what="every tile loaded", frame_selector=None
    )
    return view


def _cgcs2000_tiles(view: dict[str, Any]) -> set[tuple[int, int, int]]:
    """(level, row, col) covering the view in Tianditu's 'c' matrix set: level n has
    2^n × 2^(n-1) tiles of 180°/2^(n-1) from (90° N, 180° W); level = zoom + 1."""
    level = view["zoom"] + 1
    span = 180.0 / 2 ** (level - 1)
    cols = range(
        math.floor((view["west"] + 180) / span), math.floor((view["east"] + 180) / span) + 1
    )
    rows = range(
        math.floor((90 - view["north"]) / span), math.floor((90 - view["south"]) / span) + 1
    )
    return {(level, r, c) for r in rows for c in cols}


def _web_mercator_tiles(view: dict[str, Any]) -> set[tuple[int, int, int]]:
    """(zoom, row, col) covering the view in the web-mercator grid ('w', XYZ)."""
    z = view["zoom"]
    n = 2**z

    def col(lon: float) -> int:
        return math.floor((lon + 180) / 360 * n)

    def row(lat: float) -> int:
        phi = math.radians(lat)
        return math.floor((1 - math.asinh(math.tan(phi)) / math.pi) / 2 * n)

    cols = range(col(view["west"]), col(view["east"]) + 1)
    rows = range(row(view["north"]), row(view["south"]) + 1)
    return {(z, r, c) for r in rows for c in cols}


def _requested(server: _TileServer, path: str) -> set[tuple[int, int, int]]:
    return {
        (int(q["TILEMATRIX"]), int(q["TILEROW"]), int(q["TILECOL"]))
        for q in server.requests
        if q["path"] == path
    }


@pytest.mark.parametrize(
    ("grid", "matrix_set", "expected_tiles"),
    [("cgcs2000", "c", _cgcs2000_tiles), ("web_mercator", "w", _web_mercator_tiles)],
)
def test_tianditu_tiles_are_asked_for_in_their_own_grid(
    grid: str,
    matrix_set: str,
    expected_tiles: Any,
    tmp_path: Path,
    browser: BrowserSession,
    tile_server: _TileServer,
) -> None:
    host = f"http://127.0.0.1:{tile_server.server_address[1]}"
    template = "&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}"
    base = host + WMTS.format(layer="vec", grid=matrix_set) + template
    labels = host + WMTS.format(layer="cva", grid=matrix_set) + template
    _open_base_map(browser, tmp_path, _basemap(base, grid=grid, overlay_url=labels))
    _basemap_state(browser, "ok")
    view = _all_tiles_loaded(browser)
    assert view["zoom"] == 11
    lat, lon = CHENGGONG_CENTRE
    assert view["south"] < lat < view["north"] and view["west"] < lon < view["east"]
    expected = expected_tiles(view)
    assert 6 <= len(expected) <= 40, expected
    for layer in ("vec", "cva"):  # the map and its labels, tile for tile
        asked = _requested(tile_server, f"/{layer}_{matrix_set}/wmts")
        assert asked == expected, (layer, sorted(asked ^ expected))
    assert all(q["TILEMATRIXSET"] == matrix_set for q in tile_server.requests)
    browser.screenshot(f"basemap_tianditu_{matrix_set}_local_tiles")
    browser.collect_logs()
    assert browser.console_errors == []


def test_an_unreachable_basemap_falls_back_to_no_tiles_and_says_so(
    tmp_path: Path, browser: BrowserSession
) -> None:
    with socket.socket() as sock:  # a port nothing listens on: every tile is refused
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    _open_base_map(
        browser,
        tmp_path,
        _basemap(f"http://127.0.0.1:{port}/{{z}}/{{x}}/{{y}}.png", grid="web_mercator"),
    )
    _basemap_state(browser, "unreachable")
    driver = browser.driver
    notice = driver.find_element(By.ID, BASEMAP_NOTICE_ID)
    assert notice.is_displayed()
    assert notice.text == t("basemap_unreachable", "zh")
    assert "无法从本机访问" in notice.text
    assert driver.find_elements(By.CSS_SELECTOR, "img.leaflet-tile") == []  # no grey squares
    browser.screenshot("basemap_unreachable")


def test_tianditu_without_a_token_says_how_to_enable_it(
    tmp_path: Path, browser: BrowserSession
) -> None:
    tianditu = next(
        b for b in available_basemaps(load_basemaps(), token_for={}) if b.id == "tianditu_vec"
    )
    assert tianditu.token_missing
    _open_base_map(browser, tmp_path, tianditu)
    notice = browser.wait_in_map(
        lambda d: d.find_element(By.ID, BASEMAP_NOTICE_ID), what="the notice", frame_selector=None
    )
    assert notice.is_displayed()
    assert "TIANDITU_TOKEN" in notice.text and "secrets.toml" in notice.text
    browser.screenshot("basemap_token_missing")
    browser.collect_logs()
    assert browser.failed_requests == []  # no tile was even asked for
    assert browser.driver.find_elements(By.CSS_SELECTOR, "img.leaflet-tile") == []
