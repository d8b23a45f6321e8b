"""Load test: many concurrent browser sessions and large uploads against the real app.

    .venv/bin/python -m benchmarks.load             # 20 + 5 sessions; updates BENCHMARKS.md
    .venv/bin/python -m benchmarks.load --no-write  # print the summary only
    .venv/bin/python -m benchmarks.load --sessions 4 --uploads 1 --parcels 10000 --no-write

What it does, bounded in count and time, with traffic only to 127.0.0.1:

1. Writes ``--uploads`` GeoPackages of ``--parcels`` synthetic parcels each (one seed per
   file, so every upload is read and validated afresh, never served from the cache).
2. Copies the working tree (without ``.venv``, ``.git``, ``workspace``) to a temporary
   folder and runs ``streamlit run streamlit_app.py`` there on a free loopback port, with
   ``PLANMAP_WORKSPACE`` in the same temporary folder: the real ``workspace/`` is never
   touched and edits made to the tree during the run cannot reach the running app.
3. Opens ``--sessions`` viewing sessions plus ``--uploads`` uploading sessions at once, as
   windows spread over ``--browsers`` headless Chromium processes (every other host
   resolves to "not found"). A viewer waits until the map is drawn (Leaflet paths in the
   streamlit-folium iframe), opens the plan-check tab and waits for its table, then
   switches the unit to 公顷 (a full rerun) and waits for the area figures in 公顷. An
   uploader waits for the map, opens "导入图层", sends its file to the real
   ``<input type=file>``, waits for the validation report and figures
   ("要素数: 100,000"), saves the layer and waits for "已保存：".
4. Samples the RSS of the server's process tree every 0.2 s (psutil).
5. Counts errors: Streamlit exception boxes, upload error messages, sessions that did not
   reach their state within ``--timeout``, SEVERE browser-console entries, and
   tracebacks in the server's output.

Every wait is a ``WebDriverWait`` on page state (one per browser, polling all of its
windows); there are no fixed sleeps. Exits 0 when there were no errors, 1 otherwise.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BENCHMARKS_MD = ROOT / "BENCHMARKS.md"
START, END = "<!-- load:start -->", "<!-- load:end -->"
CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
COPY_IGNORE = shutil.ignore_patterns(
    ".venv", ".git", "workspace", "__pycache__", "*.pyc", ".mypy_cache", ".ruff_cache",
    ".pytest_cache", "artifacts", "node_modules", "tiles",  # static/tiles: built per workspace
)  # fmt: skip
SAMPLE_S = 0.2
POLL_S = 1.0  # a sweep over a browser's windows at most once a second: probing costs CPU
MIN_PATHS = 10  # the default map draws more Leaflet paths than this

# Texts of the app (config/i18n.toml, Chinese is the default language).
TAB_PLAN_CHECK = "规划面积核对"
TAB_UPLOAD = "导入图层"
UNIT_ROUNDS = ("公顷", "亩", "平方公里")  # a viewer switches the unit to each in turn
UPLOAD_ERROR = "无法读取该文件"
SAVE_BUTTON = "保存到工作空间"
SAVED = "已保存："

# One call per window and poll: everything the state machines need about the page.
PROBE_JS = """
const needles = arguments[0];
const out = {exc: [], paths: 0, has: {}, tab: null, tabTable: false, metric: [], tabs: 0};
document.querySelectorAll('[data-testid="stException"]').forEach(
  e => out.exc.push((e.innerText || e.textContent || '').slice(0, 4000)));
const frame = document.querySelector('iframe[src*="st_folium"]');
if (frame) {
  try { out.paths = frame.contentDocument.querySelectorAll('.leaflet-interactive').length; }
  catch (err) { out.paths = -1; }
}
const text = document.body ? document.body.textContent : '';
for (const n of needles) out.has[n] = text.includes(n);
const selected = document.querySelector('[role=tab][aria-selected="true"]');
out.tab = selected ? selected.textContent : null;
for (const p of document.querySelectorAll('[role=tabpanel]')) {
  if (p.offsetParent !== null && p.querySelector('[data-testid="stDataFrame"]')) {
    const df = p.querySelector('[data-testid="stDataFrame"]');
    if (df.offsetHeight > 0) out.tabTable = true;
  }
}
out.metric = Array.from(document.querySelectorAll('[data-testid="stMetricValue"]'))
  .map(e => e.textContent);
