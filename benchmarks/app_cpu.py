"""CPU seconds of the page's runs with a large upload, in one process (issue 17).

    .venv/bin/python -m benchmarks.app_cpu                    # 100,000 parcels
    .venv/bin/python -m benchmarks.app_cpu --parcels 10000 --profile /tmp/page

Drives ``streamlit_app.py`` with Streamlit's ``AppTest`` (no browser, no server) on a
throw-away workspace and reports, for each step, the CPU seconds of this process
(``time.process_time``: what a loaded, shared machine cannot inflate the way it inflates
wall time) and the wall seconds:

- **first run** (imports of the page's modules included) and a **rerun**;
- **upload**: a GeoPackage of synthetic parcels (:mod:`benchmarks.synthetic`) given to the
  upload widget, until the run with its validation report and figures ends;
- **rerun with the upload**, and **save** (the save button's run: the embedded store).

``--profile PREFIX`` writes a cProfile file and the 40 costliest calls of each step
(``PREFIX-<step>.prof`` / ``.txt``). The browser-facing figures (websocket, drawing) are
``benchmarks.app_large``'s.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks.synthetic import ROOT, chenggong_centre_gk, synthetic_parcels

APP = str(ROOT / "streamlit_app.py")


def _profiled_runner(holder: dict[str, cProfile.Profile]) -> None:
    """Profile AppTest's script thread (the page runs there, not in the main thread)."""
    from streamlit.testing.v1 import local_script_runner as lsr

    original = lsr.LocalScriptRunner._run_script_thread

    def run(self: Any) -> Any:
        profile = cProfile.Profile()
        holder["profile"] = profile
        profile.enable()
        try:
            return original(self)
        finally:
            profile.disable()

    lsr.LocalScriptRunner._run_script_thread = run  # type: ignore[method-assign]


def measure(parcels: int, *, profile: str | None) -> dict[str, tuple[float, float]]:
    from streamlit.testing.v1 import AppTest

    from geo.declared.i18n import t
    from ui import state

    holder: dict[str, cProfile.Profile] = {}
    if profile:
        _profiled_runner(holder)
    out: dict[str, tuple[float, float]] = {}

    def step(name: str, run: Callable[[], object]) -> None:
        cpu, wall = time.process_time(), time.perf_counter()
        run()
        out[name] = (time.process_time() - cpu, time.perf_counter() - wall)
        print(f"{name}: {out[name][0]:.2f} CPU-s, {out[name][1]:.2f} s", flush=True)
        if profile and "profile" in holder:
            holder["profile"].dump_stats(f"{profile}-{name}.prof")
            text = io.StringIO()
            pstats.Stats(holder["profile"], stream=text).sort_stats("cumulative").print_stats(40)
            Path(f"{profile}-{name}.txt").write_text(text.getvalue(), encoding="utf-8")

    with tempfile.TemporaryDirectory(prefix="planmap-app-cpu-") as tmp:
        os.environ["PLANMAP_WORKSPACE"] = str(Path(tmp) / "workspace")
        path = Path(tmp) / f"parcels_{parcels // 1000}k.gpkg"
        frame = synthetic_parcels(parcels, centre_gk=chenggong_centre_gk(), seed=20261201)
        frame.to_file(path, driver="GPKG", layer="parcels", engine="pyogrio")
        data = path.read_bytes()
        at = AppTest.from_file(APP, default_timeout=900)
        step("first run", at.run)
        step("rerun", at.run)
        at.session_state[state.MAIN_TABS] = t("upload_tab", "zh")  # only the open tab runs
        at.run()  # the click on the tab (not timed)

        def upload() -> None:
            widget = at.file_uploader(key=state.UPLOAD_FILE)
            widget.set_value((path.name, data, "application/geopackage+sqlite3"))
            at.run()
            shown = [x.value for x in at.text if f"{parcels:,}" in x.value]
            assert shown, "the figures line is not on the page"

        step("upload", upload)
        step("rerun with the upload", at.run)

        def save() -> None:
            at.button(key=state.UPLOAD_SAVE).click()
            at.run()
            assert at.success, "no 'saved' message"

        step("save", save)
        assert not at.exception, [e.value for e in at.exception]
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--parcels", type=int, default=100_000)
    parser.add_argument("--profile", help="write cProfile files with this path prefix")
    args = parser.parse_args(argv)
    load = "/".join(f"{v:.1f}" for v in os.getloadavg())
    result = measure(args.parcels, profile=args.profile)
    print(f"\n{args.parcels:,} parcels, load average {load} at start\n")
    print("| step | CPU-s | wall s |\n|---|---|---|")
    for name, (cpu, wall) in result.items():
        print(f"| {name} | {cpu:.2f} | {wall:.2f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
