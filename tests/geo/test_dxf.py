"""DXF from CAD: closed polylines become polygons, the rest is listed; GBK text; no CRS.

Drawings are made with ezdxf (a test dependency only) the way Chinese CAD software
writes them: DXF 2000 in code page ANSI_936 (GBK), Gauss-Kruger metres with or without
the zone number, no CRS. Expected areas are closed form: a rectangle of a x b metres in
Gauss-Kruger has the planar area a*b, and on the ellipsoid a*b / k**2, k being the
Gauss-Kruger point scale factor 1 + x**2 / (2 M N) at distance x from the central
meridian (M, N the GRS80 radii of curvature).
"""

from __future__ import annotations

import dataclasses
import io
import math
from pathlib import Path

import ezdxf
import pytest
from ezdxf.document import Drawing
from pyproj import Transformer

from geo.errors import InputFileError
from geo.measure.area import ellipsoidal_area_m2, gauss_kruger_area_m2
from geo.upload import LoadedLayer, NeedsCRS, default_settings, read_upload
from geo.upload.dxf import scan_dxf
from geo.upload.readers import read_raw
from tests.conftest import LAT0, LON0

GRS80_A = 6_378_137.0
GRS80_F = 1 / 298.257222101
RED_LINE = "用地红线"  # the layer of approved land-use boundaries
ROADS = "道路"
W_M, H_M = 1000.0, 500.0


def gk_origin(*, zone_prefix: int = 0, lon: float = LON0, lat: float = LAT0) -> tuple[float, float]:
    """Gauss-Kruger (CGCS2000, 3-degree) easting/northing of a point, optionally with
    the zone number in front of the easting (34 500 000 m for zone 34)."""
    zone = zone_prefix or 34
    cm = 3 * zone
    to_gk = Transformer.from_crs(
        "EPSG:4490",
        f"+proj=tmerc +lat_0=0 +lon_0={cm} +k=1 +x_0=500000 +y_0=0 +ellps=GRS80 +units=m",
        always_xy=True,
    )
    x, y = to_gk.transform(lon, lat)
    return x + (zone_prefix * 1_000_000 if zone_prefix else 0), y


def expected_ellipsoidal_m2(x_centre_m: float, lat: float, planar_m2: float) -> float:
    """a*b / k**2 with k = 1 + x**2 / (2 M N): closed form, no projection library."""
    e2 = GRS80_F * (2 - GRS80_F)
    s = math.sin(math.radians(lat))
    n = GRS80_A / math.sqrt(1 - e2 * s * s)
    m = GRS80_A * (1 - e2) / (1 - e2 * s * s) ** 1.5
    k = 1 + x_centre_m**2 / (2 * m * n)
    return planar_m2 / k**2


def drawing(*, version: str = "R2000", encoding: str = "gbk") -> Drawing:
    doc = ezdxf.new(version)
    if version != "R12":
        doc.encoding = encoding
    for name in (RED_LINE, ROADS):
        doc.layers.add(name)
    return doc


def dxf_bytes(doc: Drawing) -> bytes:
    stream = io.StringIO()
    doc.write(stream)
    return stream.getvalue().encode(doc.output_encoding, errors="strict")


