"""Every kind of bad upload gets its own specific message (and never a raw traceback)."""

from __future__ import annotations

import dataclasses
import io
import json
import stat
import zipfile
from pathlib import Path

import pytest

from geo.errors import CRSError, InputFileError
from geo.upload import default_settings, inspect_upload, read_upload
from tests.geo import upload_samples as s


def _fails(data: bytes, filename: str, match: str, **kwargs: object) -> str:
    with pytest.raises(InputFileError, match=match) as info:
        read_upload(data, filename, **kwargs)  # type: ignore[arg-type]
    message = str(info.value)
    assert message.startswith(filename.rsplit("/", 1)[-1]), message  # names the input
    return message


def test_empty_file() -> None:
    _fails(b"", "a.geojson", "the file is empty")


def test_truncated_json(tmp_path: Path) -> None:
    data = s.geojson_bytes(tmp_path)
    message = _fails(data[: len(data) // 2], "cut.geojson", "truncated JSON")
    assert "download it again" in message


def test_invalid_json_names_line_and_column() -> None:
    _fails(b'{"type": "FeatureCollection",, "features": []}', "x.json", "invalid JSON at line 1")


def test_json_that_is_not_geojson() -> None:
    _fails(b'{"name": "not geo", "rows": [1, 2]}', "data.json", "valid JSON but not GeoJSON")


def test_empty_feature_collection() -> None:
    data = json.dumps({"type": "FeatureCollection", "features": []}).encode()
    _fails(data, "none.geojson", "empty collection")


def test_geojson_not_utf8() -> None:
    data = '{"type": "FeatureCollection", "name": "地块"}'.encode("gbk")
    _fails(data, "gbk.geojson", "not UTF-8")


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (b"%PDF-1.7 ...", "a PDF document"),
        (b"\x89PNG\r\n\x1a\n....", "a PNG image"),
        (b"\xff\xd8\xff\xe0 jpeg", "a JPEG image"),
        (b"<html><body>hi</body></html>", "not KML"),
        (b"\x00\x01\x02binary", "unrecognised content"),
    ],
)
def test_not_a_spatial_file(data: bytes, kind: str) -> None:
    message = _fails(data, "report.dat", "not a spatial file|not KML")
    assert kind in message


def test_excel_workbook_is_explained() -> None:
    data = s.zip_files({"[Content_Types].xml": b"<x/>", "xl/workbook.xml": b"<x/>"})
    _fails(data, "parcels.xlsx", "Excel workbook; save the sheet as CSV|Excel workbook")


def test_bare_shp_is_told_to_zip(tmp_path: Path) -> None:
    shp = s.shapefile_parts(tmp_path)["parcels.shp"]
    _fails(shp, "parcels.shp", "put them all in one .zip")


@pytest.mark.parametrize(
    ("drop", "expected"),
    [
        ("parcels.shp", "missing .shp"),
        ("parcels.dbf", r"missing Shapefile parts: parcels.shp has no \.dbf"),
        ("parcels.shx", r"missing Shapefile parts: parcels.shp has no \.shx"),
    ],
)
def test_missing_shapefile_parts(tmp_path: Path, drop: str, expected: str) -> None:
    parts = s.shapefile_parts(tmp_path)
    del parts[drop]
    _fails(s.zip_files(parts), "parcels.zip", expected)


def test_zip_with_no_layer() -> None:
    data = s.zip_files({"notes.txt": b"hello", "photo.jpg": b"\xff\xd8\xff"})
    message = _fails(data, "stuff.zip", "zip with no layer")
    assert "notes.txt" in message


def test_kmz_with_no_kml() -> None:
    _fails(s.zip_files({"files/a.png": b"x"}), "empty.kmz", "zip with no layer: the KMZ")


def test_damaged_zip(tmp_path: Path) -> None:
    data = s.shapefile_zip(tmp_path)
    _fails(data[: len(data) - 40], "broken.zip", "damaged or truncated zip")


def test_zip_slip_member_is_refused(tmp_path: Path) -> None:
    parts = s.shapefile_parts(tmp_path)
    parts["../../evil.txt"] = b"x"
    message = _fails(s.zip_files(parts), "slip.zip", "unsafe path")
    assert "evil.txt" in message
    assert not (tmp_path.parent / "evil.txt").exists()


def test_symlink_member_is_refused(tmp_path: Path) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in s.shapefile_parts(tmp_path).items():
            zf.writestr(name, data)
        link = zipfile.ZipInfo("parcels.prj.lnk")
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        zf.writestr(link, "/etc/passwd")
    _fails(buf.getvalue(), "link.zip", "symbolic link")


