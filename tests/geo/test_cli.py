"""The command line prints correct figures for files made by hand."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import shapely
import shapely.geometry
from pyproj import Transformer
from shapely.geometry.base import BaseGeometry

from geo import cli
from geo.cli import main
from geo.io import read_layer, write_geojson_atomic
from tests.conftest import gk_boxes
from tests.geo.geod_reference import geod_area_m2

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def squares_file(tmp_path: Path) -> Path:
    layer = gk_boxes((0, 0, 1000, 1000), (500, 500, 1500, 1500), ids=["a", "b"])
    layer["kind"] = ["park", "park"]
    path = tmp_path / "squares.geojson"
    write_geojson_atomic(layer, path)
    return path


def _file_polygons(path: Path) -> list[BaseGeometry]:
    """The polygons exactly as the file stores them (7 decimals), read with json."""
    data = json.loads(path.read_text(encoding="utf-8"))
    return [shapely.geometry.shape(f["geometry"]) for f in data["features"]]


def test_areas_json(squares_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["areas", str(squares_file), "--unit", "ha", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["id"] for r in rows] == ["a", "b"]
    # Expected: Geod on the CGCS2000 ellipsoid applied to the coordinates as stored,
    # and the planar area of those coordinates projected to EPSG:4543 with pyproj.
    square = _file_polygons(squares_file)[0]
    to_gk = Transformer.from_crs("EPSG:4326", "EPSG:4543", always_xy=True)
    gk_m2 = shapely.transform(square, lambda c: np.column_stack(to_gk.transform(*c.T))).area
    assert rows[0]["area_ha"] == pytest.approx(geod_area_m2(square) / 10_000, rel=1e-9)
    assert rows[0]["gk_area_ha"] == pytest.approx(gk_m2 / 10_000, rel=1e-9)
    # The file's 1e-7° rounding (about 1 cm) leaves the drawn 1 km square's GK area.
    assert gk_m2 == pytest.approx(1_000_000.0, rel=5e-5)


def _printed_km2(text: str, label: str) -> float:
    found = re.search(re.escape(label) + r" ([0-9.]+) km²", text)
    assert found is not None, text
    return float(found.group(1))


def test_areas_table_prints_sum_and_union(
    squares_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["areas", str(squares_file), "--by", "kind"]) == 0
    out = capsys.readouterr().out
    assert "park" in out
    # Derivation: two 1 km squares drawn in EPSG:4543, overlapping by a 500 m square.
    # On the ellipsoid each is 1 km² / k² (k ≈ 1.000086, the Gauss-Kruger scale 0.8°
    # east of 102°E), i.e. about 0.99983 km²: the sum about 1.99965 km² and the union
    # (an L-shaped outline, 1.75 squares) about 1.74970 km². Computed here with Geod on
    # the stored coordinates and shapely's union of them; printed to 4 decimals, so the
    # printed figure is within half a unit of the 4th decimal.
    a, b = _file_polygons(squares_file)
    sum_km2 = (geod_area_m2(a) + geod_area_m2(b)) / 1e6
    union_km2 = geod_area_m2(shapely.union(a, b)) / 1e6
    assert sum_km2 == pytest.approx(2 * 0.99983, abs=2e-5)
    assert union_km2 == pytest.approx(1.75 * 0.99983, abs=2e-5)
    assert _printed_km2(out, "sum") == pytest.approx(sum_km2, abs=0.5e-4 + 1e-12)
    assert _printed_km2(out, "union (overlaps counted once)") == pytest.approx(
        union_km2, abs=0.5e-4 + 1e-12
    )


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
        ('{"type": "FeatureCollection", "features": [', "truncated JSON"),
        ("just some text", "not a spatial file"),
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
        geod_area_m2(square.geometry.iloc[0]) / 1e6, rel=5e-3
    )
    moved = read_layer(out_file).geometry.iloc[0].centroid
    before = square.geometry.iloc[0].centroid
    assert moved.x - before.x == pytest.approx(-0.00142, abs=0.0002)
    assert moved.y - before.y == pytest.approx(0.00306, abs=0.0002)


LAZY_PROBE = """
import sys
from geo.cli import parser
parser(command={command!r}).parse_args({argv!r})
print(",".join(sorted(m for m in {modules!r} if m in sys.modules)))
"""
HEAVY = ("sqlalchemy", "matplotlib", "geo.review.cli", "geo.store.cli", "geo.edit.cli")


@pytest.mark.parametrize(
    ("argv", "loaded"),
    [
        (["areas", "x.geojson"], ""),
        (["overlaps", "a.geojson", "b.geojson"], ""),
        (["history"], "geo.store.cli,sqlalchemy"),
        (["diff", "a.geojson", "b.geojson"], "geo.edit.cli"),
    ],
)
def test_a_command_loads_only_its_own_modules(argv: list[str], loaded: str) -> None:
    code = LAZY_PROBE.format(command=argv[0], argv=argv, modules=HEAVY)
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert out.stdout.strip() == loaded


def test_the_full_help_lists_every_command() -> None:
    help_text = cli.parser().format_help()
    for command in ("areas", "overlaps", "plan-check", *cli.LAZY_COMMANDS):
        assert command in help_text


def test_areas_reports_the_repair_made_while_reading(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A bow-tie is repaired once, by the upload's validation, and that repair is what
    stderr reports (a second validation would find nothing left to repair and say so)."""
    x, y = 102.85, 24.87  # in Chenggong
    d = 0.01
    bow_tie = shapely.Polygon([(x, y), (x + d, y + d), (x + d, y), (x, y + d)])
    path = tmp_path / "bow_tie.geojson"
    path.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {"id": "t"},
                        "geometry": shapely.geometry.mapping(bow_tie),
                    }
                ],
            }
        ),
        encoding="utf-8",
    )
    assert main(["areas", str(path), "--crs", "EPSG:4326", "--format", "json"]) == 0
    captured = capsys.readouterr()
    repairs = [line for line in captured.err.splitlines() if "repaired with make_valid" in line]
    assert len(repairs) == 1, captured.err
    # The two triangles of the bow-tie, measured with Geod directly.
    centre = (x + d / 2, y + d / 2)
    triangles = [
        shapely.Polygon([(x, y), centre, (x, y + d)]),
        shapely.Polygon([(x + d, y), (x + d, y + d), centre]),
    ]
    expected_m2 = sum(geod_area_m2(t) for t in triangles)
    rows = json.loads(captured.out)
    assert rows[0]["area_km2"] * 1e6 == pytest.approx(expected_m2, rel=1e-6)
