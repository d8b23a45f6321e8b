"""Issue 17's before/after table from one run: section ``large`` of ``python -m benchmarks``.

    python -m benchmarks --only engine,large            # the table's every row
    python -m benchmarks --only large --large-parcels 6000 --repeats 1 --out /tmp/b.md

One row per row of the issue's targets (and its engine goals, and 1,000,000 parcels
through the command line). Columns: *before* is the figure in the issue's text, as its
author measured it on the tree before the work; *after* is this run: median (range) of
the wall seconds, with the CPU seconds beside them (the server's process tree for the
app's steps, the process's own for the engine and the store); *target* is the issue's;
*met?* compares the wall median with the target and nothing else. The figures come from
:mod:`benchmarks.app_large` (the app in headless Chromium), :mod:`benchmarks.store` (the
store alone, SQLite always, PostGIS when ``PLANMAP_TEST_DATABASE_URL`` is set), the
``engine`` section of the same run (run here if that section was skipped) and one
``python -m geo overlaps`` of 1,000,000 parcels under ``/usr/bin/time -v``.

The table goes between the ``<!-- issue17:start -->`` / ``<!-- issue17:end -->`` markers
of the output file; the step-by-step figures go to the run's results.
"""

from __future__ import annotations

import math
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks import app_large, store
from benchmarks.synthetic import ROOT, ZONES_FILE

START, END = "<!-- issue17:start -->", "<!-- issue17:end -->"
IDLE_LOAD = 1.5  # above this (1-minute load average, 2 cores) the figures are not idle ones
MAX_REPEATS = 3  # the app's steps: 3 files of 100,000 parcels, 3 cold starts of each kind
STORE_REPEATS = 4  # the store alone: the 100,000-parcel save twice (store.save_repeats)
CLI_PARCELS = 1_000_000
MIB = 1024 * 1024

WRITE_SNIPPET = """\
import sys
from benchmarks.synthetic import chenggong_centre_gk, synthetic_parcels

frame = synthetic_parcels(int(sys.argv[1]), centre_gk=chenggong_centre_gk())
frame.to_file(sys.argv[2], driver="GPKG", layer="parcels", engine="pyogrio")
"""


@dataclass(frozen=True)
class Figures:
    """Wall seconds of the runs of one step, with CPU seconds beside them."""

    wall_s: list[float]
    cpu_s: list[float]
    cpu_of: str = "server"  # whose CPU: "server" (process tree), "process", "" (none)

    @property
    def median_s(self) -> float | None:
        return statistics.median(self.wall_s) if self.wall_s else None

    def cell(self) -> str:
        if not self.wall_s:
            return "not measured"
        low, high = min(self.wall_s), max(self.wall_s)
        text = f"{statistics.median(self.wall_s):.2f} s"
        if len(self.wall_s) > 1:
            text += f" ({low:.2f}–{high:.2f})"
        if self.cpu_s and self.cpu_of:
            text += f"; {self.cpu_of} {statistics.median(self.cpu_s):.2f} CPU-s"
        return text


def verdict(value: float | None, target: float) -> str:
    """``yes`` when the measured median is within the target, ``no`` when not."""
    if value is None or math.isnan(value):
        return "not measured"
    return "yes" if value <= target else "no"


# ------------------------------------------------------------------ the 1,000,000 CLI run
TIME_FIELDS = {
    "user_s": r"User time \(seconds\): ([\d.]+)",
    "system_s": r"System time \(seconds\): ([\d.]+)",
    "peak_kib": r"Maximum resident set size \(kbytes\): (\d+)",
    "exit": r"Exit status: (\d+)",
}


