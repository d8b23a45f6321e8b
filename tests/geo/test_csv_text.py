"""geo.csv_text.csv_text writes exactly what DataFrame.to_csv(index=False) writes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geo.csv_text import csv_text

AWKWARD_FLOATS = [
    0.0, -0.0, 1.0, -1.0, 100.0, 0.5, 1e-4, 9.99e-5, 1e-5, 2.5e-7, 123456.789,
    1e15, 999999999999999.9, 1e16, 1.5e300, 5e-324, np.nan, np.inf, -np.inf,
]  # fmt: skip


def test_awkward_floats_ints_bools_and_text() -> None:
    n = len(AWKWARD_FLOATS)
    frame = pd.DataFrame(
        {
            "a": [f"P{i:07d}" for i in range(n)],
            "b": ["城中村", None, *["x"] * (n - 2)],
            "overlap_km2": AWKWARD_FLOATS,
            "count": np.arange(n) - 5,
            "flag": np.arange(n) % 2 == 0,
        }
    )
    assert csv_text(frame) == frame.to_csv(index=False)


def test_text_that_csv_must_quote_is_written_by_pandas() -> None:
    frame = pd.DataFrame({"a": ['say "hi"', "a,b", "line\nbreak"], "b": [1.0, 2.0, 3.0]})
    assert csv_text(frame) == frame.to_csv(index=False)
    assert '"a,b"' in csv_text(frame)


def test_header_and_empty_table() -> None:
    frame = pd.DataFrame({"名 称": pd.Series([], dtype=object), "x,y": pd.Series([], dtype=float)})
    assert csv_text(frame) == frame.to_csv(index=False)


@settings(max_examples=60, deadline=None)
@given(
    floats=st.lists(st.floats(allow_nan=True, allow_infinity=True), min_size=1, max_size=40),
    texts=st.lists(st.text(max_size=6) | st.none(), min_size=1, max_size=40),
)
def test_random_tables_match_pandas(floats: list[float], texts: list[str | None]) -> None:
    n = min(len(floats), len(texts))
    frame = pd.DataFrame({"t": texts[:n], "f": floats[:n], "g": np.array(floats[:n]) / 7.0})
    assert csv_text(frame) == frame.to_csv(index=False)


@pytest.mark.parametrize("scale", [1e-9, 1e-5, 1.0, 1e6, 1e14, 1e17])
def test_many_random_floats(scale: float) -> None:
    values = np.random.default_rng(7).uniform(0, 2, 20_000) * scale
    values[::7] = np.round(values[::7])
    frame = pd.DataFrame({"a": ["x"] * len(values), "v": values, "w": -values})
    assert csv_text(frame) == frame.to_csv(index=False)
