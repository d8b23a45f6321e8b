"""The bundled CJK font: present, licensed, small enough, and covering GB 2312."""

from __future__ import annotations

from fontTools.ttLib import TTFont

from geo.export.fonts import FONT_PATH, LICENSE_PATH, font_family, font_properties


def gb2312_hanzi() -> list[str]:
    """The 6 763 hanzi of GB 2312 (rows 0xB0–0xF7), decoded by Python's own codec."""
    chars = []
    for hi in range(0xB0, 0xF8):
        for lo in range(0xA1, 0xFF):
            try:
                chars.append(bytes([hi, lo]).decode("gb2312"))
            except UnicodeDecodeError:
                continue
    return chars


def test_font_and_licence_are_bundled() -> None:
    assert FONT_PATH.stat().st_size < 20 * 1024 * 1024
    assert "SIL OPEN FONT LICENSE" in LICENSE_PATH.read_text(encoding="utf-8").upper()


def test_font_covers_gb2312_and_map_symbols() -> None:
    with TTFont(FONT_PATH, lazy=True) as font:
        cmap = font.getBestCmap()
        tables = set(font.keys())
    hanzi = gb2312_hanzi()
    assert len(hanzi) == 6763
    missing = [c for c in hanzi if ord(c) not in cmap]
    assert missing == []
    symbols = "“”（）《》〔〕、，。：；·—…°²㎡㎞①№℃±×→ABCabc0123456789"
    assert [c for c in symbols if ord(c) not in cmap] == []
    assert "glyf" in tables and "CFF " not in tables  # TrueType outlines, embeddable in PDF


def test_text_uses_the_bundled_file() -> None:
    assert font_properties(size=8).get_file() == str(FONT_PATH)
    assert font_family() == "Noto Sans SC"
