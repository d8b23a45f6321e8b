"""The plan data of issue 12 in the app: elements that are not located can be found and
selected without a shape, an area or an error; the lake and the land are there."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from ui import state

APP = str(Path(__file__).resolve().parents[2] / "streamlit_app.py")


@pytest.fixture
def app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv("PLANMAP_WORKSPACE", str(tmp_path / "workspace"))
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_a_not_located_element_is_searchable_and_selectable(app: AppTest) -> None:
    search = app.selectbox(key=state.SEARCH)
    assert any("eco_kunming_lake" in str(o) for o in search.options)
    search.set_value("eco_kunming_lake").run()
    assert not app.exception, [e.value for e in app.exception]
    texts = [str(x.value) for x in [*app.markdown, *app.text, *app.caption]]
    assert any("昆明湖" in t for t in texts)
    # no area is invented for it
    assert not any("0.196" in t for t in texts)


def test_the_land_and_the_lake_are_zones(app: AppTest) -> None:
    search = app.selectbox(key=state.SEARCH)
    search.set_value("ext_chenggong_land").run()
    assert not app.exception, [e.value for e in app.exception]
    search.set_value("ctx_dianchi").run()
    assert not app.exception, [e.value for e in app.exception]
