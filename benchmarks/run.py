"""The benchmark suite: run on demand, never part of the tests.

    python -m benchmarks                      # everything, writes BENCHMARKS.md
    python -m benchmarks --only area,overlap  # some sections
    python -m benchmarks --sizes 1000,10000 --repeats 3 --out /tmp/bench.md
    python -m benchmarks --skip large,dask    # all but some sections

Every figure is the median over ``--repeats`` runs after one warm-up run (best run in
brackets); the machine is shared, so the spread is reported too. Results go between the
``<!-- results -->`` markers of the output file; the text around them is kept. The
``large`` section (:mod:`benchmarks.issue17`: the app in headless Chromium, the store, the
1,000,000-parcel command) also writes issue 17's before/after table between the
``<!-- issue17 -->`` markers. Each section's duration is printed and listed: the whole
suite is meant to finish within 35 minutes on an idle 2-core machine, so the
1,000,000-parcel rows run once and the app's steps at most 3 times (``--skip million``
saves about 5 minutes, ``--skip dask`` some more).
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.metadata
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS, Geod

from benchmarks.synthetic import (
    ROOT,
    ZONES_FILE,
    benchmark_zones,
    chenggong_centre_gk,
    synthetic_parcels,
    synthetic_zones_over,
)
from geo.io import write_geojson_atomic
from geo.measure.area import ellipsoidal_area_m2, gauss_kruger_area_m2
from geo.measure.crs import CGCS2000_GEOGRAPHIC, EQUAL_AREA, GK_CM102
from geo.measure.overlap import overlap_pairs

START, END = "<!-- results:start -->", "<!-- results:end -->"
AGREEMENT_REL = 1e-6


@dataclass
class Timing:
    seconds: list[float]

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    @property
    def best(self) -> float:
        return min(self.seconds)

    def cell(self) -> str:
        return f"{self.median:.3f} ({self.best:.3f})"


def measure(fn: Callable[[], object], *, repeats: int, warmup: int = 1) -> Timing:
    for _ in range(warmup):
        fn()
    out = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return Timing(out)


@dataclass
class Report:
    sections: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    engine: dict[int, Any] = field(default_factory=dict)  # the engine section's raw figures
    durations: list[tuple[str, float]] = field(default_factory=list)  # (section, wall s)
    issue17: Any = None  # benchmarks.issue17.Parts: what the large and million sections measured

    def add(self, title: str, text: str) -> None:
        self.sections.append(f"### {title}\n\n{text.strip()}\n")
        print(f"\n### {title}\n{text.strip()}\n", flush=True)


def table(header: list[str], rows: list[list[Any]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def _version(dist: str) -> str:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def _load() -> str:
    return " / ".join(f"{v:.2f}" for v in os.getloadavg())


def machine() -> str:
    cpu = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    ram = "unknown"
    with contextlib.suppress(OSError, ValueError, IndexError):
        kb = next(
            int(x.split()[1])
            for x in Path("/proc/meminfo").read_text().splitlines()
            if x.startswith("MemTotal")
        )
        ram = f"{kb / 1024**2:.1f} GiB"
    import pyogrio
    import pyproj

    libs = ["geopandas", "shapely", "pyproj", "numpy", "pandas", "pyogrio", "folium"]
    libs += ["dask", "dask-geopandas", "distributed"]
    versions = ", ".join(f"{name} {_version(name)}" for name in libs)
    return textwrap.dedent(
        f"""\
        - CPU: {cpu}; {os.cpu_count()} logical cores (`nproc`); RAM {ram}
        - {platform.system()} {platform.release()}; Python {platform.python_version()}
        - {versions}
        - GEOS {shapely.geos_version_string}, PROJ {pyproj.proj_version_str}, \
GDAL {pyogrio.__gdal_version_string__}
        - load average (1/5/15 min) at start: {_load()}
        """
    )


# ------------------------------------------------------------------------------ areas
def _reference_equal_area(parcels: gpd.GeoDataFrame) -> object:
    """The area path before this suite: GeoSeries.to_crs, then shapely's area."""
    return parcels.geometry.to_crs(EQUAL_AREA).area


_GEOD = CRS(CGCS2000_GEOGRAPHIC).get_geod()


def _reference_geod(parcels: gpd.GeoDataFrame) -> object:
    """The geodesic path before this suite: one Geod call per shapely geometry."""
    assert isinstance(_GEOD, Geod)
    geoms = shapely.orient_polygons(np.asarray(parcels.geometry.array))
    return [_GEOD.geometry_area_perimeter(g)[0] for g in geoms]