out.tabs = document.querySelectorAll('[role=tab]').length;
return out;
"""


# ---------------------------------------------------------------- data
def write_layers(folder: Path, *, count: int, parcels: int) -> list[Path]:
    """``count`` GeoPackages of ``parcels`` synthetic parcels (EPSG:4326), one seed each."""
    from benchmarks.synthetic import chenggong_centre_gk, synthetic_parcels

    centre = chenggong_centre_gk()
    paths = []
    for k in range(count):
        frame = synthetic_parcels(parcels, centre_gk=centre, seed=20261201 + k)
        path = folder / f"parcels_{parcels // 1000}k_{k + 1}.gpkg"
        frame.to_file(path, driver="GPKG", layer="parcels", engine="pyogrio")
        paths.append(path)
    return paths


# ---------------------------------------------------------------- server
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    url: str
    stdout: Path
    stderr: Path
    started_s: float  # `streamlit run` to a healthy server


def start_server(app_dir: Path, workspace: Path, logs: Path) -> Server:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    streamlit = Path(sys.executable).parent / "streamlit"
    cmd = [str(streamlit)] if streamlit.exists() else [sys.executable, "-m", "streamlit"]
    cmd += [
        "run", "streamlit_app.py", f"--server.port={port}", "--server.address=127.0.0.1",
        "--server.headless=true", "--browser.gatherUsageStats=false",
        "--server.fileWatcherType=none",
    ]  # fmt: skip
    env = {**os.environ, "PLANMAP_WORKSPACE": str(workspace), "PYTHONUNBUFFERED": "1"}
    env.pop("PYTHONPATH", None)
    # A server writes its modules' bytecode as a deployed one does (the shell here may set
    # PYTHONDONTWRITEBYTECODE, which would make every start compile the app again).
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    out, err = logs / "server.stdout.log", logs / "server.stderr.log"
    t0 = time.perf_counter()
    with out.open("wb") as fo, err.open("wb") as fe:
        process = subprocess.Popen(  # noqa: S603
            cmd, cwd=app_dir, env=env, stdout=fo, stderr=fe, stdin=subprocess.DEVNULL,
            start_new_session=True,
        )  # fmt: skip
    deadline = time.perf_counter() + 90
    while time.perf_counter() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"streamlit exited with {process.returncode}:\n{tail(err)}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:  # noqa: S310
                if r.status == 200:
                    return Server(process, url, out, err, time.perf_counter() - t0)
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    stop_server(process)
    raise RuntimeError(f"streamlit not healthy after 90 s:\n{tail(err)}")


def stop_server(process: subprocess.Popen[bytes]) -> None:
    """Stop the server and what it started (its own process group)."""
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=15)


def tail(path: Path, lines: int = 40) -> str:
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


def tracebacks(text: str) -> list[str]:
    """Each traceback in a log (from its header to the exception line), plus lines that
    Streamlit logs at error level without one."""
    found: list[str] = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        if lines[i].startswith("Traceback (most recent call last)"):
            j = i + 1
            while j < len(lines) and (lines[j].startswith(" ") or not lines[j].strip()):
                j += 1
            start = i - 1 if i and "Traceback" not in lines[i - 1] else i
            found.append("\n".join(lines[start : j + 1]))
            i = j + 1
        else:
            i += 1
    return found


# ---------------------------------------------------------------- memory
class RssSampler(threading.Thread):
    """RSS of a process tree every ``SAMPLE_S`` seconds, kept with the time."""

    def __init__(self, pid: int, *, nice: int = 0) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.nice = nice
        self.samples: list[tuple[float, int]] = []
        self.browser_pids: list[int] = []
        self.browser_peak = 0
        self._stop_event = threading.Event()

    @staticmethod
    def tree_rss(pid: int) -> int:
        import psutil  # type: ignore[import-untyped]

        try:
            root = psutil.Process(pid)
            procs = [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            return 0
        total = 0
        for p in procs:
            with contextlib.suppress(psutil.NoSuchProcess):
                total += p.memory_info().rss
        return total

    @staticmethod
    def renice(pid: int, nice: int) -> None:
        """Keep a process tree at ``nice`` or lower priority: Chromium raises the priority
        of foreground renderers itself (as root it may), which would starve the server."""
        import psutil

        try:
            root = psutil.Process(pid)
            procs = [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            return
        for p in procs:
            with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied):
                if p.nice() < nice:
                    p.nice(nice)

    @staticmethod
    def tree_cpu(pid: int) -> float:
        """CPU seconds (user + system) used so far by a process and its live children."""
        import psutil

        try:
            root = psutil.Process(pid)
            procs = [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            return 0.0
        total = 0.0
        for p in procs:
            with contextlib.suppress(psutil.NoSuchProcess):
                c = p.cpu_times()
                total += c.user + c.system
        return total

    def run(self) -> None:
        while not self._stop_event.is_set():
            t = time.perf_counter()
            self.samples.append((t, self.tree_rss(self.pid)))
            if self.browser_pids:
                b = sum(self.tree_rss(p) for p in list(self.browser_pids))
                self.browser_peak = max(self.browser_peak, b)
                for p in list(self.browser_pids):
                    self.renice(p, self.nice)
            self._stop_event.wait(max(0.0, SAMPLE_S - (time.perf_counter() - t)))

    def stop(self) -> None:
        self._stop_event.set()
        self.join(timeout=5)

    def peak(self, t0: float | None = None, t1: float | None = None) -> int:
        values = [
            rss for t, rss in self.samples if (t0 is None or t >= t0) and (t1 is None or t <= t1)
        ]
        return max(values, default=0)

    def at(self, t: float) -> int:
        before = [rss for ts, rss in self.samples if ts <= t]
        return before[-1] if before else 0


# ---------------------------------------------------------------- sessions
@dataclass
class Session:
    index: int
    kind: str  # "view" or "upload"
    file: Path | None = None
    handle: str = ""
    state: str = "new"  # see Browser.advance
    marks: dict[str, float] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    exceptions_seen: set[str] = field(default_factory=set)
    step_count: int = 0
    reruns: list[float] = field(default_factory=list)  # unit clicked → figures in that unit

    @property
    def name(self) -> str:
        return f"{self.kind}-{self.index:02d}"

    def step(self, a: str, b: str) -> float | None:
        if a in self.marks and b in self.marks:
            return self.marks[b] - self.marks[a]
        return None


def chromium_options(profile: str) -> Any:
    from selenium import webdriver

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (
        "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--disable-quic", "--no-first-run", "--disable-default-apps", "--disable-extensions",
        "--disable-background-timer-throttling", "--disable-backgrounding-occluded-windows",
        "--disable-renderer-backgrounding", "--window-size=1400,1000",
        f"--user-data-dir={profile}",
        # No internet, even on a machine that has it: every other host is "not found".
        "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1 , EXCLUDE localhost",
    ):  # fmt: skip
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    options.page_load_strategy = "none"  # get() returns at once: every window opens together
    return options


class Browser(threading.Thread):
    """One Chromium, several windows: opens them all at the go signal, then drives every
    window's state machine with one WebDriverWait until all are done or time runs out."""

    def __init__(
        self, number: int, sessions: list[Session], url: str, go: threading.Barrier,
        timeout_s: float, profile_root: Path, parcels: int, nice: int,
    ) -> None:  # fmt: skip
        super().__init__(daemon=True, name=f"browser-{number}")
        self.number = number
        self.sessions = sessions
        self.url = url
        self.go = go
        self.timeout_s = timeout_s
        self.parcels = parcels
        self.nice = nice
        self.slow_commands: list[str] = []  # WebDriver commands that failed or timed out
        self.profile = str(profile_root / f"chromium-{number}")
        self.console_errors: list[str] = []
        self.failure: str | None = None
        self.driver: Any = None
        self.ready = threading.Event()

    def run(self) -> None:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service

        try:
            nice = self.nice
            # chromedriver and every Chromium process it starts (renderers fork from the
            # zygote) inherit this niceness: the clients do not starve the server they test.
            service = Service(
                str(CHROMEDRIVER), popen_kw={"preexec_fn": lambda: os.nice(nice)} if nice else {}
            )
            self.driver = webdriver.Chrome(service=service, options=chromium_options(self.profile))
            self.driver.set_page_load_timeout(self.timeout_s)
            self.driver.set_script_timeout(120)
            self.driver.get("about:blank")
            self.driver.get_log("browser")
        except Exception as exc:
            self.failure = f"browser {self.number} did not start: {exc!r}"
            self.ready.set()
            self.go.abort()
            return
        self.ready.set()
        try:
            self.go.wait()
        except threading.BrokenBarrierError:
            self.failure = self.failure or "start aborted"
            return
        try:
            self.drive()
        except Exception as exc:  # a WebDriver failure is an error of the run, not a crash
            self.failure = f"browser {self.number}: {exc!r}"

    def drive(self) -> None:
        from selenium.common.exceptions import TimeoutException
        from selenium.webdriver.support.ui import WebDriverWait

        d = self.driver
        for k, s in enumerate(self.sessions):
            if k:
                d.switch_to.new_window("window")
            s.handle = d.current_window_handle
            s.marks["open"] = time.perf_counter()
            d.get(self.url)
            s.state = "load"
        try:
            WebDriverWait(d, self.timeout_s, poll_frequency=POLL_S).until(
                lambda _d: self.advance_all()
            )
        except TimeoutException:
            for s in self.sessions:
                if s.state != "done":
                    s.errors.append(f"timed out after {self.timeout_s:.0f} s in state {s.state!r}")
        # A last look at every window: late exception boxes and the console.
        for s in self.sessions:
            try:
                d.switch_to.window(s.handle)
                self.check_exceptions(s, self.probe([]))
                self.drain_console(s)
            except Exception as exc:
                s.errors.append(f"window no longer answers: {type(exc).__name__}: {exc}"[:500])

    def probe(self, needles: list[str]) -> dict[str, Any]:
        self.driver.switch_to.default_content()
        result: dict[str, Any] = self.driver.execute_script(PROBE_JS, needles)
        return result

    def drain_console(self, s: Session) -> None:
        for entry in self.driver.get_log("browser"):
            if entry.get("level") == "SEVERE":
                self.console_errors.append(f"{s.name}: {entry.get('message')}")

    @staticmethod
    def check_exceptions(s: Session, page: dict[str, Any]) -> None:
        for text in page["exc"]:
            if text not in s.exceptions_seen:
                s.exceptions_seen.add(text)
                s.errors.append(f"Streamlit exception box: {text}")

    def advance_all(self) -> bool:
        for s in self.sessions:
            if s.state not in ("done", "failed"):
                try:
                    self.driver.switch_to.window(s.handle)
                    self.advance(s)
                    self.drain_console(s)
                except Exception as exc:
                    # A starved browser can time a command out (in chromedriver or in the
                    # HTTP client): not the app's error; the session just has to reach its
                    # state before the deadline.
                    self.slow_commands.append(f"{s.name}: {type(exc).__name__}: {exc}"[:500])
        return all(s.state in ("done", "failed") for s in self.sessions)

    def click_tab(self, label: str) -> bool:
        from selenium.common.exceptions import WebDriverException
        from selenium.webdriver.common.by import By

        for tab in self.driver.find_elements(By.CSS_SELECTOR, "[role=tab]"):
            if label in tab.text:
                try:
                    tab.click()
                except WebDriverException:
                    return False  # covered or moving: try again at the next poll
                return True
        return False

    def click_sidebar_option(self, label: str) -> bool:
        from selenium.common.exceptions import WebDriverException
        from selenium.webdriver.common.by import By

        sidebar = '[data-testid="stSidebar"] label'
        for el in self.driver.find_elements(By.CSS_SELECTOR, sidebar):
            if el.text.strip() == label:
                try:
                    el.click()
                except WebDriverException:
                    return False
                return True
        return False

    def click_button(self, label: str) -> bool:
        from selenium.common.exceptions import WebDriverException
        from selenium.webdriver.common.by import By

        for b in self.driver.find_elements(By.TAG_NAME, "button"):
            if b.text.strip() == label:
                try:
                    b.click()
                except WebDriverException:
                    return False
                return True
        return False

    def advance(self, s: Session) -> None:
        """One step of a session's state machine; never blocks.

        viewer: load → tab (plan check shown) → units (公顷, 亩, 平方公里: each a full
        rerun, waited for in the area figures and the redrawn map) → done.
        uploader: load (the tabs are there; the map need not be drawn yet, so uploads
        start while the other sessions are still loading) → tab (导入图层) → upload
        (figures shown, save clicked) → save (已保存) → map (drawn) → done.
        """
        now = time.perf_counter
        figures = f"要素数: {self.parcels:,}"  # ui/uploads.py: the upload's area line
        page = self.probe([UPLOAD_ERROR, SAVED, SAVE_BUTTON, figures] if s.kind == "upload" else [])
        self.check_exceptions(s, page)
        drawn = page["paths"] >= MIN_PATHS
        if drawn and "map" not in s.marks:
            s.marks["map"] = now()
        if s.state == "load" and (drawn if s.kind == "view" else page["tabs"] > 0):
            s.marks["page"] = now()
            s.state = "tab"
        if s.state == "tab":
            self._open_tab(s, page)
        elif s.state == "units":
            self._switch_units(s, page, drawn=drawn)
        elif s.state in ("upload", "save"):
            self._upload_and_save(s, page, figures=figures)
        if s.state == "map" and "map" in s.marks:
            s.marks["done"] = now()
            s.state = "done"

    def _open_tab(self, s: Session, page: dict[str, Any]) -> None:
        """tab: open the session's tab; a viewer waits for its table, an uploader sends
        its file."""
        from selenium.webdriver.common.by import By

        label = TAB_PLAN_CHECK if s.kind == "view" else TAB_UPLOAD
        if not (page["tab"] and label in page["tab"]):
            self.click_tab(label)
        elif s.kind == "view" and page["tabTable"]:
            s.marks["tab"] = time.perf_counter()
            s.state = "units"
        elif s.kind == "upload":
            s.marks["tab"] = time.perf_counter()
            field_ = self.driver.find_elements(By.CSS_SELECTOR, "input[type=file]")
            if field_:
                field_[0].send_keys(str(s.file))
                s.marks["sent"] = time.perf_counter()
                s.state = "upload"

    def _switch_units(self, s: Session, page: dict[str, Any], *, drawn: bool) -> None:
        """units: click the next unit and wait until the figures and the map show it."""
        done = s.step_count
        if done < len(UNIT_ROUNDS):
            unit = UNIT_ROUNDS[done]
            clicked = f"unit{done}_click"
            if clicked not in s.marks:
                if self.click_sidebar_option(unit):
                    s.marks[clicked] = time.perf_counter()
            elif drawn and page["metric"] and all(m.strip().endswith(unit) for m in page["metric"]):
                s.marks[f"unit{done}"] = time.perf_counter()
                s.reruns.append(s.marks[f"unit{done}"] - s.marks[clicked])
                s.step_count += 1
        if s.step_count >= len(UNIT_ROUNDS):
            s.marks["done"] = time.perf_counter()
            s.state = "done"

    def _upload_and_save(self, s: Session, page: dict[str, Any], *, figures: str) -> None:
        """upload: the figures shown, click save; save: wait for 已保存 (or the error)."""
        if page["has"][UPLOAD_ERROR]:
            s.errors.append(
                "upload refused: the app showed its upload error message"
                if s.state == "upload"
                else "save refused: the app showed its error message"
            )
            s.state = "failed"
        elif s.state == "upload":
            if page["has"][SAVE_BUTTON] and page["has"][figures] and self.click_button(SAVE_BUTTON):
                s.marks["figures"] = time.perf_counter()
                s.state = "save"
        elif page["has"][SAVED]:
            s.marks["saved"] = time.perf_counter()
            s.state = "map"


