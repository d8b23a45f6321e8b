"""Peak memory and time of one upload at the limits of ``config/upload.toml``.

    python -m benchmarks.upload_memory            # writes its section of BENCHMARKS.md
    python -m benchmarks.upload_memory --out -    # print only

Each case runs in a fresh Python process that does what the app does with one upload:
read and validate it (:func:`geo.upload.read_upload`), save it to a throw-away
workspace, and build the map layer the browser receives
(:func:`layers.user_layer.user_layer`, or the 500 m cells of a layer over 5,000
features, as ``ui/uploads.py`` does). The process's peak resident memory (``ru_maxrss``)
is reported, with the same process's memory after the imports alone, so the upload's
own cost is the difference. The hostile cases (a 49 MB CSV of empty rows, a file over
the size limit) must be refused early and cheaply.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
START, END = "<!-- upload-memory:start -->", "<!-- upload-memory:end -->"

_CHILD = textwrap.dedent(
    """
    import json, resource, sys, tempfile, time
    import geo, geopandas, shapely, folium  # imports first: the baseline
    from geo.upload import LoadedLayer, read_upload
    from geo.store.workspace import Workspace
    from geo.display import geojson_dict, grid_summary
    from layers.user_layer import user_layer
    LARGE = 5_000  # ui/uploads.py LARGE_LAYER_FEATURES (not imported: it needs Streamlit)

    def rss_mb():
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    base = rss_mb()
    path, crs = sys.argv[1], sys.argv[2] or None
    data = open(path, "rb").read()
    t0 = time.perf_counter()
    outcome = "refused"
    try:
        result = read_upload(data, path.rsplit("/", 1)[-1], crs=crs)
    except geo.errors.GeoError as exc:
        outcome = "refused: " + str(exc).split(": ", 1)[-1][:70]
        result = None
    t1 = time.perf_counter()
    payload = 0
    if isinstance(result, LoadedLayer):
        with tempfile.TemporaryDirectory() as tmp:
            Workspace(tmp).save(result, data, name="bench")
        t2 = time.perf_counter()
        if len(result.frame) <= LARGE:  # as ui/uploads.py draws it
            payload = len(json.dumps(user_layer(result.frame, name="bench").data))
        else:  # large layers are drawn as 500 m cells when zoomed out
            payload = len(json.dumps(geojson_dict(grid_summary(result.frame), columns=["count"])))
        outcome = f"read, saved, drawn ({len(result.frame):,} features)"
    else:
        t2 = t1
    t3 = time.perf_counter()
    print(json.dumps({"base_mb": base, "peak_mb": rss_mb(), "read_s": t1 - t0,
                      "save_s": t2 - t1, "draw_s": t3 - t2, "payload_kb": payload / 1000,
                      "outcome": outcome}))
    """
)


def _points_csv(path: Path, n: int) -> None:
    rng = np.random.default_rng(1)
    lon = 102.8 + rng.random(n) * 0.1
    lat = 24.8 + rng.random(n) * 0.1
    with path.open("w") as fh:
        fh.write("id,lon,lat\n")
        fh.writelines(
            f"{i},{a:.6f},{b:.6f}\n" for i, (a, b) in enumerate(zip(lon, lat, strict=True))
        )


def _polygon_geojson(path: Path, vertices: int) -> None:
    t = np.linspace(0, 2 * np.pi, vertices, endpoint=False)
    ring = np.column_stack([102.85 + 0.02 * np.cos(t), 24.87 + 0.02 * np.sin(t)]).round(7)
    coords = [*ring.tolist(), ring[0].tolist()]
    feature = {
        "type": "Feature",
        "properties": {"name": "circle"},
        "geometry": {"type": "Polygon", "coordinates": [coords]},
    }
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}))


def _parcels_gpkg(path: Path, n: int) -> None:
    from benchmarks.synthetic import chenggong_centre_gk, synthetic_parcels

    synthetic_parcels(n, centre_gk=chenggong_centre_gk()).to_file(path, engine="pyogrio")


def cases(folder: Path) -> list[tuple[str, Path, str]]:
    """(what, file, CRS to confirm or '') for each case, files made in ``folder``."""
    made = []
    p = folder / "points_1m.csv"
    _points_csv(p, 1_000_000)
    made.append(("CSV, 1,000,000 points (the feature limit)", p, "EPSG:4326"))
    p = folder / "polygon_1m.geojson"
    _polygon_geojson(p, 1_000_000)
    made.append(("GeoJSON, one polygon of 1,000,000 vertices", p, ""))
    p = folder / "parcels_100k.gpkg"
    _parcels_gpkg(p, 100_000)
    made.append(("GeoPackage, 100,000 parcels", p, ""))
    p = folder / "empty_rows.csv"
    p.write_bytes(b"lon,lat\n" + b",\n" * 24_500_000)
    made.append(("CSV, 24.5 million empty rows (49 MB)", p, ""))
    return made


def run(folder: Path) -> list[dict[str, object]]:
    rows = []
    for what, path, crs in cases(folder):
        out = subprocess.run(  # noqa: S603 - our own interpreter and script
            [sys.executable, "-c", _CHILD, str(path), crs],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
        row = json.loads(out.stdout.strip().splitlines()[-1])
        row["what"] = what
        row["size_mb"] = path.stat().st_size / 1e6
        rows.append(row)
        print(f"{what}: {row}", file=sys.stderr)
    return rows


def markdown(rows: list[dict[str, object]]) -> str:
    lines = [
        "| upload | file MB | outcome | read s | save s | draw s | map payload kB | "
        "peak MB | after imports MB | upload's own MB |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        own = float(r["peak_mb"]) - float(r["base_mb"])  # type: ignore[arg-type]
        lines.append(
            f"| {r['what']} | {r['size_mb']:.1f} | {r['outcome']} | {r['read_s']:.2f} | "
            f"{r['save_s']:.2f} | {r['draw_s']:.2f} | {r['payload_kb']:,.0f} | "
            f"{r['peak_mb']:,.0f} | {r['base_mb']:,.0f} | {own:,.0f} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", default=str(ROOT / "BENCHMARKS.md"))
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="upload-memory-") as tmp:
        table = markdown(run(Path(tmp)))
    if args.out == "-":
        print(table)
        return 0
    out = Path(args.out)
    text = out.read_text(encoding="utf-8")
    block = f"{START}\n{table}\n{END}"
    if START in text:
        head, rest = text.split(START, 1)
        text = head + block + rest.split(END, 1)[1]
    else:
        text += (
            "\n## Upload limits: peak memory of one upload\n\n"
            "`python -m benchmarks.upload_memory`: each upload read, validated, saved and "
            "drawn in a fresh process, as the app does (limits: `config/upload.toml`).\n\n"
            + block
            + "\n"
        )
    out.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