def bench_area(report: Report, *, sizes: list[int], repeats: int, centre: tuple[float, float]):
    rows = []
    for n in sizes:
        parcels = synthetic_parcels(n, centre_gk=centre)
        fast = ellipsoidal_area_m2(parcels, method="equal_area").to_numpy()
        geod = ellipsoidal_area_m2(parcels, method="geod").to_numpy()
        reference = np.asarray(_reference_equal_area(parcels))
        worst = max(np.max(np.abs(fast / reference - 1)), np.max(np.abs(geod / fast - 1)))
        cases = {
            "equal_area": lambda p=parcels: ellipsoidal_area_m2(p, method="equal_area"),
            "geod": lambda p=parcels: ellipsoidal_area_m2(p, method="geod"),
            "gauss_kruger": lambda p=parcels: gauss_kruger_area_m2(p),
            "ref: to_crs().area": lambda p=parcels: _reference_equal_area(p),
            "ref: Geod per geometry": lambda p=parcels: _reference_geod(p),
        }
        timings = {name: measure(fn, repeats=repeats) for name, fn in cases.items()}
        rows.append(
            [f"{n:,}"]
            + [t.cell() for t in timings.values()]
            + [f"{timings['ref: to_crs().area'].median / timings['equal_area'].median:.1f}×"]
            + [f"{worst:.1e}"]
        )
    header = ["polygons", *cases, "equal_area speed-up vs to_crs", "max rel. diff"]
    report.add(
        "Ellipsoidal area (seconds, median (best))",
        table(header, rows)
        + "\n\nTarget: equal_area for 100,000 polygons < 0.5 s. `max rel. diff` compares "
        "equal_area with to_crs().area and with geod.",
    )


# --------------------------------------------------------------------------- overlaps
def overlay_zones_first(parcels: gpd.GeoDataFrame, zones: gpd.GeoDataFrame) -> pd.Series:
    """Baseline: geopandas.overlay in the same equal-area CRS, zones as the first frame
    (overlay indexes the second frame; this order is its faster one)."""
    pieces = gpd.overlay(zones.to_crs(EQUAL_AREA), parcels.to_crs(EQUAL_AREA), how="intersection")
    return pieces.area


def sjoin_then_intersect(parcels: gpd.GeoDataFrame, zones: gpd.GeoDataFrame) -> np.ndarray:
    """Baseline: sjoin (zones first) for candidate pairs, then a row-wise intersection."""
    z, p = zones.to_crs(EQUAL_AREA), parcels.to_crs(EQUAL_AREA)
    joined = gpd.sjoin(z, p, predicate="intersects", how="inner")
    other = p.geometry.loc[joined["index_right"]].array
    areas = shapely.area(shapely.intersection(joined.geometry.array, other))
    return np.asarray(areas[areas > 0])


def _scenarios(zones: gpd.GeoDataFrame, source: str, n: int, centre: tuple[float, float]):
    parcels = synthetic_parcels(n, centre_gk=centre)
    yield "plan zones", parcels, zones, source
    block = shapely.box(*parcels.to_crs(GK_CM102).total_bounds)
    dense = synthetic_zones_over(block)
    yield "dense", parcels, dense, f"synthetic ({len(dense)} zones tiling the parcel block)"