def cli_run(n: int) -> dict[str, Any]:
    """``python -m geo overlaps`` of ``n`` synthetic parcels (a GeoPackage written by a
    child process, so this one stays small) against ``data/zones.geojson``, once, under
    ``/usr/bin/time -v`` (the peak RSS of the command alone: ``ru_maxrss`` of a child of
    this large process would be inherited)."""
    timer = Path("/usr/bin/time")
    if not timer.exists():
        return {"error": "/usr/bin/time is not installed (apt package time)"}
    with tempfile.TemporaryDirectory(prefix="bench-cli-") as tmp:
        path = Path(tmp) / f"parcels_{n}.gpkg"
        t0 = time.perf_counter()
        subprocess.run(  # noqa: S603
            [sys.executable, "-c", WRITE_SNIPPET, str(n), str(path)], cwd=ROOT, check=True
        )
        written_s = time.perf_counter() - t0
        size_mb = path.stat().st_size / 1e6
        cmd = [str(timer), "-v", sys.executable, "-m", "geo", "overlaps", str(path)]
        cmd += [str(ZONES_FILE), "--max-file-mb", str(max(50, math.ceil(size_mb) + 10))]
        # The upload limits raised to this layer where it needs it (a synthetic parcel has
        # 5 vertices; config/upload.toml allows 1,000,000 features, 5,000,000 vertices).
        cmd += ["--max-features", str(max(n, 1_000_000))]
        cmd += ["--max-vertices", str(max(5 * n, 5_000_000))]
        t0 = time.perf_counter()
        done = subprocess.run(  # noqa: S603
            cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
        )
        wall = time.perf_counter() - t0
    found = {k: re.search(rx, done.stderr) for k, rx in TIME_FIELDS.items()}
    out: dict[str, Any] = {"parcels": n, "file_mb": size_mb, "wall_s": wall}
    out["written_s"] = written_s
    out |= {k: float(m.group(1)) for k, m in found.items() if m}
    if done.returncode != 0:
        out["error"] = f"exit {done.returncode}: " + done.stderr.strip().splitlines()[0]
    return out


# ----------------------------------------------------------------------------- the rows
def _engine_figures(engine: dict[int, Any], n: int) -> Figures:
    r = engine[n]["default"]
    return Figures(r["wall"], r["cpu"], "process")


def _store_figures(stores: dict[str, dict[str, store.Runs]], backend: str) -> Figures:
    runs = stores.get(backend, {}).get(store.SAVE)
    return Figures(runs.wall_s, runs.cpu_s, "client") if runs else Figures([], [])


def _kb(starts: list[dict[str, Any]], *keys: str) -> float:
    """The median of the sum of ``keys`` over ``starts``, in kB (NaN: none measured)."""
    if not starts:
        return math.nan
    return statistics.median(sum(float(s[k]) for k in keys) for s in starts) / 1e3


def rows(
    app: dict[str, Any],
    stores: dict[str, dict[str, store.Runs]],
    engine: dict[int, Any],
    cli: dict[str, Any],
) -> list[list[str]]:
    """The table's rows: step, before, after, target, met?"""
    steps, cpu = app["session"]["steps"], app["session"]["cpu"]
    n = f"{app['parcels']:,}"

    def session(key: str) -> Figures:
        return Figures(steps.get(key, []), cpu.get(key, []))

    def start(kind: str) -> Figures:
        runs = app_large.starts_of(app, kind)
        return Figures(app_large.values(runs, "seconds"), app_large.values(runs, "server_cpu_s"))

    def timed(step: str, before: str, figures: Figures, target_s: float | None) -> list[str]:
        target = f"≤ {target_s:g} s" if target_s is not None else "—"
        met = verdict(figures.median_s, target_s) if target_s is not None else "—"
        return [step, before, figures.cell(), target, met]

    def redraw(move: str, seconds: list[float]) -> list[str]:
        step = f"pan/zoom redraw, the {n}-parcel layer shown: {move}"
        row = timed(step, "— (grid cells only)", Figures(seconds, [], ""), 0.5)
        if failed := app_large.redraw_error(app):
            row[2] = f"failed: {failed}"
        return row

    zoom, pan = app_large.redraws(app)
    out = [
        timed(
            f"upload → validation report and figures, {n} parcels", "4–13 s", session("upload"), 3
        ),
        timed(f"save, {n} parcels (embedded store, in the app)", "9–23 s", session("save"), 5),
        timed(
            f"save, {n} parcels: the store alone, SQLite", "—", _store_figures(stores, "SQLite"), 5
        ),
    ]
    if "PostGIS" in stores:
        out.append(
            timed(
                f"save, {n} parcels: the store alone, PostGIS (client CPU only)",
                "—",
                _store_figures(stores, "PostGIS"),
                5,
            )
        )
    else:
        unset = "not measured: PLANMAP_TEST_DATABASE_URL not set"
        out.append([f"save, {n} parcels: the store alone, PostGIS", "—", unset, "≤ 5 s", "—"])
    out += [
        timed(
            "vector tiles built after the save (background)",
            "— (never drawn)",
            Figures(steps.get("tiles", []), [], ""),
            None,
        ),
        timed("analysis against two plan groups → tables shown", "8–74 s", session("analysis"), 3),
        redraw("zoom 12 → 16", zoom),
        redraw("pan half a screen", pan),
        timed(
            "cold start → map drawn: first start of a fresh install (no bytecode)",
            "4.4–5.1 s",
            start("first"),
            3,
        ),
        timed(
            "cold start → map drawn: server restart (bytecode present)",
            "4.4–5.1 s",
            start("restart"),
            3,
        ),
        timed(
            "Streamlit's floor: a bare page (`st.write`) → its text drawn",
            "—",
            start("floor"),
            None,
        ),
    ]
    app_starts = app_large.starts_of(app, "first") + app_large.starts_of(app, "restart")
    floor = app_large.starts_of(app, "floor")
    page, floor_page = _kb(app_starts, "http", "websocket"), _kb(floor, "http", "websocket")
    page_cell = "not measured"
    if not math.isnan(page):
        page_cell = (
            f"{page / 1e3:.2f} MB: {_kb(app_starts, 'http') / 1e3:.2f} MB HTTP bodies as "
            f"sent + {_kb(app_starts, 'websocket') / 1e3:.2f} MB websocket"
        )
    floor_cell = "—"
    if not math.isnan(floor_page):
        floor_cell = f"— (a bare Streamlit page: {floor_page / 1e3:.2f} MB)"
    own = _kb(app_starts, "map_http", "map_websocket")
    own_cell = "not measured"
    if not math.isnan(own):
        own_cell = (
            f"{own:.0f} kB ({_kb(app_starts, 'map_http'):.0f} kB iframe files + "
            f"{_kb(app_starts, 'map_websocket'):.0f} kB websocket message)"
        )
    out += [
        [
            "first page load, bytes",
            "6.2 MB HTTP",
            page_cell,
            "as small as Streamlit allows",
            floor_cell,
        ],
        ["the map's own part of it", "—", own_cell, "≤ 150 kB", verdict(own, 150.0)],
    ]
    out += _engine_rows(engine)
    out.append(_cli_row(cli))
    return out


