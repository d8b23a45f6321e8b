"""File I/O: atomic writes, deterministic GeoJSON, CRS required."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pytest
import shapely

from geo.errors import CRSError
from geo.io import atomic_write, read_layer, write_geojson_atomic
from tests.conftest import gk_boxes


def test_round_trip_keeps_chinese_attributes_and_crs(tmp_path: Path) -> None:
    layer = gk_boxes((0, 0, 100, 100))
    layer["name_zh"] = ["呈贡区"]
    path = tmp_path / "out.geojson"
    write_geojson_atomic(layer, path)
    assert "呈贡区" in path.read_text(encoding="utf-8")
    back = read_layer(path)
    assert back.crs.to_epsg() == 4326
    assert back["name_zh"].iloc[0] == "呈贡区"
    assert back.geometry.iloc[0].equals_exact(layer.geometry.iloc[0], tolerance=1e-7)


def test_failed_write_leaves_the_old_file(tmp_path: Path) -> None:
    path = tmp_path / "layer.geojson"
    path.write_text("old", encoding="utf-8")
    with pytest.raises(RuntimeError), atomic_write(path) as fh:
        fh.write("half")
        raise RuntimeError("disk full")
    assert path.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["layer.geojson"]


def test_file_without_crs_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "nocrs.gpkg"
    with pytest.warns(UserWarning, match="'crs' was not provided"):
        gpd.GeoDataFrame({"a": [1]}, geometry=[shapely.box(0, 0, 1, 1)]).to_file(path)
    with pytest.raises(CRSError, match="declares no coordinate reference system"):
        read_layer(path)


def test_geojson_is_deterministic_and_rounded(tmp_path: Path) -> None:
    layer = gk_boxes((0, 0, 100, 100))
    p1, p2 = tmp_path / "1.geojson", tmp_path / "2.geojson"
    write_geojson_atomic(layer, p1)
    write_geojson_atomic(layer.copy(), p2)
    assert p1.read_bytes() == p2.read_bytes()
    coords = json.loads(p1.read_text())["features"][0]["geometry"]["coordinates"][0]
    assert all(len(str(c).split(".")[1]) <= 7 for xy in coords for c in xy)