def bench_overlap(
    report: Report,
    *,
    sizes: list[int],
    repeats: int,
    zones: gpd.GeoDataFrame,
    source: str,
    centre: tuple[float, float],
) -> None:
    rows, notes = [], []
    for n in sizes:
        for scenario, parcels, zs, where in _scenarios(zones, source, n, centre):
            ours = overlap_pairs(parcels, zs, keep_geometry=False)
            totals = {
                "overlap_pairs": float(ours["overlap_m2"].sum()),
                "overlay": float(overlay_zones_first(parcels, zs).sum()),
                "sjoin": float(sjoin_then_intersect(parcels, zs).sum()),
            }
            spread = max(abs(v / totals["overlap_pairs"] - 1) for v in totals.values())
            if spread > AGREEMENT_REL:
                report.problems.append(f"{scenario} {n}: totals disagree by {spread:.1e}")
            inside = float((ours["a_share"] >= 1.0).mean()) if len(ours) else 0.0
            slow = max(1, repeats // 2) if n >= 100_000 else repeats
            t = {
                "ours": measure(
                    lambda p=parcels, z=zs: overlap_pairs(p, z, keep_geometry=False),
                    repeats=repeats,
                ),
                "ours 1 thread": measure(
                    lambda p=parcels, z=zs: overlap_pairs(p, z, keep_geometry=False, threads=1),
                    repeats=repeats,
                ),
                "ours + geometry": measure(
                    lambda p=parcels, z=zs: overlap_pairs(p, z, keep_geometry=True),
                    repeats=repeats,
                ),
                "overlay": measure(lambda p=parcels, z=zs: overlay_zones_first(p, z), repeats=slow),
                "sjoin": measure(lambda p=parcels, z=zs: sjoin_then_intersect(p, z), repeats=slow),
            }
            rows.append(
                [
                    f"{n:,}",
                    scenario,
                    f"{len(ours):,} ({inside:.0%})",
                    *(x.cell() for x in t.values()),
                    f"{t['overlay'].median / t['ours'].median:.1f}×",
                    f"{t['sjoin'].median / t['ours'].median:.1f}×",
                    f"{spread:.1e}",
                ]
            )
            notes.append(f"- {scenario}, {n:,} parcels: zones {where}")
    header = ["parcels", "zones", "pairs (wholly inside)", "overlap_pairs", "1 thread"]
    header += ["with geometry", "overlay", "sjoin+intersection", "overlay / ours"]
    header += ["sjoin / ours", "totals rel. diff"]
    report.add(
        "Overlap table (seconds, median (best))",
        table(header, rows)
        + "\n\n"
        + "\n".join(sorted(set(notes)))
        + "\n\nAll methods start from EPSG:4326 layers and include the reprojection to the "
        "equal-area CRS. `overlap_pairs` without geometry is the CLI's table; "
        "`with geometry` also returns the intersection polygons in EPSG:4326. "
        f"Totals must agree within {AGREEMENT_REL:g} relative. Targets at 100,000 parcels: "
        "< 1 s and ≥ 10× faster than overlay.",
    )


# ------------------------------------------------------------------------- CLI, memory
PLAIN_SCRIPT = '''\
"""The plain way: read both files, geopandas.overlay, areas, print the table."""
import sys
import geopandas as gpd

CRS = "{crs}"
parcels = gpd.read_file(sys.argv[1]).to_crs(CRS)
zones = gpd.read_file(sys.argv[2]).to_crs(CRS)
pieces = gpd.overlay(zones, parcels, how="intersection")
pieces["overlap_km2"] = pieces.area / 1e6
pieces = pieces[pieces["overlap_km2"] > 0]
out = pieces[["id_2", "id_1", "overlap_km2"]].rename(columns={{"id_2": "a", "id_1": "b"}})
print(out.sort_values(["a", "b"]).to_csv(index=False))
'''


def _run(cmd: list[str], *, cwd: Path) -> float:
    t0 = time.perf_counter()
    subprocess.run(cmd, cwd=cwd, check=True, stdout=subprocess.DEVNULL)  # noqa: S603
    return time.perf_counter() - t0


@contextlib.contextmanager
def _files(n: int, centre: tuple[float, float], zones: gpd.GeoDataFrame) -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        folder = Path(tmp)
        parcels = synthetic_parcels(n, centre_gk=centre)
        parcels.to_file(folder / "parcels.gpkg", driver="GPKG", engine="pyogrio")
        write_geojson_atomic(zones, folder / "zones.geojson")
        block = shapely.box(*parcels.to_crs(GK_CM102).total_bounds)
        write_geojson_atomic(synthetic_zones_over(block), folder / "dense.geojson")
        (folder / "plain_overlay.py").write_text(
            PLAIN_SCRIPT.format(crs=EQUAL_AREA.to_wkt().replace('"', '\\"')), encoding="utf-8"
        )
        yield folder


def bench_cli(report: Report, *, n: int, repeats: int, files: Path) -> None:
    py = sys.executable
    env_root = str(ROOT)
    rows = []
    for label, zones_file in (("plan zones", "zones.geojson"), ("dense", "dense.geojson")):
        base = [py, "-m", "geo", "overlaps", str(files / "parcels.gpkg"), str(files / zones_file)]
        cases = {
            "python -m geo overlaps (table)": base,
            "… --format csv": [*base, "--format", "csv"],
            "plain overlay script (csv)": [
                py,
                str(files / "plain_overlay.py"),
                str(files / "parcels.gpkg"),
                str(files / zones_file),
            ],
            "python -c 'import geopandas' (floor)": [py, "-c", "import geopandas"],
        }
        t = {
            k: measure(lambda c=c: _run(c, cwd=Path(env_root)), repeats=repeats, warmup=1)
            for k, c in cases.items()
        }
        plain = t["plain overlay script (csv)"].median
        for k, v in t.items():
            rows.append([label, k, v.cell(), f"{plain / v.median:.1f}×"])
    report.add(
        f"Whole command on {n:,} parcels (wall seconds, median (best))",
        table(["zones", "command", "seconds", "plain / this"], rows)
        + "\n\nEach command is a fresh process reading `parcels.gpkg` (GeoPackage) and the "
        "zones (GeoJSON) from a temporary folder, printing to /dev/null. The plain script "
        "reads with `geopandas.read_file`, overlays (zones first) in the same equal-area "
        "CRS and prints CSV. Target: the CLI ≥ 5× faster than the plain script.",
    )


MEMORY_SNIPPET = """\
import json, sys, time
from geo.io import read_layer
from geo.measure.overlap import overlap_pairs
from benchmarks.run import overlay_zones_first

def status_kib(key):
    with open("/proc/self/status") as fh:
        return next(int(line.split()[1]) for line in fh if line.startswith(key))

parcels = read_layer(sys.argv[1]); zones = read_layer(sys.argv[2])
loaded = status_kib("VmRSS:")
with open("/proc/self/clear_refs", "w") as fh:
    fh.write("5")  # reset the peak (VmHWM) to the current RSS
t0 = time.perf_counter()
if sys.argv[3] == "overlay":
    overlay_zones_first(parcels, zones)
else:
    overlap_pairs(parcels, zones, keep_geometry=sys.argv[3] == "geometry")
seconds = time.perf_counter() - t0
print(json.dumps({"loaded_kib": loaded, "peak_kib": status_kib("VmHWM:"), "seconds": seconds}))
"""


def bench_memory(report: Report, *, n: int, files: Path) -> None:
    rows = []
    names = {"table": "overlap_pairs", "geometry": "overlap_pairs + geometry"}
    for label, zones_file in (("plan zones", "zones.geojson"), ("dense", "dense.geojson")):
        for mode in ("table", "geometry", "overlay"):
            cmd = [sys.executable, "-c", MEMORY_SNIPPET]
            cmd += [str(files / "parcels.gpkg"), str(files / zones_file), mode]
            out = subprocess.run(cmd, cwd=ROOT, check=True, capture_output=True, text=True)  # noqa: S603
            r = json.loads(out.stdout.strip().splitlines()[-1])
            peak, loaded = r["peak_kib"] / 1024, r["loaded_kib"] / 1024
            rows.append([label, names.get(mode, "geopandas.overlay"), f"{peak:.0f}"])
            rows[-1] += [f"{loaded:.0f}", f"{peak - loaded:.0f}"]
            rows[-1].append(f"{r['seconds']:.2f}")
    header = ["zones", "computation", "peak RSS during it", "RSS with inputs loaded"]
    header += ["added by it", "seconds"]
    report.add(
        f"Peak memory, {n:,} parcels (MiB, one fresh process each)",
        table(header, rows)
        + "\n\nOne process per row: import, read the two files with `geo.io.read_layer`, "
        "reset the peak-RSS mark (`/proc/self/clear_refs`), compute, read `VmHWM`. "
        "(`ru_maxrss` is no use here: a child started by a large parent inherits its "
        "peak.) Target: < 1 GB (1024 MiB).",
    )


# ------------------------------------------------------------------------------- map
def bench_map(report: Report, *, repeats: int) -> None:
    if not ZONES_FILE.exists():
        report.add("Zones and default map", "Pending: data/zones.geojson does not exist yet.")
        return
    from geo.plan.zones import load_plan_layers

    load = measure(load_plan_layers, repeats=repeats)
    zones = load_plan_layers()
    rows = [["load_plan_layers() (zones + streets, validated)", load.cell(), ""]]
    try:
        from geo.declared.basemaps import available_basemaps, load_basemaps
        from geo.declared.registry import load_registry
        from geo.plan.views import layer_payload
        from layers.plan_map import DrawLayer, plan_map
    except ImportError as exc:
        report.add(
            "Zones and default map",
            table(["step", "seconds", "bytes"], rows) + f"\n\nDefault map pending: {exc}.",
        )
        return
    registry = load_registry()
    base = next(
        b for b in available_basemaps(load_basemaps(), token_for=lambda _k: None) if b.default
    )
    visible = [spec.id for spec in registry.layers if spec.visible]
    gcj = base.crs == "gcj02"

    def payloads() -> list[Any]:
        return [DrawLayer(registry.layer(i), *layer_payload(zones, i, gcj02=gcj)) for i in visible]

    def build() -> Any:
        shown = zones[zones["layer"].isin(visible)]
        return plan_map(
            payloads(), registry=registry, lang="zh", basemap=base, bounds=tuple(shown.total_bounds)
        )

    def render() -> str:
        return str(build().get_root().render())

    html = render()
    geojson_bytes = sum(len(json.dumps(d.geojson, ensure_ascii=False).encode()) for d in payloads())
    rows.append(
        [
            f"layer payloads ({len(visible)} visible layers)",
            measure(payloads, repeats=repeats).cell(),
            f"{geojson_bytes:,} (GeoJSON)",
        ]
    )
    rows.append(["plan_map() (folium objects)", measure(build, repeats=repeats).cell(), ""])
    rows.append(
        [
            "plan_map() + render to HTML",
            measure(render, repeats=repeats).cell(),
            f"{len(html.encode()):,} (HTML)",
        ]
    )
    report.add(
        "Zones and default map (seconds, median (best))",
        table(["step", "seconds", "bytes"], rows)
        + f"\n\nThe app's default view: basemap `{base.id}`, layers {', '.join(visible)}; "
        "built as streamlit_app.py builds it, outside Streamlit. Target: payload < 1 MB. "
        "App start to a drawn map in headless Chromium: the `app` section.",
    )


# ------------------------------------------------------------------------------ dask
def bench_dask(
    report: Report, *, n: int, repeats: int, zones: gpd.GeoDataFrame, centre: tuple[float, float]
) -> None:
    try:
        import dask
        from distributed import Client, LocalCluster
    except ImportError:
        report.add("dask engine", "Not measured: requirements-dask.txt is not installed.")
        return
    parcels = synthetic_parcels(n, centre_gk=centre)
    block = shapely.box(*parcels.to_crs(GK_CM102).total_bounds)
    dense = synthetic_zones_over(block)
    rows = []
    ref = measure(lambda: overlap_pairs(parcels, dense, keep_geometry=False), repeats=repeats)
    rows.append(["default engine (threads=2)", ref.cell()])
    for sched in ("synchronous", "threads"):
        with dask.config.set(scheduler=sched):
            t = measure(
                lambda: overlap_pairs(parcels, dense, keep_geometry=False, engine="dask"),
                repeats=repeats,
            )
        rows.append([f"engine='dask', {sched} scheduler", t.cell()])
    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        Client(cluster),
    ):
        t = measure(
            lambda: overlap_pairs(parcels, dense, keep_geometry=False, engine="dask"),
            repeats=repeats,
        )
    rows.append(["engine='dask', LocalCluster 2 processes", t.cell()])
    report.add(
        f"dask engine, {n:,} parcels × dense zones (seconds, median (best))",
        table(["engine", "seconds"], rows)
        + "\n\nSame figures as the default engine (checked by tests/geo/test_overlap_dask.py). "
        "On one 2-core machine dask only adds overhead; it is there for layers that do "
        "not fit one process.",
    )


