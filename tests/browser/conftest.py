"""Real-browser harness: run a Streamlit script, open it in headless Chromium.

Needs Debian's ``chromium`` and ``chromium-driver`` (``/usr/bin/chromium``,
``/usr/bin/chromedriver``). The browser resolves every host except 127.0.0.1 and
localhost to "not found", so a page that would fetch from the internet fails here
exactly as it fails on an intranet, whether or not this machine has internet.

Fixtures
--------
``streamlit_url``  factory: ``streamlit_url(script_path) -> "http://127.0.0.1:PORT"``;
                   the server is stopped at the end of the test.
``browser``        a :class:`BrowserSession` (driver plus console/network checks, and
                   helpers that wait on the page's state).

Every wait is on a condition (the server answers, an element exists, a tooltip is
open), never a fixed pause, with timeouts generous enough for a loaded 2-core machine:
they only bound how long a broken page is waited for. Anything Streamlit may redraw
(the map's iframe, its paths) is found again on every poll, so a rerun in between does
not leave a test holding a stale element.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from selenium import webdriver
from selenium.common.exceptions import (
    MoveTargetOutOfBoundsException,
    NoSuchElementException,
    NoSuchFrameException,
    StaleElementReferenceException,
    TimeoutException,
)
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import WebDriverWait

# Streamlit scripts, not test modules: keep --doctest-modules from importing them.
collect_ignore = ["apps"]

REPO_ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS_DIR = Path(__file__).resolve().parent / "artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost"})
ST_FOLIUM_IFRAME = 'iframe[src*="st_folium"]'

# Upper bounds for conditions, not pauses: a healthy run meets them in seconds; a 2-core
# machine running other test suites may need a minute or two for a cold start.
SERVER_START_TIMEOUT_S = 180.0
PAGE_TIMEOUT_S = 180.0
HEALTH_POLL_S = 0.3
# Exceptions that mean "not yet" while Streamlit redraws the page: try again next poll.
REDRAWING = (
    NoSuchElementException,
    NoSuchFrameException,
    StaleElementReferenceException,
    MoveTargetOutOfBoundsException,
)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _wait_healthy(
    url: str, process: subprocess.Popen[bytes], log_path: Path, *, name: str = "streamlit"
) -> None:
    """Until ``url``'s health check answers (through a proxy too), failing at once if
    ``process`` dies."""
    deadline = time.monotonic() + SERVER_START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"{name} exited with {process.returncode}:\n{_tail(log_path)}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        # Between polls, wait on the server process itself: back at once if it dies.
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=HEALTH_POLL_S)
    pytest.fail(f"{name} not healthy after {SERVER_START_TIMEOUT_S} s:\n{_tail(log_path)}")


def _tail(path: Path, *, lines: int = 40) -> str:
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


def _stop(process: subprocess.Popen[bytes]) -> None:
    """Stop the server and anything it started (its own process group)."""
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


@pytest.fixture
def streamlit_url(tmp_path: Path) -> Iterator[Callable[[Path], str]]:
    """Factory: start ``streamlit run SCRIPT`` on 127.0.0.1 and return its base URL.

    Runs from the repository root (so ``.streamlit/config.toml`` applies and
    ``geo``/``layers`` import). Streamlit serves ``static/`` from beside the script.
    """
    processes: list[subprocess.Popen[bytes]] = []
    logs: list[Path] = []

    def start(script: Path) -> str:
        port = _free_port()
        url = f"http://127.0.0.1:{port}"
        log_path = tmp_path / f"streamlit-{port}.log"
        env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
        command = [
            sys.executable, "-m", "streamlit", "run", str(script),
            "--server.address=127.0.0.1", f"--server.port={port}",
            "--server.headless=true", "--browser.gatherUsageStats=false",
            "--server.enableStaticServing=true", "--server.fileWatcherType=none",
        ]  # fmt: skip
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                command, cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, start_new_session=True,
            )  # fmt: skip
        processes.append(process)
        logs.append(log_path)
        _wait_healthy(url, process, log_path)
        return url

    yield start
    for process in processes:
        _stop(process)


@dataclass
class BrowserSession:
    """A headless Chromium with the console and network checks a test asserts on."""

    driver: webdriver.Chrome
    _requests: dict[str, str] = field(default_factory=dict)  # requestId -> URL
    failed_requests: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    received_bytes: dict[str, int] = field(default_factory=dict)  # URL -> bytes on the wire
    websocket_bytes: int = 0  # Streamlit's messages to the page (the map's HTML/JS travels here)

    def collect_logs(self) -> None:
        """Drain the browser's console and performance logs into the two lists.

        A failed request is one that did not load (DNS, refused, blocked), got an
        HTTP status >= 400, or went to any host but 127.0.0.1 / localhost.
        """
        for entry in self.driver.get_log("browser"):
            if entry.get("level") == "SEVERE":
                self.console_errors.append(str(entry.get("message")))
        for entry in self.driver.get_log("performance"):
            message: dict[str, Any] = json.loads(entry["message"])["message"]
            self._record_network_event(message.get("method", ""), message.get("params", {}))

    def _record_network_event(self, method: str, params: dict[str, Any]) -> None:
        if method == "Network.requestWillBeSent":
            url = params["request"]["url"]
            self._requests[params["requestId"]] = url
            parts = urlsplit(url)
            if parts.scheme in ("http", "https", "ws", "wss") and (
                parts.hostname not in LOCAL_HOSTS
            ):
                self.failed_requests.append(f"non-local request: {url}")
        elif method == "Network.responseReceived":
            status = params["response"]["status"]
            if status >= 400:
                self.failed_requests.append(f"HTTP {status}: {params['response']['url']}")
        elif method == "Network.loadingFinished":
            url = self._requests.get(params["requestId"], params["requestId"])
            self.received_bytes[url] = int(params.get("encodedDataLength", 0))
        elif method == "Network.webSocketFrameReceived":
            # payloadData is base64 for binary (protobuf) frames: decoded size is 3/4.
            self.websocket_bytes += len(params["response"]["payloadData"]) * 3 // 4
        elif method == "Network.loadingFailed":
            url = self._requests.get(params["requestId"], params["requestId"])
            if not params.get("canceled", False):
                self.failed_requests.append(f"{params.get('errorText')}: {url}")

    def screenshot(self, name: str) -> Path:
        """Save a PNG of the whole window to tests/browser/artifacts/NAME.png."""
        ARTIFACTS_DIR.mkdir(exist_ok=True)
        path = ARTIFACTS_DIR / f"{name}.png"
        self.driver.save_screenshot(str(path))
        return path

    def wait_for_leaflet_paths(
        self, *, min_count: int = 1, frame_selector: str | None = ST_FOLIUM_IFRAME
    ) -> list[WebElement]:
        """Switch into the st_folium iframe and wait for drawn Leaflet vector paths.

        Returns the ``.leaflet-interactive`` SVG elements; the driver stays inside
        the iframe (call ``driver.switch_to.default_content()`` to leave it). Pass
        ``frame_selector=None`` for a page that holds the map itself (HTML export).
        The iframe is found again on every poll, from the top of the page.
        """

        def drawn(driver: WebDriver) -> list[WebElement] | bool:
            paths = driver.find_elements(By.CSS_SELECTOR, ".leaflet-interactive")
            return paths if len(paths) >= min_count else False

        paths: list[WebElement] = self.wait_in_map(
            drawn, what=f"at least {min_count} Leaflet paths", frame_selector=frame_selector
        )
        return paths

    def wait(self, timeout: float = PAGE_TIMEOUT_S) -> WebDriverWait[WebDriver]:
        """A WebDriverWait that treats a redrawn or not-yet-drawn element as "not yet"."""
        return WebDriverWait(self.driver, timeout, ignored_exceptions=REDRAWING)

    def enter_map(
        self, frame_selector: str | None = ST_FOLIUM_IFRAME, *, scroll: bool = False
    ) -> None:
        """Switch into the map's iframe as it is now (or stay on a page holding the map);
        with ``scroll``, first scroll the page so the map is in view (the pointer can
        only reach what is on screen, e.g. while another tab's content is scrolled to)."""
        self.driver.switch_to.default_content()
        if frame_selector is not None:
            frame = self.driver.find_element(By.CSS_SELECTOR, frame_selector)
            if scroll:
                self.driver.execute_script(
                    "arguments[0].scrollIntoView({block: 'center', inline: 'center'});", frame
                )
            self.driver.switch_to.frame(frame)

    def wait_in_map(
        self,
        condition: Callable[[WebDriver], Any],
        *,
        what: str,
        frame_selector: str | None = ST_FOLIUM_IFRAME,
        timeout: float = PAGE_TIMEOUT_S,
        scroll: bool = False,
    ) -> Any:
        """Wait until ``condition`` (run inside the map's current iframe) is truthy and
        return its value; the iframe is found again on every poll (and, with ``scroll``,
        scrolled into view). The driver is left inside the iframe."""

        def poll(driver: WebDriver) -> Any:
            self.enter_map(frame_selector, scroll=scroll)
            return condition(driver)

        try:
            return self.wait(timeout).until(poll)
        except TimeoutException:
            self.collect_logs()
            self.screenshot("map-wait-timeout")
            pytest.fail(f"timed out waiting for {what}; {self._diagnostics()}")

    def hover_for_tooltip(
        self,
        target: Callable[[WebDriver], WebElement | None],
        *,
        expect: Callable[[str], bool] = lambda _text: True,
        offset: tuple[int, int] = (0, 0),
        frame_selector: str | None = ST_FOLIUM_IFRAME,
        timeout: float = PAGE_TIMEOUT_S,
    ) -> WebElement:
        """Hover the element ``target`` finds until Leaflet opens a tooltip whose
        ``textContent`` satisfies ``expect``; return that tooltip.

        Each poll finds the element again (the map may have been redrawn), moves the
        pointer to the map's corner and then onto the element (so the element gets a
        fresh mouseover even if the pointer was already there) and reads the tooltip.
        """

        def hovered(driver: WebDriver) -> WebElement | bool:
            element = target(driver)
            if element is None:
                return False
            container = driver.find_element(By.CSS_SELECTOR, ".leaflet-container")
            size = container.size
            actions = ActionChains(driver)
            actions.move_to_element_with_offset(
                container, -size["width"] // 2 + 2, -size["height"] // 2 + 2
            )
            actions.move_to_element_with_offset(element, *offset).perform()
            for tip in driver.find_elements(By.CSS_SELECTOR, ".leaflet-tooltip"):
                if expect(tip.get_attribute("textContent") or ""):
                    return tip
            return False

        tooltip: WebElement = self.wait_in_map(
            hovered,
            what="a tooltip on hover",
            frame_selector=frame_selector,
            timeout=timeout,
            scroll=True,
        )
        return tooltip

    def click_until(
        self,
        click: Callable[[], None],
        done: Callable[[WebDriver], Any],
        *,
        what: str,
        attempts: int = 4,
        per_attempt_s: float = PAGE_TIMEOUT_S / 4,
    ) -> Any:
        """Click (``click``) and wait for ``done``; if the page was not ready for the
        click (a component still loading on a busy machine), click again, up to
        ``attempts`` times. For idempotent clicks only (selecting the same zone)."""
        for _ in range(attempts):
            click()
            try:
                return self.wait(per_attempt_s).until(done)
            except TimeoutException:
                continue
        self.collect_logs()
        self.screenshot("click-timeout")
        pytest.fail(f"{what}: nothing after {attempts} clicks; {self._diagnostics()}")

    def _diagnostics(self) -> str:
        return f"console errors: {self.console_errors}; failed requests: {self.failed_requests}"


@pytest.fixture
def browser() -> Iterator[BrowserSession]:
    """Headless Chromium (1400x1000) with console and network logging, no internet."""
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        pytest.fail("needs Debian packages: apt-get install chromium chromium-driver")
    profile_dir = tempfile.mkdtemp(prefix="chromium-profile-")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (
        "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--disable-quic", "--no-first-run", "--disable-default-apps", "--disable-extensions",
        "--window-size=1400,1000", f"--user-data-dir={profile_dir}",
        # No internet, even on a machine that has it: every other host is "not found".
        "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1 , EXCLUDE localhost",
    ):  # fmt: skip
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    try:
        # Leave Chromium's own start page and drop its log entries: only what the
        # test opens afterwards is checked.
        driver.get("about:blank")
        driver.get_log("browser")
        driver.get_log("performance")
        yield BrowserSession(driver=driver)
    finally:
        driver.quit()
        shutil.rmtree(profile_dir, ignore_errors=True)
