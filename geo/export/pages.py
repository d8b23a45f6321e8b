"""Multi-page PDF documents (atlas, review pack): pages, flowing text, tables, bookmarks.

A :class:`Page` is a matplotlib figure the size of the sheet (:mod:`geo.export.sheet`)
with a footer (page number, date, fingerprint). :class:`TextFlow` sets headings,
wrapped paragraphs and simple tables top-down inside a box and says when the box is
full, so a long table continues on the next page. :func:`write_pdf` saves the pages
into one PDF (one embedded subset of the bundled Noto Sans SC for the whole file) and
adds a bookmark (PDF outline entry) per page with pypdf. Offline; CJK throughout.
"""

from __future__ import annotations

import functools
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final, ParamSpec, TypeVar

from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from pypdf import PdfReader, PdfWriter

from geo import __version__
from geo.export.fonts import font_properties
from geo.export.furniture import Lang, display_width, text_context, wrap_text
from geo.export.provenance import Fingerprint
from geo.export.sheet import Box, Sheet
from geo.io import atomic_write

MM_PER_POINT: Final = 25.4 / 72.0
EM_PER_COLUMN: Final = 0.6
"""Width of a half-width column in em (Noto Sans SC: 0.5 for CJK halves, a little
more for Latin (up to 0.6); the map notes use 0.52, a table cell needs the margin)."""


P = ParamSpec("P")
R = TypeVar("R")


