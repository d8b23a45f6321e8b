"""Tables as files people open in Excel: CSV in UTF-8 with a BOM, and XLSX."""

from __future__ import annotations

import io

import pandas as pd


def csv_bytes(table: pd.DataFrame) -> bytes:
    """CSV, UTF-8 with a byte-order mark so that Excel shows Chinese text correctly."""
    return table.to_csv(index=False).encode("utf-8-sig")


def xlsx_bytes(table: pd.DataFrame, *, sheet: str = "table") -> bytes:
    """An XLSX workbook (openpyxl) with one sheet holding ``table``."""
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        table.to_excel(writer, sheet_name=sheet[:31], index=False)
    return buffer.getvalue()
