"""Layer exports read back (pyogrio and fiona) lose no feature, attribute or area."""

from __future__ import annotations

import zipfile
from pathlib import Path

import fiona
import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
from hypothesis import given
from hypothesis import strategies as st

from geo.errors import GeometryError
from geo.export.layers import export_layer, shapefile_field_names, truncate_utf8
from geo.measure.area import ellipsoidal_area_m2
from tests.geo.export_sample import LONG_TEXT, sample_features

TEXT_COLUMNS = ["id", "name_zh", "name_en", "layer", "geometry_source", "plan_quote_zh"]


@pytest.fixture(scope="module")
def source() -> gpd.GeoDataFrame:
    return sample_features()


def assert_same_areas(back: gpd.GeoDataFrame, source: gpd.GeoDataFrame) -> None:
    """Same ids, same ellipsoidal areas (GeoJSON keeps 7 decimals, about 1 cm: within
    1e-5 relative for these 1-2 km features)."""
    back = back.set_index("id").loc[source["id"]]
    expected = ellipsoidal_area_m2(source).to_numpy()
    got = ellipsoidal_area_m2(back.to_crs(source.crs)).to_numpy()
    assert got == pytest.approx(expected, rel=1e-5, abs=1e-3)


def assert_same_attributes(back: pd.DataFrame, source: gpd.GeoDataFrame) -> None:
    back = back.set_index("id").loc[source["id"]]
    for column in TEXT_COLUMNS[1:]:
        assert list(back[column]) == list(source[column]), column
    assert [bool(v) for v in back["schematic"]] == list(source["schematic"])
    assert [int(v) for v in back["accuracy_m"]] == list(source["accuracy_m"])
    assert back["plan_land_km2"].isna().tolist() == source["plan_land_km2"].isna().tolist()
    assert back["plan_land_km2"].dropna().tolist() == [5.0]


def test_geojson_round_trip(source: gpd.GeoDataFrame, tmp_path: Path) -> None:
    out = export_layer(source, tmp_path / "zones.geojson")
    back = pyogrio.read_dataframe(out)
    assert len(back) == len(source)
    assert_same_attributes(back, source)
    assert_same_areas(back, source)


@pytest.mark.parametrize("crs", ["EPSG:4326", "EPSG:4543"])
def test_geopackage_round_trip_read_with_fiona(
    source: gpd.GeoDataFrame, tmp_path: Path, crs: str
) -> None:
    out = export_layer(source, tmp_path / "zones.gpkg", crs=crs)
    with fiona.open(out) as layer:
        assert layer.crs.to_epsg() == int(crs.split(":")[1])
        records = [dict(f.properties) for f in layer]
    assert len(records) == len(source)
    assert_same_attributes(pd.DataFrame(records), source)
    assert_same_areas(gpd.read_file(out), source)


def test_shapefile_zip_has_prj_cpg_and_keeps_chinese(
    source: gpd.GeoDataFrame, tmp_path: Path
) -> None:
    out = export_layer(source, tmp_path / "zones.zip")
    with zipfile.ZipFile(out) as zf:
        names = set(zf.namelist())
        for part in ("zones_polygons", "zones_lines", "zones_points"):
            assert {f"{part}.{ext}" for ext in ("shp", "shx", "dbf", "prj", "cpg")} <= names
            assert zf.read(f"{part}.cpg").decode().strip() == "UTF-8"
        fields = pd.read_csv(zf.open("fields.csv"), encoding="utf-8-sig")
        full = pd.read_csv(zf.open("attributes.csv"), encoding="utf-8-sig")
        readme = zf.read("README.txt").decode("utf-8")
    assert "plan_quote -> plan_quote_zh" in readme
    short_to_long = dict(zip(fields["shapefile_field"], fields["original"], strict=True))
    assert all(len(name) <= 10 for name in short_to_long)

    parts = []
    for part in ("zones_polygons", "zones_lines", "zones_points"):
        with fiona.open(f"zip://{out}!{part}.shp", encoding="utf-8") as layer:
            assert layer.crs.to_epsg() == 4326
        parts.append(pyogrio.read_dataframe(f"/vsizip/{out}/{part}.shp"))
    back = gpd.GeoDataFrame(pd.concat(parts, ignore_index=True)).rename(columns=short_to_long)
    assert sorted(back["id"]) == sorted(source["id"])

    # The long quote is cut to the dBASE limit in the .dbf and whole in attributes.csv.
    quotes = dict(zip(back["id"], back["plan_quote_zh"], strict=True))
    assert quotes["ext_box"].endswith("…")
    assert len(quotes["ext_box"].encode("utf-8")) <= 254
    assert LONG_TEXT.startswith(quotes["ext_box"][:-1])
    assert full.set_index("id").loc["ext_box", "plan_quote_zh"] == LONG_TEXT
    short_source = source.assign(plan_quote_zh=source["plan_quote_zh"].map(truncate_utf8))
    # dBASE has no null text: an empty string reads back as missing.
    back["plan_quote_zh"] = back["plan_quote_zh"].fillna("")
    assert_same_attributes(back, short_source)
    assert_same_areas(back.set_crs("EPSG:4326", allow_override=True), source)


def test_kml_round_trip(source: gpd.GeoDataFrame, tmp_path: Path) -> None:
    out = export_layer(source, tmp_path / "zones.kml")
    back = pyogrio.read_dataframe(out)
    assert len(back) == len(source)
    assert sorted(back["Name"]) == sorted(source["name_zh"])
    back["plan_quote_zh"] = back["plan_quote_zh"].fillna("")  # KML drops empty values
    assert_same_attributes(back, source)
    assert_same_areas(back, source)


def test_empty_layer_is_a_domain_error(source: gpd.GeoDataFrame, tmp_path: Path) -> None:
    with pytest.raises(GeometryError, match="nothing to write"):
        export_layer(source[:0], tmp_path / "empty.gpkg")


def test_unknown_suffix_is_refused(source: gpd.GeoDataFrame, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"\.dwg"):
        export_layer(source, tmp_path / "zones.dwg")


@given(st.lists(st.text(min_size=1, max_size=20), min_size=1, max_size=30, unique=True))
def test_shapefile_field_names_are_short_ascii_and_unique(columns: list[str]) -> None:
    names = shapefile_field_names(columns)
    assert list(names) == columns
    shorts = [n.lower() for n in names.values()]
    assert len(set(shorts)) == len(shorts)
    assert all(0 < len(n) <= 10 and n.isascii() for n in shorts)


@pytest.mark.parametrize("fmt", ["geojson", "gpkg", "shp", "kml"])
def test_layer_bytes_for_download(source: gpd.GeoDataFrame, tmp_path: Path, fmt: str) -> None:
    from geo.export.layers import FORMATS, layer_bytes

    path = tmp_path / f"download{FORMATS[fmt]}"
    path.write_bytes(layer_bytes(source, fmt=fmt, name="zones"))  # type: ignore[arg-type]
    name = f"/vsizip/{path}/zones_polygons.shp" if fmt == "shp" else str(path)
    expected = 4 if fmt == "shp" else len(source)  # the zip holds polygons, lines, points
    assert len(pyogrio.read_dataframe(name)) == expected
