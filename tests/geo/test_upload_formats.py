"""Good uploads in every format: read, located, and measured to hand-known areas."""

from __future__ import annotations

from pathlib import Path

import pytest

from geo.measure.area import ellipsoidal_area_m2
from geo.upload import LoadedLayer, NeedsCRS, inspect_upload, read_upload
from geo.upload.readers import CsvColumns
from tests.conftest import LAT0, LON0
from tests.geo import upload_samples as s

REL = 1e-3  # 0.1 %


def _loaded(result: LoadedLayer | NeedsCRS) -> LoadedLayer:
    assert isinstance(result, LoadedLayer), getattr(result, "message", result)
    return result


def _assert_hand_areas(result: LoadedLayer) -> None:
    frame = result.frame
    assert frame.crs.to_epsg() == 4326
    areas = ellipsoidal_area_m2(frame).tolist()
    assert areas == pytest.approx(s.AREAS_M2, rel=REL)


def test_geojson(tmp_path: Path) -> None:
    result = _loaded(read_upload(s.geojson_bytes(tmp_path), "parcels.geojson"))
    _assert_hand_areas(result)
    assert result.frame["name"].tolist() == s.NAMES
    assert result.source.format == "geojson"
    assert result.report.ok


@pytest.mark.parametrize("cpg", [True, False], ids=["with-cpg", "without-cpg"])
@pytest.mark.parametrize("encoding", ["UTF-8", "GBK"])
def test_zipped_shapefile_round_trips_chinese_names(
    tmp_path: Path, encoding: str, cpg: bool
) -> None:
    data = s.shapefile_zip(tmp_path, encoding=encoding, cpg=cpg)
    result = _loaded(read_upload(data, "地块.zip"))
    _assert_hand_areas(result)
    assert result.frame["name"].tolist() == ["七步场村", "万溪冲"]
    assert result.frame["code"].tolist() == ["0012", "0013"]
    assert result.source.crs_declared is not None
    assert result.source.crs_declared.endswith("4543")
    expected = "utf-8" if encoding == "UTF-8" else "gb18030"
    assert result.source.encoding == expected
    assert result.source.encoding_source.startswith(".cpg" if cpg else "detected")


def test_gbk_shapefile_with_a_lying_cpg_is_detected(tmp_path: Path) -> None:
    parts = s.shapefile_parts(tmp_path, encoding="GBK")
    parts["parcels.cpg"] = b"UTF-8"
    result = _loaded(read_upload(s.zip_files(parts), "parcels.zip"))
    assert result.frame["name"].tolist() == s.NAMES
    assert any("the .cpg says UTF-8" in m for m in result.messages())


def test_encoding_override_is_used_and_recorded(tmp_path: Path) -> None:
    data = s.shapefile_zip(tmp_path, encoding="GBK", cpg=False)
    result = _loaded(read_upload(data, "parcels.zip", encoding="gbk"))
    assert result.frame["name"].tolist() == s.NAMES
    assert result.source.encoding_source == "chosen by the user"


def test_shapefile_in_a_folder_of_the_zip(tmp_path: Path) -> None:
    parts = s.shapefile_parts(tmp_path)
    data = s.zip_files({f"导出/{k}": v for k, v in parts.items()} | {"readme.txt": b"x"})
    _assert_hand_areas(_loaded(read_upload(data, "parcels.zip")))


def test_geopackage_lists_layers_and_reads_the_chosen_one(tmp_path: Path) -> None:
    data = s.geopackage_two_layers(tmp_path)
    info = inspect_upload(data, "two.gpkg")
    assert info.format == "geopackage"
    assert sorted(info.layers) == ["parcels", "roads"]
    result = _loaded(read_upload(data, "two.gpkg", layer="parcels"))
    _assert_hand_areas(result)
    roads = _loaded(read_upload(data, "two.gpkg", layer="roads"))
    assert roads.frame["road"].tolist() == ["彩云路"]
    assert ellipsoidal_area_m2(roads.frame).tolist() == [0.0]
    assert any("points or lines" in m for m in roads.messages())


def test_kml(tmp_path: Path) -> None:
    result = _loaded(read_upload(s.kml_bytes(tmp_path), "parcels.kml"))
    _assert_hand_areas(result)
    assert result.frame["Name"].tolist() == s.NAMES


