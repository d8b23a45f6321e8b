"""Real upload files made on the fly with pyogrio, with hand-known areas.

Every polygon is a rectangle drawn in CGCS2000 Gauss-Kruger CM 102°E (EPSG:4543) near
Chenggong, so its area is known by hand (width x height); the ellipsoidal area differs
from it by the projection's scale error there, about 0.017 % (< 0.1 %).
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely

from tests.conftest import X0, Y0

NAMES = ["七步场村", "万溪冲"]
# (x0, y0, x1, y1) in metres from (X0, Y0), EPSG:4543
RECTS = [(0.0, 0.0, 1000.0, 1000.0), (2000.0, 0.0, 2500.0, 400.0)]
AREAS_M2 = [1000.0 * 1000.0, 500.0 * 400.0]  # by hand


def parcels_gk() -> gpd.GeoDataFrame:
    """Two rectangles in EPSG:4543 with Chinese names and a zero-padded code."""
    geoms = [shapely.box(X0 + a, Y0 + b, X0 + c, Y0 + d) for a, b, c, d in RECTS]
    return gpd.GeoDataFrame(
        {"code": ["0012", "0013"], "name": NAMES, "ratio": [0.123456789, 2.5]},
        geometry=geoms,
        crs="EPSG:4543",
    )


def parcels_lonlat() -> gpd.GeoDataFrame:
    """The same rectangles in EPSG:4326, edges densified to 10 m so their shape holds."""
    gk = parcels_gk()
    gk = gk.set_geometry(shapely.segmentize(gk.geometry.array, 10.0))
    return gk.to_crs("EPSG:4326")


def zip_files(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return buf.getvalue()


def shapefile_parts(
    tmp: Path, *, encoding: str = "UTF-8", cpg: bool = True, prj: bool = True
) -> dict[str, bytes]:
    """The parts of a Shapefile of :func:`parcels_gk`, attribute text in ``encoding``."""
    folder = tmp / f"shp-{encoding}-{cpg}-{prj}"
    folder.mkdir()
    parcels_gk().to_file(folder / "parcels.shp", encoding=encoding, engine="pyogrio")
    parts = {p.name: p.read_bytes() for p in sorted(folder.iterdir())}
    if not cpg:
        parts.pop("parcels.cpg", None)
    if not prj:
        parts.pop("parcels.prj")
    return parts


def shapefile_zip(tmp: Path, **kwargs: object) -> bytes:
    return zip_files(shapefile_parts(tmp, **kwargs))  # type: ignore[arg-type]


def geojson_bytes(tmp: Path) -> bytes:
    path = tmp / "parcels.geojson"
    parcels_lonlat().to_file(path, driver="GeoJSON", engine="pyogrio")
    return path.read_bytes()


def geopackage_two_layers(tmp: Path) -> bytes:
    path = tmp / "two.gpkg"
    parcels_gk().to_file(path, layer="parcels", engine="pyogrio")
    roads = gpd.GeoDataFrame(
        {"road": ["彩云路"]},
        geometry=[shapely.LineString([(X0, Y0), (X0 + 1000, Y0)])],
        crs="EPSG:4543",
    )
    roads.to_file(path, layer="roads", engine="pyogrio")
    return path.read_bytes()


def kml_bytes(tmp: Path) -> bytes:
    path = tmp / "parcels.kml"
    parcels_lonlat()[["name", "geometry"]].to_file(path, driver="KML", engine="pyogrio")
    return path.read_bytes()


def csv_wkt_bytes(*, encoding: str = "utf-8") -> bytes:
    frame = parcels_lonlat()
    table = pd.DataFrame(
        {
            "code": frame["code"],
            "name": frame["name"],
            "WKT": shapely.to_wkt(frame.geometry.array, rounding_precision=10),
        }
    )
    return table.to_csv(index=False).encode(encoding)


def csv_lonlat_bytes(
    points: list[tuple[float, float]],
    *,
    header: tuple[str, str] = ("经度", "纬度"),
    encoding: str = "utf-8",
) -> bytes:
    lines = [f"name,{header[0]},{header[1]}"]
    lines += [f"p{i},{x!r},{y!r}" for i, (x, y) in enumerate(points)]
    return ("\n".join(lines) + "\n").encode(encoding)
