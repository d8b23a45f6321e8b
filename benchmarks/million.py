"""1,000,000 parcels through the server-side import and the app's steps (issue 17).

    nice -n 10 python -m benchmarks.million                 # 1,000,000 parcels
    python -m benchmarks.million --parcels 20000 --out -    # a quick check of the script

1. ``benchmarks.synthetic.synthetic_parcels`` as a GeoPackage, in a fresh process.
2. ``python -m geo store import-layer`` under ``/usr/bin/time -v`` into a throw-away
   workspace (embedded store): CPU seconds (user + system, tippecanoe included) and peak
   resident memory of the command (the largest of it and its children).
3. The page's steps on that layer in one fresh process, each by the functions the page
   calls: the layer list, its kept figures, its kept grid cells, its tile set, a click on
   one parcel (the server-side lookup by id), the page run with the layer shown
   (``AppTest``), then what reads the whole layer: the read back from the store (what the
   map, the click and the analysis did before), the 500 m cells from the frame (what the
   map did before), and the analysis against the 12 largest plan zones
   (:func:`geo.upload.overlap_with_zones`, as ``ui/upload_analysis.py``). For each: CPU
   seconds (``time.process_time``) and the step's own peak resident memory (Linux's
   ``VmHWM``, reset before each step by writing 5 to ``/proc/self/clear_refs``).

CPU seconds are what to compare on a shared machine; wall seconds are given for the
record. Nothing here is kept: the workspace and its tiles are removed at the end.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OWNER = "planner"
SEED = 20261201
ZONE_COUNT = 12
NOT_PLAN_LAYERS = ("context_regions", "extents", "water")
"""Layers of data/zones.geojson that are context (prefectures, the district's outline,
Dianchi), not plan zones: the analysis takes the 12 largest of the others."""
CLICKED_ROW = 123_456


def _rss_mib(field: str) -> float:
    """``VmRSS`` (now) or ``VmHWM`` (peak since the last reset) of this process, MiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _reset_peak() -> None:
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


@contextlib.contextmanager
def _step(rows: list[dict[str, Any]], name: str) -> Iterator[None]:
    _reset_peak()
    cpu, wall = time.process_time(), time.perf_counter()
    yield
    rows.append(
        {
            "step": name,
            "cpu_s": round(time.process_time() - cpu, 3),
            "wall_s": round(time.perf_counter() - wall, 3),
            "peak_rss_mib": round(_rss_mib("VmHWM"), 1),
            "rss_after_mib": round(_rss_mib("VmRSS"), 1),
        }
    )
    print(json.dumps(rows[-1]), file=sys.stderr, flush=True)


def make(path: Path, parcels: int) -> None:
    """The synthetic parcels as a GeoPackage (a fresh process: its memory is its own)."""
    from benchmarks.synthetic import chenggong_centre_gk, synthetic_parcels

    frame = synthetic_parcels(parcels, centre_gk=chenggong_centre_gk(), seed=SEED)
    frame.to_file(path, driver="GPKG", engine="pyogrio")


def owner(workspace: Path) -> None:
    from geo.store.store import open_plan_store

    with open_plan_store(workspace_dir=workspace) as store:  # seeded, as the app opens it
        store.local_user(OWNER)


