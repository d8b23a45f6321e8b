"""Large layers in the real app (issue 17), one user in headless Chromium, medians.

    .venv/bin/python -m benchmarks.app_large                      # this tree
    .venv/bin/python -m benchmarks.app_large --rev 194ddff        # the same steps on an old commit
    .venv/bin/python -m benchmarks.app_large --parcels 10000 --repeats 1

Runs the app from a copy of the tree (``--rev``: ``git archive`` of that commit) with its
own workspace, on a free loopback port, and times, for ``--repeats`` files of
``--parcels`` synthetic parcels (``benchmarks/synthetic.py``, one seed each, so no upload
is served from a cache):

- **cold start → map drawn**: ``streamlit run`` to the plan's Leaflet paths in the map's
  iframe, a fresh server and browser each time; with the bytes of that first page: all
  HTTP bodies as sent (``encodedDataLength``), Streamlit's websocket messages, and the
  map's own part (its iframe's HTTP files plus the websocket messages carrying its
  HTML/JS);
- **upload → report**: the file given to the page's ``<input type=file>`` until the
  figures line ("要素数: 100,000") is shown;
- **save**: the save button until "已保存：" is shown;
- **tiles built** (this tree only): from the save until the layer's ``tileset.json``
  exists (built in the background);
- **analysis → tables**: for each saved layer, never analysed before (no plan group is
  chosen while it is saved): the layer chosen, one plan group added, then the timed step,
  the second group added until both tables are on the page (the layer against the two
  groups, nothing cached; the first run's caveat, a step that timed a cached result, is
  gone); then the groups are cleared for the next layer;
- **pan/zoom redraw** (tiles only): ``map.setView`` to zoom 16 at a parcel and then a pan
  of half a screen, each until VectorGrid's ``load`` event (every tile in view drawn),
  timed inside the page.

Every wait is on page state; no fixed sleeps. Prints a Markdown table and writes JSON.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import json
import os
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.load import (
    COPY_IGNORE,
    ROOT,
    RssSampler,
    chromium_options,
    start_server,
    stop_server,
    write_layers,
)

TAB_UPLOAD = "导入图层"
SAVE_BUTTON = "保存到工作空间"
SAVED = "已保存："
GROUPS = ("金融商务与总部", "大学创新区与产业园区")  # two plan groups, as the sidebar names them
TABLE_HEADINGS = ("按上传要素", "按规划分区")
TIMEOUT_S = float(os.environ.get("APP_LARGE_TIMEOUT_S", "600"))
ARTIFACTS = ROOT / "tests" / "browser" / "artifacts"  # git-ignored

PATHS_JS = """
const frame = document.querySelector('iframe[src*="st_folium"]');
if (!frame) return -1;
try { return frame.contentDocument.querySelectorAll('.leaflet-interactive').length; }
catch (e) { return -2; }
"""

REDRAW_JS = """
const done = arguments[arguments.length - 1];
const [lat, lon, zoom, panPx] = [arguments[0], arguments[1], arguments[2], arguments[3]];
const frame = document.querySelector('iframe[src*="st_folium"]');
const win = frame.contentWindow;
const tiles = Object.values(win.planmapTiles || {})[0];
if (!tiles) { done({error: 'no tiled layer on the map'}); return; }
const map = win.map;
function timed(move) {
  return new Promise(resolve => {
    const t0 = performance.now();
    const timer = setTimeout(() => resolve(null), 30000);  // no 'load' (nothing to draw)
    tiles.once('load', () => { clearTimeout(timer); resolve((performance.now() - t0) / 1000); });
    move();
  });
}
(async () => {
  const zoomS = await timed(() => map.setView([lat, lon], zoom, {animate: false}));
  const panS = await timed(() => map.panBy([panPx, 0], {animate: false}));
  const paths = frame.contentDocument.querySelectorAll('.leaflet-tile path').length;
  done({zoom_s: zoomS, pan_s: panS, paths: paths});
})();
"""


def _tree(rev: str | None, dest: Path) -> Path:
    """The app's files: a copy of this working tree, or ``rev`` exported by git."""
    if rev is None:
        shutil.copytree(ROOT, dest, ignore=COPY_IGNORE)
        return dest
    dest.mkdir()
    git, tar = shutil.which("git") or "git", shutil.which("tar") or "tar"
    archive = subprocess.run(  # noqa: S603
        [git, "archive", rev], cwd=ROOT, capture_output=True, check=True
    ).stdout
    subprocess.run([tar, "-x", "-C", str(dest)], input=archive, check=True)  # noqa: S603
    return dest