# ---------------------------------------------------------------- run
@dataclass
class Result:
    args: argparse.Namespace
    sessions: list[Session]
    console_errors: list[str]
    browser_failures: list[str]
    server_tracebacks: list[str]
    server_started_s: float
    wall_s: float
    rss_idle: int
    rss_peak: int
    rss_end: int
    browser_peak: int
    file_mb: list[float]
    load_before: tuple[float, float, float]
    load_after: tuple[float, float, float]
    machine: list[str]
    source: str
    t0: float
    cpu_server_s: float
    cpu_browsers_s: float
    slow_commands: list[str]

    @property
    def errors(self) -> int:
        per_session = sum(len(s.errors) for s in self.sessions)
        return (
            per_session
            + len(self.console_errors)
            + len(self.browser_failures)
            + len(self.server_tracebacks)
        )


def machine_lines() -> list[str]:
    import importlib.metadata

    cpu = "unknown CPU"
    with open("/proc/cpuinfo", encoding="utf-8") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem_kb = 0
    with open("/proc/meminfo", encoding="utf-8") as f:
        for line in f:
            if line.startswith("MemTotal"):
                mem_kb = int(line.split()[1])
    try:
        chromium = subprocess.run(  # noqa: S603
            [str(CHROMIUM), "--version"], capture_output=True, text=True, timeout=30, check=False
        ).stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        chromium = "chromium (version unknown)"
    versions = ", ".join(
        f"{p} {importlib.metadata.version(p)}"
        for p in ("streamlit", "streamlit-folium", "folium", "selenium", "geopandas")
    )
    return [
        f"CPU: {cpu}; {os.cpu_count()} logical cores; RAM {mem_kb / 1024**2:.1f} GiB",
        f"{platform.system()} {platform.release()}; Python {platform.python_version()}; {chromium}",
        versions,
    ]