def bureau_drawing(x0: float, y0: float) -> bytes:
    """A realistic 控规 extract: a closed red line (W x H m) labelled 大学城, an open road
    centre line, a hatch, a tree block, a 3D closed polyline and a surveyed 3D point."""
    doc = drawing()
    msp = doc.modelspace()
    msp.add_lwpolyline(
        [(x0, y0), (x0 + W_M, y0), (x0 + W_M, y0 + H_M), (x0, y0 + H_M)],
        close=True,
        dxfattribs={"layer": RED_LINE},
    )
    msp.add_lwpolyline(
        [(x0, y0 - 50), (x0 + 400, y0 - 40), (x0 + 800, y0 - 60)],
        dxfattribs={"layer": ROADS},
    )
    msp.add_text("大学城", dxfattribs={"layer": RED_LINE, "insert": (x0 + 300, y0 + 200)})
    hatch = msp.add_hatch(dxfattribs={"layer": RED_LINE})
    hatch.paths.add_polyline_path([(x0, y0), (x0 + 10, y0), (x0 + 10, y0 + 10)])
    tree = doc.blocks.new(name="行道树")
    tree.add_circle((0, 0), 2)
    tree.add_lwpolyline([(0, 0), (1, 0), (1, 1)], close=True)  # inside a block: ignored
    msp.add_blockref("行道树", (x0 + 50, y0 - 45), dxfattribs={"layer": ROADS})
    msp.add_polyline3d(
        [(x0 + 2000, y0, 1890.5), (x0 + 2100, y0, 1891.0), (x0 + 2100, y0 + 100, 1892.25)],
        close=True,
        dxfattribs={"layer": "地形"},
    )
    msp.add_point((x0 + 5, y0 + 5, 1888.8))
    return dxf_bytes(doc)


@pytest.fixture
def bureau() -> tuple[bytes, float, float]:
    x0, y0 = gk_origin()
    return bureau_drawing(x0, y0), x0, y0


def _handle_of_open_road(data: bytes) -> str:
    doc = ezdxf.read(io.StringIO(data.decode("gbk")))
    (road,) = doc.modelspace().query(f'LWPOLYLINE[layer=="{ROADS}"]')
    return str(road.dxf.handle)


def test_the_header_is_gbk_as_chinese_cad_writes_it(bureau: tuple[bytes, float, float]) -> None:
    data, _x, _y = bureau
    assert b"ANSI_936" in data
    assert RED_LINE.encode("gbk") in data
    scan = scan_dxf(data, "x.dxf")
    assert (scan.version, scan.codepage) == ("AC1015", "ANSI_936")


def test_closed_polylines_become_polygons_and_the_rest_is_listed(
    bureau: tuple[bytes, float, float],
) -> None:
    data, x0, y0 = bureau
    raw = read_raw(data, "控规.dxf")
    assert raw.format == "dxf"
    assert raw.frame.crs is None
    assert raw.encoding == "gbk"
    frame = raw.frame
    assert list(frame["cad_layer"]) == [RED_LINE, "地形"]
    assert list(frame["cad_entity"]) == ["LWPOLYLINE", "POLYLINE"]
    assert frame["cad_text"].iloc[0] == "大学城"
    assert set(frame.geometry.geom_type) == {"Polygon"}
    assert not frame.geometry.has_z.any()
    minx, miny, maxx, maxy = frame.geometry.iloc[0].bounds
    assert (minx, miny, maxx, maxy) == (x0, y0, x0 + W_M, y0 + H_M)
    notes = " | ".join(raw.notes)
    handle = _handle_of_open_road(data)
    assert f"handle {handle} on layer '{ROADS}'" in notes
    assert "never closed" in notes
    for listed in ("1 hatch", "1 block reference", "1 point", "1 text (大学城)"):
        assert listed in notes
    assert "Z values (elevations 1,890.50 … 1,892.25) dropped" in notes
    assert "ANSI_936" in notes