# ---------------------------------------------------------------------------- engine
ENGINE_SNIPPET = """\
import json, sys, time
from benchmarks.synthetic import benchmark_zones, chenggong_centre_gk, synthetic_parcels
from geo.measure.overlap import overlap_pairs

def status_kib(key):
    with open("/proc/self/status") as fh:
        return next(int(line.split()[1]) for line in fh if line.startswith(key))

n, repeats = int(sys.argv[1]), int(sys.argv[2])
zones, _ = benchmark_zones()
parcels = synthetic_parcels(n, centre_gk=chenggong_centre_gk())
overlap_pairs(parcels.iloc[:5000], zones, keep_geometry=False)  # warm-up: caches, imports
loaded = status_kib("VmRSS:")
with open("/proc/self/clear_refs", "w") as fh:
    fh.write("5")  # reset the peak (VmHWM) to the current RSS
out = {"loaded_kib": loaded}
for name, kwargs in (("default", {}), ("1 thread", {"threads": 1})):
    wall, cpu = [], []
    for _ in range(repeats):
        t0, c0 = time.perf_counter(), time.process_time()
        pairs = overlap_pairs(parcels, zones, keep_geometry=False, **kwargs)
        wall.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    out[name] = {"wall": wall, "cpu": cpu, "pairs": len(pairs)}
    if name == "default":
        out["peak_kib"] = status_kib("VmHWM:")
print(json.dumps(out))
"""


