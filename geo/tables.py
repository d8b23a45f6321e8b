"""Tables as files people open in Excel: CSV in UTF-8 with a BOM, and XLSX.

Text that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is prefixed
with an apostrophe so that Excel and LibreOffice show it as text instead of running it
as a formula (attribute values, attribute names and layer names from uploaded files are
untrusted). This applies to every text cell, the header row and the notes sheet; numbers
(``-12.5`` in a numeric column) are written as numbers.

CSV rows end in CRLF (RFC 4180), so a value holding a carriage return is quoted and
cannot start a new row in Excel.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import TYPE_CHECKING, Any

import pandas as pd

if TYPE_CHECKING:  # openpyxl itself is imported when a workbook is made (0.2 s at start-up)
    from openpyxl.worksheet.worksheet import Worksheet

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _defuse(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def defuse_formulas(table: pd.DataFrame) -> pd.DataFrame:
    """A copy in which text that Excel would read as a formula is kept as text."""
    out = table.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].map(_defuse)
    out.columns = [_defuse(c) for c in out.columns]
    return out


def csv_bytes(table: pd.DataFrame) -> bytes:
    """CSV, UTF-8 with a byte-order mark so that Excel shows Chinese text correctly."""
    text = defuse_formulas(table).to_csv(index=False, lineterminator="\r\n")
    return text.encode("utf-8-sig")


def xlsx_bytes(
    table: pd.DataFrame, *, sheet: str = "table", notes: dict[str, str] | None = None
) -> bytes:
    """An XLSX workbook (openpyxl): the table on sheet ``sheet`` with a bold, frozen
    header, figures at full precision (shown with 4 decimals, shares as percentages),
    and a ``notes`` sheet of key/value rows (method, CRS, date, data fingerprint)."""
    return xlsx_book_bytes({sheet: table}, notes=notes)


def xlsx_book_bytes(
    sheets: dict[str, pd.DataFrame], *, notes: dict[str, str] | None = None
) -> bytes:
    """One workbook with a sheet per table (names cut to Excel's 31 characters), each
    written as :func:`xlsx_bytes` writes its one, and the ``notes`` sheet last."""
    from openpyxl import Workbook

    wb = Workbook()
    first = wb.active
    assert first is not None
    for i, (name, table) in enumerate(sheets.items()):
        _write_sheet(first if i == 0 else wb.create_sheet(), name, table)
    if notes:
        info = wb.create_sheet("notes")
        info.append(["key", "value"])
        for key, value in notes.items():
            info.append([_defuse(key), _defuse(value)])
        info.column_dimensions["A"].width = 18
        info.column_dimensions["B"].width = 100
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _write_sheet(ws: Worksheet, name: str, table: pd.DataFrame) -> None:
    """One table on ``ws``: bold frozen header, figures formatted, columns sized."""
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    ws.title = name[:31]
    frame = defuse_formulas(table)
    ws.append([str(c) for c in frame.columns])
    for row in frame.itertuples(index=False):
        ws.append([_cell(v) for v in row])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    ws.freeze_panes = "A2"
    for j, column in enumerate(frame.columns, start=1):
        letter = get_column_letter(j)
        fmt = _number_format(str(column), frame[column])
        if fmt:
            for cell in ws[letter][1:]:
                cell.number_format = fmt
        width = max([len(str(column))] + [len(str(v)) for v in frame[column].head(200)])
        ws.column_dimensions[letter].width = min(60, max(8, width + 2))


def _number_format(column: str, values: pd.Series) -> str | None:
    """Shares as percentages, other floats with 4 decimals (the full value is kept)."""
    if column.endswith("share"):
        return "0.00%"
    if pd.api.types.is_float_dtype(values):
        return "#,##0.0000"
    return None


def _cell(value: Any) -> Any:
    """A value as openpyxl writes it. Excel date-times have no time zone: a zone-aware
    value is written as ISO 8601 text with its offset (``2024-03-01T08:30:00+08:00``)
    rather than silently losing the offset or failing."""
    if _missing(value):
        return None
    if isinstance(value, dt.datetime | dt.time) and value.tzinfo is not None:
        return value.isoformat()
    return value.item() if hasattr(value, "item") else value


def _missing(value: Any) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False