def app_steps(workspace: Path) -> list[dict[str, Any]]:
    """The page's steps on the one imported layer (see the module's docstring)."""
    rows: list[dict[str, Any]] = []
    with _step(rows, "imports"):
        import shapely

        from geo.display import grid_summary
        from geo.plan.zones import ZONES_FILE, load_zones
        from geo.store.layers import UserLayers
        from geo.store.store import open_plan_store
        from geo.store.summary import read_cells, read_summary
        from geo.store.tiles import TileStore
        from geo.upload import overlap_with_zones
        from ui import tiles as tiles_ui

    store = open_plan_store(workspace_dir=workspace, seed=False)
    ws = UserLayers(store, store.user(OWNER), workspace)
    with _step(rows, "list the layers"):
        (meta,) = ws.list_layers()
        features_of = ws.version(meta.layer_id).features_of
    with _step(rows, "figures (kept by the import)"):
        summary = read_summary(ws.root, meta.layer_id, features_of)
        assert summary is not None and summary.feature_count == meta.feature_count
    with _step(rows, "grid cells (kept by the import)"):
        cells = read_cells(ws.root, meta.layer_id, features_of)
        assert cells is not None and int(cells["count"].sum()) == meta.feature_count
    with _step(rows, "tile set ready"):
        tiles = TileStore(ws.root).ready(meta.layer_id)
        assert tiles is not None and tiles.feature_count == meta.feature_count
    row = min(CLICKED_ROW, meta.feature_count - 1)
    with _step(rows, "click on a parcel (lookup by id)"):
        one = store.read(ws.user, meta.layer_id, feature_nos=[row])
        point = shapely.point_on_surface(one.geometry.iloc[0])
        at = {"lat": point.y, "lng": point.x}
        result = {
            "last_clicked": at,
            "last_object_clicked": at,
            "last_object_clicked_tooltip": f"{meta.name} #{row + 1}",
        }
        lookup = functools.partial(tiles_ui._feature_at, ws, meta.layer_id)
        found = tiles_ui.find_clicked(result, [(meta, lookup)])
        assert found is not None and found.row == row
    rows += _page_steps(workspace, meta.layer_id)
    with _step(rows, "before: the layer read back whole (map, click, analysis)"):
        frame = ws.read(meta.layer_id)
    with _step(rows, "before: 500 m cells from the frame (map)"):
        grid_summary(frame, cell_m=500.0)
    zones = load_zones(ZONES_FILE)
    plan = ~zones["layer"].isin(NOT_PLAN_LAYERS)  # the plan's zones, not its context
    zones = zones[plan & zones.geometry.geom_type.isin(["Polygon", "MultiPolygon"])]
    chosen = zones.assign(a=zones.to_crs("EPSG:4543").area).nlargest(ZONE_COUNT, "a")
    chosen = chosen.drop(columns="a")
    with _step(rows, f"analysis against {ZONE_COUNT} plan zones"):
        overlap = overlap_with_zones(
            frame, chosen, zone_id_column="id", upload_id_column=meta.source.id_column
        )
    rows[-1]["pairs"] = len(overlap.pairs)
    store.close()
    return rows


def _page_steps(workspace: Path, layer_id: str) -> list[dict[str, Any]]:
    """The page itself (``AppTest``): its first run, then the run that shows the layer."""
    from streamlit.testing.v1 import AppTest

    from geo.declared.i18n import t
    from ui import state

    os.environ.update(PLANMAP_WORKSPACE=str(workspace), PLANMAP_USER=OWNER)
    os.environ.pop("PLANMAP_DATABASE_URL", None)
    rows: list[dict[str, Any]] = []
    at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=600)
    at.session_state[state.MAIN_TABS] = t("upload_tab", "zh")  # the layer list's tab
    with _step(rows, "page: first run, the layers tab open (AppTest)"):
        at.run()
    with _step(rows, "page: the layer shown on the map (AppTest)"):
        at.checkbox(key=state.user_layer_on(layer_id)).check().run()
    problems = [e.value for e in at.exception]
    if problems:
        raise RuntimeError(f"the page failed: {problems}")
    return rows


_TIME_FIELDS = {
    "user": r"User time \(seconds\): ([\d.]+)",
    "system": r"System time \(seconds\): ([\d.]+)",
    "peak_kib": r"Maximum resident set size \(kbytes\): (\d+)",
    "wall": r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): ([\d:.]+)",
}


def _timed(command: list[str], env: dict[str, str]) -> tuple[dict[str, Any], str]:
    """``command`` under ``/usr/bin/time -v``: its figures and its standard output."""
    done = subprocess.run(  # noqa: S603 - our own commands
        ["/usr/bin/time", "-v", *command], capture_output=True, text=True, env=env, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"{command[:4]} failed ({done.returncode}):\n{done.stderr[-2000:]}")
    found = {k: re.search(p, done.stderr) for k, p in _TIME_FIELDS.items()}
    if not all(found.values()):
        raise RuntimeError(f"/usr/bin/time said no figures:\n{done.stderr[-2000:]}")
    text = {k: m.group(1) for k, m in found.items() if m is not None}
    minutes, _, seconds = text["wall"].rpartition(":")
    wall = float(seconds) + 60 * sum(
        float(p) * 60**i for i, p in enumerate(reversed(minutes.split(":"))) if p
    )
    return (
        {
            "step": "python -m geo store import-layer (tiles included)",
            "cpu_s": round(float(text["user"]) + float(text["system"]), 2),
            "wall_s": round(wall, 1),
            "peak_rss_mib": round(int(text["peak_kib"]) / 1024, 1),
        },
        done.stdout,
    )


