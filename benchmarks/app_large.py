"""Large layers in the real app (issue 17), one user in headless Chromium, medians.

    .venv/bin/python -m benchmarks.app_large                      # this tree
    .venv/bin/python -m benchmarks.app_large --rev 194ddff        # the same steps on an old commit
    .venv/bin/python -m benchmarks.app_large --parcels 10000 --repeats 1
    .venv/bin/python -m benchmarks.app_large --steps cold,floor     # the starts only

Also section ``large`` of ``python -m benchmarks`` (:mod:`benchmarks.issue17`).

Runs the app from a copy of the tree (``--rev``: ``git archive`` of that commit) with its
own workspace, on a free loopback port, and times, for ``--repeats`` files of
``--parcels`` synthetic parcels (``benchmarks/synthetic.py``, one seed each, so no upload
is served from a cache):

- **cold start → map drawn**: ``streamlit run`` to the plan's Leaflet paths in the map's
  iframe, a fresh server and browser each time, in two kinds, alternated: the **first
  start** of a fresh copy (no ``__pycache__``: Python compiles every module of the app,
  as on a fresh install; a fresh workspace, so the store is seeded) and a **restart**
  (the bytecode that start wrote and its workspace present: what a server restart
  sees); with the bytes of that first page: all HTTP bodies as sent
  (``encodedDataLength``), Streamlit's websocket messages, and the map's own part (its
  iframe's HTTP files plus the websocket messages carrying its HTML/JS);
- **Streamlit's floor**: a bare page (``st.write("x")``) from ``streamlit run`` to its
  text drawn, the same server start and browser: the time no app can go below here;
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
- **pan/zoom redraw** (tiles only), ``--repeats`` times at places 3 km apart: the view
  set to zoom 12 there (not timed), then ``map.setView`` to zoom 16 and a pan of half a
  screen, each until VectorGrid's ``load`` event (every tile in view drawn; at once when
  nothing new is to load), timed inside the page.

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

from benchmarks.app_start import map_drawn, text_drawn
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

REDRAW_JS = """
const done = arguments[arguments.length - 1];
const [places, zoom, panPx] = [arguments[0], arguments[1], arguments[2]];
const frame = document.querySelector('iframe[src*="st_folium"]');
const win = frame.contentWindow;
const tiles = Object.values(win.planmapTiles || {})[0];
if (!tiles) { done({error: 'no tiled layer on the map'}); return; }
const map = win.map;
function timed(move) {  // seconds from the move until every tile in view is drawn
  return new Promise(resolve => {
    const t0 = performance.now();
    const timer = setTimeout(() => resolve(null), 30000);  // never drawn
    const loaded = () => { clearTimeout(timer); resolve((performance.now() - t0) / 1000); };
    tiles.once('load', loaded);
    move();
    if (!tiles.isLoading()) { tiles.off('load', loaded); loaded(); }  // nothing new to load
  });
}
(async () => {
  const out = [];
  for (const [lat, lon] of places) {
    await timed(() => map.setView([lat, lon], 12, {animate: false}));
    const zoomS = await timed(() => map.setView([lat, lon], zoom, {animate: false}));
    const panS = await timed(() => map.panBy([panPx, 0], {animate: false}));
    const paths = frame.contentDocument.querySelectorAll('.leaflet-tile path').length;
    out.push({zoom_s: zoomS, pan_s: panS, paths: paths});
  }
  done(out);
})();
"""
REDRAW_STEP_DEG = (0.03, -0.02)  # the next place: about 3 km east and 2 km south


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


EXCEPTION_CSS = '[data-testid="stException"]'
EXCEPTION_EVERY = 20  # polls between looks for an exception on the page (about 1 s)


def _page_exception(driver: Any) -> str:
    """The text of an exception Streamlit shows on the page ("" when there is none)."""
    from selenium.webdriver.common.by import By

    driver.switch_to.default_content()
    shown = driver.find_elements(By.CSS_SELECTOR, EXCEPTION_CSS)
    return " ".join(str(shown[0].text).split())[:300] if shown else ""


def _wait(
    driver: Any, condition: Any, what: str, timeout: float = TIMEOUT_S, *, picture: bool = True
) -> float:
    """Seconds until ``condition(driver)`` is truthy (polled every 50 ms); an exception
    shown on the page ends the wait at once (RuntimeError with its text). At the timeout,
    a screenshot (unless ``picture`` is false) and TimeoutError."""
    t0 = time.perf_counter()
    polls = 0
    while time.perf_counter() - t0 < timeout:
        try:
            if condition(driver):
                return time.perf_counter() - t0
        except Exception:  # the page is redrawing: not yet  # noqa: S110
            pass
        polls += 1
        if polls % EXCEPTION_EVERY == 0:
            with contextlib.suppress(Exception):  # a page between two runs: look again later
                shown = _page_exception(driver)
            if shown:
                raise RuntimeError(f"{what}: the page shows an exception: {shown}")
        time.sleep(0.05)
    if picture:
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
    return map_drawn(driver)


def _bytecode_files(app_dir: Path) -> int:
    return sum(1 for _ in app_dir.rglob("__pycache__/*.pyc"))


def _start_until(
    app_dir: Path, workspace: Path, tmp: Path, name: str, ready: Any, what: str
) -> dict[str, float]:
    """``streamlit run`` in ``app_dir`` (the browser already open) until ``ready(driver)``:
    wall and server CPU seconds, the page's bytes, and the bytecode files there before."""
    logs = tmp / f"logs-{name}"
    logs.mkdir()
    pyc_before = _bytecode_files(app_dir)
    driver = _driver(tmp / f"profile-{name}")
    t0 = time.perf_counter()
    server = start_server(app_dir, workspace, logs)
    try:
        driver.get(server.url)
        _wait(driver, ready, what)
        seconds = time.perf_counter() - t0
        cpu_s = RssSampler.tree_cpu(server.process.pid)
        out = {"seconds": seconds, "server_cpu_s": cpu_s, "healthy_s": server.started_s}
        out |= {"pyc_before": pyc_before, **_page_bytes(driver)}
    finally:
        driver.quit()
        stop_server(server.process)
    print(f"{name}: {out}", flush=True)
    return out


