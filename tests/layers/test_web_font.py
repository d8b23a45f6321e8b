"""The web font served with the app (static/fonts) and embedded in standalone maps:
small, and holding every character the app shows (issue 13: boxes on a PC without
Chinese fonts)."""

from __future__ import annotations

import base64
import importlib.util
import io
import tomllib
from pathlib import Path
from types import ModuleType

import pytest
from fontTools.ttLib import TTFont  # type: ignore[import-untyped]

from layers.offline import WEB_FONT, page_characters, page_font_data_uri, web_font_url

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def maker() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "make_web_font", ROOT / "scripts" / "make_web_font.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def web_font_chars() -> set[str]:
    with TTFont(str(WEB_FONT)) as font:
        return {chr(cp) for cp in font.getBestCmap()}


def test_the_web_font_is_a_small_woff2() -> None:
    head = WEB_FONT.read_bytes()[:4]
    assert head == b"wOF2"
    assert WEB_FONT.stat().st_size < 700_000


def test_the_web_font_holds_every_character_of_the_app(
    maker: ModuleType, web_font_chars: set[str]
) -> None:
    wanted = maker.app_characters(maker.app_text_files())
    assert len(wanted) > 500  # the texts and data really were read
    missing = sorted(c for c in wanted if ord(c) > 0x20 and c not in web_font_chars)
    assert missing == [], f"run scripts/make_web_font.py; missing: {''.join(missing)}"


def test_the_web_font_holds_gb2312_level_1(maker: ModuleType, web_font_chars: set[str]) -> None:
    level1 = maker.gb2312_level1()
    assert len(level1) == 3755  # the standard's count, rows 16-55
    assert "啊" in level1 and "座" in level1  # its first and last hanzi
    assert level1 <= web_font_chars


def test_the_app_and_its_maps_point_at_the_same_font_file() -> None:
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    faces = config["theme"]["fontFaces"]
    assert [f["url"] for f in faces] == [f"app/static/fonts/{WEB_FONT.name}"]
    assert faces[0]["family"] in config["theme"]["font"]
    assert web_font_url() == f"/app/static/fonts/{WEB_FONT.name}"
    assert web_font_url("/base/app/static/vendor/") == f"/base/app/static/fonts/{WEB_FONT.name}"
    assert web_font_url(inline=True) is None
    assert WEB_FONT.parent == ROOT / "static" / "fonts"


def test_a_page_subset_holds_just_the_page_characters() -> None:
    page = 'var t = "\\u6ec7\\u6c60"; <b>呈贡</b> ㎡'
    chars = page_characters(page)
    assert chars == {"滇", "池", "呈", "贡", "㎡"}
    uri = page_font_data_uri(chars)
    assert uri.startswith("data:font/woff;base64,")
    data = base64.b64decode(uri.split(",", 1)[1])
    with TTFont(io.BytesIO(data)) as font:
        cmap = {chr(cp) for cp in font.getBestCmap()}
    assert chars <= cmap and {"A", "z", "0"} <= cmap
    assert len(cmap) < 120 and len(data) < 40_000