def _engine_rows(engine: dict[int, Any]) -> list[list[str]]:
    """The engine goals: the smaller size of the run against the 100,000-parcel goal, the
    larger against the 1,000,000 one (the sizes are named in the rows)."""
    if not engine:
        return [["overlap engine", "0.75 s; 5.7 s, 1.4 GB", "not measured", "—", "—"]]
    small, large = min(engine), max(engine)
    out = []
    for n, before, target in ((small, "0.75 s", 0.5), (large, "5.7 s", 3.0)):
        figures = _engine_figures(engine, n)
        step = f"overlap engine, {n:,} parcels × plan zones (table)"
        out.append([step, before, figures.cell(), f"≤ {target:g} s"])
        out[-1].append(verdict(figures.median_s, target))
    r = engine[large]
    peak_gb, added_gb = r["peak_kib"] / MIB, (r["peak_kib"] - r["loaded_kib"]) / MIB
    after = f"{peak_gb:.2f} GB ({added_gb:.2f} GB above the loaded inputs)"
    out.append([f"overlap engine, {large:,} parcels: peak RSS", "1.4 GB", after, "≤ 1 GB"])
    out[-1].append(verdict(peak_gb, 1.0))
    return out


def _cli_row(cli: dict[str, Any]) -> list[str]:
    step = f"`python -m geo overlaps`, {cli.get('parcels', CLI_PARCELS):,} parcels (once)"
    before = "5–9 s (the overlap in it)"
    if "error" in cli or "peak_kib" not in cli:
        return [step, before, f"failed: {cli.get('error', 'no figures')}", "figures, ≤ 4 GB", "no"]
    peak_gb = cli["peak_kib"] / MIB
    cpu = cli.get("user_s", 0.0) + cli.get("system_s", 0.0)
    after = f"{cli['wall_s']:.1f} s; {cpu:.1f} CPU-s; peak {peak_gb:.2f} GB"
    return [step, before, after, "figures computed, peak ≤ 4 GB", verdict(peak_gb, 4.0)]


# -------------------------------------------------------------------------- the sections
def _load_1min() -> float:
    return os.getloadavg()[0]