def _cell(values: list[float]) -> str:
    return f"{statistics.median(values):.2f} ({min(values):.2f})"


ONCE_FROM = 500_000  # layers this large are run once (no repeats, no warm-up run)


def engine_run(n: int, repeats: int) -> dict[str, Any]:
    """``overlap_pairs`` of ``n`` parcels × the plan zones in a fresh process, ``repeats``
    times (once from :data:`ONCE_FROM` parcels): wall and CPU seconds, pairs, peak RSS."""
    runs = repeats if n < ONCE_FROM else 1
    cmd = [sys.executable, "-c", ENGINE_SNIPPET, str(n), str(runs)]
    out = subprocess.run(cmd, cwd=ROOT, check=True, capture_output=True, text=True)  # noqa: S603
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def bench_engine(report: Report, *, sizes: list[int], repeats: int, zones_source: str) -> None:
    """The overlap engine alone (in a fresh process per size) and the CLI around it."""
    rows = []
    for n in sizes:
        r = report.engine[n] = engine_run(n, repeats)
        peak, loaded = r["peak_kib"] / 1024, r["loaded_kib"] / 1024
        rows.append(
            [
                f"{n:,}",
                f"{r['default']['pairs']:,}",
                _cell(r["default"]["wall"]),
                _cell(r["default"]["cpu"]),
                _cell(r["1 thread"]["wall"]),
                _cell(r["1 thread"]["cpu"]),
                f"{peak:.0f} ({peak - loaded:.0f})",
            ]
        )
    header = ["parcels", "pairs", "wall s (2 threads)", "CPU s", "wall s (1 thread)"]
    header += ["CPU s (1 thread)", "peak RSS MiB (added)"]
    report.add(
        "Overlap engine, parcels × plan zones (median (best))",
        table(header, rows)
        + f"\n\nZones: {zones_source}. `overlap_pairs(parcels, zones, keep_geometry=False)` "
        "in one fresh process per size, after a warm-up; CPU s is the process's CPU time "
        "(all threads). Peak RSS: the process with its inputs, after the peak mark was reset "
        "at the loaded state (added: above the loaded inputs). Targets: 100,000 parcels "
        f"≤ 0.5 s, 1,000,000 ≤ 3 s within 1 GB. From {ONCE_FROM:,} parcels one run of "
        "each (the suite's time budget), so median and best are that run.",
    )


