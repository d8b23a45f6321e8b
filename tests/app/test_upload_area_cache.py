"""The upload's sum and union of areas are computed once per file and reading, not on
every rerun (100,000 parcels: seconds each)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

import ui.upload_form
from geo.io import geojson_text
from tests.app.tabs import open_tab
from tests.conftest import gk_boxes
from ui import state

APP = str(Path(__file__).resolve().parents[2] / "streamlit_app.py")


class Counted:
    """The real function, counting its calls."""

    def __init__(self, fn: Any) -> None:
        self.fn, self.calls = fn, 0

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        self.calls += 1
        return self.fn(*args, **kwargs)


def _line(at: AppTest) -> str:
    return next(x.value for x in at.text if "要素数" in x.value or "Features" in x.value)


def test_upload_areas_are_cached_per_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PLANMAP_WORKSPACE", str(tmp_path / "workspace"))
    st.cache_data.clear()
    union = Counted(ui.upload_form.area_totals_m2)  # the sum and the union, together
    monkeypatch.setattr(ui.upload_form, "area_totals_m2", union)

    # Two 1 km squares overlapping by a quarter: sum 2 km², union 1.75 km².
    boxes = gk_boxes((0, 0, 1000, 1000), (500, 500, 1500, 1500))
    data = geojson_text(boxes).encode("utf-8")
    at = AppTest.from_file(APP, default_timeout=180)
    open_tab(at, "upload_tab")
    at.file_uploader(key=state.UPLOAD_FILE).set_value(("two.geojson", data, "application/json"))
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    first = _line(at)
    assert "要素数: 2" in first
    assert union.calls == 1

    at.radio(key=state.UNIT).set_value("ha").run()  # a rerun, other unit: no recomputing
    assert not at.exception, [e.value for e in at.exception]
    assert union.calls == 1
    assert _line(at) != first and "174.9" in _line(at)

    other = geojson_text(gk_boxes((0, 0, 1000, 1000))).encode("utf-8")
    at.file_uploader(key=state.UPLOAD_FILE).set_value(("two.geojson", other, "application/json"))
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert union.calls == 2, "another file is measured afresh"
    assert "要素数: 1" in _line(at)