def test_oversize_file(tmp_path: Path) -> None:
    small = dataclasses.replace(default_settings(), max_file_bytes=1_000)
    message = _fails(s.geojson_bytes(tmp_path), "big.geojson", "oversize file", settings=small)
    assert "max_file_mb in config/upload.toml" in message


def test_zip_bomb_is_refused_before_unpacking() -> None:
    bomb = s.zip_files({"parcels.shp": b"\0" * 5_000_000, "parcels.shx": b"", "parcels.dbf": b""})
    assert len(bomb) < 50_000
    small = dataclasses.replace(default_settings(), max_uncompressed_bytes=1_000_000)
    _fails(bomb, "bomb.zip", "oversize content, the zip unpacks to 5.0 MB", settings=small)


def test_too_many_zip_members() -> None:
    data = s.zip_files({f"f{i}.txt": b"" for i in range(20)})
    small = dataclasses.replace(default_settings(), max_zip_members=10)
    _fails(data, "many.zip", "holds 20 entries; the limit is 10", settings=small)


def test_unknown_encoding_in_dbf(tmp_path: Path) -> None:
    # Text that is neither UTF-8 nor GB18030: bytes 0x80 and 0xff alone.
    parts = s.shapefile_parts(tmp_path, cpg=False)
    parts["parcels.dbf"] = parts["parcels.dbf"].replace(b"0012", b"\xff\x80\xff\x80")
    _fails(s.zip_files(parts), "odd.zip", "unknown encoding: the attribute text")


def test_unknown_encoding_name(tmp_path: Path) -> None:
    data = s.shapefile_zip(tmp_path)
    _fails(data, "p.zip", "unknown encoding 'klingon'", encoding="klingon")


def test_wrong_encoding_override_says_which_fits(tmp_path: Path) -> None:
    data = s.shapefile_zip(tmp_path, encoding="GBK", cpg=False)
    message = _fails(data, "p.zip", "not valid utf-8 text", encoding="utf-8")
    assert "reads cleanly as gb18030" in message


def test_several_layers_need_a_choice(tmp_path: Path) -> None:
    data = s.geopackage_two_layers(tmp_path)
    _fails(data, "two.gpkg", r"has 2 layers \(parcels, roads\); choose one")
    _fails(data, "two.gpkg", "no layer 'rivers'", layer="rivers")


def test_damaged_geopackage() -> None:
    # An SQLite header without the GeoPackage application id is not a GeoPackage at all;
    # with it ("GPKG" at byte 68) but nothing behind, it is a damaged one.
    _fails(b"SQLite format 3\x00" + b"\x00" * 200, "bad.gpkg", "not a GeoPackage")
    header = bytearray(b"SQLite format 3\x00" + b"\x00" * 200)
    header[68:72] = b"GPKG"
    _fails(bytes(header), "bad.gpkg", "damaged or not a readable")


def test_csv_without_geometry_columns() -> None:
    _fails(b"name,area\na,1\n", "t.csv", "no geometry column found among name, area")


def test_csv_with_header_only() -> None:
    _fails(b"name,lon,lat\n", "t.csv", "empty collection: the CSV has a header but no rows")


def test_csv_with_text_in_coordinates() -> None:
    data = b"name,lon,lat\na,102.8,24.8\nb,abc,24.9\n"
    _fails(data, "t.csv", r"1 value\(s\) in column 'lon' are not numbers: line 3 \('abc'\)")


def test_csv_with_bad_wkt() -> None:
    data = b'name,wkt\na,"POLYGN ((0 0, 1 0, 1 1, 0 0))"\n'
    _fails(data, "t.csv", r"are not WKT: line 2")


def test_csv_chosen_column_missing() -> None:
    from geo.upload import CsvColumns

    _fails(b"a,b\n1,2\n", "t.csv", "no column 'lon'", csv_columns=CsvColumns(lon="lon", lat="b"))


def test_all_geometries_missing() -> None:
    _fails(b"name,wkt\na,\nb,\n", "t.csv", "every one of the 2 feature", crs="EPSG:4326")


def test_unknown_crs_choice() -> None:
    with pytest.raises(CRSError, match="not a coordinate reference system pyproj knows"):
        read_upload(b"name,lon,lat\na,102.8,24.8\n", "t.csv", crs="EPSG:999999")


def test_inspect_reports_the_same_errors() -> None:
    with pytest.raises(InputFileError, match="not a spatial file"):
        inspect_upload(b"%PDF-1.4", "x.pdf")
