"""Titles, names and notes on printed maps are plain text, never matplotlib math.

matplotlib reads text between two ``$`` as mathtext by default: ``$\\notacommand$``
raised a ValueError and broke the export, ``$x^2$`` silently became a superscript.
Users type titles and their files name the zones, so every text is drawn as the
characters it is.
"""

from __future__ import annotations

import io
import warnings

import geopandas as gpd
import pytest
from matplotlib.text import Text
from pypdf import PdfReader

from geo.export.maps import MapRequest, build_figure, map_bytes
from geo.export.sheet import make_sheet
from tests.geo.export_sample import sample_features

LAYERS = ("extents", "finance_business", "infrastructure")
TEXTS = [r"$\notacommand$", "50%$", "a_b^c", "$x^2$ 与 $y_1$", r"\$5 $\frac{1}{2}$"]


def _features(name: str) -> gpd.GeoDataFrame:
    features = sample_features()
    features.loc[features["id"] == "fin_centre", ["name_zh", "name_en"]] = [name, name]
    return features


def _pdf_text(data: bytes) -> str:
    # pypdf may break lines differently from the sheet: compare without whitespace.
    return "".join(PdfReader(io.BytesIO(data)).pages[0].extract_text().split())


@pytest.mark.parametrize("text", TEXTS)
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_title_subtitle_note_and_names_are_printed_literally(text: str, lang: str) -> None:
    request = MapRequest(
        layers=LAYERS,
        title=f"标题 {text}" if lang == "zh" else f"Title {text}",
        subtitle=f"sub {text}",
        source_note=f"note {text}",
        lang=lang,  # type: ignore[arg-type]
        zoom_layers=("finance_business",),
    )
    features = _features(text)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no mathtext error, no missing glyph
        png = map_bytes(features, request=request, fmt="png", dpi=150)
        pdf = map_bytes(features, request=request, fmt="pdf")
    assert png.startswith(b"\x89PNG")
    printed = _pdf_text(pdf)
    literal = "".join(text.split())
    # Title, subtitle and note each hold the text as typed, dollar signs and all.
    assert printed.count(literal) >= 3, printed


def test_every_text_on_the_sheet_is_plain() -> None:
    features = _features(TEXTS[0])
    request = MapRequest(layers=LAYERS, title=TEXTS[0], subtitle=TEXTS[3], lang="zh")
    fig = build_figure(features, request=request, sheet=make_sheet(dpi=150))
    texts = [t for t in fig.findobj(Text) if t.get_text()]
    assert any(t.get_text() == TEXTS[0] for t in texts)  # the title, unchanged
    assert texts and all(t.get_parse_math() is False for t in texts), [
        t.get_text() for t in texts if t.get_parse_math()
    ]
    assert all(not t.get_usetex() for t in texts)
