"""Printed maps: sizes, embedded Chinese text, true scale bar, true north, presets."""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from pathlib import Path

import geopandas as gpd
import matplotlib as mpl
import pytest
from matplotlib.patches import Rectangle
from PIL import Image
from pypdf import PdfReader
from pyproj import Proj

from geo.declared.registry import load_registry
from geo.errors import ConfigError, GeometryError
from geo.export.furniture import true_north_angle_deg
from geo.export.maps import MapRequest, build_figure, frame_bounds, render_map
from geo.export.presets import load_presets, parse_presets
from geo.export.provenance import fingerprint
from geo.export.sheet import make_sheet
from tests.geo.export_sample import sample_features

LAYERS = ("extents", "ecology", "finance_business", "infrastructure", "innovation_bases")
TITLE = "呈贡区科技金融服务中心示意图"
SUBTITLE = "测试用合成数据 · 第二十五条"


@pytest.fixture(scope="module")
def features() -> gpd.GeoDataFrame:
    return sample_features()


def request_for(**changes: object) -> MapRequest:
    base = {"layers": LAYERS, "title": TITLE, "subtitle": SUBTITLE, "zoom_layers": ()}
    base.update(changes)
    return MapRequest(**base)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("paper", "orientation", "dpi", "width_mm", "height_mm"),
    [
        ("A4", "landscape", 150, 297, 210),
        ("A4", "portrait", 150, 210, 297),
        ("A3", "landscape", 150, 420, 297),
    ],
)
def test_png_pixels_are_paper_size_times_dpi(
    features: gpd.GeoDataFrame,
    tmp_path: Path,
    paper: str,
    orientation: str,
    dpi: int,
    width_mm: float,
    height_mm: float,
) -> None:
    out = render_map(
        features,
        tmp_path / "map.png",
        request=request_for(),
        paper=paper,
        orientation=orientation,
        dpi=dpi,
    )
    with Image.open(out) as img:
        width_px, height_px = img.size
        info = dict(img.info)
    assert abs(width_px - width_mm / 25.4 * dpi) <= 1
    assert abs(height_px - height_mm / 25.4 * dpi) <= 1
    assert "sha256:" in info["Description"]


def test_pdf_one_page_of_paper_size_with_chinese_text(
    features: gpd.GeoDataFrame, tmp_path: Path
) -> None:
    out = render_map(
        features, tmp_path / "map.pdf", request=request_for(), paper="A3", orientation="portrait"
    )
    reader = PdfReader(out)
    assert len(reader.pages) == 1
    page = reader.pages[0]
    assert float(page.mediabox.width) == pytest.approx(297 / 25.4 * 72, abs=0.5)
    assert float(page.mediabox.height) == pytest.approx(420 / 25.4 * 72, abs=0.5)
    text = page.extract_text()
    assert TITLE in text
    assert SUBTITLE in text
    registry = load_registry()
    for layer_id in ("finance_business", "ecology"):
        assert registry.layer(layer_id).name_zh in text
    assert "EPSG:4543" in text


def test_pdf_embeds_only_the_bundled_font_as_truetype(
    features: gpd.GeoDataFrame, tmp_path: Path
) -> None:
    out = render_map(features, tmp_path / "map.pdf", request=request_for())
    fonts = PdfReader(out).pages[0]["/Resources"]["/Font"]
    assert fonts
    for ref in fonts.values():
        font = ref.get_object()
        assert str(font["/BaseFont"]).endswith("NotoSansSC-Regular")
        descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"].get_object()
        program = descriptor["/FontFile2"].get_object().get_data()
        assert program[:4] == b"\x00\x01\x00\x00"  # TrueType outlines, not CFF ('OTTO')


def test_a_character_missing_from_the_font_is_not_hidden(features: gpd.GeoDataFrame) -> None:
    """The missing-glyph warning fires (and so fails any other test); no silent fallback."""
    sheet = make_sheet(paper="A4", orientation="landscape", dpi=150)
    fig = build_figure(features, request=request_for(title="呈贡 \U0001f600"), sheet=sheet)
    with pytest.warns(UserWarning, match="missing from font"):
        fig.canvas.draw()


