"""App start to a drawn map, in headless Chromium (issue 7).

:func:`app_start_seconds` starts ``streamlit run streamlit_app.py`` and times until
``open_map(url)`` returns; :func:`chromium_map_opener` is that callable for Debian's
Chromium: it retries until the server answers, then waits for the plan's Leaflet paths
inside the streamlit-folium iframe. No internet is used (every other host is "not found").

    python -m benchmarks --only app

Target: under 5 s from ``streamlit run`` to a drawn map.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Callable

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


def chromium_map_opener(*, min_paths: int = 10, timeout_s: float = 60.0) -> Callable[[str], None]:
    """A callable that opens a URL in a fresh headless Chromium and returns once at least
    ``min_paths`` Leaflet paths are drawn in the map's iframe."""
    import tempfile

    from selenium import webdriver
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By

    def open_map(url: str) -> None:
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
                driver.switch_to.default_content()
                for frame in driver.find_elements(By.CSS_SELECTOR, 'iframe[src*="st_folium"]'):
                    driver.switch_to.frame(frame)
                    if (
                        len(driver.find_elements(By.CSS_SELECTOR, ".leaflet-interactive"))
                        >= min_paths
                    ):
                        return
                    driver.switch_to.default_content()
                time.sleep(0.05)
            raise TimeoutError(f"no drawn map at {url} after {timeout_s} s")
        finally:
            driver.quit()

    return open_map
