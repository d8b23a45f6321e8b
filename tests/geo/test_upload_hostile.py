"""Hostile uploads: files crafted to make GDAL read other files or fetch URLs, or to
exhaust the server, and inputs that used to end in a traceback. Each must be refused
(or read) with a specific message, and nothing secret may reach the result.
"""

from __future__ import annotations

import dataclasses
import http.server
import io
import json
import struct
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
import shapely

from geo.errors import GeoError, InputFileError
from geo.gdal import REGISTERED_DRIVERS
from geo.upload import LoadedLayer, NeedsCRS, default_settings, inspect_upload, read_upload
from tests.conftest import X0, Y0
from tests.geo import upload_samples as s

SECRET = "SECRET-TOKEN-7f3a"  # noqa: S105 - a marker to look for, not a credential
KML_NS = "http://www.opengis.net/kml/2.2"


class _Counter(http.server.BaseHTTPRequestHandler):
    hits: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        type(self).hits.append(self.path)
        body = f"x,y,token\n102.85,24.87,{SECRET}\n".encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_HEAD = do_GET  # noqa: N815

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def http_server() -> Iterator[tuple[str, list[str]]]:
    """A server on loopback that records every request (GDAL must make none)."""
    _Counter.hits = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Counter)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", _Counter.hits
    server.shutdown()
    server.server_close()


def _secret_csv(tmp_path: Path) -> Path:
    path = tmp_path / "secret.csv"
    path.write_text(f"x,y,token\n102.85,24.87,{SECRET}\n", encoding="utf-8")
    return path


def _vrt(source: str) -> bytes:
    """An OGR VRT document with points from ``source`` — and '<kml' in a comment, which
    fooled the old string sniffing into calling it KML."""
    return (
        '<?xml version="1.0"?>\n'
        f'<!-- <kml xmlns="{KML_NS}"> -->\n'
        "<OGRVRTDataSource>\n"
        ' <OGRVRTLayer name="leak">\n'
        f"  <SrcDataSource>{source}</SrcDataSource>\n"
        f"  <SrcLayer>{source.rsplit('/', 1)[-1].removesuffix('.csv')}</SrcLayer>\n"
        "  <GeometryType>wkbPoint</GeometryType>\n"
        "  <LayerSRS>EPSG:4326</LayerSRS>\n"
        '  <GeometryField encoding="PointFromColumns" x="x" y="y"/>\n'
        " </OGRVRTLayer>\n"
        "</OGRVRTDataSource>\n"
    ).encode()


