"""Rebuild ``NotoSansSC-Regular.ttf`` (the bundled map font) from the OFL original.

matplotlib embeds only TrueType-outline fonts correctly in PDF (``pdf.fonttype`` 42);
Noto Sans SC is published with CFF outlines, which it writes into the PDF as a broken
``FontFile2`` (matplotlib issue #2869). This script therefore:

1. subsets Noto Sans SC 2.004 (SIL OFL 1.1) to the code points a Chinese planning map
   needs: Latin, Greek, punctuation, symbols (arrows, ①, ℃, ㎡, ㎞ …), CJK punctuation,
   all CJK Unified Ideographs incl. Extension A (U+3400–U+9FFF) and full-width forms;
2. converts its cubic CFF outlines to quadratic TrueType outlines (fontTools cu2qu,
   max error 1 font unit of 1000), drops hinting and vertical-layout tables.

Run it by hand (not imported by the app)::

    pip download --no-deps "pylopdf-fonts-zh-cn==0.1.1" -d /tmp/f
    unzip /tmp/f/*.whl -d /tmp/f
    python -m geo.export.fonts.make_font /tmp/f/pylopdf_fonts_zh_cn/NotoSansSC-Regular.otf
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from fontTools import subset  # type: ignore[import-untyped]
from fontTools.pens.cu2quPen import Cu2QuPen  # type: ignore[import-untyped]
from fontTools.pens.ttGlyphPen import TTGlyphPen  # type: ignore[import-untyped]
from fontTools.ttLib import TTFont, newTable  # type: ignore[import-untyped]

OUT = Path(__file__).resolve().parent / "NotoSansSC-Regular.ttf"

RANGES: tuple[tuple[int, int], ...] = (
    (0x0020, 0x007E),  # Basic Latin
    (0x00A0, 0x017F),  # Latin-1 supplement, Latin extended-A
    (0x02B0, 0x02FF),  # spacing modifiers
    (0x0370, 0x03FF),  # Greek
    (0x0400, 0x04FF),  # Cyrillic
    (0x2000, 0x27BF),  # punctuation, super/subscripts, letterlike, arrows, maths, shapes …
    (0x3000, 0x303F),  # CJK symbols and punctuation
    (0x3200, 0x33FF),  # enclosed CJK, CJK compatibility (㎡ ㎞)
    (0x3400, 0x4DBF),  # CJK Extension A
    (0x4E00, 0x9FFF),  # CJK Unified Ideographs
    (0xFE30, 0xFE4F),  # CJK compatibility forms
    (0xFF00, 0xFFEF),  # half-width and full-width forms
)


def _to_quadratic(font: TTFont, *, max_err: float = 1.0) -> None:
    """Replace the CFF table by glyf/loca (after the fontTools ``otf2ttf`` snippet)."""
    font.recalcBBoxes = True  # maxp and head are recomputed from glyf on save
    order = font.getGlyphOrder()
    glyph_set = font.getGlyphSet()
    glyphs: dict[str, Any] = {}
    for name in order:
        pen = TTGlyphPen(glyph_set)
        glyph_set[name].draw(Cu2QuPen(pen, max_err, reverse_direction=True))
        glyphs[name] = pen.glyph()
    font["loca"] = newTable("loca")
    glyf = font["glyf"] = newTable("glyf")
    glyf.glyphOrder = order
    glyf.glyphs = glyphs
    del font["CFF "]
    for glyph in glyphs.values():
        glyph.recalcBounds(glyf)
    hmtx = font["hmtx"]
    for name, glyph in glyf.glyphs.items():
        if hasattr(glyph, "xMin"):
            hmtx[name] = (hmtx[name][0], glyph.xMin)
    maxp = font["maxp"] = newTable("maxp")
    maxp.tableVersion = 0x00010000
    for attr in (
        "maxZones",
        "maxTwilightPoints",
        "maxStorage",
        "maxFunctionDefs",
        "maxInstructionDefs",
        "maxStackElements",
        "maxSizeOfInstructions",
        "maxComponentElements",
    ):
        setattr(maxp, attr, 1 if attr == "maxZones" else 0)
    post = font["post"]
    post.formatType = 3.0  # no glyph names: 30 000 names do not fit and are not needed
    font.sfntVersion = "\x00\x01\x00\x00"


def main(source: str) -> None:
    options = subset.Options()
    options.drop_tables += ["VORG", "vhea", "vmtx", "BASE", "DSIG"]
    options.hinting = False
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.notdef_outline = True
    options.glyph_names = False
    font = subset.load_font(source, options)
    subsetter = subset.Subsetter(options=options)
    subsetter.populate(unicodes=[u for lo, hi in RANGES for u in range(lo, hi + 1)])
    subsetter.subset(font)
    _to_quadratic(font)
    font.save(OUT)
    print(f"wrote {OUT} ({OUT.stat().st_size / 1e6:.1f} MB, {len(font.getGlyphOrder())} glyphs)")


if __name__ == "__main__":
    main(sys.argv[1])
