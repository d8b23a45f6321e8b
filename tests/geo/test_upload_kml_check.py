"""check_kml, branch by branch: placemarks counted in a streamed parse, refused when too
many, not XML, linked from elsewhere or absent (geo.upload.kml)."""

from __future__ import annotations

import dataclasses

import pytest

from geo.errors import InputFileError
from geo.upload import default_settings
from geo.upload.kml import check_kml

_HEAD = '<?xml version="1.0"?><kml xmlns="http://www.opengis.net/kml/2.2"><Document>'
_PLACEMARK = "<Placemark><Point><coordinates>102.85,24.87</coordinates></Point></Placemark>"


def _kml(body: str) -> bytes:
    return (_HEAD + body + "</Document></kml>").encode()


def test_placemarks_are_counted_across_chunks() -> None:
    # 3,000 placemarks (about 250 kB) are fed in several 64 kB chunks
    assert check_kml(_kml(_PLACEMARK * 3000), "many.kml", default_settings()) == 3000


def test_more_placemarks_than_the_limit_are_refused() -> None:
    settings = dataclasses.replace(default_settings(), max_features=2)
    with pytest.raises(InputFileError, match="more than 2 placemarks; the limit is 2"):
        check_kml(_kml(_PLACEMARK * 3), "three.kml", settings)
    assert check_kml(_kml(_PLACEMARK * 2), "two.kml", settings) == 2


def test_a_document_that_is_not_xml_is_refused() -> None:
    with pytest.raises(InputFileError, match=r"bad\.kml: the KML is not well-formed XML"):
        check_kml(_kml(_PLACEMARK + "<Placemark>"), "bad.kml", default_settings())


def test_network_links_are_counted_and_refused() -> None:
    link = "<NetworkLink><Link><href>http://example.com/x.kml</href></Link></NetworkLink>"
    with pytest.raises(InputFileError, match="holds 2 NetworkLink element"):
        check_kml(_kml(_PLACEMARK + link * 2), "linked.kml", default_settings())