def plain_text(func: Callable[P, R]) -> Callable[P, R]:
    """Run a page builder inside :func:`~geo.export.furniture.text_context`: every Text
    it makes keeps ``parse_math`` off, so names, quotes and rules from users and files
    are drawn as the characters they are (``$x^2$`` stays ``$x^2$``)."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with text_context():
            return func(*args, **kwargs)

    return wrapper


@dataclass
class Page:
    """One sheet of a document and the bookmark that leads to it."""

    figure: Figure
    bookmark: str
    sheet: Sheet

    def box(self, box: Box) -> tuple[float, float, float, float]:
        return box.fraction(self.sheet)


def new_page(sheet: Sheet, *, bookmark: str) -> Page:
    """A blank page. No Agg canvas is attached: geopandas' plot asks the canvas to redraw
    after every layer, which a real canvas does at once (seconds per page); the base
    canvas does nothing until the page is saved."""
    fig = Figure(figsize=sheet.size_inches, dpi=sheet.dpi)
    return Page(figure=fig, bookmark=bookmark, sheet=sheet)


def margins(sheet: Sheet) -> float:
    return 12.0 * sheet.text_scale


def content_box(sheet: Sheet) -> Box:
    """The sheet inside its margins, above the footer band."""
    m = margins(sheet)
    footer = 8.0 * sheet.text_scale
    return Box(m, m + footer, sheet.width_mm - 2 * m, sheet.height_mm - 2 * m - footer)


@dataclass
class TextFlow:
    """Set text top-down in ``box`` (mm on the page); ``full`` once it runs out of room."""

    page: Page
    box: Box
    lang: Lang = "zh"
    size: float = 7.5
    y_mm: float = field(init=False)
    full: bool = field(default=False, init=False)

    def __post_init__(self) -> None:
        self.y_mm = self.box.y + self.box.h

    @property
    def k(self) -> float:
        return self.page.sheet.text_scale

    def line_mm(self, size: float) -> float:
        return size * self.k * MM_PER_POINT * 1.45

    def columns(self, size: float, width_mm: float | None = None) -> int:
        width = self.box.w if width_mm is None else width_mm
        return max(8, int(width / (size * self.k * MM_PER_POINT * EM_PER_COLUMN)))

    def room(self, lines: int = 1, size: float | None = None) -> bool:
        return self.y_mm - lines * self.line_mm(size or self.size) >= self.box.y

    def _text(
        self, x_mm: float, text: str, *, size: float, color: str = "#222222", bold: bool = False
    ) -> None:
        sheet = self.page.sheet
        self.page.figure.text(
            x_mm / sheet.width_mm,
            self.y_mm / sheet.height_mm,
            text,
            fontproperties=font_properties(lang=self.lang, size=size * self.k),
            va="top",
            ha="left",
            color=color,
            fontweight="bold" if bold else "normal",
        )

    def heading(self, text: str, *, size: float = 10.0) -> bool:
        if not self.room(3, size):  # a heading never ends a page
            self.full = True
            return False
        self.y_mm -= self.line_mm(size) * 0.35
        self._text(self.box.x, text, size=size, color="#000000")
        self.y_mm -= self.line_mm(size)
        return True

    def paragraph(self, text: str, *, size: float | None = None, color: str = "#222222") -> bool:
        """Wrapped text; lines that do not fit are cut with "…" and ``full`` is set."""
        size = size or self.size
        lines = wrap_text(text, width=self.columns(size))
        for i, line in enumerate(lines):
            if not self.room(1, size):
                self.full = True
                return False
            last_room = not self.room(2, size) and i < len(lines) - 1
            self._text(self.box.x, line + (" …" if last_room else ""), size=size, color=color)
            self.y_mm -= self.line_mm(size)
            if last_room:
                self.full = True
                return False
        return True

    def space(self, lines: float = 0.5) -> None:
        self.y_mm -= self.line_mm(self.size) * lines

    def table(
        self,
        header: Sequence[str],
        rows: Sequence[Sequence[str]],
        *,
        widths: Sequence[float],
        size: float | None = None,
    ) -> int:
        """Rows under a header, columns at ``widths`` (shares of the box width); cells
        wrap within their column. Returns how many rows were set (the rest did not fit)."""
        size = size or self.size
        xs = [self.box.x]
        for w in widths[:-1]:
            xs.append(xs[-1] + w * self.box.w)
        cols = [self.columns(size, w * self.box.w - 1.5) for w in widths]

        def cells(values: Sequence[str]) -> list[list[str]]:
            return [_cell_lines(str(v), width=c) for v, c in zip(values, cols, strict=True)]

        head = cells(header)
        if not self.room(1 + max(len(c) for c in head) + 1, size):
            self.full = True
            return 0
        self._row(xs, head, size=size, color="#000000")
        self._rule()
        done = 0
        for row in rows:
            wrapped = cells(row)
            if not self.room(max(len(c) for c in wrapped), size):
                self.full = True
                break
            self._row(xs, wrapped, size=size)
            done += 1
        return done

    def _row(
        self, xs: list[float], wrapped: list[list[str]], *, size: float, color: str = "#222222"
    ) -> None:
        top = self.y_mm
        height = max(len(c) for c in wrapped)
        for x, lines in zip(xs, wrapped, strict=True):
            self.y_mm = top
            for line in lines:
                self._text(x, line, size=size, color=color)
                self.y_mm -= self.line_mm(size)
        self.y_mm = top - height * self.line_mm(size)

    def _rule(self) -> None:
        sheet = self.page.sheet
        y = (self.y_mm + self.line_mm(self.size) * 0.2) / sheet.height_mm
        x0, x1 = self.box.x / sheet.width_mm, (self.box.x + self.box.w) / sheet.width_mm
        self.page.figure.add_artist(Line2D([x0, x1], [y, y], color="#888888", linewidth=0.5))


def _cell_lines(text: str, *, width: int) -> list[str]:
    """Wrapped as :func:`wrap_text` does, and words longer than the cell (ids such as
    ``development_within_urban_boundary``) broken where they reach its edge."""
    out: list[str] = []
    for line in wrap_text(text, width=width):
        while display_width(line) > width:
            cut = width
            while cut > 1 and display_width(line[:cut]) > width:
                cut -= 1
            out.append(line[:cut])
            line = line[cut:]
        out.append(line)
    return out


def draw_footer(
    page: Page, *, number: int, total: int, fp: Fingerprint, date: str, lang: Lang
) -> None:
    """Page number, date, app version and fingerprint along the bottom margin."""
    sheet = page.sheet
    m = margins(sheet)
    k = sheet.text_scale
    left = f"第 {number} / {total} 页 · page {number} of {total}"
    right = f"{date} · geo {__version__} · sha256:{fp.short}"
    for text, x, ha in ((left, m, "left"), (right, sheet.width_mm - m, "right")):
        page.figure.text(
            x / sheet.width_mm,
            m / sheet.height_mm,
            text,
            fontproperties=font_properties(lang=lang, size=6.5 * k),
            ha=ha,
            va="bottom",
            color="#555555",
        )


def pdf_bytes(pages: Sequence[Page], *, title: str, fp: Fingerprint) -> bytes:
    """All pages in one PDF, a bookmark per page, the fingerprint in the metadata."""
    raw = io.BytesIO()
    metadata = {
        "Title": title,
        "Creator": f"Chenggong planning map, geo {__version__}",
        "Subject": fp.describe(),
        "Keywords": f"sha256:{fp.sha256}",
    }
    with text_context(), PdfPages(raw, metadata=metadata) as pdf:
        for page in pages:
            pdf.savefig(page.figure)
    reader = PdfReader(io.BytesIO(raw.getvalue()))
    writer = PdfWriter(clone_from=reader)
    for i, page in enumerate(pages):
        writer.add_outline_item(title=page.bookmark, page_number=i)
    writer.page_mode = "/UseOutlines"  # open with the bookmarks shown
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def write_pdf(pages: Sequence[Page], path: str | Path, *, title: str, fp: Fingerprint) -> Path:
    """Write :func:`pdf_bytes` atomically to ``path``."""
    target = Path(path)
    data = pdf_bytes(pages, title=title, fp=fp)
    with atomic_write(target, mode="wb") as fh:
        fh.write(data)
    return target


def page_png(page: Page, *, dpi: int | None = None) -> bytes:
    """One page as PNG bytes (to look at it)."""
    buffer = io.BytesIO()
    with text_context():
        page.figure.savefig(buffer, format="png", dpi=dpi or page.sheet.dpi)
    return buffer.getvalue()


# ------------------------------------------------------------- table cells of a PDF page

Column = tuple[str, str, float, Callable[[object], str]]
"""A PDF table's column: the data column, its bilingual header, its width share, its cell."""


def _missing(v: object) -> bool:
    return v is None or v != v  # NaN is the one value not equal to itself


def cell_number(digits: int, *, sign: str = "") -> Callable[[object], str]:
    """A number to ``digits`` decimals with thousands separators (``sign="+"``: signed)."""
    return lambda v: "" if _missing(v) else f"{float(v):{sign},.{digits}f}"  # type: ignore[arg-type]


def cell_percent(v: object) -> str:
    return "" if _missing(v) else f"{float(v):.1%}"  # type: ignore[arg-type]


def cell_text(v: object) -> str:
    return "" if _missing(v) else str(v)
