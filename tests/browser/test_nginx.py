"""deploy/nginx.conf in front of the real app: Streamlit's JavaScript and the vendored
map assets come gzip-compressed and cacheable, the page itself is not cached, and the
websocket path is proxied. Skipped where nginx is not installed (``apt-get install
nginx``)."""

from __future__ import annotations

import gzip
import re
import shutil
import subprocess
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.browser.conftest import _free_port, _wait_healthy

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        shutil.which("nginx") is None and not Path("/usr/sbin/nginx").exists(),
        reason="nginx is not installed (apt-get install nginx)",
    ),
]

REPO = Path(__file__).resolve().parents[2]
APP = REPO / "streamlit_app.py"
CONF = REPO / "deploy" / "nginx.conf"


def _get(url: str) -> tuple[dict[str, str], bytes]:
    request = urllib.request.Request(url, headers={"Accept-Encoding": "gzip"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return {k.lower(): v for k, v in response.headers.items()}, response.read()


@pytest.fixture
def proxied(streamlit_url: Callable[[Path], str], tmp_path: Path) -> Iterator[str]:
    app = streamlit_url(APP).removeprefix("http://")
    port = _free_port()
    prefix = tmp_path / "nginx"
    prefix.mkdir()
    conf = tmp_path / "nginx.conf"
    text = CONF.read_text(encoding="utf-8")
    text = text.replace("LISTEN_PORT", f"127.0.0.1:{port}").replace("APP_ADDRESS", app)
    conf.write_text(text.replace("PREFIX", str(prefix)), encoding="utf-8")
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    check = subprocess.run(
        [nginx, "-t", "-c", str(conf), "-p", str(prefix)], capture_output=True, text=True
    )
    assert check.returncode == 0, check.stderr
    log = prefix / "stderr.log"
    with log.open("wb") as err:
        process = subprocess.Popen(
            [nginx, "-c", str(conf), "-p", str(prefix), "-g", "daemon off;"],
            stdout=subprocess.DEVNULL,
            stderr=err,
        )
    url = f"http://127.0.0.1:{port}"
    # Until nginx answers (it proxies the health check to the app); waits on the process.
    _wait_healthy(url, process, log, name="nginx")
    yield url
    process.terminate()
    process.wait(timeout=30)


def test_nginx_compresses_and_caches_in_front_of_the_app(proxied: str) -> None:
    headers, body = _get(f"{proxied}/")
    assert headers.get("cache-control") == "no-cache"
    page = gzip.decompress(body) if headers.get("content-encoding") == "gzip" else body
    scripts = re.findall(rb'src="\.?/?(static/js/[^"]+\.js)"', page)
    assert scripts, "the page names Streamlit's JavaScript"

    headers, body = _get(f"{proxied}/{scripts[0].decode()}")
    assert headers.get("content-encoding") == "gzip"
    assert "immutable" in headers.get("cache-control", "")
    assert len(gzip.decompress(body)) > 2 * len(body)  # text compresses at least 2x

    headers, body = _get(f"{proxied}/app/static/vendor/leaflet-1.9.3/leaflet.js")
    assert headers.get("content-encoding") == "gzip"
    assert "max-age=31536000" in headers.get("cache-control", "")
    vendored = (REPO / "static/vendor/leaflet-1.9.3/leaflet.js").read_bytes()
    assert gzip.decompress(body) == vendored