def test_kmz(tmp_path: Path) -> None:
    data = s.zip_files({"doc.kml": s.kml_bytes(tmp_path), "files/icon.png": b"\x89PNG"})
    result = _loaded(read_upload(data, "parcels.kmz"))
    _assert_hand_areas(result)
    assert result.source.format == "kmz"


@pytest.mark.parametrize("encoding", ["utf-8", "gbk"])
def test_csv_with_wkt(encoding: str) -> None:
    # CSV declares no CRS: the user is asked first, then confirms lon/lat.
    data = s.csv_wkt_bytes(encoding=encoding)
    asked = read_upload(data, "parcels.csv")
    assert isinstance(asked, NeedsCRS)
    assert asked.candidates[0].crs == "EPSG:4326"
    result = _loaded(read_upload(data, "parcels.csv", crs=asked.candidates[0].crs))
    _assert_hand_areas(result)
    assert result.frame["name"].tolist() == s.NAMES
    assert result.frame["code"].tolist() == ["0012", "0013"]


def test_csv_wkt_with_srid_needs_no_question() -> None:
    ring = "583000 2753000, 583100 2753000, 583100 2753100, 583000 2753100, 583000 2753000"
    text = f'id,geom\n1,"SRID=4543;POLYGON (({ring}))"\n'
    result = _loaded(read_upload(text.encode(), "one.csv"))
    assert ellipsoidal_area_m2(result.frame).iloc[0] == pytest.approx(10_000.0, rel=REL)
    assert result.source.crs_declared == "EPSG:4543"


@pytest.mark.parametrize(
    "header",
    [("经度", "纬度"), ("lon", "lat"), ("Longitude", "Latitude"), ("X", "Y"), ("lng", "lat")],
)
def test_csv_lonlat_columns_are_detected(header: tuple[str, str]) -> None:
    points = [(LON0, LAT0), (LON0 + 0.01, LAT0 + 0.02)]
    data = s.csv_lonlat_bytes(points, header=header)
    result = _loaded(read_upload(data, "points.csv", crs="EPSG:4326"))
    xy = [c for p in result.frame.geometry for c in (p.x, p.y)]
    assert xy == pytest.approx([c for p in points for c in p])
    assert result.frame["name"].tolist() == ["p0", "p1"]


def test_csv_columns_can_be_chosen() -> None:
    data = b"a,b,c\nq,102.83,24.87\n"
    result = _loaded(
        read_upload(data, "t.csv", crs="EPSG:4326", csv_columns=CsvColumns(lon="b", lat="c"))
    )
    assert (result.frame.geometry.iloc[0].x, result.frame.geometry.iloc[0].y) == (102.83, 24.87)


def test_gbk_csv_lonlat_keeps_chinese_text() -> None:
    data = "名称,经度,纬度\n七步场村,102.82,24.88\n".encode("gbk")
    result = _loaded(read_upload(data, "村.csv", crs="EPSG:4326"))
    assert result.frame["名称"].tolist() == ["七步场村"]
    assert result.source.encoding == "gb18030"


def test_every_attribute_is_kept(tmp_path: Path) -> None:
    result = _loaded(read_upload(s.geojson_bytes(tmp_path), "parcels.geojson"))
    assert {"code", "name", "ratio"} <= set(result.frame.columns)
    assert result.frame["ratio"].tolist() == [0.123456789, 2.5]


def test_invalid_and_3d_geometries_are_repaired_and_reported() -> None:
    bowtie = (
        "POLYGON ((102.82 24.88 5, 102.83 24.89 5, 102.83 24.88 5, 102.82 24.89 5, 102.82 24.88 5))"
    )
    data = f'id,wkt\na,"{bowtie}"\na,"POINT (102.82 24.88)"\nb,\n'.encode()
    result = _loaded(read_upload(data, "bad.csv", crs="EPSG:4326"))
    text = "\n".join(result.messages())
    assert "repaired with make_valid" in text
    assert "Z coordinates dropped" in text
    assert "no geometry" in text
    assert "duplicated ids: a" in text
    assert result.frame.geometry.iloc[0].is_valid