def bench_engine_cli(report: Report, *, repeats: int, files: Path, n: int) -> None:
    base = [sys.executable, "-m", "geo", "overlaps", str(files / "parcels.gpkg")]
    base.append(str(files / "zones.geojson"))
    rows = []
    for label, extra in (("table", []), ("--format csv", ["--format", "csv"])):
        wall, cpu = [], []
        for _ in range(repeats + 1):
            before = os.times()
            wall.append(_run([*base, *extra], cwd=ROOT))
            after = os.times()
            cpu.append(
                after.children_user + after.children_system
                - before.children_user - before.children_system
            )  # fmt: skip
        rows.append([label, _cell(wall[1:]), _cell(cpu[1:])])
    report.add(
        f"`python -m geo overlaps`, {n:,} parcels (GeoPackage) × plan zones (median (best))",
        table(["output", "wall s", "CPU s"], rows)
        + "\n\nA fresh process each run (import, read both files with the upload checks, "
        "repair, overlap, print to /dev/null); one warm-up run not counted.",
    )


def bench_dask_overhead(report: Report, *, sizes: list[int], zones: gpd.GeoDataFrame) -> None:
    """Where, if anywhere, the dask engine beats the default one on this machine."""
    try:
        import dask
        from distributed import LocalCluster
    except ImportError:
        report.add("dask engine", "Not measured: requirements-dask.txt is not installed.")
        return
    centre = chenggong_centre_gk()
    rows = []
    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        address = cluster.scheduler_address
        for n in [10, *sizes]:
            parcels = synthetic_parcels(n, centre_gk=centre)
            repeats, warmup = (3, 1) if n < ONCE_FROM else (1, 0)
            cases: dict[str, Callable[[], object]] = {
                "default engine": lambda p=parcels: overlap_pairs(p, zones, keep_geometry=False),
            }
            for sched in ("synchronous", "threads"):

                def local(p: gpd.GeoDataFrame = parcels, s: str = sched) -> object:
                    with dask.config.set(scheduler=s):
                        return overlap_pairs(p, zones, keep_geometry=False, engine="dask")

                cases[f"dask, {sched} scheduler"] = local
            cases["dask, --scheduler tcp:// (LocalCluster, 2 processes)"] = lambda p=parcels: (
                overlap_pairs(p, zones, keep_geometry=False, engine="dask", scheduler=address)
            )
            for name, fn in cases.items():
                rows.append([f"{n:,}", name, measure(fn, repeats=repeats, warmup=warmup).cell()])
    report.add(
        "dask engine against the default, parcels × plan zones (wall s, median (best))",
        table(["parcels", "engine", "seconds"], rows)
        + "\n\n10 parcels give the fixed overhead. The tcp:// rows connect a client to the "
        "scheduler address for each call, as `python -m geo overlaps --scheduler` does. "
        f"From {ONCE_FROM:,} parcels one run, no warm-up (the suite's time budget).",
    )