@dataclass
class Parts:
    """What the ``large`` and ``million`` sections measured, for the table."""

    repeats: int = 0
    app: dict[str, Any] = field(default_factory=dict)
    stores: dict[str, dict[str, store.Runs]] = field(default_factory=dict)
    cli: dict[str, Any] = field(default_factory=dict)
    million: dict[str, Any] = field(default_factory=dict)
    loads: list[tuple[str, float, float]] = field(default_factory=list)  # section, start, end
    errors: list[str] = field(default_factory=list)

    def attempt(self, what: str, step: Callable[[], None]) -> None:
        """Run one part; a failure is recorded (and printed), and the suite goes on."""
        try:
            step()
        except Exception as exc:  # a benchmark that failed is a row saying so, not a stop
            traceback.print_exc()
            self.errors.append(f"{what}: {type(exc).__name__}: {str(exc)[:500]}")


def bench_large(
    add: Callable[[str, str], None],
    parts: Parts,
    *,
    parcels: int,
    repeats: int,
    cli_parcels: int,
) -> None:
    """The app's steps, the store's save and the large command run; the step-by-step
    figures through ``add(title, text)``, the table's through ``parts``."""
    parts.repeats = repeats = max(1, min(repeats, MAX_REPEATS))
    load_start = _load_1min()

    def app() -> None:
        t0 = time.perf_counter()
        parts.app = app_large.run(parcels=parcels, repeats=repeats)
        text = app_large.markdown(parts.app) + f"\n\n{_minutes(t0)}"
        add("The app in headless Chromium (benchmarks.app_large)", text)

    def stores() -> None:
        t0 = time.perf_counter()
        parts.stores = store.measure_backends(parcels=parcels, repeats=STORE_REPEATS)
        add(
            f"The store alone, {parcels:,} parcels (benchmarks.store; wall s, medians)",
            store.markdown(parts.stores, parcels=parcels)
            + f"\n\n{STORE_REPEATS} runs each, the save {store.save_repeats(STORE_REPEATS)}; "
            + ("PostGIS included. " if "PostGIS" in parts.stores else "")
            + _minutes(t0),
        )

    def cli() -> None:
        t0 = time.perf_counter()
        parts.cli = cli_run(cli_parcels)
        text = _cli_text(parts.cli) + f" {_minutes(t0)}"
        add(f"`python -m geo overlaps`, {cli_parcels:,} parcels (once)", text)

    parts.attempt("the app in headless Chromium", app)
    parts.attempt("the store", stores)
    parts.attempt(f"python -m geo overlaps, {cli_parcels:,} parcels", cli)
    parts.loads.append(("large", load_start, load_end := _load_1min()))
    if max(load_start, load_end) > IDLE_LOAD:
        print(
            f"WARNING: load average {load_start:.2f} → {load_end:.2f} in the large section: "
            "not an idle run",
            flush=True,
        )


def bench_million(add: Callable[[str, str], None], parts: Parts, *, parcels: int) -> None:
    """``benchmarks.million``: the server-side import of ``parcels`` and the page's steps
    on that layer (each in a fresh process; heavy: about 5 minutes at 1,000,000)."""
    from benchmarks import million

    load_start = _load_1min()

    def run() -> None:
        t0 = time.perf_counter()
        folder = Path(tempfile.mkdtemp(prefix="bench-million-"))
        try:
            steps, said = million.run(parcels, folder)
        finally:
            million._remove(folder)  # the workspace and its tiles
        parts.million = {"parcels": parcels, "rows": steps}
        text = million.markdown(steps, parcels, said).strip()
        if text.startswith("### "):  # its own heading: the section's title says it
            text = text.split("\n", 1)[1]
        add(
            f"{parcels:,} parcels through the app (benchmarks.million)", f"{text}\n\n{_minutes(t0)}"
        )

    parts.attempt(f"{parcels:,} parcels through the app (benchmarks.million)", run)
    parts.loads.append(("million", load_start, _load_1min()))


def _minutes(t0: float) -> str:
    return f"(This part: {(time.perf_counter() - t0) / 60:.1f} min.)"


