"""The CJK font bundled with the exports: Noto Sans SC, TrueType outlines (SIL OFL 1.1).

Printed maps must show Chinese on a machine with no system fonts, so the exports use
only this file (``NotoSansSC-Regular.ttf``, 9.4 MB: the CJK Unified Ideographs of
Noto Sans SC, U+3400–U+9FFF, plus Latin, Greek, punctuation and map symbols; see ``README.md`` and
``make_font.py`` for how it was made, ``OFL.txt`` for the licence). Text artists get it
through :func:`font_properties`; :func:`font_rc` makes it matplotlib's default inside a
``with`` block and sets PDF/PS fonts to TrueType (Type 42), so PDF text stays
searchable and copyable.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any, Final

from matplotlib import font_manager

FONT_PATH: Final[Path] = Path(__file__).resolve().parent / "NotoSansSC-Regular.ttf"
"""The bundled font file."""

LICENSE_PATH: Final[Path] = Path(__file__).resolve().parent / "OFL.txt"
"""Its licence, SIL Open Font License 1.1."""


@cache
def font_family() -> str:
    """Register the bundled font with matplotlib (once) and return its family name."""
    font_manager.fontManager.addfont(str(FONT_PATH))
    return str(font_manager.FontProperties(fname=FONT_PATH).get_name())


LATIN_FAMILY: Final = "DejaVu Sans"
"""Latin font for English sheets; ships inside matplotlib itself (``mpl-data/fonts``)."""


def _families(lang: str) -> list[str]:
    # Noto Sans SC sets quotes and apostrophes full-width, as Chinese typesetting wants
    # and English does not: English sheets take Latin glyphs from matplotlib's own
    # DejaVu Sans and fall back to the bundled font for any Chinese character.
    return [LATIN_FAMILY, font_family()] if lang == "en" else [font_family()]


def font_properties(
    *, size: float, lang: str = "zh", weight: str = "normal"
) -> font_manager.FontProperties:
    """Font properties for text in ``lang``, size in points; never a system font.

    Chinese sheets name the bundled file itself; English sheets use DejaVu Sans (shipped
    with matplotlib) with the bundled font as per-glyph fallback.

    >>> font_properties(size=9).get_file() == str(FONT_PATH)
    True
    """
    if lang == "en":
        return font_manager.FontProperties(family=_families(lang), size=size, weight=weight)
    return font_manager.FontProperties(fname=FONT_PATH, size=size, weight=weight)


def font_rc(*, lang: str = "zh") -> dict[str, Any]:
    """matplotlib settings that make the bundled fonts the only ones used (``rc_context``).

    ``font.family`` names the bundled family (and, for English, matplotlib's own DejaVu
    Sans) and nothing else, so a character missing from them raises matplotlib's
    missing-glyph warning instead of silently falling back to a system font;
    ``pdf.fonttype`` / ``ps.fonttype`` 42 embed them as TrueType. ``text.parse_math``
    off (and no TeX): titles, zone names and notes come from users and their files, and
    are drawn as the characters they are (``$\\notacommand$`` would otherwise raise,
    ``$x^2$`` become a superscript). Every Text made inside the context keeps it.
    """
    return {
        "font.family": _families(lang),
        "font.size": 8.0,
        "pdf.fonttype": 42,
        "ps.fonttype": 42,
        "svg.fonttype": "none",
        "axes.unicode_minus": False,
        "text.parse_math": False,
        "text.usetex": False,
        "mathtext.fontset": "custom",
        "mathtext.rm": font_family(),
    }