def cold_starts(app_dir: Path, tmp: Path, repeats: int) -> list[dict[str, Any]]:
    """``repeats`` pairs, alternated: the first start of a fresh copy (every
    ``__pycache__`` removed, a fresh workspace), then a restart (its bytecode and
    workspace kept)."""
    out: list[dict[str, Any]] = []
    for k in range(repeats):
        for cache in list(app_dir.rglob("__pycache__")):
            shutil.rmtree(cache)
        workspace = tmp / f"ws-start-{k}"
        for kind in ("first", "restart"):
            run = _start_until(app_dir, workspace, tmp, f"start-{k}-{kind}", _map_drawn, "the map")
            out.append({"kind": kind, **run})
    return out


FLOOR_TEXT = "x"
FLOOR_SCRIPT = f'import streamlit as st\n\nst.write("{FLOOR_TEXT}")\n'


def floor_starts(tmp: Path, repeats: int) -> list[dict[str, Any]]:
    """Streamlit's own floor: a bare page from ``streamlit run`` to its text drawn."""
    app_dir = tmp / "floor"
    app_dir.mkdir()
    (app_dir / "streamlit_app.py").write_text(FLOOR_SCRIPT, encoding="utf-8")
    return [
        _start_until(
            app_dir,
            tmp / f"ws-floor-{k}",
            tmp,
            f"floor-{k}",
            lambda d: text_drawn(d, FLOOR_TEXT),
            "the bare page's text",
        )
        for k in range(repeats)
    ]


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


def _file_input(driver: Any) -> list[Any]:
    """The page's file inputs (the upload form's), if drawn."""
    from selenium.webdriver.common.by import By

    driver.switch_to.default_content()
    return list(driver.find_elements(By.CSS_SELECTOR, "input[type=file]"))


RUNNING_CSS = '[data-testid="stStatusWidget"]'


def _running(driver: Any) -> bool:
    """Whether Streamlit shows its "running" widget (a rerun is under way)."""
    from selenium.webdriver.common.by import By

    driver.switch_to.default_content()
    return bool(driver.find_elements(By.CSS_SELECTOR, RUNNING_CSS))


RERUN_SEEN_S = 5.0  # how long to look for the "running" widget of a rerun just started


def _rerun_seen(driver: Any) -> bool:
    """Whether Streamlit's "running" widget appears within :data:`RERUN_SEEN_S`. Streamlit
    shows it only once a run has lasted 500 ms, so a shorter rerun is never seen, and a
    step waiting for one then includes up to those seconds of waiting (counted in the
    results as "unseen")."""
    try:
        _wait(driver, _running, "the rerun to start", timeout=RERUN_SEEN_S, picture=False)
    except TimeoutError:
        return False
    return True


