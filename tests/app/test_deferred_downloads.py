"""Download buttons hold deferred data: nothing is built, and no media file is stored,
while the page script runs; the file is made when the button is clicked (Streamlit runs
the callable then), and a second click reuses it."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.runtime.media_file_storage import MediaFileKind
from streamlit.testing.v1 import AppTest

import geo.export.layers
import geo.export.maps
import ui.downloads
import ui.exports
from geo.declared.i18n import t
from tests.app.tabs import open_tab
from ui import state

APP = str(Path(__file__).resolve().parents[2] / "streamlit_app.py")


class Counted:
    """The real function, counting its calls."""

    def __init__(self, fn: Callable[..., Any]) -> None:
        self.fn, self.calls = fn, 0

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        self.calls += 1
        return self.fn(*args, **kwargs)


@pytest.fixture
def managers(monkeypatch: pytest.MonkeyPatch) -> list[MediaFileManager]:
    """Every MediaFileManager AppTest makes (one a run), to click buttons with."""
    made: list[MediaFileManager] = []
    real_init = MediaFileManager.__init__

    def init(self: MediaFileManager, *args: Any, **kwargs: Any) -> None:
        real_init(self, *args, **kwargs)
        made.append(self)

    monkeypatch.setattr(MediaFileManager, "__init__", init)
    return made


def _stored_downloads(mgr: MediaFileManager) -> int:
    """Files stored for download buttons (not images a tab shows)."""
    return sum(m.kind == MediaFileKind.DOWNLOADABLE for m in mgr._file_metadata.values())


def _click(mgr: MediaFileManager, button: Any) -> bytes:
    """What the browser gets on a click: Streamlit runs the deferred callable and
    serves the result from the media store."""
    file_id = button.proto.deferred_file_id
    assert file_id, "the button's data is deferred"
    url = mgr.execute_deferred(file_id)
    stored = mgr.read_file(url.rsplit("/", 1)[-1].split(".")[0])
    assert stored is not None
    return stored.content


def _button(at: AppTest, key: str) -> Any:
    return next(b for b in at.get("download_button") if b.proto.id.endswith(key))


def test_area_table_files_are_built_on_click(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, managers: list[MediaFileManager]
) -> None:
    monkeypatch.setenv("PLANMAP_WORKSPACE", str(tmp_path / "workspace"))
    ui.downloads._file.clear()
    csv = Counted(ui.downloads.csv_bytes)
    xlsx = Counted(ui.downloads.xlsx_bytes)
    monkeypatch.setattr(ui.downloads, "csv_bytes", csv)
    monkeypatch.setattr(ui.downloads, "xlsx_bytes", xlsx)

    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    table = at.dataframe[0].value
    assert (csv.calls, xlsx.calls) == (0, 0), "no file is built while the page runs"
    mgr = managers[-1]
    assert _stored_downloads(mgr) == 0, "no media file for a download during the run"

    xlsx_button = _button(at, state.table_download("chenggong_areas", "xlsx"))
    assert xlsx_button.proto.url == ""
    book = openpyxl.load_workbook(io.BytesIO(_click(mgr, xlsx_button)))
    assert xlsx.calls == 1
    sheet = book["areas"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][-5:] == ("unit", "method", "crs", "plan_revision", "fingerprint")
    from geo.store.store import EMBEDDED_FILE, Store

    with Store(f"sqlite:///{tmp_path / 'workspace' / EMBEDDED_FILE}") as store:
        label = store.plan_revision().label()  # the plan version the page computed from
    assert {r[-2] for r in rows[1:]} == {label}
    assert {r[-1] for r in rows[1:]} == {rows[1][-1]} and label in str(rows[1][-1])
    assert len(rows) - 1 == len(table)
    assert {r[0] for r in rows[1:]} == {str(v) for v in table.iloc[:, 0]}
    assert "notes" in book.sheetnames

    csv_button = _button(at, state.table_download("chenggong_areas", "csv"))
    data = _click(mgr, csv_button)
    assert data.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM, for Excel
    parsed = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig")
    assert list(parsed.columns[-5:]) == ["unit", "method", "crs", "plan_revision", "fingerprint"]
    assert set(parsed["plan_revision"]) == {label}
    assert len(parsed) == len(table)
    assert csv.calls == 1

    _click(mgr, xlsx_button)  # the second click: cached
    assert xlsx.calls == 1


def test_exports_are_made_on_click(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, managers: list[MediaFileManager]
) -> None:
    monkeypatch.setenv("PLANMAP_WORKSPACE", str(tmp_path / "workspace"))
    ui.exports._map.clear()
    maps = Counted(geo.export.maps.map_bytes)
    layers = Counted(geo.export.layers.layer_bytes)
    monkeypatch.setattr(geo.export.maps, "map_bytes", maps)
    monkeypatch.setattr(geo.export.layers, "layer_bytes", layers)

    at = AppTest.from_file(APP, default_timeout=180)
    open_tab(at, "export_tab")
    at.selectbox(key=state.EXPORT_FMT).set_value("png")
    at.button(key=state.EXPORT_MAKE).click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert maps.calls == 0, "the map is drawn on the download's click, not on 'make'"
    mgr = managers[-1]
    assert _stored_downloads(mgr) == 0
    png = _click(mgr, _button(at, state.EXPORT_MAP_DOWNLOAD))
    assert png.startswith(b"\x89PNG")
    assert maps.calls == 1
    _click(mgr, _button(at, state.EXPORT_MAP_DOWNLOAD))
    assert maps.calls == 1, "a second click is the cached file"

    at.selectbox(key=state.EXPORT_LAYER_FMT).set_value("geojson")
    at.button(key=state.EXPORT_LAYER_MAKE).click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert layers.calls == 0
    mgr = managers[-1]
    button = _button(at, state.EXPORT_LAYER_DOWNLOAD)
    assert b'"FeatureCollection"' in _click(mgr, button)
    _click(mgr, button)
    assert layers.calls == 1

    at.button(key=state.EXPORT_HTML_MAKE).click().run()
    assert not at.exception, [e.value for e in at.exception]
    mgr = managers[-1]
    assert _stored_downloads(mgr) == 0
    page = _click(mgr, _button(at, state.EXPORT_HTML_DOWNLOAD))
    assert page.lstrip().lower().startswith(b"<!doctype html")


def test_an_export_of_nothing_says_why_instead_of_a_broken_button(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A deferred builder that fails reaches the browser only as a bare download error,
    so what would fail is found when "make" is clicked and said on the page."""
    monkeypatch.setenv("PLANMAP_WORKSPACE", str(tmp_path / "workspace"))
    at = AppTest.from_file(APP, default_timeout=180)
    at.run()
    for box in at.checkbox:
        if box.key and box.key.startswith("group_on__"):
            box.uncheck()
    open_tab(at, "export_tab")
    assert not at.exception, [e.value for e in at.exception]
    for make in (state.EXPORT_HTML_MAKE, state.EXPORT_LAYER_MAKE, state.EXPORT_MAKE):
        at.button(key=make).click().run()
        assert not at.exception, [e.value for e in at.exception]
        # Nothing shown: said as that, in the page's language, not as a raw error.
        assert t("export_nothing_visible", "zh") in [w.value for w in at.warning]
        assert not at.error, [e.value for e in at.error]
        assert not at.get("download_button") or all(
            b.proto.deferred_file_id == "" or "export" not in b.proto.id
            for b in at.get("download_button")
        )
