"""Download buttons for tables: CSV (UTF-8 with BOM) and XLSX, each saying how its
figures were made and from which plan version (unit, method, CRS, ``plan_revision`` and
``fingerprint`` columns; the same in the workbook's notes sheet).

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
from geo.export.provenance import fingerprint
from geo.measure.crs import CGCS2000_GEOGRAPHIC
from geo.store.store import PlanRevision
from geo.tables import csv_bytes, xlsx_bytes
from ui import state
from ui.data import current, zones

NOTE_COLUMNS = ("unit", "method", "crs", "plan_revision", "fingerprint")

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@st.cache_data(show_spinner=False, max_entries=16)
def _file(table: pd.DataFrame, fmt: str, sheet: str) -> bytes:
    if fmt == "csv":
        return csv_bytes(table)
    notes = {k: str(table[k].iloc[0]) for k in NOTE_COLUMNS if len(table) and k in table}
    return xlsx_bytes(table, sheet=sheet, notes=notes)


@st.cache_data(show_spinner=False, max_entries=4)
def plan_fingerprint(store_key: str, revision: PlanRevision) -> str:
    """The fingerprint of the plan at ``revision`` (its data hashed, the revision named),
    one line for a table's ``fingerprint`` column."""
    return fingerprint(data=zones(store_key, revision)).describe()


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
    """A CSV and an XLSX button for ``table`` (built on the first click, then cached),
    with the plan version the page shows and its fingerprint beside the figures.

    ``on_click="ignore"``: a download changes nothing on the page, so it reruns nothing.
    """
    key, revision = current()

    def on_click(fmt: str) -> Callable[[], bytes]:
        # The fingerprint hashes the whole plan (1 s at a cold start): made on a click.
        def build() -> bytes:
            export = table.assign(
                unit=unit, method=method, crs=crs, plan_revision=revision.label(),
                fingerprint=plan_fingerprint(key, revision),
            )  # fmt: skip
            return deferred_file(export, fmt, sheet)()

        return build

    d1, d2 = st.columns(2)
    d1.download_button(
        t("download_csv", lang),
        on_click("csv"),
        f"{stem}.csv",
        "text/csv",
        key=state.table_download(stem, "csv"),
        on_click="ignore",
    )
    d2.download_button(
        t("download_xlsx", lang),
        on_click("xlsx"),
        f"{stem}.xlsx",
        XLSX_MIME,
        key=state.table_download(stem, "xlsx"),
        on_click="ignore",
    )