def test_english_sheet_uses_english_names(features: gpd.GeoDataFrame, tmp_path: Path) -> None:
    out = render_map(
        features, tmp_path / "en.pdf", request=request_for(title="Finance district", lang="en")
    )
    text = " ".join(PdfReader(out).pages[0].extract_text().split())  # lines may wrap
    assert load_registry().layer("finance_business").name_en in text
    assert "Dashed" in text


def test_scale_bar_is_true_in_the_projection(features: gpd.GeoDataFrame) -> None:
    sheet = make_sheet(paper="A4", orientation="landscape", dpi=150)
    fig = build_figure(features, request=request_for(), sheet=sheet)
    ax = fig.axes[0]
    segments = [p for p in ax.patches if isinstance(p, Rectangle) and p.get_zorder() == 61]
    bar_m = sum(p.get_width() for p in segments)
    labels = [t.get_text() for t in ax.texts if re.fullmatch(r"[\d.]+ (公里|米)", t.get_text())]
    assert len(labels) == 1
    value, unit = labels[0].split()
    assert bar_m == pytest.approx(float(value) * (1000 if unit == "公里" else 1))
    # The printed nominal scale matches the map frame: metres on the ground per metre on paper.
    (x0, x1) = ax.get_xlim()
    frame_mm = ax.get_position().width * sheet.width_mm
    printed = [t.get_text() for t in ax.texts if t.get_text().startswith("比例尺")]
    denominator = float(printed[0].split("1:")[1].replace(" ", ""))
    assert denominator == pytest.approx((x1 - x0) / (frame_mm / 1000), rel=0.05)


def test_map_frame_has_the_frame_aspect_and_contains_the_zoom_target(
    features: gpd.GeoDataFrame,
) -> None:
    gk = features.to_crs("EPSG:4543")
    request = request_for(zoom_layers=("finance_business",), pad_share=0.1)
    x0, y0, x1, y1 = frame_bounds(gk, request=request, aspect=1.5)
    assert (x1 - x0) / (y1 - y0) == pytest.approx(1.5)
    fx0, fy0, fx1, fy1 = gk[gk["layer"] == "finance_business"].total_bounds
    assert x0 < fx0 and y0 < fy0 and x1 > fx1 and y1 > fy1
    # framed on the finance features, not on the 12 km district box
    assert y1 - y0 < 6000


def test_zoom_to_missing_features_is_a_domain_error(features: gpd.GeoDataFrame) -> None:
    sheet = make_sheet()
    with pytest.raises(GeometryError, match="nope"):
        build_figure(features, request=request_for(zoom_ids=("nope",)), sheet=sheet)


def test_layers_without_features_are_a_domain_error(features: gpd.GeoDataFrame) -> None:
    with pytest.raises(GeometryError, match="housing"):
        build_figure(features, request=request_for(layers=("housing",)), sheet=make_sheet())


def test_bad_sheet_options_are_all_reported() -> None:
    with pytest.raises(ValueError, match="A5") as err:
        make_sheet(paper="A5", orientation="sideways", dpi=72)
    assert "sideways" in str(err.value) and "72" in str(err.value)


@pytest.mark.parametrize(("lon", "lat"), [(102.0, 24.9), (102.85, 24.88), (103.4, 25.5)])
def test_north_arrow_angle_is_the_meridian_convergence(lon: float, lat: float) -> None:
    proj = Proj("EPSG:4543")
    x, y = proj(lon, lat)
    convergence = proj.get_factors(lon, lat).meridian_convergence
    assert abs(true_north_angle_deg(x, y)) == pytest.approx(abs(convergence), abs=0.01)
    if lon > 102.0:  # east of the central meridian true north leans west of grid north
        assert true_north_angle_deg(x, y) < 0


def test_fingerprint_follows_file_content(tmp_path: Path) -> None:
    a = tmp_path / "zones.geojson"
    a.write_text('{"type": "FeatureCollection", "features": []}', encoding="utf-8")
    first = fingerprint(files=[a])
    assert fingerprint(files=[a]).sha256 == first.sha256
    a.write_text('{"type": "FeatureCollection", "features": [] }', encoding="utf-8")
    assert fingerprint(files=[a]).sha256 != first.sha256
    assert first.version in first.describe()