def source_line() -> str:
    def git(*a: str) -> str:
        exe = shutil.which("git")
        if exe is None:
            return ""
        r = subprocess.run([exe, *a], cwd=ROOT, capture_output=True, text=True, check=False)  # noqa: S603
        return r.stdout.strip()

    head = git("rev-parse", "--short", "HEAD") or "unknown"
    dirty = git("status", "--porcelain", "--untracked-files=no")
    return f"working tree at {head}" + (" with uncommitted changes" if dirty else "")


def run(args: argparse.Namespace) -> Result:
    machine = machine_lines()
    source = source_line()
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="planmap-load-") as tmp_name:
        tmp = Path(tmp_name)
        (tmp / "data").mkdir()
        (tmp / "logs").mkdir()
        print(f"writing {args.uploads} GeoPackages of {args.parcels:,} parcels ...", flush=True)
        files = write_layers(tmp / "data", count=args.uploads, parcels=args.parcels)
        file_mb = [p.stat().st_size / 1e6 for p in files]
        app_dir = tmp / "app"
        shutil.copytree(ROOT, app_dir, ignore=COPY_IGNORE)
        print("starting the app ...", flush=True)
        server = start_server(app_dir, tmp / "workspace", tmp / "logs")
        sampler = RssSampler(server.process.pid, nice=args.nice)
        sampler.start()
        browsers: list[Browser] = []
        try:
            sessions = [Session(i, "upload", file=f) for i, f in enumerate(files)]
            sessions += [Session(args.uploads + i, "view") for i in range(args.sessions)]
            n = max(1, min(args.browsers, len(sessions)))
            go = threading.Barrier(n + 1)
            browsers = [
                Browser(
                    b, sessions[b::n], server.url, go, args.timeout, tmp, args.parcels, args.nice
                )
                for b in range(n)
            ]
            print(f"starting {n} Chromium processes ...", flush=True)
            for b in browsers:
                b.start()
            for b in browsers:
                b.ready.wait(timeout=120)
                if b.driver is not None and b.driver.service.process is not None:
                    sampler.browser_pids.append(b.driver.service.process.pid)
            rss_idle = sampler.tree_rss(server.process.pid)
            print(
                f"opening {len(sessions)} sessions ({args.sessions} viewing, "
                f"{args.uploads} uploading) ...",
                flush=True,
            )
            with contextlib.suppress(threading.BrokenBarrierError):
                go.wait(timeout=120)
            t0 = time.perf_counter()
            cpu0 = sampler.tree_cpu(server.process.pid)
            bcpu0 = sum(sampler.tree_cpu(p) for p in sampler.browser_pids)
            for b in browsers:
                b.join(timeout=args.timeout + 120)
            wall = time.perf_counter() - t0
            rss_end = sampler.tree_rss(server.process.pid)
            cpu_server = sampler.tree_cpu(server.process.pid) - cpu0
            cpu_browsers = sum(sampler.tree_cpu(p) for p in sampler.browser_pids) - bcpu0
        finally:
            for b in browsers:
                if b.driver is not None:
                    try:
                        b.driver.quit()
                    except Exception as exc:
                        print(f"browser {b.number} did not quit cleanly: {exc!r}", flush=True)
            sampler.stop()
            stop_server(server.process)
        log_text = server.stdout.read_text(errors="replace") + "\n"
        log_text += server.stderr.read_text(errors="replace")
        if args.keep_logs:
            args.keep_logs.mkdir(parents=True, exist_ok=True)
            shutil.copy(server.stdout, args.keep_logs / "server.stdout.log")
            shutil.copy(server.stderr, args.keep_logs / "server.stderr.log")
        return Result(
            args=args,
            sessions=sessions,
            console_errors=[e for b in browsers for e in b.console_errors],
            browser_failures=[b.failure for b in browsers if b.failure],
            server_tracebacks=tracebacks(log_text),
            server_started_s=server.started_s,
            wall_s=wall,
            rss_idle=rss_idle,
            rss_peak=sampler.peak(),
            rss_end=rss_end,
            browser_peak=sampler.browser_peak,
            file_mb=file_mb,
            load_before=load_before,
            load_after=os.getloadavg(),
            machine=machine,
            source=source,
            t0=t0,
            cpu_server_s=cpu_server,
            cpu_browsers_s=cpu_browsers,
            slow_commands=[c for b in browsers for c in b.slow_commands],
        )


