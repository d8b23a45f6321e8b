"""The command line prints correct figures for files made by hand."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from geo.area import ellipsoidal_area_m2
from geo.cli import main
from geo.io import read_layer, write_geojson_atomic
from tests.conftest import gk_boxes


@pytest.fixture
def squares_file(tmp_path: Path) -> Path:
    layer = gk_boxes((0, 0, 1000, 1000), (500, 500, 1500, 1500), ids=["a", "b"])
    layer["kind"] = ["park", "park"]
    path = tmp_path / "squares.geojson"
    write_geojson_atomic(layer, path)
    return path


def test_areas_json(squares_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["areas", str(squares_file), "--unit", "ha", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    expected = ellipsoidal_area_m2(gk_boxes((0, 0, 1000, 1000))).iloc[0] / 10_000
    assert [r["id"] for r in rows] == ["a", "b"]
    # The file stores coordinates to 1e-7° (about 1 cm): the area moves by up to ~2e-5.
    assert rows[0]["area_ha"] == pytest.approx(expected, rel=5e-5)
    assert rows[0]["gk_area_ha"] == pytest.approx(100.0, rel=5e-5)


def test_areas_table_prints_sum_and_union(
    squares_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["areas", str(squares_file), "--by", "kind"]) == 0
    out = capsys.readouterr().out
    assert "park" in out
    assert "sum 1.9997 km²" in out
    assert "union (overlaps counted once) 1.7497 km²" in out


def test_overlaps_csv_and_geojson_out(
    squares_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out_file = tmp_path / "pairs.geojson"
    code = main(
        [
            "overlaps",
            str(squares_file),
            str(squares_file),
            "--format",
            "csv",
            "--out",
            str(out_file),
        ]
    )
    assert code == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0] == "a,b,overlap_km2,a_share,b_share"
    ab = next(line for line in lines[1:] if line.startswith("a,b,"))
    assert float(ab.split(",")[2]) == pytest.approx(0.25, rel=1e-3)
    assert len(json.loads(out_file.read_text(encoding="utf-8"))["features"]) == 4


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "no such file"),
        ('{"type": "FeatureCollection", "features": [', "not a readable spatial file"),
        ("just some text", "not a readable spatial file"),
        (
            '{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},'
            '"geometry":{"type":"Point","coordinates":[102.8,24.9]}}]}',
            "no polygons found",
        ),
    ],
)
def test_clear_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str | None, message: str
) -> None:
    path = tmp_path / "input.geojson"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    assert main(["areas", str(path)]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err


def test_long_tables_are_cut_with_a_count(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from geo import cli

    layer = gk_boxes(*[(x * 10, 0, x * 10 + 8, 8) for x in range(cli.TABLE_MAX_ROWS + 5)])
    path = tmp_path / "many.geojson"
    write_geojson_atomic(layer, path)
    assert main(["areas", str(path)]) == 0
    out = capsys.readouterr().out
    assert "… 5 more rows not shown" in out
    assert main(["areas", str(path), "--format", "csv"]) == 0
    assert len(capsys.readouterr().out.strip().splitlines()) == cli.TABLE_MAX_ROWS + 5 + 1


def test_file_without_crs_needs_crs_option(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A GBK Shapefile with no .prj: refused with the candidates, read with --crs."""
    from tests.geo.upload_samples import AREAS_M2, shapefile_zip

    path = tmp_path / "parcels.zip"
    path.write_bytes(shapefile_zip(tmp_path, encoding="GBK", cpg=False, prj=False))
    assert main(["areas", str(path)]) == 2
    assert "declares no coordinate reference system" in capsys.readouterr().err
    # With the CRS given, the GBK attributes are detected without a .cpg, or named.
    for extra in ([], ["--encoding", "gbk"]):
        code = main(
            ["areas", str(path), "--crs", "EPSG:4543", "--format", "json", "--unit", "m2",
             "--label", "name", *extra]
        )  # fmt: skip
        assert code == 0
        rows = json.loads(capsys.readouterr().out)
        assert [r["name"] for r in rows] == ["七步场村", "万溪冲"]
    # Gauss-Kruger areas are the rectangles' own, by hand.
    assert [r["gk_area_m2"] for r in rows] == pytest.approx(AREAS_M2, rel=1e-9)


def test_gcj02_coordinates_are_converted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    square = gk_boxes((0, 0, 1000, 1000))
    path = tmp_path / "square.geojson"
    write_geojson_atomic(square, path)
    out_file = tmp_path / "pairs.geojson"
    args = ["--coordinates", "gcj02", "--format", "json", "--out", str(out_file)]
    assert main(["overlaps", str(path), str(path), *args]) == 0
    rows = json.loads(capsys.readouterr().out)
    # GCJ-02 → WGS-84 moves the square about 145 m west and 340 m north here, and
    # changes its area by about 0.1 % (the offset varies across the square).
    assert rows[0]["overlap_km2"] == pytest.approx(
        ellipsoidal_area_m2(square).iloc[0] / 1e6, rel=5e-3
    )
    moved = read_layer(out_file).geometry.iloc[0].centroid
    before = square.geometry.iloc[0].centroid
    assert moved.x - before.x == pytest.approx(-0.00142, abs=0.0002)
    assert moved.y - before.y == pytest.approx(0.00306, abs=0.0002)