@pytest.mark.parametrize(
    ("zone_prefix", "lon", "expected_crs"),
    [
        (0, LON0, "EPSG:4543"),  # 500 000 m false easting, CM 102°E: Chenggong
        (34, LON0, "EPSG:4522"),  # the same with the zone number: 34 583 000
        (35, 104.2, "EPSG:4523"),  # eastern Yunnan, zone 35 with its number
    ],
)
def test_no_crs_asks_with_ranked_candidates_and_the_area_is_the_rectangles(
    zone_prefix: int, lon: float, expected_crs: str
) -> None:
    x0, y0 = gk_origin(zone_prefix=zone_prefix, lon=lon)
    data = bureau_drawing(x0, y0)
    asked = read_upload(data, "控规.dxf")
    assert isinstance(asked, NeedsCRS)
    assert asked.candidates[0].crs == expected_crs
    assert asked.candidates[0].inside_region
    loaded = read_upload(data, "控规.dxf", crs=asked.candidates[0].crs)
    assert isinstance(loaded, LoadedLayer)
    assert loaded.source.format == "dxf"
    red = loaded.frame[loaded.frame["cad_layer"] == RED_LINE]
    x_centre = x0 - zone_prefix * 1_000_000 + W_M / 2 - 500_000
    expected = expected_ellipsoidal_m2(x_centre, LAT0, W_M * H_M)
    assert ellipsoidal_area_m2(red).iloc[0] == pytest.approx(expected, rel=2e-6)
    if zone_prefix == 0:
        assert gauss_kruger_area_m2(red).iloc[0] == pytest.approx(W_M * H_M, rel=1e-9)
    assert any("open polyline" in m for m in loaded.messages())


def test_a_header_that_says_western_but_holds_gbk_is_read_as_gbk() -> None:
    x0, y0 = gk_origin()
    data = bureau_drawing(x0, y0).replace(b"ANSI_936", b"ANSI_1252")
    raw = read_raw(data, "x.dxf")
    assert RED_LINE in set(raw.frame["cad_layer"])
    assert raw.encoding == "gb18030"
    assert any("ANSI_1252" in n and "gb18030" in n for n in raw.notes)


def test_dxf_2007_and_later_are_utf8_whatever_the_code_page() -> None:
    x0, y0 = gk_origin()
    doc = drawing(version="R2010")
    doc.modelspace().add_lwpolyline(
        [(x0, y0), (x0 + 10, y0), (x0 + 10, y0 + 10)], close=True, dxfattribs={"layer": RED_LINE}
    )
    data = dxf_bytes(doc)
    assert RED_LINE.encode("utf-8") in data
    raw = read_raw(data, "x.dxf")
    assert list(raw.frame["cad_layer"]) == [RED_LINE]
    assert raw.encoding == "utf-8"


def test_a_chosen_encoding_that_does_not_fit_is_refused(
    bureau: tuple[bytes, float, float],
) -> None:
    data, _x, _y = bureau
    with pytest.raises(InputFileError, match=r"not valid utf-8.*Choose another encoding"):
        read_raw(data, "x.dxf", encoding="utf-8")
    assert read_raw(data, "x.dxf", encoding="gb18030").encoding == "gb18030"


def test_one_cad_layer_can_be_chosen(bureau: tuple[bytes, float, float]) -> None:
    data, _x, _y = bureau
    raw = read_raw(data, "x.dxf", layer=RED_LINE)
    assert list(raw.frame["cad_layer"]) == [RED_LINE]
    assert raw.layers == (RED_LINE, "地形")
    with pytest.raises(InputFileError, match=rf"no closed polylines on CAD layer '{ROADS}'"):
        read_raw(data, "x.dxf", layer=ROADS)


def test_only_open_polylines_and_text_is_no_polygons_with_what_was_found() -> None:
    x0, y0 = gk_origin()
    doc = drawing()
    msp = doc.modelspace()
    road = msp.add_lwpolyline([(x0, y0), (x0 + 300, y0 + 1)], dxfattribs={"layer": ROADS})
    msp.add_text("规划路", dxfattribs={"layer": ROADS, "insert": (x0, y0)})
    with pytest.raises(InputFileError) as info:
        read_raw(dxf_bytes(doc), "路网.dxf")
    message = str(info.value)
    assert "no polygons" in message
    assert f"handle {road.dxf.handle} on layer '{ROADS}' (ends 300.00 m apart)" in message
    assert "1 text (规划路)" in message