def _settle(driver: Any) -> bool:
    """Wait for the rerun a widget change started (Streamlit's "running" widget shown,
    if it is seen at all: returned) to end with both analysis tables on the page."""
    seen = _rerun_seen(driver)
    _wait(
        driver,
        lambda d: not _running(d) and all(h in _text(d) for h in TABLE_HEADINGS),
        "both tables",
    )
    return seen


def _places(count: int) -> list[tuple[float, float]]:
    """``count`` (lat, lon) places 3 km apart in the parcels' block, for the redraw."""
    from benchmarks.synthetic import CHENGGONG_LON_LAT

    lon, lat = CHENGGONG_LON_LAT
    d_lon, d_lat = REDRAW_STEP_DEG
    return [(lat + k * d_lat, lon + k * d_lon) for k in range(count)]


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
    unseen = {"upload": 0, "analysis": 0}  # timed steps whose rerun was never seen running

    def server_cpu() -> float:
        return RssSampler.tree_cpu(server.process.pid)

    redraw: Any = []
    figures = f"要素数: {parcels:,}"
    try:
        driver.get(server.url)
        _wait(driver, _map_drawn, "the map")
        _wait(driver, lambda d: _click_tab(d, TAB_UPLOAD), "the upload tab")
        # A tab's body runs only when it is open: the click's rerun draws the form.
        _wait(driver, lambda d: _file_input(d) and not _running(d), "the upload form")
        for k, path in enumerate(files):
            driver.switch_to.default_content()
            field = _file_input(driver)[0]
            t0, c0 = time.perf_counter(), server_cpu()
            field.send_keys(str(path))
            # The last file's figures may still be on the page: wait for this rerun.
            if not _rerun_seen(driver):
                unseen["upload"] += 1
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
            if not _settle(driver):
                unseen["analysis"] += 1
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
            except (TimeoutError, RuntimeError) as exc:
                ARTIFACTS.mkdir(parents=True, exist_ok=True)
                driver.save_screenshot(str(ARTIFACTS / "app_large-redraw-timeout.png"))
                return {"steps": steps, "cpu": cpu, "unseen": unseen, "redraw": {"error": str(exc)}}
            redraw = driver.execute_async_script(REDRAW_JS, _places(len(files)), 16, 683)
    finally:
        driver.quit()
        stop_server(server.process)
    return {"steps": steps, "cpu": cpu, "unseen": unseen, "redraw": redraw}


def _median(values: list[float]) -> str:
    if not values:
        return "—"
    low, high = min(values), max(values)
    return f"{statistics.median(values):.2f} s ({low:.2f}–{high:.2f})"


def redraw_error(result: dict[str, Any]) -> str:
    """Why the redraw was not measured ("" when it was, or was not tried)."""
    runs = result["session"]["redraw"]
    return str(runs.get("error", "")) if isinstance(runs, dict) else ""


def redraws(result: dict[str, Any]) -> tuple[list[float], list[float]]:
    """The zoom and the pan seconds of every redraw measured (None: never drawn, left
    out; an error: none)."""
    runs = result["session"]["redraw"]
    if not isinstance(runs, list):
        return [], []
    zoom = [r["zoom_s"] for r in runs if r.get("zoom_s") is not None]
    pan = [r["pan_s"] for r in runs if r.get("pan_s") is not None]
    return zoom, pan