# ---------------------------------------------------------------- report
def mib(n: int) -> str:
    return f"{n / 2**20:,.0f} MiB"


def stats(values: list[float]) -> str:
    if not values:
        return "–"
    return (
        f"{statistics.median(values):.1f} s median, {min(values):.1f}–{max(values):.1f} s "
        f"(n={len(values)})"
    )


def steps(result: Result) -> list[tuple[str, list[float]]]:
    view = [s for s in result.sessions if s.kind == "view"]
    up = [s for s in result.sessions if s.kind == "upload"]

    def col(group: list[Session], a: str, b: str) -> list[float]:
        return [v for s in group if (v := s.step(a, b)) is not None]

    return [
        ("viewer: page opened → map drawn", col(view, "open", "map")),
        ("viewer: map drawn → plan-check table shown", col(view, "map", "tab")),
        (
            "viewer: unit clicked → figures in that unit, map redrawn (3 per viewer)",
            [r for s in view for r in s.reruns],
        ),
        ("viewer: whole session", col(view, "open", "done")),
        ("uploader: page opened → tabs shown", col(up, "open", "page")),
        ("uploader: page opened → map drawn", col(up, "open", "map")),
        ("uploader: file sent → validation report and figures", col(up, "sent", "figures")),
        ("uploader: save clicked → saved", col(up, "figures", "saved")),
        ("uploader: whole session", col(up, "open", "done")),
    ]