def test_a_polyline_ending_on_its_first_vertex_is_closed_even_unflagged() -> None:
    x0, y0 = gk_origin()
    doc = drawing()
    doc.modelspace().add_lwpolyline(
        [(x0, y0), (x0 + 20, y0), (x0 + 20, y0 + 20), (x0, y0)], dxfattribs={"layer": RED_LINE}
    )
    raw = read_raw(dxf_bytes(doc), "x.dxf")
    assert len(raw.frame) == 1
    assert raw.frame.geometry.iloc[0].area == pytest.approx(20 * 20 / 2)  # a right triangle


def test_dimension_arrow_heads_and_paper_space_are_not_polygons() -> None:
    x0, y0 = gk_origin()
    doc = ezdxf.new("R2000", setup=True)
    doc.encoding = "gbk"
    msp = doc.modelspace()
    msp.add_lwpolyline([(x0, y0), (x0 + 100, y0), (x0 + 100, y0 + 100)], close=True)
    dim = msp.add_linear_dim(base=(x0, y0 + 150), p1=(x0, y0), p2=(x0 + 100, y0), dimstyle="EZDXF")
    dim.render()
    doc.layout("Layout1").add_lwpolyline([(0, 0), (420, 0), (420, 297), (0, 297)], close=True)
    raw = read_raw(dxf_bytes(doc), "x.dxf")
    assert len(raw.frame) == 1
    notes = " | ".join(raw.notes)
    assert "1 dimension" in notes
    assert "1 polyline(s) in paper space" in notes


def test_nested_blocks_are_not_expanded() -> None:
    """Seven levels of ten inserts would be ten million lines if GDAL expanded them."""
    x0, y0 = gk_origin()
    doc = drawing()
    doc.blocks.new("L0").add_line((0, 0), (1, 1))
    for level in range(1, 8):
        block = doc.blocks.new(f"L{level}")
        for j in range(10):
            block.add_blockref(f"L{level - 1}", (j, 0))
    msp = doc.modelspace()
    msp.add_blockref("L7", (x0, y0))
    msp.add_lwpolyline([(x0, y0), (x0 + 10, y0), (x0 + 10, y0 + 10)], close=True)
    raw = read_raw(dxf_bytes(doc), "x.dxf")
    assert len(raw.frame) == 1
    assert any("1 block reference" in n for n in raw.notes)


def test_a_block_grid_beyond_the_feature_limit_is_refused_before_reading() -> None:
    x0, y0 = gk_origin()
    doc = drawing()
    doc.blocks.new("P").add_point((0, 0))
    doc.modelspace().add_blockref("P", (x0, y0)).grid(size=(1000, 1000), spacing=(1, 1))
    small = dataclasses.replace(default_settings(), max_features=10_000)
    with pytest.raises(InputFileError, match=r"about 1,000,000 entities.*max_features"):
        read_raw(dxf_bytes(doc), "x.dxf", settings=small)


def test_circles_beyond_the_vertex_limit_are_refused_before_reading() -> None:
    x0, y0 = gk_origin()
    doc = drawing()
    msp = doc.modelspace()
    for i in range(200):
        msp.add_circle((x0 + i, y0), 1)
    small = dataclasses.replace(default_settings(), max_vertices=10_000)
    with pytest.raises(InputFileError, match=r"about 18,2\d\d coordinates.*max_vertices"):
        read_raw(dxf_bytes(doc), "x.dxf", settings=small)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"AC1032\x00\x00\x00\x00\x00\x00\x01\x03" + b"\x00" * 200, r"DWG drawing.*DXF"),
        (b"AutoCAD Binary DXF\r\n\x1a\x00" + b"\x00" * 200, r"binary DXF.*ASCII DXF"),
        (b'{"type": "FeatureCollection", "features": []}', r"the name says DXF"),
    ],
)
def test_what_is_not_an_ascii_dxf_is_refused_with_what_to_do(data: bytes, expected: str) -> None:
    with pytest.raises(InputFileError, match=expected):
        read_raw(data, "图纸.dxf")