def _driver(profile: Path) -> Any:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = chromium_options(str(profile))
    options.page_load_strategy = "normal"
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    driver.set_window_size(1366, 768)
    driver.set_script_timeout(TIMEOUT_S)
    return driver


def _wait(driver: Any, condition: Any, what: str, timeout: float = TIMEOUT_S) -> float:
    """Seconds until ``condition(driver)`` is truthy (polled every 50 ms)."""
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < timeout:
        try:
            if condition(driver):
                return time.perf_counter() - t0
        except Exception:  # the page is redrawing: not yet  # noqa: S110
            pass
        time.sleep(0.05)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(Exception):  # a picture of the page that never got there
        driver.switch_to.default_content()
        driver.save_screenshot(str(ARTIFACTS / "app_large-timeout.png"))
    raise TimeoutError(f"{what}: not after {timeout:.0f} s")


def _text(driver: Any) -> str:
    driver.switch_to.default_content()
    return str(driver.execute_script("return document.body ? document.body.innerText : '';"))


def _page_bytes(driver: Any) -> dict[str, int]:
    """Bytes the page received so far: HTTP bodies as sent, websocket messages, and the
    map's part (its iframe's files and the messages carrying Leaflet's script)."""
    requests: dict[str, str] = {}
    http = ws = map_http = map_ws = 0
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        method, params = message.get("method", ""), message.get("params", {})
        if method == "Network.requestWillBeSent":
            requests[params["requestId"]] = params["request"]["url"]
        elif method == "Network.loadingFinished":
            size = int(params.get("encodedDataLength", 0))
            url = requests.get(params["requestId"], "")
            http += size
            if "streamlit_folium" in url or "/app/static/vendor/" in url:
                map_http += size
        elif method == "Network.webSocketFrameReceived":
            response = params["response"]
            data = response["payloadData"]
            raw = base64.b64decode(data) if response.get("opcode") == 2 else data.encode()
            ws += len(raw)
            if b"L.map(" in raw or b"L.map (" in raw:
                map_ws += len(raw)
    return {"http": http, "websocket": ws, "map_http": map_http, "map_websocket": map_ws}


def _map_drawn(driver: Any) -> bool:
    driver.switch_to.default_content()
    return int(driver.execute_script(PATHS_JS)) >= 10


def cold_starts(app_dir: Path, tmp: Path, repeats: int) -> list[dict[str, float]]:
    out = []
    for k in range(repeats):
        logs = tmp / f"logs-start-{k}"
        logs.mkdir()
        driver = _driver(tmp / f"profile-start-{k}")
        t0 = time.perf_counter()
        server = start_server(app_dir, tmp / f"ws-start-{k}", logs)
        try:
            driver.get(server.url)
            _wait(driver, _map_drawn, "the map")
            seconds = time.perf_counter() - t0
            cpu_s = RssSampler.tree_cpu(server.process.pid)
            out.append({"seconds": seconds, "server_cpu_s": cpu_s, **_page_bytes(driver)})
            print(f"cold start {k + 1}: {out[-1]}", flush=True)
        finally:
            driver.quit()
            stop_server(server.process)
    return out


def _click_tab(driver: Any, label: str) -> bool:
    from selenium.webdriver.common.by import By

    driver.switch_to.default_content()
    for tab in driver.find_elements(By.CSS_SELECTOR, "[role=tab]"):
        if label in tab.text:
            tab.click()
            return True
    return False