# ------------------------------------------------------------------------------ main
SECTIONS = ("area", "overlap", "cli", "memory", "map", "app", "dask", "engine", "large")
SECTIONS += ("million",)


def bench_app(report: Report, *, repeats: int) -> None:
    from benchmarks.app_start import app_start_seconds, chromium_map_opener

    compiles = bool(os.environ.get("PYTHONDONTWRITEBYTECODE"))
    own = [d for d in ROOT.iterdir() if d.is_dir() and d.name not in {".venv", ".git"}]
    pyc_before = sum(1 for d in own for _ in d.rglob("__pycache__/*.pyc"))
    seconds = Timing(app_start_seconds(chromium_map_opener(), repeats=repeats))
    if compiles:
        bytecode = (
            "PYTHONDONTWRITEBYTECODE is set, so every start compiled the app's modules "
            "(a first start; the `large` section measures restarts with bytecode too)"
        )
    else:
        bytecode = (
            f"the tree held {pyc_before} bytecode files of its own before the first start "
            "(0: that start compiled the app and wrote them, the others used them)"
        )
    report.add(
        "App start to a drawn map (seconds, median (best))",
        table(
            ["step", "seconds"],
            [["`streamlit run` → plan drawn in headless Chromium", seconds.cell()]],
        )
        + "\n\nA fresh server each time (no warm caches), Chromium started inside the timing; "
        "the map counts as drawn when the streamlit-folium iframe holds 10 Leaflet paths; "
        f"{bytecode}. Target: < 5 s.",
    )


def write(out: Path, report: Report, header: str) -> None:
    durations = table(
        ["section", "minutes"], [[name, f"{s / 60:.1f}"] for name, s in report.durations]
    )
    total = sum(s for _, s in report.durations)
    timing = f"### Section durations (wall)\n\n{durations}\n\nTotal: {total / 60:.1f} min.\n"
    body = "\n".join([START, "", "## Results", "", header, *report.sections, timing])
    if report.problems:
        body += "\n### Problems\n\n" + "\n".join(f"- {p}" for p in report.problems) + "\n"
    body += f"\nload average at end: {_load()}\n\n{END}"
    text = out.read_text(encoding="utf-8") if out.exists() else f"# Benchmarks\n\n{START}\n{END}\n"
    if START in text and END in text:
        text = text[: text.index(START)] + body + text[text.index(END) + len(END) :]
    else:
        text = text.rstrip() + "\n\n" + body + "\n"
    out.write_text(text, encoding="utf-8")


@contextlib.contextmanager
def _timed(report: Report, name: str) -> Iterator[None]:
    """Time one section: printed when it ends and listed in the output."""
    t0 = time.perf_counter()
    yield
    seconds = time.perf_counter() - t0
    report.durations.append((name, seconds))
    print(f"section {name}: {seconds / 60:.1f} min", flush=True)


def _sections(p: argparse.ArgumentParser, args: argparse.Namespace) -> set[str]:
    only = set(args.only.split(",")) - {""}
    skip = set(args.skip.split(",")) - {""}
    unknown = (only | skip) - set(SECTIONS)
    if unknown:
        p.error(f"unknown section(s) {sorted(unknown)}; choose from {', '.join(SECTIONS)}")
    return only - skip


