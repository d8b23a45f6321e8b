"""Download buttons for tables: CSV (UTF-8 with BOM) and XLSX, each saying how its
figures were made (unit, method and CRS columns; a notes sheet in the workbook).

The files are deferred: the button holds a callable that Streamlit runs when it is
clicked, so no file is built on a rerun and none is stored as a media file that another
session's rerun could sweep away before the browser fetches it (the 404s of the load
test). ``_file`` is cached, so a second click is instant.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import streamlit as st

from geo.declared.i18n import t
from geo.measure.crs import CGCS2000_GEOGRAPHIC
from geo.tables import csv_bytes, xlsx_bytes
from ui import state

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@st.cache_data(show_spinner=False, max_entries=16)
def _file(table: pd.DataFrame, fmt: str, sheet: str) -> bytes:
    if fmt == "csv":
        return csv_bytes(table)
    notes = {k: str(table[k].iloc[0]) for k in ("unit", "method", "crs") if len(table)}
    return xlsx_bytes(table, sheet=sheet, notes=notes)


def deferred_file(table: pd.DataFrame, fmt: str, sheet: str) -> Callable[[], bytes]:
    """The callable a download button runs on click: ``table`` as ``fmt`` bytes."""

    def build() -> bytes:
        return _file(table, fmt, sheet)

    return build


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
    """A CSV and an XLSX button for ``table`` (built on the first click, then cached).

    ``on_click="ignore"``: a download changes nothing on the page, so it reruns nothing.
    """
    export = table.assign(unit=unit, method=method, crs=crs)
    d1, d2 = st.columns(2)
    d1.download_button(
        t("download_csv", lang),
        deferred_file(export, "csv", sheet),
        f"{stem}.csv",
        "text/csv",
        key=state.table_download(stem, "csv"),
        on_click="ignore",
    )
    d2.download_button(
        t("download_xlsx", lang),
        deferred_file(export, "xlsx", sheet),
        f"{stem}.xlsx",
        XLSX_MIME,
        key=state.table_download(stem, "xlsx"),
        on_click="ignore",
    )
