"""What the content of a file is, branch by branch (geo.upload.formats._content_kind):
the first bytes decide, then the text's start, then the XML root element."""

from __future__ import annotations

import pytest

from geo.upload.formats import _content_kind

_KML = b'<?xml version="1.0"?><kml xmlns="http://www.opengis.net/kml/2.2"><Document/></kml>'


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"PK\x03\x04rest", "zip"),
        (b"PK\x05\x06", "zip"),
        (b"SQLite format 3\x00" + b"\x00" * 52 + b"GPKG" + b"\x00" * 40, "geopackage"),
        (b"SQLite format 3\x00" + b"\x00" * 100, "an SQLite database that is not a GeoPackage"),
        (b"AC1032\x00\x00", "an AutoCAD DWG drawing"),
        (b"\x1f\x8b\x08\x00", "a gzip archive"),
        (b"999\nmade by CAD\n  0\nSECTION\n  2\nHEADER\n", "dxf"),
        (b"\xef\xbb\xbf  0\r\nSECTION\r\n", "dxf"),
        (b'\n {"type": "FeatureCollection"}', "geojson"),
        (b"[1, 2]", "geojson"),
        (_KML, "kml"),
        (b"<kml><Document/></kml>", "kml"),
        (b'<kml xmlns="http://example.com/not-kml"/>', "its root element is <kml>, not <kml>"),
        (b"<OGRVRTDataSource><OGRVRTLayer/></OGRVRTDataSource>", "an OGR VRT document"),
        (b"< not xml at all", "it cannot be parsed as XML"),
        (b"<html><p>unclosed & broken", "its root element is <html>"),
        (b"<gml:FeatureCollection xmlns:gml='http://www.opengis.net/gml'/>", "<FeatureCollection>"),
        (b"id,wkt\n1,POINT (1 2)\n", "csv"),
        (b"id;lon;lat\n1;102.8;24.9\n", "csv"),
        (b"just one line, with a comma", "unrecognised content"),
        (b"\x00\x01\x02binary", "unrecognised content"),
    ],
)
def test_the_content_decides(data: bytes, expected: str) -> None:
    kind = _content_kind(data, "upload.bin")
    if expected in ("zip", "geopackage", "dxf", "geojson", "kml", "csv"):
        assert kind == expected
    else:
        assert expected in kind
        assert kind not in ("zip", "geopackage", "dxf", "geojson", "kml", "csv")