def timeline(result: Result) -> list[tuple[str, str]]:
    """When things happened, in seconds after the sessions were opened."""
    t0 = result.t0

    def span(kind: str, mark: str) -> str:
        ts = [s.marks[mark] - t0 for s in result.sessions if s.kind == kind and mark in s.marks]
        return f"{min(ts):.0f}–{max(ts):.0f} s" if ts else "–"

    return [
        ("viewers' maps drawn", span("view", "map")),
        ("viewers finished", span("view", "done")),
        ("uploads sent", span("upload", "sent")),
        ("uploads' figures shown", span("upload", "figures")),
        ("uploads saved", span("upload", "saved")),
    ]


def error_lines(result: Result) -> list[str]:
    lines = []
    for s in result.sessions:
        lines += [f"{s.name}: {e}" for e in s.errors]
    lines += [f"console: {e}" for e in result.console_errors]
    lines += [f"browser: {e}" for e in result.browser_failures]
    lines += [f"server traceback:\n{t}" for t in result.server_tracebacks]
    return lines


def summary(result: Result) -> str:
    a = result.args
    done = sum(s.state == "done" for s in result.sessions)
    out = [
        f"sessions: {a.sessions} viewing + {a.uploads} uploading ({a.parcels:,} parcels, "
        f"{', '.join(f'{m:.1f}' for m in result.file_mb)} MB) over {a.browsers} Chromium; "
        f"{done}/{len(result.sessions)} finished",
        f"errors: {result.errors} (exception boxes / upload errors / timeouts: "
        f"{sum(len(s.errors) for s in result.sessions)}, console: "
        f"{len(result.console_errors)}, browser: {len(result.browser_failures)}, "
        f"server tracebacks: {len(result.server_tracebacks)})",
        f"server RSS: idle {mib(result.rss_idle)}, peak {mib(result.rss_peak)}, "
        f"at the end {mib(result.rss_end)}; browsers' peak {mib(result.browser_peak)}",
        f"server start {result.server_started_s:.1f} s; all sessions {result.wall_s:.1f} s; "
        f"CPU seconds: server {result.cpu_server_s:.0f}, browsers {result.cpu_browsers_s:.0f}; "
        f"WebDriver commands retried (starved browser, not counted as errors): "
        f"{len(result.slow_commands)}",
    ]
    out += [f"  {name}: {when}" for name, when in timeline(result)]
    out += [f"  {name}: {stats(v)}" for name, v in steps(result)]
    errs = error_lines(result)
    if errs:
        out.append("error details:")
        out += ["  " + e.replace("\n", "\n    ") for e in errs[:50]]
    return "\n".join(out)