def parse_args(argv: list[str] | None) -> tuple[argparse.ArgumentParser, argparse.Namespace]:
    p = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.split("\n")[0])
    p.add_argument(
        "--only", default=",".join(SECTIONS), help=f"comma-separated, of {', '.join(SECTIONS)}"
    )
    p.add_argument("--skip", default="", help="comma-separated sections not to run")
    p.add_argument("--sizes", default="1000,10000,100000")
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument(
        "--engine-sizes", default="100000,1000000", help="parcel counts of the engine section"
    )
    p.add_argument(
        "--large-parcels", type=int, default=100_000, help="parcels per file of the app's steps"
    )
    p.add_argument(
        "--cli-parcels",
        type=int,
        default=1_000_000,
        help="parcels of the large command run and of the million section",
    )
    p.add_argument("--out", default=str(ROOT / "BENCHMARKS.md"))
    return p, p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    p, args = parse_args(argv)
    only = _sections(p, args)
    sizes = [int(s) for s in args.sizes.split(",")]
    engine_sizes = [int(s) for s in args.engine_sizes.split(",")]
    biggest = max(sizes)
    report = Report()
    header = machine()
    print(header)
    zones, source = benchmark_zones()
    centre = chenggong_centre_gk()
    header += f"- zones: {source}; parcels: synthetic (benchmarks/synthetic.py, fixed seeds)\n"
    if "area" in only:
        with _timed(report, "area"):
            bench_area(report, sizes=sizes, repeats=args.repeats, centre=centre)
    if "overlap" in only:
        with _timed(report, "overlap"):
            bench_overlap(
                report, sizes=sizes, repeats=args.repeats, zones=zones, source=source, centre=centre
            )
    if only & {"cli", "memory"}:
        with _timed(report, "cli, memory"), _files(biggest, centre, zones) as files:
            if "cli" in only:
                bench_cli(report, n=biggest, repeats=max(3, args.repeats // 2), files=files)
            if "memory" in only:
                bench_memory(report, n=biggest, files=files)
    if "map" in only:
        with _timed(report, "map"):
            bench_map(report, repeats=args.repeats)
    if "app" in only:
        with _timed(report, "app"):
            bench_app(report, repeats=args.repeats)
    if "dask" in only:
        with _timed(report, "dask"):
            bench_dask(
                report, n=biggest, repeats=max(3, args.repeats // 2), zones=zones, centre=centre
            )
    if "engine" in only:
        with _timed(report, "engine"):
            bench_engine(report, sizes=engine_sizes, repeats=args.repeats, zones_source=source)
            cli_n = min(engine_sizes)
            with _files(cli_n, centre, zones) as files:
                bench_engine_cli(report, repeats=max(3, args.repeats // 2), files=files, n=cli_n)
            bench_dask_overhead(report, sizes=engine_sizes, zones=zones)
    if only & {"large", "million"}:
        bench_issue17(report, args, only=only, engine_sizes=engine_sizes)
    write(Path(args.out), report, header)
    if report.issue17 is not None:
        from benchmarks import issue17

        issue17.write_block(Path(args.out), issue17.block(report.issue17, report.engine))
    print(f"written to {args.out}")
    return 1 if report.problems else 0


def bench_issue17(
    report: Report, args: argparse.Namespace, *, only: set[str], engine_sizes: list[int]
) -> None:
    """Issue 17's rows (:mod:`benchmarks.issue17`): the app, the store, the large command
    run (section ``large``) and 1,000,000 parcels through the app (``million``), reusing
    the engine section's figures of this run (run for the table when it was skipped)."""
    from benchmarks import issue17

    parts = report.issue17 = issue17.Parts()
    if "large" in only:
        if not report.engine:
            with _timed(report, "large: engine (its section was skipped)"):
                for n in engine_sizes:
                    report.engine[n] = engine_run(n, args.repeats)
        with _timed(report, "large"):
            issue17.bench_large(
                report.add,
                parts,
                parcels=args.large_parcels,
                repeats=args.repeats,
                cli_parcels=args.cli_parcels,
            )
    if "million" in only:
        with _timed(report, "million"):
            issue17.bench_million(report.add, parts, parcels=args.cli_parcels)
    report.problems += parts.errors
