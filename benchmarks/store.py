"""``python -m benchmarks.store``: the store's speed on both back-ends.

Times, on a fresh store each run:

- loading the current plan (the ~80 elements of ``data/zones.geojson``, seeded first);
- saving a 100,000-parcel layer (:func:`benchmarks.synthetic.synthetic_parcels`, with
  attributes) as a new version, including its areas and the audit row;
- listing history: the latest 1,000 audit rows, after 1,000 changes.

SQLite runs in a temporary folder; PostgreSQL needs ``PLANMAP_TEST_DATABASE_URL`` (a
superuser's URL; a database is made and dropped) and is skipped without it. Prints a
Markdown table for BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from geo.plan.zones import ZONES_FILE, load_zones
from geo.store.postgis import drop_database, install_postgis
from geo.store.store import EMBEDDED_FILE, Store
from geo.store.users import User

SAVE = "save 100,000 parcels"
TARGETS_S = {
    "load current plan": 0.3,
    SAVE: 5.0,
    "list history": 0.2,
    "plan revision (asked on every page run)": 0.01,
}


@dataclass
class Runs:
    """Wall seconds and this process's CPU seconds of each run (for PostGIS the server's
    own CPU is in PostgreSQL's processes, not here)."""

    wall_s: list[float]
    cpu_s: list[float]

    @property
    def median_s(self) -> float:
        return statistics.median(self.wall_s)


def _runs(run: Callable[[], object], repeats: int) -> Runs:
    wall, cpu = [], []
    for _ in range(repeats):
        start, start_cpu = time.perf_counter(), time.process_time()
        run()
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return Runs(wall, cpu)


def measure(store: Store, *, parcels: int, repeats: int) -> dict[str, Runs]:
    from benchmarks.synthetic import chenggong_centre_gk, synthetic_parcels

    store.seed_plan(load_zones(ZONES_FILE), seed_name="data/zones.geojson")
    user: User = store.add_user("bench", "bench-password", "editor")
    frame = synthetic_parcels(parcels, centre_gk=chenggong_centre_gk(), seed=1)
    frame["地块编号"] = [f"DK{i:06d}" for i in range(len(frame))]
    frame["用途"] = "居住用地"
    first = store.save_layer(user, frame.head(10), name="history")
    version = first.version
    for _ in range(999):
        version = store.rename(
            user, first.object_id, f"v{version}", expected_version=version
        ).version
    return {
        "load current plan": _runs(store.current_plan, repeats),
        SAVE: _runs(lambda: store.save_layer(user, frame, name="parcels"), save_repeats(repeats)),
        "list history": _runs(lambda: store.history(user, limit=1000), repeats),
        "plan revision (asked on every page run)": _runs(store.plan_revision, repeats),
    }


def save_repeats(repeats: int) -> int:
    """How many times the 100,000-parcel save is timed for ``repeats``."""
    return max(1, repeats // 2)


def measure_backends(*, parcels: int, repeats: int) -> dict[str, dict[str, Runs]]:
    """:func:`measure` on a fresh SQLite store, and on a fresh PostGIS database when
    ``PLANMAP_TEST_DATABASE_URL`` is set (made and dropped here)."""
    results: dict[str, dict[str, Runs]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(f"sqlite:///{Path(tmp) / EMBEDDED_FILE}")
        try:
            results["SQLite"] = measure(store, parcels=parcels, repeats=repeats)
        finally:
            store.close()
    admin = os.environ.get("PLANMAP_TEST_DATABASE_URL")
    if admin:
        name = f"planmap_bench_{uuid.uuid4().hex[:8]}"
        store = Store(install_postgis(admin, database=name))
        try:
            results["PostGIS"] = measure(store, parcels=parcels, repeats=repeats)
        finally:
            store.close()
            drop_database(admin, name)
    return results


def markdown(results: dict[str, dict[str, Runs]], *, parcels: int = 100_000) -> str:
    lines = ["| operation | target | " + " | ".join(results) + " |"]
    lines.append("|---|---|" + "---|" * len(results))
    for op, target in TARGETS_S.items():
        cells = " | ".join(f"{r[op].median_s:.3f} s" for r in results.values())
        name = f"save {parcels:,} parcels" if op == SAVE else op
        lines.append(f"| {name} | ≤ {target} s | {cells} |")
    return "\n".join(lines)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--parcels", type=int, default=100_000)
    p.add_argument("--repeats", type=int, default=5)
    args = p.parse_args()
    results = measure_backends(parcels=args.parcels, repeats=args.repeats)
    print(markdown(results, parcels=args.parcels))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