def test_a_damaged_or_truncated_dxf_is_refused(bureau: tuple[bytes, float, float]) -> None:
    data, _x, _y = bureau
    cut = data.index(b"ENTITIES") + 400
    with pytest.raises(InputFileError, match=r"truncated DXF.*ENTITIES"):
        read_raw(data[:cut], "x.dxf")
    damaged = data[:cut] + b"\nthis is not a group code\n\n\n" + data[cut:]
    with pytest.raises(InputFileError, match=r"damaged DXF: line [\d,]+"):
        read_raw(damaged, "x.dxf")


def test_the_cli_reader_takes_a_dxf_with_its_crs(tmp_path: Path) -> None:
    from geo.cli import read_input

    x0, y0 = gk_origin()
    path = tmp_path / "控规.dxf"
    path.write_bytes(bureau_drawing(x0, y0))
    frame = read_input(path, crs="EPSG:4543")
    assert len(frame) == 2
    assert frame.crs.to_epsg() == 4326


def test_drawing_coordinates_that_fit_no_candidate_crs_say_so() -> None:
    """A drawing in millimetres of a local grid (施工坐标): no CRS puts it in China."""
    doc = drawing()
    doc.header["$INSUNITS"] = 4  # millimetres
    doc.modelspace().add_lwpolyline(
        [(0, 0), (120_000, 0), (120_000, 80_000), (0, 80_000)], close=True
    )
    asked = read_upload(dxf_bytes(doc), "施工图.dxf")
    assert isinstance(asked, NeedsCRS)
    assert asked.candidates == ()
    assert "none of the usual ones puts the data in China, give its EPSG code" in asked.message
    assert "units ($INSUNITS) are millimetres" in asked.message


def test_entities_without_handles_are_named_never_guessed() -> None:
    x0, y0 = gk_origin()
    doc = drawing()
    msp = doc.modelspace()
    msp.add_lwpolyline([(x0, y0), (x0 + 10, y0), (x0 + 10, y0 + 10)], close=True)
    anonymous = msp.add_lwpolyline([(x0, y0), (x0 + 5, y0), (x0 + 5, y0 + 5)], close=True)
    data = dxf_bytes(doc)
    data = data.replace(f"\n  5\n{anonymous.dxf.handle}\n".encode(), b"\n", 1)
    raw = read_raw(data, "x.dxf")
    assert len(raw.frame) == 1
    assert any("1 entities have no handle and were not read" in n for n in raw.notes)
    only = data.replace(f"\n  5\n{raw.frame['cad_handle'].iloc[0]}\n".encode(), b"\n", 1)
    with pytest.raises(InputFileError, match=r"no handles.*DXF 2000 or later"):
        read_raw(only, "x.dxf")


def several_layers_drawing(x0: float, y0: float) -> bytes:
    """Three CAD layers with 2, 1 and 0 closed polylines (the last holds an open one)."""
    doc = drawing()
    msp = doc.modelspace()
    for i, layer in enumerate(("用地红线", "用地红线", "绿线")):
        x = x0 + i * 1000
        msp.add_lwpolyline(
            [(x, y0), (x + 500, y0), (x + 500, y0 + 500), (x, y0 + 500)],
            close=True, dxfattribs={"layer": layer},
        )  # fmt: skip
    msp.add_lwpolyline([(x0, y0 - 90), (x0 + 900, y0 - 80)], dxfattribs={"layer": "道路"})
    return dxf_bytes(doc)


def test_the_reader_counts_the_polygons_of_each_cad_layer() -> None:
    from geo.upload.dxf import cad_layer_counts

    x0, y0 = gk_origin()
    loaded = read_upload(several_layers_drawing(x0, y0), "控规.dxf", crs="EPSG:4543")
    assert isinstance(loaded, LoadedLayer)
    assert cad_layer_counts(loaded.frame) == {"用地红线": 2, "绿线": 1}
    assert any("3 closed polyline(s) read as polygons (2 on '用地红线', 1 on '绿线')" in str(n)
               for n in loaded.notes), loaded.notes  # fmt: skip
    assert cad_layer_counts(loaded.frame.drop(columns="cad_layer")) == {}