def _zip(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return buf.getvalue()


def _containers(payload: bytes) -> dict[str, bytes]:
    """The payload as every kind of upload the tester used."""
    return {
        "x.kml": payload,
        "x.kmz": _zip({"doc.kml": payload}),
        "x.zip": _zip({"layer.shp": payload, "layer.shx": payload, "layer.dbf": payload}),
        "x.gpkg": payload,
        "x.geojson": payload,
        "x": payload,
    }


def _refused(data: bytes, filename: str) -> str:
    """Read like the app does (inspect, then read) and return the refusal message."""
    with pytest.raises(GeoError) as info:
        inspect_upload(data, filename)
        read_upload(data, filename)
    message = str(info.value)
    assert SECRET not in message
    return message


def test_only_the_apps_drivers_are_registered() -> None:
    drivers = set(pyogrio.list_drivers())
    assert drivers == set(REGISTERED_DRIVERS)
    for dangerous in ("OGR_VRT", "GPSBabel", "WFS", "OAPIF", "HTTP", "CSV", "GDALG"):
        assert dangerous not in drivers


@pytest.mark.parametrize("filename", list(_containers(b"")))
def test_vrt_reading_a_local_file_is_refused(tmp_path: Path, filename: str) -> None:
    payload = _vrt(f"CSV:{_secret_csv(tmp_path)}")
    message = _refused(_containers(payload)[filename], filename)
    assert "VRT" in message or "not a Shapefile part" in message, message


@pytest.mark.parametrize("filename", ["x.kml", "x.kmz", "x.zip"])
def test_vrt_fetching_a_url_is_refused_and_nothing_is_fetched(
    http_server: tuple[str, list[str]], filename: str
) -> None:
    url, hits = http_server
    payload = _vrt(f"CSV:/vsicurl/{url}/leak.csv")
    _refused(_containers(payload)[filename], filename)
    assert hits == []


def test_gdal_itself_has_no_network(http_server: tuple[str, list[str]]) -> None:
    url, hits = http_server
    with pytest.raises(pyogrio.errors.DataSourceError):
        pyogrio.read_dataframe(f"/vsicurl/{url}/leak.csv")
    assert hits == []


def test_kml_with_a_network_link_is_refused(http_server: tuple[str, list[str]]) -> None:
    url, hits = http_server
    kml = (
        f'<?xml version="1.0"?><kml xmlns="{KML_NS}"><Document>'
        "<Placemark><name>a</name><Point><coordinates>102.85,24.87</coordinates></Point>"
        f"</Placemark><NetworkLink><Link><href>{url}/more.kml</href></Link></NetworkLink>"
        "</Document></kml>"
    ).encode()
    for filename, data in (("n.kml", kml), ("n.kmz", _zip({"doc.kml": kml}))):
        message = _refused(data, filename)
        assert "NetworkLink" in message
    assert hits == []


def test_kml_with_an_external_entity_is_refused(tmp_path: Path) -> None:
    secret = _secret_csv(tmp_path)
    kml = (
        f'<?xml version="1.0"?><!DOCTYPE kml [<!ENTITY s SYSTEM "file://{secret}">]>'
        f'<kml xmlns="{KML_NS}"><Placemark><name>&s;</name>'
        "<Point><coordinates>102.85,24.87</coordinates></Point></Placemark></kml>"
    ).encode()
    assert "DOCTYPE or ENTITY" in _refused(kml, "e.kml")


def test_kml_without_placemarks_says_so() -> None:
    kml = f'<?xml version="1.0"?><kml xmlns="{KML_NS}"><Document><name>d</name></Document></kml>'
    assert "no placemarks" in _refused(kml.encode(), "empty.kml")


def test_content_that_disagrees_with_its_name_is_refused(tmp_path: Path) -> None:
    geojson = s.geojson_bytes(tmp_path)
    message = _refused(geojson, "parcels.kml")
    assert "the name says KML but the content is GeoJSON" in message
    message = _refused(geojson, "parcels.gpkg")
    assert "the name says GeoPackage but the content is GeoJSON" in message


def test_shapefile_part_that_is_geojson_is_refused(tmp_path: Path) -> None:
    parts = s.shapefile_parts(tmp_path)
    parts["parcels.shp"] = s.geojson_bytes(tmp_path) + b" " * 200
    message = _refused(_zip(parts), "p.zip")
    assert "the .shp in the zip is not a Shapefile part" in message


def _zip_with_method(method: int) -> bytes:
    """A one-member zip whose headers claim compression ``method`` (9 Deflate64, 99 AES)."""
    data = bytearray(_zip({"layer.shp": b"x" * 200}))
    local = data.index(b"PK\x03\x04")
    central = data.index(b"PK\x01\x02")
    struct.pack_into("<H", data, local + 8, method)
    struct.pack_into("<H", data, central + 10, method)
    return bytes(data)


@pytest.mark.parametrize(("method", "named"), [(9, "Deflate64"), (99, "AES")])
def test_zip_compression_python_cannot_unpack(method: int, named: str) -> None:
    message = _refused(_zip_with_method(method), "odd.zip")
    assert named in message and "ordinary Deflate" in message


def test_json_nested_thousands_deep() -> None:
    geometry = "[" * 3000 + "]" * 3000
    data = ('{"type": "Feature", "properties": {}, "geometry": ' + geometry + "}").encode()
    with pytest.raises(InputFileError, match="nested too deeply"):
        read_upload(data, "deep.geojson")


def test_unclosed_three_point_ring_is_closed_and_reported() -> None:
    ring = [[102.85, 24.87], [102.86, 24.87], [102.86, 24.88]]
    data = json.dumps(
        {
            "type": "Feature",
            "properties": {},
            "geometry": {"type": "Polygon", "coordinates": [ring]},
        }
    ).encode()
    result = read_upload(data, "open.geojson")
    assert isinstance(result, LoadedLayer)
    assert any("were not closed" in m for m in result.messages())
    polygon = result.frame.geometry.iloc[0]
    assert polygon.geom_type == "Polygon"
    ring_out = list(polygon.exterior.coords)
    assert ring_out[0] == ring_out[-1]
    assert len(ring_out) == 4


def test_ring_of_nan_coordinates_is_refused() -> None:
    ring = "[NaN, NaN], [NaN, NaN], [NaN, NaN], [NaN, NaN]"
    data = (
        '{"type": "FeatureCollection", "features": ['
        '{"type": "Feature", "properties": {}, "geometry": {"type": "Point", '
        '"coordinates": [102.85, 24.87]}},'
        '{"type": "Feature", "properties": {}, "geometry": {"type": "Polygon", '
        f'"coordinates": [[{ring}]]}}}}]}}'
    ).encode()
    with pytest.raises(InputFileError, match=r"not numbers.*features #2"):
        read_upload(data, "nan.geojson")


def test_csv_wkt_with_an_unknown_srid() -> None:
    data = b'id,wkt\n1,"SRID=999999;POINT (102.85 24.87)"\n'
    with pytest.raises(InputFileError, match="SRID=999999, which is not an EPSG code"):
        read_upload(data, "srid.csv")


def test_geojson_crs_member_that_names_no_crs_is_reported() -> None:
    data = json.dumps(
        {
            "type": "FeatureCollection",
            "crs": {"type": "name", "properties": {"name": "EPSG:999999"}},
            "features": [
                {
                    "type": "Feature",
                    "properties": {},
                    "geometry": {"type": "Point", "coordinates": [102.85, 24.87]},
                }
            ],
        }
    ).encode()
    result = read_upload(data, "crs.geojson")
    assert isinstance(result, NeedsCRS)
    assert "EPSG:999999" in result.message
    assert result.candidates[0].crs == "EPSG:4326"


def test_state_plane_prj_on_gauss_kruger_data_asks_for_the_crs(tmp_path: Path) -> None:
    # Gauss-Kruger coordinates labelled as California state plane (EPSG:2227, US feet):
    # read as declared they land in the Pacific / California, not in Yunnan.
    parcels = s.parcels_gk().set_crs("EPSG:2227", allow_override=True)
    path = tmp_path / "ca.gpkg"
    parcels.to_file(path, engine="pyogrio")
    result = read_upload(path.read_bytes(), "ca.gpkg")
    assert isinstance(result, NeedsCRS)
    assert result.declared is not None and "2227" in result.declared
    assert "far outside Yunnan Province" in result.message
    assert result.candidates[0].crs == "EPSG:4543"


@pytest.mark.parametrize("with_gap", [False, True])
def test_large_integers_stay_exact(tmp_path: Path, with_gap: bool) -> None:
    big = 123456789012345678  # not representable in float64 (it would read ...680)
    values = [big, None] if with_gap else [big, big + 1]
    features = [
        {
            "type": "Feature",
            "properties": {"code": v},
            "geometry": {"type": "Point", "coordinates": [102.85, 24.87]},
        }
        for v in values
    ]
    data = json.dumps({"type": "FeatureCollection", "features": features}).encode()
    result = read_upload(data, "big.geojson")
    assert isinstance(result, LoadedLayer)
    assert int(result.frame["code"].iloc[0]) == big
    frame = gpd.GeoDataFrame(
        {"code": pd.array(values, dtype="Int64")},
        geometry=[shapely.Point(X0, Y0)] * 2,
        crs="EPSG:4543",
    )
    path = tmp_path / "big.gpkg"
    frame.to_file(path, engine="pyogrio")
    result = read_upload(path.read_bytes(), "big.gpkg")
    assert isinstance(result, LoadedLayer)
    assert int(result.frame["code"].iloc[0]) == big


def test_a_csv_of_millions_of_empty_rows_is_refused_before_parsing() -> None:
    data = b"lon,lat\n" + b",\n" * 24_500_000  # 49 MB, under the 50 MB file limit
    assert len(data) < default_settings().max_file_bytes
    with pytest.raises(InputFileError, match="24,500,001 lines; the limit is 1,000,000 rows"):
        read_upload(data, "rows.csv")


def test_feature_and_vertex_limits(tmp_path: Path) -> None:
    small = dataclasses.replace(default_settings(), max_features=10, max_vertices=500)
    rows = "\n".join(f"{102.85 + i * 1e-4},24.87" for i in range(20))
    with pytest.raises(InputFileError, match="the limit is 10 rows"):
        read_upload(f"lon,lat\n{rows}\n".encode(), "pts.csv", settings=small)
    circle = shapely.Point(X0, Y0).buffer(1000, quad_segs=300)  # 1,201 coordinates
    frame = gpd.GeoDataFrame({"n": [1]}, geometry=[circle], crs="EPSG:4543")
    for suffix in ("gpkg", "geojson"):
        path = tmp_path / f"circle.{suffix}"
        frame.to_crs("EPSG:4326").to_file(path, engine="pyogrio")
        with pytest.raises(InputFileError, match="coordinates; the limit is 500"):
            read_upload(path.read_bytes(), path.name, settings=small)
    folder = tmp_path / "shp"
    folder.mkdir()
    frame.to_file(folder / "circle.shp", engine="pyogrio")
    zipped = s.zip_files({p.name: p.read_bytes() for p in folder.iterdir()})
    # Refused from the member sizes, before anything is unpacked (1,201 points need at
    # least (100 + 8 + 44 + 4 + 1,201 x 16 - 100 - 52) / 17 = 1,130 by the bound).
    with pytest.raises(InputFileError, match="at least 1,130 coordinates; the limit is 500"):
        read_upload(zipped, "circle.zip", settings=small)