def _click_button(driver: Any, label: str) -> bool:
    from selenium.webdriver.common.by import By

    driver.switch_to.default_content()
    for b in driver.find_elements(By.TAG_NAME, "button"):
        if b.text.strip() == label and b.is_enabled():
            b.click()
            return True
    return False


ZONE_CHIPS_CSS = '[class*="st-key-analyse_zones"] [data-tag]'  # one per chosen group


def _chips(driver: Any) -> int:
    """How many plan groups the analysis multiselect holds (its chips)."""
    from selenium.webdriver.common.by import By

    driver.switch_to.default_content()
    return len(driver.find_elements(By.CSS_SELECTOR, ZONE_CHIPS_CSS))


def _type_into(driver: Any, key: str, keys: tuple[str, ...]) -> bool:
    """Type ``keys`` into the select widget with widget key ``key``, found afresh (a rerun
    replaces the element: a stale one is tried again by the caller's wait)."""
    from selenium.webdriver.common.by import By

    driver.switch_to.default_content()
    box = driver.find_element(By.CSS_SELECTOR, f'[class*="st-key-{key}"] input')
    box.click()
    for k in keys:
        box.send_keys(k)
    return True


def _add_group(driver: Any, label: str) -> None:
    """Add one plan group to the analysis (the chip appears, the rerun ends)."""
    from selenium.webdriver.common.keys import Keys

    before = _chips(driver)
    _wait(driver, lambda d: _type_into(d, "analyse_zones", (label, Keys.ENTER)), label)
    _wait(driver, lambda d: _chips(d) > before and not _running(d), f"{label} chosen")


def _clear_groups(driver: Any) -> None:
    """Remove every plan group from the analysis (Backspace removes the last chip)."""
    from selenium.webdriver.common.keys import Keys

    while (n := _chips(driver)) > 0:
        _wait(driver, lambda d: _type_into(d, "analyse_zones", (Keys.BACKSPACE,)), "a chip")
        _wait(driver, lambda d, m=n: _chips(d) < m and not _running(d), "a chip removed")


def _tile_sets(app_dir: Path, workspace: Path) -> int:
    """Tile sets built for ``workspace`` (geo/store/tiles.py: a folder per tiled root,
    which names it in ``workspace.txt``: the workspace itself, or the store's layer cache
    inside it)."""
    root, count = workspace.resolve(), 0
    for owner in (app_dir / "static" / "tiles").glob("*/workspace.txt"):
        named = Path(owner.read_text(encoding="utf-8").strip())
        if named == root or root in named.parents:
            count += len(list(owner.parent.glob("*/tileset.json")))
    return count


RUNNING_CSS = '[data-testid="stStatusWidget"]'


def _running(driver: Any) -> bool:
    """Whether Streamlit shows its "running" widget (a rerun is under way)."""
    from selenium.webdriver.common.by import By

    driver.switch_to.default_content()
    return bool(driver.find_elements(By.CSS_SELECTOR, RUNNING_CSS))


def _settle(driver: Any) -> None:
    """Wait for the rerun a widget change started (Streamlit's "running" widget shown,
    if it is seen at all) to end with both analysis tables on the page."""
    with contextlib.suppress(TimeoutError):  # over before it was seen
        _wait(driver, _running, "the rerun to start", timeout=5.0)
    _wait(
        driver,
        lambda d: not _running(d) and all(h in _text(d) for h in TABLE_HEADINGS),
        "both tables",
    )