def test_the_declared_presets_load_and_name_known_layers() -> None:
    presets = load_presets()
    assert {"overview_1_3_n", "financial_district", "village_renewal"} <= set(presets)
    known = {spec.id for spec in load_registry().layers}
    for preset in presets.values():
        assert set(preset.layers) <= known
        assert preset.title("zh") and preset.title("en")


def test_bad_presets_report_every_problem() -> None:
    raw = {
        "presets": [
            {
                "id": "bad",
                "title_zh": "坏",
                "title_en": "bad",
                "subtitle_zh": "",
                "subtitle_en": "",
                "layers": ["no_such_layer"],
                "colour": "red",
            },
            {
                "id": "Bad Id",
                "title_zh": "坏",
                "title_en": "bad",
                "subtitle_zh": "",
                "subtitle_en": "",
                "layers": ["ecology"],
                "zoom_layers": ["housing"],
            },
        ]
    }
    with pytest.raises(ConfigError) as err:
        parse_presets(raw, registry=load_registry())
    message = str(err.value)
    for fragment in ("colour", "lower-case", "zoom_layers"):
        assert fragment in message


def test_no_warnings_on_a_full_render(features: gpd.GeoDataFrame, tmp_path: Path) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        render_map(features, tmp_path / "map.png", request=request_for(lang="zh"))


def test_only_published_boundaries_are_drawn_solid(features: gpd.GeoDataFrame) -> None:
    from matplotlib.colors import to_hex

    registry = load_registry()
    fig = build_figure(
        features,
        request=request_for(layers=("extents", "finance_business")),
        sheet=make_sheet(),
    )
    styles: dict[str, set[bool]] = {}
    for collection in fig.axes[0].collections:
        stroke = to_hex(collection.get_edgecolor()[0])
        dashed = any(dashes is not None for _offset, dashes in collection.get_linestyle())
        styles.setdefault(stroke, set()).add(dashed)
    assert styles[registry.layer("extents").color] == {False}  # public_boundary
    assert styles[registry.layer("finance_business").color] == {True}  # street_derived, sketch


@pytest.fixture
def no_system_fonts(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A fresh machine: matplotlib's own fonts and the bundled one, nothing from the OS."""
    from matplotlib import font_manager

    from geo.export.fonts import FONT_PATH

    own = str(Path(mpl.get_data_path()) / "fonts")
    kept = [f for f in font_manager.fontManager.ttflist if f.fname.startswith(own)]
    monkeypatch.setattr(font_manager.fontManager, "ttflist", kept)
    font_manager.fontManager.addfont(str(FONT_PATH))  # also clears findfont's cache
    yield
    font_manager.fontManager._findfont_cached.cache_clear()


@pytest.mark.usefixtures("no_system_fonts")
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_renders_without_system_fonts(
    features: gpd.GeoDataFrame, tmp_path: Path, lang: str
) -> None:
    out = render_map(features, tmp_path / "map.pdf", request=request_for(lang=lang))
    fonts = PdfReader(out).pages[0]["/Resources"]["/Font"]
    names = {str(ref.get_object()["/BaseFont"]).split("+")[-1] for ref in fonts.values()}
    assert names <= {"NotoSansSC-Regular", "DejaVuSans"}
    assert TITLE in PdfReader(out).pages[0].extract_text()


def test_map_bytes_for_download(features: gpd.GeoDataFrame) -> None:
    from io import BytesIO

    from geo.export.maps import map_bytes

    data = map_bytes(features, request=request_for(), fmt="png", paper="A4", dpi=150)
    with Image.open(BytesIO(data)) as img:
        assert abs(img.size[0] - 297 / 25.4 * 150) <= 1
    pdf = map_bytes(features, request=request_for(), fmt="pdf")
    assert TITLE in PdfReader(BytesIO(pdf)).pages[0].extract_text()