def starts_of(result: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    """The cold starts of one kind: "first" (no bytecode), "restart", or "floor"."""
    if kind == "floor":
        return list(result.get("floor", []))
    return [s for s in result["cold_starts"] if s.get("kind") == kind]


def values(starts: list[dict[str, Any]], key: str) -> list[float]:
    return [float(s[key]) for s in starts]


def _bytes_cells(starts: list[dict[str, Any]]) -> tuple[str, str]:
    if not starts:
        return "—", "—"

    def med(key: str) -> float:
        return statistics.median(values(starts, key))

    page = f"{med('http') / 1e6:.2f} MB + {med('websocket') / 1e6:.2f} MB"
    own = f"{med('map_http') / 1e3:.0f} kB + {med('map_websocket') / 1e3:.0f} kB"
    return page, own


def markdown(result: dict[str, Any]) -> str:
    steps = result["session"]["steps"]
    cpu = result["session"].get("cpu", {})

    def both(wall: list[float], server: list[float]) -> str:
        return _median(wall) + (f"; server {statistics.median(server):.2f} CPU-s" if server else "")

    def start(kind: str) -> str:
        runs = starts_of(result, kind)
        return both(values(runs, "seconds"), values(runs, "server_cpu_s"))

    zoom, pan = redraws(result)
    page, own = _bytes_cells(starts_of(result, "first") + starts_of(result, "restart"))
    rows = [
        ("upload → validation report and figures", both(steps["upload"], cpu.get("upload", []))),
        ("save (embedded store)", both(steps["save"], cpu.get("save", []))),
        ("tiles built after the save (background)", _median(steps["tiles"])),
        (
            "analysis against two plan groups → tables shown (the second group added)",
            both(steps["analysis"], cpu.get("analysis", [])),
        ),
        ("redraw: zoom 12 → 16 with the layer shown", _median(zoom)),
        ("redraw: pan half a screen at zoom 16", _median(pan)),
        ("cold start → map drawn: first start (no bytecode, fresh workspace)", start("first")),
        ("cold start → map drawn: restart (bytecode and workspace kept)", start("restart")),
        ("Streamlit's floor: a bare page → its text drawn", start("floor")),
        ("first page load, bytes (HTTP bodies + websocket)", page),
        ("the map's own part (iframe files + its websocket message)", own),
        (
            "a bare Streamlit page, bytes (HTTP bodies + websocket)",
            _bytes_cells(starts_of(result, "floor"))[0],
        ),
    ]
    head = (
        f"{result['tree']}; {result['parcels']:,} parcels, {result['repeats']} files; "
        f"load average at start {result['load_average']}"
    )
    lines = [head, "", "| step | median (range) |", "|---|---|"]
    lines += [f"| {a} | {b} |" for a, b in rows]
    if note := unseen_note(result):
        lines += ["", note]
    return "\n".join(lines)


def unseen_note(result: dict[str, Any]) -> str:
    """A warning when a timed step's rerun was never seen running ("" when none)."""
    unseen = {k: n for k, n in result["session"].get("unseen", {}).items() if n}
    if not unseen:
        return ""
    counts = ", ".join(f"{k} {n}×" for k, n in unseen.items())
    return (
        f"Caution: in some timed steps the rerun was never seen running ({counts}; Streamlit "
        f"shows its running widget only after 500 ms): each of those figures includes up to "
        f"{RERUN_SEEN_S:g} s of waiting for it, so it is an upper bound."
    )


STEPS = ("cold", "session", "floor")


def run(
    *, parcels: int, repeats: int, rev: str | None = None, steps: set[str] | None = None
) -> dict[str, Any]:
    """Every step on a copy of the tree (``rev``: that commit), ``repeats`` times each;
    ``steps``: some of :data:`STEPS` (default all)."""
    steps = set(STEPS) if steps is None else steps
    load = "/".join(f"{v:.2f}" for v in os.getloadavg())
    with tempfile.TemporaryDirectory(prefix="planmap-app-large-") as name:
        tmp = Path(name)
        (tmp / "data").mkdir()
        app_dir = _tree(rev, tmp / "app")
        empty: dict[str, list[float]] = {k: [] for k in ("upload", "save", "tiles", "analysis")}
        result: dict[str, Any] = {
            "tree": f"commit {rev}" if rev else "working tree",
            "parcels": parcels,
            "repeats": repeats,
            "load_average": load,
            "cold_starts": cold_starts(app_dir, tmp, repeats) if "cold" in steps else [],
            "floor": floor_starts(tmp, repeats) if "floor" in steps else [],
            "session": {"steps": empty, "cpu": {}, "redraw": []},
        }
        if "session" in steps:
            files = write_layers(tmp / "data", count=repeats, parcels=parcels)
            result["session"] = session(app_dir, tmp, files, parcels)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rev", help="run this git commit instead of the working tree")
    parser.add_argument("--parcels", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument(
        "--steps",
        default=",".join(STEPS),
        help="cold (cold starts), session (upload, save, tiles, analysis, redraw), "
        "floor (a bare Streamlit page)",
    )
    args = parser.parse_args(argv)
    steps = set(args.steps.split(","))
    if steps - set(STEPS):
        parser.error(f"unknown step(s) {sorted(steps - set(STEPS))}; choose from {STEPS}")
    result = run(parcels=args.parcels, repeats=args.repeats, rev=args.rev, steps=steps)
    if args.json:
        args.json.write_text(json.dumps(result, indent=1))
    print(markdown(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
