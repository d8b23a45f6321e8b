"""Make ``static/fonts/NotoSansSC-app.woff2``: the web font of the app's pages and maps.

A subset of the bundled print font (``geo/export/fonts/NotoSansSC-Regular.ttf``, Noto
Sans SC, SIL OFL 1.1) so that the page and the map read the same on a machine with no
Chinese system font (a fresh intranet PC draws boxes otherwise). It holds:

- printable ASCII, Latin-1, general punctuation and the symbols the app writes
  (² ± · — “ ” ← → ㎡ ㎞ …), CJK punctuation and full-width forms;
- every character of the app's own texts and data: ``config/*.toml``,
  ``data/*.geojson``, the Python of ``ui/``, ``layers/`` and ``streamlit_app.py``;
- the 3 755 hanzi of GB 2312 level 1 (the common ones), so that names a planner types
  (an uploaded layer's attributes, a renamed layer) are covered too in most cases;
  rarer hanzi fall back to the system font.

The cut itself is :func:`layers.offline.subset_font` (the one a standalone HTML map's
page subset uses too). WOFF2 needs the ``brotli`` module (requirements-dev.txt). Run it
by hand after the texts or data gained characters (``tests/layers/test_web_font.py``
says when)::

    .venv/bin/python scripts/make_web_font.py
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from pathlib import Path

from fontTools.ttLib import TTFont  # type: ignore[import-untyped]

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from layers.offline import WEB_FONT as OUT  # noqa: E402 (after the path is set)
from layers.offline import subset_font  # noqa: E402

RANGES: tuple[tuple[int, int], ...] = (
    (0x0020, 0x007E),  # Basic Latin
    (0x00A0, 0x00FF),  # Latin-1 supplement (² ± · × °)
    (0x2010, 0x2027),  # dashes, quotes, bullets, ellipsis
    (0x2030, 0x203B),  # per mille, primes, reference mark
    (0x2190, 0x2193),  # arrows
    (0x2460, 0x2473),  # circled numbers ①–⑳
    (0x3000, 0x301F),  # CJK punctuation
    (0x3380, 0x33DF),  # CJK compatibility (㎡ ㎞)
    (0xFF01, 0xFF5E),  # full-width forms
)


def app_text_files(root: Path = ROOT) -> list[Path]:
    """The files whose characters the font must hold (texts, data, UI code)."""
    files = [
        *sorted((root / "config").glob("*.toml")),
        *sorted((root / "data").glob("*.geojson")),
        *sorted((root / "ui").glob("*.py")),
        *sorted((root / "layers").glob("*.py")),
        root / "streamlit_app.py",
    ]
    return [f for f in files if f.exists()]


def app_characters(files: Iterable[Path]) -> set[str]:
    """Every non-control character of ``files`` (UTF-8)."""
    chars: set[str] = set()
    for path in files:
        chars |= {c for c in path.read_text(encoding="utf-8") if c.isprintable()}
    return chars


def gb2312_level1() -> set[str]:
    """The 3 755 hanzi of GB 2312 level 1 (rows 16–55; row 55 has 89)."""
    chars: set[str] = set()
    for row in range(0xB0, 0xD8):
        for cell in range(0xA1, 0xFF):
            try:
                chars.add(bytes((row, cell)).decode("gb2312"))
            except UnicodeDecodeError:
                continue
    return chars


def wanted_codepoints() -> set[int]:
    points = {cp for lo, hi in RANGES for cp in range(lo, hi + 1)}
    points |= {ord(c) for c in app_characters(app_text_files()) | gb2312_level1()}
    return points


def main() -> int:
    points = wanted_codepoints()
    data = subset_font(points, flavor="woff2")
    OUT.parent.mkdir(parents=True, exist_ok=True)
    tmp = OUT.with_suffix(".tmp")
    tmp.write_bytes(data)
    tmp.replace(OUT)
    with TTFont(str(OUT)) as font:
        count = len(font.getBestCmap())
    print(f"{OUT.relative_to(ROOT)}: {count} characters, {OUT.stat().st_size:,} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
