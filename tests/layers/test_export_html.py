"""layers/export_html.py: one HTML file that needs no server and no internet."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from pyproj import Geod

from geo.cli import main
from geo.errors import GeometryError
from layers.export_html import write_html
from tests.geo.export_sample import sample_features

ASSET_REF = re.compile(r"""<(?:script|link)[^>]*(?:src|href)="([^"]+)\"""")
TITLE = "金融片区离线地图"


def test_standalone_html_inlines_assets_and_holds_the_features(tmp_path: Path) -> None:
    out = write_html(
        sample_features(),
        tmp_path / "map.html",
        layers=["extents", "finance_business", "infrastructure"],
        title=TITLE,
    )
    page = out.read_text(encoding="utf-8")
    refs = ASSET_REF.findall(page)
    assert refs, "expected the Leaflet script and stylesheet"
    assert all(ref.startswith("data:") for ref in refs), refs
    assert "L.map(" in page or "L.map (" in page
    assert "L.tileLayer" not in page  # no tiles: complete offline
    assert TITLE in page
    for name in ("科技金融服务中心", "地铁1号线"):
        assert name in page or json.dumps(name)[1:-1] in page  # raw or \\u-escaped JSON
    assert "ecology" not in re.findall(r'"layer":\s*"(\w+)"', page)


def test_layers_without_features_are_a_domain_error(tmp_path: Path) -> None:
    with pytest.raises(GeometryError, match="housing"):
        write_html(sample_features(), tmp_path / "m.html", layers=["housing"], title="x")


def _tooltip_props(page: str, zone_id: str) -> dict[str, str]:
    """The properties of feature ``zone_id`` as the page's GeoJSON holds them."""
    for match in re.finditer(r'"properties":\s*(\{[^{}]*\})', page):
        props: dict[str, str] = json.loads(match.group(1))
        if props.get("id") == zone_id:
            return props
    raise AssertionError(f"{zone_id} not in the page")


def test_tooltips_carry_the_area_in_three_units_accuracy_and_source(tmp_path: Path) -> None:
    features = sample_features()
    out = write_html(
        features, tmp_path / "m.html", layers=["finance_business", "infrastructure"], title="x"
    )
    page = out.read_text(encoding="utf-8")
    # Expected area from pyproj's Geod on the CGCS2000 ellipsoid directly, on the same
    # polygon (a 2 × 2.5 km box in EPSG:4543, so about 5 km²).
    geod = Geod(a=6_378_137.0, rf=298.257222101)
    polygon = features.loc[features["id"] == "fin_centre"].geometry.iloc[0]
    area_m2 = abs(geod.geometry_area_perimeter(polygon)[0])
    assert 4.99e6 < area_m2 < 5.01e6
    props = _tooltip_props(page, "fin_centre")
    # Shown to what ±300 m supports (issue 12 §6): the band 300 m × 9 km perimeter is
    # 2.7 km², so one significant figure; not schematic in this sample, so no ≈.
    perimeter_m = geod.geometry_length(polygon.exterior)
    assert 2.6e6 < 300 * perimeter_m < 2.8e6
    assert props["area"] == "5 平方公里 · 500 公顷 · 7,000 亩"
    assert props["accuracy"] == "±300 米"
    assert props["source"] == "由道路中心线围合推算"
    line = _tooltip_props(page, "metro_1")
    assert line["area"] == "—" and line["accuracy"] == "±150 米"
    # the tooltip shows them under their declared names
    for alias in ("椭球面积（CGCS2000）", "估计精度", "几何来源"):
        assert alias in page or json.dumps(alias)[1:-1] in page, alias


def test_english_tooltips_say_the_units_in_english(tmp_path: Path) -> None:
    out = write_html(
        sample_features(), tmp_path / "m.html", layers=["finance_business"], title="x", lang="en"
    )
    props = _tooltip_props(out.read_text(encoding="utf-8"), "fin_hq")
    # a sketch: its figures carry ≈
    assert re.fullmatch(r"≈[\d.,]+ km² · ≈[\d.,]+ ha · ≈[\d.,]+ mu", props["area"]), props["area"]
    assert props["source"] == "Sketch" and props["accuracy"] == "±2,000 m"


def test_the_command_line_writes_the_html_map(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "map.html"
    assert main(["export", "html", "--out", str(out)]) == 0
    assert capsys.readouterr().out.strip() == str(out)
    page = out.read_text(encoding="utf-8")
    assert "<title>呈贡规划一张图</title>" in page
    assert "平方公里" in page or json.dumps("平方公里")[1:-1] in page
    preset = tmp_path / "p.html"
    assert main(["export", "html", "--preset", "overview_1_3_n", "--out", str(preset)]) == 0
    text = preset.read_text(encoding="utf-8")
    assert "昆明市" in text or json.dumps("昆明市")[1:-1] in text  # the prefectures beneath
    assert (
        main(["export", "html", "--layers", "no_such_layer", "--out", str(tmp_path / "x.html")])
        == 2
    )
