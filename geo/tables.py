"""Tables as files people open in Excel: CSV in UTF-8 with a BOM, and XLSX.

Text cells that begin with ``=``, ``+``, ``-`` or ``@`` are prefixed with an apostrophe
so that Excel shows them as text instead of running them as formulas (attribute values
from uploaded files are untrusted).
"""

from __future__ import annotations

import io
from typing import Any

import pandas as pd

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
    return defuse_formulas(table).to_csv(index=False).encode("utf-8-sig")


def xlsx_bytes(table: pd.DataFrame, *, sheet: str = "table") -> bytes:
    """An XLSX workbook (openpyxl) with one sheet holding ``table``."""
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        defuse_formulas(table).to_excel(writer, sheet_name=sheet[:31], index=False)
    return buffer.getvalue()
