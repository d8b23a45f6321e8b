"""The store in the app (Streamlit's AppTest): login in server mode, private layers,
delete with confirmation and restore, the history tab and its conflict message, and a
plain message when the database is gone."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from geo.declared.i18n import t
from geo.io import geojson_text
from geo.store.layers import UserLayers
from geo.store.store import EMBEDDED_FILE, Store
from geo.upload import LoadedLayer, read_upload
from tests.conftest import gk_boxes
from ui import state

APP = str(Path(__file__).resolve().parents[2] / "streamlit_app.py")


def _texts(at: AppTest) -> str:
    parts = [x.value for x in at.text] + [x.value for x in at.caption]
    return "\n".join(str(p) for p in parts)


@pytest.fixture
def server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Store, str]:
    """An embedded store that requires a login, with alice's private layer in it."""
    root = tmp_path / "workspace"
    monkeypatch.setenv("PLANMAP_WORKSPACE", str(root))
    monkeypatch.setenv("PLANMAP_REQUIRE_LOGIN", "1")
    monkeypatch.delenv("PLANMAP_DATABASE_URL", raising=False)
    store = Store(f"sqlite:///{root / EMBEDDED_FILE}")
    alice = store.add_user("alice", "alice-pass-1", "editor")
    store.add_user("bob", "bob-pass-12", "editor")
    data = geojson_text(gk_boxes((0, 0, 300, 300))).encode("utf-8")
    loaded = read_upload(data, "parcels.geojson")
    assert isinstance(loaded, LoadedLayer)
    layer_id = UserLayers(store, alice, root).save(loaded, data, name="alice的地块").layer_id
    return store, layer_id


def _login(name: str, password: str, *, tab: str = "upload_tab") -> AppTest:
    """Signed in, with the tab labelled by the i18n key ``tab`` open (only it runs)."""
    at = AppTest.from_file(APP, default_timeout=180)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.tabs, "nothing of the plan before the login"
    at.text_input(key=state.LOGIN_NAME).input(name)
    at.text_input(key=state.LOGIN_PASSWORD).input(password)
    at.session_state[state.MAIN_TABS] = t(tab, "zh")
    _button(at, t("login_button", "zh")).click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _button(at: AppTest, label: str) -> Any:
    return next(b for b in at.button if b.label == label)


def test_login_private_layers_and_a_confirmed_soft_delete(server: tuple[Store, str]) -> None:
    store, layer_id = server
    at = _login("alice", "wrong-password")
    assert t("login_failed", "zh") in [e.value for e in at.error]
    bob = _login("bob", "bob-pass-12")
    assert "alice的地块" not in _texts(bob), "another user's private layer is not listed"
    at = _login("alice", "alice-pass-1")
    assert "alice的地块" in _texts(at)
    at.button(key=state.user_layer_delete(layer_id)).click().run()
    assert t("delete_confirm", "zh") in [w.value for w in at.warning]
    assert store.get(store.user("alice"), layer_id).status == "active", "not before yes"
    at.button(key=state.user_layer_delete_yes(layer_id)).click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert store.get(store.user("alice"), layer_id).status == "deleted"
    at.button(key=state.user_layer_undelete(layer_id)).click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert store.get(store.user("alice"), layer_id).status == "active"
    actions = [r.action for r in store.history(store.user("alice"), object_id=layer_id)]
    assert actions == ["restore", "delete", "create"]


def test_history_restore_says_who_changed_it_meanwhile(server: tuple[Store, str]) -> None:
    store, layer_id = server
    alice = store.user("alice")
    store.rename(alice, layer_id, "第二版", expected_version=1)
    at = _login("alice", "alice-pass-1", tab="history_tab")
    at.radio(key=state.HISTORY_SCOPE).set_value("layer").run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.selectbox(key=state.HISTORY_RESTORE_VERSION).value == 1
    store.rename(alice, layer_id, "别处改的", expected_version=2, reason="another tab")
    at.button(key=state.HISTORY_RESTORE).click().run()
    assert t("conflict_heading", "zh") in [e.value for e in at.error]
    assert "在您打开后已被 alice 于" in _texts(at)  # the store's conflict message, in Chinese
    assert store.get(alice, layer_id).name == "别处改的", "nothing overwritten"
    at.button(key=state.HISTORY_RESTORE).click().run()  # now on top of what it shows
    assert t("restored", "zh") in [s.value for s in at.success]
    assert store.get(alice, layer_id).name == "alice的地块"


def test_an_unreachable_database_stops_the_page_plainly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PLANMAP_WORKSPACE", str(tmp_path / "workspace"))
    monkeypatch.setenv("PLANMAP_DATABASE_URL", "postgresql://app:s3cret@127.0.0.1:1/planmap")
    at = AppTest.from_file(APP, default_timeout=180)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert t("store_unavailable", "zh") in [e.value for e in at.error]
    assert "s3cret" not in _texts(at)
    assert not at.tabs
