"""App start to a drawn map, in headless Chromium (issue 7).

:func:`app_start_seconds` starts ``streamlit run streamlit_app.py`` and times until
``open_map(url)`` returns; :func:`chromium_map_opener` is that callable for Debian's
Chromium: it retries until the server answers, then waits for the plan's Leaflet paths
inside the streamlit-folium iframe. No internet is used (every other host is "not found").
:func:`map_drawn` and :func:`text_drawn` are the page states waited on (also by
``benchmarks.app_large``): the map's paths, or a text of the page drawn.

    python -m benchmarks --only app

Target: under 5 s from ``streamlit run`` to a drawn map.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

from benchmarks.synthetic import ROOT


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def app_start_seconds(open_map: Callable[[str], None], *, repeats: int = 3) -> list[float]:
    """Seconds from starting ``streamlit run streamlit_app.py`` to ``open_map`` returning,
    once per repeat, each with a fresh server process (no warm caches)."""
    out = []
    for _ in range(repeats):
        port = _free_port()
        cmd = [sys.executable, "-m", "streamlit", "run", "streamlit_app.py"]
        cmd += ["--server.headless=true", f"--server.port={port}"]
        cmd += ["--browser.gatherUsageStats=false"]
        t0 = time.perf_counter()
        server = subprocess.Popen(  # noqa: S603
            cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        try:
            open_map(f"http://127.0.0.1:{port}/")
            out.append(time.perf_counter() - t0)
        finally:
            server.terminate()
            server.wait(timeout=30)
    return out


MAP_PATHS_JS = """
const frame = document.querySelector('iframe[src*="st_folium"]');
if (!frame) return -1;
try { return frame.contentDocument.querySelectorAll('.leaflet-interactive').length; }
catch (e) { return -2; }
"""

TEXT_JS = """
return Array.from(document.querySelectorAll('[data-testid="stMarkdownContainer"]'))
  .some(e => e.innerText.trim() === arguments[0]);
"""


def map_drawn(driver: Any, *, min_paths: int = 10) -> bool:
    """Whether the streamlit-folium iframe holds at least ``min_paths`` Leaflet paths."""
    driver.switch_to.default_content()
    return int(driver.execute_script(MAP_PATHS_JS)) >= min_paths


def text_drawn(driver: Any, text: str) -> bool:
    """Whether a Markdown element of the page (what ``st.write`` draws) reads ``text``."""
    driver.switch_to.default_content()
    return bool(driver.execute_script(TEXT_JS, text))


def chromium_opener(
    ready: Callable[[Any], bool], *, timeout_s: float = 60.0
) -> Callable[[str], None]:
    """A callable that opens a URL in a fresh headless Chromium and returns once
    ``ready(driver)`` is true (polled every 50 ms)."""
    import tempfile

    from selenium import webdriver
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.chrome.service import Service

    def open_page(url: str) -> None:
        profile = tempfile.mkdtemp(prefix="chromium-bench-")
        options = webdriver.ChromeOptions()
        options.binary_location = "/usr/bin/chromium"
        for flag in (
            "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--disable-quic", "--no-first-run", "--window-size=1400,1000",
            f"--user-data-dir={profile}",
            "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1 , EXCLUDE localhost",
        ):  # fmt: skip
            options.add_argument(flag)
        driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
        try:
            deadline = time.perf_counter() + timeout_s
            while True:
                try:
                    driver.get(url)
                    break
                except WebDriverException:  # the server is not up yet: retry
                    if time.perf_counter() > deadline:
                        raise
                    time.sleep(0.1)
            while time.perf_counter() < deadline:
                if ready(driver):
                    return
                time.sleep(0.05)
            raise TimeoutError(f"the page at {url} not ready after {timeout_s} s")
        finally:
            driver.quit()

    return open_page


def chromium_map_opener(*, min_paths: int = 10, timeout_s: float = 60.0) -> Callable[[str], None]:
    """A callable that opens a URL in a fresh headless Chromium and returns once at least
    ``min_paths`` Leaflet paths are drawn in the map's iframe."""
    return chromium_opener(lambda d: map_drawn(d, min_paths=min_paths), timeout_s=timeout_s)