def markdown(result: Result) -> str:
    a = result.args
    done = sum(s.state == "done" for s in result.sessions)
    lb, la = result.load_before, result.load_after
    lines = [
        START,
        "",
        f"Run {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} "
        f"(`python -m benchmarks.load`; {result.source}).",
        "",
        *[f"- {m}" for m in result.machine],
        f"- load average (1/5/15 min) before: {lb[0]:.2f} / {lb[1]:.2f} / {lb[2]:.2f}; "
        f"after: {la[0]:.2f} / {la[1]:.2f} / {la[2]:.2f}",
        "",
        "| what | result |",
        "|---|---|",
        f"| sessions at once | {a.sessions} viewing + {a.uploads} uploading = "
        f"{len(result.sessions)}, in {a.browsers} headless Chromium processes "
        f"(nice {a.nice}) |",
        f"| uploads | {a.uploads} GeoPackages of {a.parcels:,} parcels "
        f"({min(result.file_mb):.1f}–{max(result.file_mb):.1f} MB), each validated and "
        "saved |",
        f"| sessions finished | {done} of {len(result.sessions)} (timeout {a.timeout:.0f} s) |",
        f"| **errors** | **{result.errors}** |",
        f"| &nbsp;&nbsp;exception boxes, upload errors, timeouts | "
        f"{sum(len(s.errors) for s in result.sessions)} |",
        f"| &nbsp;&nbsp;browser console (SEVERE) | {len(result.console_errors)} |",
        f"| &nbsp;&nbsp;tracebacks in the server's output | {len(result.server_tracebacks)} |",
        f"| &nbsp;&nbsp;browser failures | {len(result.browser_failures)} |",
        f"| WebDriver commands retried (starved browser; not errors) | "
        f"{len(result.slow_commands)} |",
        f"| server RSS idle (started, no session) | {mib(result.rss_idle)} |",
        f"| **peak server RSS** (process tree, sampled every {SAMPLE_S} s) | "
        f"**{mib(result.rss_peak)}** |",
        f"| server RSS after the run, sessions still open | {mib(result.rss_end)} |",
        f"| peak RSS of the Chromium processes (for scale) | {mib(result.browser_peak)} |",
        f"| `streamlit run` → server healthy | {result.server_started_s:.1f} s |",
        f"| all sessions opened → last one finished | {result.wall_s:.1f} s |",
        f"| CPU time in that span: server / Chromium | {result.cpu_server_s:.0f} s / "
        f"{result.cpu_browsers_s:.0f} s (of {result.wall_s * (os.cpu_count() or 1):.0f} "
        "core-seconds) |",
    ]
    for name, when in timeline(result):
        lines.append(f"| {name} (after the sessions opened) | {when} |")
    for name, values in steps(result):
        lines.append(f"| {name} | {stats(values)} |")
    errs = error_lines(result)
    if errs:
        lines += ["", "Errors found:", "", "```"]
        lines += list(errs[:30])
        lines += ["```"]
    lines += ["", END]
    return "\n".join(lines)