def session(app_dir: Path, tmp: Path, files: list[Path], parcels: int) -> dict[str, Any]:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    logs = tmp / "logs-session"
    logs.mkdir()
    workspace = tmp / "ws-session"
    server = start_server(app_dir, workspace, logs)
    driver = _driver(tmp / "profile-session")
    steps: dict[str, list[float]] = {"upload": [], "save": [], "tiles": [], "analysis": []}
    cpu: dict[str, list[float]] = {"upload": [], "save": [], "analysis": []}

    def server_cpu() -> float:
        return RssSampler.tree_cpu(server.process.pid)

    redraw: dict[str, Any] = {}
    figures = f"要素数: {parcels:,}"
    try:
        driver.get(server.url)
        _wait(driver, _map_drawn, "the map")
        _wait(driver, lambda d: _click_tab(d, TAB_UPLOAD), "the upload tab")
        for k, path in enumerate(files):
            driver.switch_to.default_content()
            field = driver.find_element(By.CSS_SELECTOR, "input[type=file]")
            t0, c0 = time.perf_counter(), server_cpu()
            field.send_keys(str(path))
            # The last file's figures may still be on the page: wait for this rerun.
            with contextlib.suppress(TimeoutError):
                _wait(driver, _running, "the upload's rerun to start", timeout=5.0)
            _wait(
                driver,
                lambda d: not _running(d) and figures in _text(d) and SAVE_BUTTON in _text(d),
                "figures",
            )
            steps["upload"].append(time.perf_counter() - t0)
            cpu["upload"].append(server_cpu() - c0)
            print(f"upload {k + 1}: {steps['upload'][-1]:.2f} s", flush=True)
            saved_before = _text(driver).count(SAVED)
            t0, c0 = time.perf_counter(), server_cpu()
            _wait(driver, lambda d: _click_button(d, SAVE_BUTTON), "the save button")
            _wait(driver, lambda d, n=saved_before: _text(d).count(SAVED) > n, "saved")
            t_saved = time.perf_counter()
            steps["save"].append(t_saved - t0)
            cpu["save"].append(server_cpu() - c0)
            print(f"save {k + 1}: {steps['save'][-1]:.2f} s", flush=True)
            if (app_dir / "geo" / "store" / "tiles.py").exists():
                _wait(driver, lambda _d, n=k: _tile_sets(app_dir, workspace) > n, "tiles built")
                steps["tiles"].append(time.perf_counter() - t_saved)
                print(f"tiles {k + 1}: {steps['tiles'][-1]:.2f} s", flush=True)
            # Analysis against two plan groups, timed on a layer never analysed: no group
            # is chosen while it is saved (so nothing is analysed then), the layer is
            # chosen, one group added, and the timed step is adding the second one until
            # both tables show: the layer's analysis against the two groups, not cached.
            _wait(
                driver,
                lambda d, x=path.stem: _type_into(d, "analyse_layer", (x, Keys.ENTER)),
                "the layer",
            )
            _wait(driver, lambda d: not _running(d), "the layer chosen")
            _add_group(driver, GROUPS[0])
            _settle(driver)
            t0, c0 = time.perf_counter(), server_cpu()
            _add_group(driver, GROUPS[1])
            _settle(driver)
            steps["analysis"].append(time.perf_counter() - t0)
            cpu["analysis"].append(server_cpu() - c0)
            print(f"analysis {k + 1}: {steps['analysis'][-1]:.2f} s", flush=True)
            _clear_groups(driver)  # the next layer is saved with no analysis running
        if steps["tiles"]:
            # Show the last layer on the map, then time zooming to a parcel and a pan.
            driver.switch_to.default_content()
            boxes = driver.find_elements(By.CSS_SELECTOR, '[class*="st-key-user_layer_on__"] label')
            boxes[-1].click()
            try:
                _wait(
                    driver,
                    lambda d: d.execute_script(
                        "const f = document.querySelector('iframe[src*=\"st_folium\"]');"
                        "return !!(f && f.contentWindow.planmapTiles "
                        "&& Object.keys(f.contentWindow.planmapTiles).length);"
                    ),
                    "the tiled layer on the map",
                    timeout=120.0,
                )
            except TimeoutError as exc:
                ARTIFACTS.mkdir(exist_ok=True)
                driver.save_screenshot(str(ARTIFACTS / "app_large-redraw-timeout.png"))
                return {"steps": steps, "cpu": cpu, "redraw": {"error": str(exc)}}
            from benchmarks.synthetic import CHENGGONG_LON_LAT

            lon, lat = CHENGGONG_LON_LAT
            redraw = driver.execute_async_script(REDRAW_JS, lat, lon, 16, 683)
    finally:
        driver.quit()
        stop_server(server.process)
    return {"steps": steps, "cpu": cpu, "redraw": redraw}


