"""Sheets of paper: size, orientation, resolution, and where things go on them.

A :class:`Sheet` is A4 or A3, portrait or landscape, at 150 or 300 DPI. Its layout puts
the title band on top, the map frame below it and a panel for legend and notes beside
the map (landscape) or under it (portrait). Lengths are millimetres from the sheet's
lower-left corner; fonts and margins grow by √2 from A4 to A3.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

Paper = Literal["A4", "A3"]
Orientation = Literal["portrait", "landscape"]

PAPER_MM: Final[dict[str, tuple[float, float]]] = {"A4": (210.0, 297.0), "A3": (297.0, 420.0)}
"""Paper (width, height) in millimetres, portrait."""
DPI_CHOICES: Final = (150, 300)
MM_PER_INCH: Final = 25.4


@dataclass(frozen=True)
class Sheet:
    """Paper size and resolution. ``width_mm``/``height_mm`` after orientation."""

    paper: Paper
    orientation: Orientation
    dpi: int

    @property
    def width_mm(self) -> float:
        w, h = PAPER_MM[self.paper]
        return h if self.orientation == "landscape" else w

    @property
    def height_mm(self) -> float:
        w, h = PAPER_MM[self.paper]
        return w if self.orientation == "landscape" else h

    @property
    def size_inches(self) -> tuple[float, float]:
        return self.width_mm / MM_PER_INCH, self.height_mm / MM_PER_INCH

    @property
    def text_scale(self) -> float:
        """Font and margin scale: 1 on A4, √2 on A3."""
        return min(PAPER_MM[self.paper]) / PAPER_MM["A4"][0]


def make_sheet(*, paper: str = "A4", orientation: str = "landscape", dpi: int = 150) -> Sheet:
    """Validate paper, orientation and DPI and return the :class:`Sheet`."""
    problems = []
    if paper not in PAPER_MM:
        problems.append(f"paper {paper!r}: use one of {', '.join(PAPER_MM)}")
    if orientation not in ("portrait", "landscape"):
        problems.append(f"orientation {orientation!r}: use portrait or landscape")
    if dpi not in DPI_CHOICES:
        problems.append(f"dpi {dpi}: use one of {', '.join(map(str, DPI_CHOICES))}")
    if problems:
        raise ValueError("; ".join(problems))
    return Sheet(paper=paper, orientation=orientation, dpi=dpi)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Box:
    """A rectangle on the sheet in millimetres from the lower-left corner."""

    x: float
    y: float
    w: float
    h: float

    def fraction(self, sheet: Sheet) -> tuple[float, float, float, float]:
        return (
            self.x / sheet.width_mm,
            self.y / sheet.height_mm,
            self.w / sheet.width_mm,
            self.h / sheet.height_mm,
        )


@dataclass(frozen=True)
class Layout:
    title: Box
    map: Box
    legend: Box
    notes: Box


def layout_for(sheet: Sheet) -> Layout:
    k = sheet.text_scale
    m, gap, title_h = 10.0 * k, 4.0 * k, 17.0 * k
    w, h = sheet.width_mm, sheet.height_mm
    title = Box(m, h - m - title_h, w - 2 * m, title_h)
    top = h - m - title_h - gap
    if sheet.orientation == "landscape":
        panel_w = 72.0 * k
        map_box = Box(m, m, w - 2 * m - panel_w - gap, top - m)
        px = w - m - panel_w
        notes_h = 62.0 * k
        legend = Box(px, m + notes_h + gap, panel_w, top - m - notes_h - gap)
        notes = Box(px, m, panel_w, notes_h)
    else:
        panel_h = 66.0 * k
        map_box = Box(m, m + panel_h + gap, w - 2 * m, top - m - panel_h - gap)
        half = (w - 2 * m - gap) / 2
        legend = Box(m, m, half, panel_h)
        notes = Box(m + half + gap, m, half, panel_h)
    return Layout(title=title, map=map_box, legend=legend, notes=notes)
