"""A download built lazily, when its button is clicked, holds the same bytes as the same
table built eagerly (as the page did before downloads were deferred)."""

from __future__ import annotations

import io
import zipfile

import numpy as np
import pandas as pd
import pytest

from geo.tables import csv_bytes, xlsx_bytes
from ui.downloads import deferred_file

# openpyxl stamps the workbook with the time it was written; nothing else may differ.
TIMESTAMPED = {"docProps/core.xml"}


def _table(rows: int) -> pd.DataFrame:
    rng = np.random.default_rng(17)
    return pd.DataFrame(
        {
            "feature_id": [f"P{i:07d}" for i in range(rows)],
            "zone_id": rng.choice(["fin_district", "univ_town", "=cmd|' /C calc'!A0"], rows),
            "overlap_m2": rng.uniform(0, 5e4, rows),
            "overlap_share": rng.uniform(0, 1, rows),
            "unit": "m2",
            "method": "ellipsoidal",
            "crs": "EPSG:4490",
        }
    )


def _members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {n: z.read(n) for n in z.namelist() if n not in TIMESTAMPED}


def test_lazy_csv_is_the_eager_csv_byte_for_byte() -> None:
    table = _table(3_000)
    assert deferred_file(table, "csv", "by_feature")() == csv_bytes(table)


def test_lazy_xlsx_is_the_eager_xlsx_but_for_its_timestamp() -> None:
    table = _table(3_000)
    notes = {k: str(table[k].iloc[0]) for k in ("unit", "method", "crs")}
    eager = xlsx_bytes(table, sheet="by_feature", notes=notes)
    lazy = deferred_file(table, "xlsx", "by_feature")()
    assert _members(lazy) == _members(eager)
    assert "xl/worksheets/sheet1.xml" in _members(lazy)


def test_nothing_is_built_until_the_button_runs_the_callable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import ui.downloads

    calls: list[str] = []
    monkeypatch.setattr(ui.downloads, "csv_bytes", lambda t: calls.append("csv") or b"x")
    build = deferred_file(_table(10).assign(extra=1), "csv", "s")
    assert calls == []
    assert build() == b"x"
    assert calls == ["csv"]