def _median(values: list[float]) -> str:
    if not values:
        return "—"
    low, high = min(values), max(values)
    return f"{statistics.median(values):.2f} s ({low:.2f}–{high:.2f})"


def markdown(result: dict[str, Any]) -> str:
    starts = result["cold_starts"]
    steps = result["session"]["steps"]
    redraw = result["session"]["redraw"] or {}

    def med(key: str) -> float:
        return statistics.median(s[key] for s in starts) if starts else float("nan")

    cpu = result["session"].get("cpu", {})

    def both(key: str) -> str:
        c = cpu.get(key) or []
        return _median(steps[key]) + (f"; server {statistics.median(c):.2f} CPU-s" if c else "")

    rows = [
        ("upload → validation report and figures", both("upload")),
        ("save (embedded store)", both("save")),
        ("tiles built after the save (background)", _median(steps["tiles"])),
        (
            "analysis against two plan groups → tables shown (the second group added)",
            both("analysis"),
        ),
        (
            "pan/zoom redraw with the layer shown (zoom to 16; pan half a screen)",
            f"{redraw['zoom_s']:.2f} s; {redraw['pan_s']:.2f} s" if "zoom_s" in redraw else "—",
        ),
        (
            "cold start → map drawn",
            _median([s["seconds"] for s in starts]) + f"; server {med('server_cpu_s'):.2f} CPU-s",
        ),
        (
            "first page load, bytes (HTTP bodies + websocket)",
            f"{med('http') / 1e6:.2f} MB + {med('websocket') / 1e6:.2f} MB",
        ),
        (
            "the map's own part (iframe files + its websocket message)",
            f"{med('map_http') / 1e3:.0f} kB + {med('map_websocket') / 1e3:.0f} kB",
        ),
    ]
    head = (
        f"{result['tree']}; {result['parcels']:,} parcels, {result['repeats']} files; "
        f"load average at start {result['load_average']}"
    )
    if not starts:  # --steps session: no cold start measured
        rows = [(a, "—" if "nan" in b else b) for a, b in rows]
    lines = [head, "", "| step | median (range) |", "|---|---|"]
    lines += [f"| {a} | {b} |" for a, b in rows]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rev", help="run this git commit instead of the working tree")
    parser.add_argument("--parcels", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument(
        "--steps", default="cold,session", help="cold (cold starts), session (the rest)"
    )
    args = parser.parse_args(argv)
    steps = set(args.steps.split(","))
    import os

    load = "/".join(f"{v:.2f}" for v in os.getloadavg())
    with tempfile.TemporaryDirectory(prefix="planmap-app-large-") as name:
        tmp = Path(name)
        (tmp / "data").mkdir()
        files = write_layers(tmp / "data", count=args.repeats, parcels=args.parcels)
        app_dir = _tree(args.rev, tmp / "app")
        result = {
            "tree": f"commit {args.rev}" if args.rev else "working tree",
            "parcels": args.parcels,
            "repeats": args.repeats,
            "load_average": load,
            "cold_starts": cold_starts(app_dir, tmp, args.repeats) if "cold" in steps else [],
            "session": (
                session(app_dir, tmp, files, args.parcels)
                if "session" in steps
                else {
                    "steps": {k: [] for k in ("upload", "save", "tiles", "analysis")},
                    "cpu": {},
                    "redraw": {},
                }
            ),
        }
    if args.json:
        args.json.write_text(json.dumps(result, indent=1))
    print(markdown(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