def run(parcels: int, folder: Path) -> tuple[list[dict[str, Any]], str]:
    python = sys.executable
    env = {**os.environ, "PLANMAP_WORKSPACE": str(folder / "workspace"), "PYTHONPATH": str(ROOT)}
    env.pop("PLANMAP_DATABASE_URL", None)
    gpkg = folder / "parcels.gpkg"

    def child(*words: str) -> None:
        subprocess.run([python, "-m", "benchmarks.million", *words], env=env, check=True)  # noqa: S603

    child("make", str(gpkg), str(parcels))
    child("owner", str(folder / "workspace"))
    size_mb = gpkg.stat().st_size / 1e6
    limits = [
        f"--max-file-mb={max(50.0, size_mb * 1.2):.0f}",
        f"--max-features={max(parcels, 1000)}",
        f"--max-vertices={max(5 * parcels, 5000)}",
    ]
    imported, said = _timed(
        [python, "-m", "geo", "store", "import-layer", str(gpkg), "--owner", OWNER, *limits],
        env,
    )
    imported["file_mb"] = round(size_mb, 1)
    out = subprocess.run(  # noqa: S603
        [python, "-m", "benchmarks.million", "app", str(folder / "workspace")],
        env=env, stdout=subprocess.PIPE, text=True, check=False,  # each step: a stderr line
    )  # fmt: skip
    if out.returncode != 0:
        raise RuntimeError(f"the app's steps failed (status {out.returncode}); see above")
    return [imported, *json.loads(out.stdout)], said


def markdown(rows: list[dict[str, Any]], parcels: int, said: str) -> str:
    load = os.getloadavg()
    lines = [
        f"### {parcels:,} parcels: server-side import, then the page's steps",
        "",
        f"`python -m benchmarks.million --parcels {parcels}`; load average at the end "
        f"{load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f}. Peak RSS: the import command's "
        "(`/usr/bin/time -v`), then each page step's own (`VmHWM`, reset before it).",
        "",
        "| step | CPU-s | wall s | peak RSS (MiB) |",
        "|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['step']} | {r['cpu_s']:,.2f} | {r['wall_s']:,.1f} | {r['peak_rss_mib']:,.0f} |"
        )
    lines += ["", "What the command printed:", "", "```", said.strip(), "```", ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    words = sys.argv[1:] if argv is None else argv
    commands: dict[str, Callable[[list[str]], None]] = {
        "make": lambda w: make(Path(w[0]), int(w[1])),
        "owner": lambda w: owner(Path(w[0])),
        "app": lambda w: print(json.dumps(app_steps(Path(w[0])))),
    }
    if words and words[0] in commands:
        commands[words[0]](words[1:])
        return 0
    p = argparse.ArgumentParser(prog="python -m benchmarks.million", description=__doc__)
    p.add_argument("--parcels", type=int, default=1_000_000)
    p.add_argument("--out", default="-", help="a Markdown file for the table, or - (print)")
    args = p.parse_args(words)
    folder = Path(tempfile.mkdtemp(prefix="million-"))
    try:
        rows, said = run(args.parcels, folder)
    finally:
        _remove(folder)
    text = markdown(rows, args.parcels, said)
    if args.out == "-":
        print(text)
    else:
        Path(args.out).write_text(text, encoding="utf-8")
    return 0


def _remove(folder: Path) -> None:
    """The throw-away workspace, and the tiles its layer got under ``static/tiles``."""
    from geo.store.tiles import prune_orphan_tiles

    shutil.rmtree(folder, ignore_errors=True)
    prune_orphan_tiles()


if __name__ == "__main__":
    raise SystemExit(main())
