"""'geo topology' and 'geo landuse' on files made in the test (areas from Geod)."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pytest
import shapely

from geo.cli import main
from tests.geo.geod_reference import geod_area_m2, gk_polygon


def box(x0: float, y0: float, x1: float, y1: float) -> shapely.Polygon:
    return gk_polygon([(x0, y0), (x1, y0), (x1, y1), (x0, y1)])


def test_topology_cli_exits_1_with_findings(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "parcels.geojson"
    gpd.GeoDataFrame(
        {"id": ["a", "b"]}, geometry=[box(0, 0, 100, 100), box(50, 0, 150, 100)], crs="EPSG:4326"
    ).to_file(path)
    out = tmp_path / "findings.geojson"
    assert main(["topology", str(path), "--format", "json", "--out", str(out)]) == 1
    rows = json.loads(capsys.readouterr().out)
    assert [r["kind"] for r in rows] == ["overlap"]
    assert rows[0]["area_m2"] == pytest.approx(geod_area_m2(box(50, 0, 100, 100)), rel=1e-6)
    assert len(gpd.read_file(out)) == 1


def test_landuse_cli_areas_by_class(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "landuse.geojson"
    gpd.GeoDataFrame(
        {"用地代码": ["0701", "1001"], "用地名称": ["城镇住宅用地", "工业用地"]},
        geometry=[box(0, 0, 100, 100), box(100, 0, 300, 100)],
        crs="EPSG:4326",
    ).to_file(path)
    assert main(["landuse", str(path), "--level", "2", "--format", "json"]) == 0
    captured = capsys.readouterr()
    rows = {r["code"]: r for r in json.loads(captured.out)}
    assert rows["1001"]["area_m2"] == pytest.approx(geod_area_m2(box(100, 0, 300, 100)), rel=1e-6)
    assert rows["0701"]["name_zh"] == "城镇住宅用地"
    assert "自然资发〔2023〕234号" in captured.err