SECTION_INTRO = """
## Load: concurrent sessions and uploads

`benchmarks/load.py` starts the real app on a loopback port from a temporary copy of the
working tree (its own workspace through `PLANMAP_WORKSPACE`; the repository's `workspace/`
is never touched) and opens, at the same moment, 20 viewing sessions and 5 uploading
sessions in headless Chromium (5 processes with 5 windows each, never at a higher priority
than the server: Chromium, run as root, raises its foreground renderers to nice -8, and
the script puts them back to 0; every host but 127.0.0.1 is "not found"):

    .venv/bin/python -m benchmarks.load          # about 5–10 minutes here; rewrites the part below
    .venv/bin/python -m benchmarks.load --no-write --sessions 4 --uploads 1 --parcels 10000

A viewer waits for the map to be drawn, opens the plan-check tab and waits for its table,
then switches the unit to 公顷, 亩 and back to 平方公里 (three full reruns), each time
waiting for the area figures in that unit and the map. An uploader waits for the page's
tabs (not for the map: the uploads run while the other sessions are still loading), opens
导入图层, sends a 100,000-parcel GeoPackage (synthetic, 22.6 MB, a distinct seed per
session so nothing comes from the cache) to the real file input, waits for the validation
report and figures ("要素数: 100,000"), saves the layer to the workspace and waits for
已保存. Errors counted: Streamlit exception boxes, the app's upload error message, sessions
that did not reach their state within the timeout, SEVERE browser-console entries and
tracebacks in the server's output. Server memory is the RSS of the `streamlit` process
tree sampled every 0.2 s. Target (issue "Security and reliability"): 0 errors.
"""


def write_markdown(path: Path, block: str) -> None:
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    if START in text and END in text:
        head, rest = text.split(START, 1)
        _, after = rest.split(END, 1)
        text = head + block + after
    else:
        text = text.rstrip("\n") + "\n" + SECTION_INTRO + "\n" + block + "\n"
    path.write_text(text, encoding="utf-8")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    doc = (__doc__ or "").split("\n")[0]
    p = argparse.ArgumentParser(prog="python -m benchmarks.load", description=doc)
    p.add_argument("--sessions", type=int, default=20, help="viewing sessions (default 20)")
    p.add_argument("--uploads", type=int, default=5, help="uploading sessions (default 5)")
    p.add_argument("--parcels", type=int, default=100_000, help="parcels per upload")
    p.add_argument("--browsers", type=int, default=5, help="Chromium processes (default 5)")
    p.add_argument("--nice", type=int, default=0, help="least niceness of the browsers (default 0)")
    p.add_argument("--timeout", type=float, default=900.0, help="seconds per browser")
    p.add_argument("--out", type=Path, default=BENCHMARKS_MD, help="Markdown file to update")
    p.add_argument("--no-write", action="store_true", help="print the summary only")
    p.add_argument("--keep-logs", type=Path, default=None, help="copy the server logs here")
    p.add_argument("--json", type=Path, default=None, help="also write the figures as JSON")
    args = p.parse_args(argv)
    if not (0 <= args.sessions <= 40 and 0 <= args.uploads <= 10 and 1 <= args.browsers <= 10):
        p.error("bounded: --sessions 0..40, --uploads 0..10, --browsers 1..10")
    if not 0 <= args.nice <= 19:
        p.error("--nice: 0..19")
    if not (1 <= args.parcels <= 200_000 and 10 <= args.timeout <= 1800):
        p.error("bounded: --parcels 1..200000, --timeout 10..1800")
    return args


def as_json(result: Result) -> dict[str, Any]:
    return {
        "errors": result.errors,
        "error_details": error_lines(result),
        "rss_idle_bytes": result.rss_idle,
        "rss_peak_bytes": result.rss_peak,
        "rss_end_bytes": result.rss_end,
        "browser_peak_bytes": result.browser_peak,
        "server_started_s": result.server_started_s,
        "cpu_server_s": result.cpu_server_s,
        "cpu_browsers_s": result.cpu_browsers_s,
        "slow_commands": result.slow_commands,
        "t0": result.t0,
        "wall_s": result.wall_s,
        "sessions": [
            {"name": s.name, "state": s.state, "marks": s.marks, "errors": s.errors}
            for s in result.sessions
        ],
        "steps": dict(steps(result)),
    }


def iter_missing() -> Iterator[str]:
    if not CHROMIUM.exists() or not CHROMEDRIVER.exists():
        yield "Debian packages chromium and chromium-driver (./test.sh installs them)"
    try:
        import psutil  # noqa: F401
        import selenium  # noqa: F401
    except ImportError as exc:
        yield f"Python package {exc.name}"


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    missing = list(iter_missing())
    if missing:
        print("needs: " + "; ".join(missing), file=sys.stderr)
        return 2
    result = run(args)
    print(summary(result))
    if args.json:
        args.json.write_text(json.dumps(as_json(result), indent=2, ensure_ascii=False))
    if not args.no_write:
        write_markdown(args.out, markdown(result))
        print(f"wrote {args.out}")
    return 0 if result.errors == 0 else 1


if __name__ == "__main__":
    if __package__ in (None, ""):
        sys.path.insert(0, str(ROOT))
    sys.exit(main())
