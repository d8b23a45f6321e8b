"""KML and KMZ uploads: the document is checked as XML first, then read by GDAL's KML
drivers only.

The check (a streaming parse, nothing kept) refuses what a KML file never needs and a
server must never follow: a DOCTYPE or entity declarations (external entities, entity
bombs) and ``<NetworkLink>`` elements (documents fetched from elsewhere). It counts the
placemarks, so a KML without any, or with too many, gets a specific message before GDAL
parses it. KML coordinates are always WGS 84 longitude/latitude.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path
from typing import Final

from geo.errors import InputFileError
from geo.io import read_vector, spatial_layers
from geo.upload.formats import FORMATS, RawLayer, choose_layer, sniff_format
from geo.upload.settings import UploadSettings
from geo.upload.zips import extract, with_members

_DECLARATION: Final = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
_CHUNK: Final = 1 << 16


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def check_kml(data: bytes, name: str, settings: UploadSettings) -> int:
    """Check a KML document (see the module doc); returns its number of placemarks."""
    if _DECLARATION.search(data):
        raise InputFileError("err_kml_doctype", name=name)
    try:
        placemarks, links = _count_elements(data, name=name, limit=settings.max_features)
    except ET.ParseError as exc:
        raise InputFileError("err_kml_not_xml", name=name, cause=str(exc)) from exc
    if links:
        raise InputFileError("err_kml_network_link", name=name, count=links)
    if not placemarks:
        raise InputFileError("err_kml_no_placemarks", name=name)
    return placemarks


def _count_elements(data: bytes, *, name: str, limit: int) -> tuple[int, int]:
    """(placemarks, network links) of a streamed parse that keeps nothing; more than
    ``limit`` placemarks is refused as soon as they are counted."""
    parser: ET.XMLPullParser[ET.Element] = ET.XMLPullParser(events=("end",))
    placemarks = links = 0
    for start in range(0, len(data), _CHUNK):
        parser.feed(data[start : start + _CHUNK])
        for event in parser.read_events():
            element = event[-1]
            if not isinstance(element, ET.Element):
                continue
            tag = _local(str(element.tag))
            if tag == "Placemark":
                placemarks += 1
                element.clear()
            links += tag == "NetworkLink"
        if placemarks > limit:
            raise InputFileError("err_kml_too_many", name=name, limit=limit)
    parser.close()
    return placemarks, links


def kml_layers(data: bytes, name: str, tmp: Path, *, settings: UploadSettings) -> tuple[str, ...]:
    """The folders (layers) with geometries of a KML document, after checking it."""
    check_kml(data, name, settings)
    path = tmp / "upload.kml"
    path.write_bytes(data)
    return tuple(spatial_layers(path, drivers=FORMATS["kml"].drivers, name=name)[0])


def read_kml_path(
    path: Path, name: str, *, layer: str | None, settings: UploadSettings
) -> RawLayer:
    """Check and read one layer (folder) of a KML file."""
    check_kml(path.read_bytes(), name, settings)
    drivers = FORMATS["kml"].drivers
    spatial, _tables = spatial_layers(path, drivers=drivers, name=name)
    chosen = choose_layer(spatial, layer, name)
    frame = read_vector(
        path, drivers=drivers, name=name, layer=chosen, max_features=settings.max_features
    )
    if frame.crs is None:
        frame = frame.set_crs("EPSG:4326")
    return RawLayer(frame, "kml", chosen, tuple(spatial), "utf-8", "KML is UTF-8", "KML is WGS 84")


def read_kmz(
    data: bytes, name: str, tmp: Path, *, layer: str | None, settings: UploadSettings
) -> RawLayer:
    """Read the KML document inside a KMZ (``doc.kml``, or its only .kml file)."""

    def pick(zf: zipfile.ZipFile, members: list[zipfile.ZipInfo], budget: list[int]) -> RawLayer:
        kmls = [i for i in members if i.filename.lower().endswith(".kml")]
        if not kmls:
            found = ", ".join(i.filename for i in members[:10]) or "nothing"
            raise InputFileError("err_kmz_no_kml", name=name, found=found)
        docs = [i for i in kmls if i.filename.lower() == "doc.kml"] or kmls
        if len(docs) > 1:
            documents = ", ".join(i.filename for i in docs)
            raise InputFileError("err_kmz_several", name=name, documents=documents)
        extract(zf, docs[0], tmp / "doc.kml", budget=budget, name=name, settings=settings)
        # The document must itself be KML by content (sniff_format raises otherwise).
        if sniff_format((tmp / "doc.kml").read_bytes(), f"{name}: {docs[0].filename}") != "kml":
            raise InputFileError("err_kmz_not_kml", name=name, document=docs[0].filename)
        raw = read_kml_path(tmp / "doc.kml", name, layer=layer, settings=settings)
        return RawLayer(
            raw.frame, "kmz", raw.layer, raw.layers, "utf-8", "KML is UTF-8", raw.crs_source
        )

    return with_members(data, name, settings, pick)
