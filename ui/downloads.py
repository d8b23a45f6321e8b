"""Download buttons for tables: CSV (UTF-8 with BOM) and XLSX, each saying how its
figures were made (unit, method and CRS columns; a notes sheet in the workbook)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from geo.crs import CGCS2000_GEOGRAPHIC
from geo.i18n import t
from geo.tables import csv_bytes, xlsx_bytes
from ui import state

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@st.cache_data(show_spinner=False, max_entries=16)
def _file(table: pd.DataFrame, fmt: str, sheet: str) -> bytes:
    if fmt == "csv":
        return csv_bytes(table)
    notes = {k: str(table[k].iloc[0]) for k in ("unit", "method", "crs") if len(table)}
    return xlsx_bytes(table, sheet=sheet, notes=notes)


def table_downloads(
    table: pd.DataFrame,
    *,
    lang: str,
    stem: str,
    sheet: str,
    unit: str,
    method: str,
    crs: str = CGCS2000_GEOGRAPHIC,
) -> None:
    """A CSV and an XLSX button for ``table`` (built once per table, then cached)."""
    export = table.assign(unit=unit, method=method, crs=crs)
    d1, d2 = st.columns(2)
    d1.download_button(
        t("download_csv", lang),
        _file(export, "csv", sheet),
        f"{stem}.csv",
        "text/csv",
        key=state.table_download(stem, "csv"),
    )
    d2.download_button(
        t("download_xlsx", lang),
        _file(export, "xlsx", sheet),
        f"{stem}.xlsx",
        XLSX_MIME,
        key=state.table_download(stem, "xlsx"),
    )