def block(parts: Parts, engine: dict[int, Any]) -> str:
    """Issue 17's table (Markdown) for the output file's issue17 block."""
    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    loads = "; ".join(f"`{name}` {a:.2f} → {b:.2f}" for name, a, b in parts.loads)
    lines = [
        f"From one run of `python -m benchmarks` (ended {when}); load average (1 min) at the "
        f"start → end of each section: {loads}."
    ]
    if any(max(a, b) > IDLE_LOAD for _, a, b in parts.loads):
        warning = (
            f"WARNING: the load average was above {IDLE_LOAD} during these sections: the "
            "figures are not an idle run (wall seconds inflated; compare CPU seconds)."
        )
        print(warning, flush=True)
        lines += ["", f"**{warning}**"]
    if parts.errors:
        lines += ["", "Parts that failed (their rows say *failed* or *not measured*):"]
        lines += [f"- {e}" for e in parts.errors]
    app = parts.app or EMPTY_APP
    table_rows = [*rows(app, parts.stores, engine, parts.cli), _million_row(parts.million)]
    lines += ["", _markdown_table(table_rows), "", NOTES.format(repeats=parts.repeats)]
    if note := app_large.unseen_note(app):
        lines += ["", note]
    return "\n".join(lines)


EMPTY_APP: dict[str, Any] = {
    "parcels": 100_000,
    "cold_starts": [],
    "floor": [],
    "session": {"steps": {}, "cpu": {}, "redraw": []},
}


def _million_row(million: dict[str, Any]) -> list[str]:
    step = f"{million.get('parcels', CLI_PARCELS):,} parcels through the app (server-side import)"
    target = "figures computed, map drawn by tiles, peak ≤ 4 GB"
    steps = million.get("rows")
    if not steps:
        return [step, "— (refused: over the upload limits)", "not measured", target, "—"]
    peak_gb = max(float(r["peak_rss_mib"]) for r in steps) / 1024
    imported = steps[0]
    page_cpu = sum(float(r["cpu_s"]) for r in steps[1:])
    after = (
        f"import with tiles {imported['wall_s']:.0f} s, {imported['cpu_s']:.0f} CPU-s; "
        f"the page's steps {page_cpu:.1f} CPU-s; peak RSS {peak_gb:.2f} GB (largest step)"
    )
    return [step, "— (refused: over the upload limits)", after, target, verdict(peak_gb, 4.0)]


def _cli_text(cli: dict[str, Any]) -> str:
    if "error" in cli:
        return f"Failed: {cli['error']}."
    cpu = cli.get("user_s", 0.0) + cli.get("system_s", 0.0)
    return (
        f"GeoPackage of {cli['parcels']:,} synthetic parcels, {cli['file_mb']:.0f} MB "
        f"(written in {cli['written_s']:.0f} s, not counted). `python -m geo overlaps FILE "
        f"data/zones.geojson --max-file-mb …` under `/usr/bin/time -v`: {cli['wall_s']:.1f} s "
        f"wall, {cpu:.1f} CPU-s, peak RSS {cli['peak_kib'] / 1024:.0f} MiB. Run once (a "
        "1,000,000-parcel run takes tens of seconds; repeating it would not fit the suite's "
        "35 minutes). The upload limits are raised to the layer by the command's flags."
    )


def _markdown_table(table_rows: list[list[str]]) -> str:
    header = ["step", "before (issue 17, as measured by its author)", "after (this run)"]
    header += ["target", "met?"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in table_rows]
    return "\n".join(lines)


NOTES = """\
After: median (range) of the wall seconds; CPU-s beside it are the server's process tree \
(the app's steps), the process's own (the engine), or the store's client process (the \
PostgreSQL server's CPU is not counted). *met?* compares the wall median with the target \
only. The app's steps (repeats: {repeats}; `--repeats` is capped at 3 here): that many \
files of synthetic parcels, each uploaded, saved and analysed once in one browser \
session; that many cold starts of each kind, alternated (a first start of a copy with no \
`__pycache__` and a fresh workspace, then a restart with the bytecode it wrote and its \
workspace); the redraw that many times, at places 3 km apart. The engine rows are the \
`engine` section's (1,000,000 parcels: one run, no repeats). Streamlit's floor is no \
target: it is what `streamlit run` and this browser take for a page with one line of \
text on this machine, the time no app here can go below."""


def write_block(out: Path, text: str) -> None:
    """Put ``text`` between the issue17 markers of ``out`` (appended with them if absent)."""
    body = f"{START}\n\n{text.strip()}\n\n{END}"
    current = out.read_text(encoding="utf-8") if out.exists() else "# Benchmarks\n"
    if START in current and END in current:
        current = current[: current.index(START)] + body + current[current.index(END) + len(END) :]
    else:
        current = current.rstrip() + "\n\n" + body + "\n"
    tmp = out.with_name(f".{out.name}.tmp")
    tmp.write_text(current, encoding="utf-8")
    tmp.replace(out)
