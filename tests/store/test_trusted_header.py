"""Login by the reverse proxy's trusted header (AppTest, server mode): honoured only when
``PLANMAP_TRUSTED_HEADER`` is set, and then only for an account that exists and is
enabled; never a password form beside it."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import ui.store
from geo.declared.i18n import t
from geo.store.store import EMBEDDED_FILE, Store
from ui import state

APP = str(Path(__file__).resolve().parents[2] / "streamlit_app.py")
HEADER = "X-Remote-User"


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Store:
    root = tmp_path / "workspace"
    monkeypatch.setenv("PLANMAP_WORKSPACE", str(root))
    monkeypatch.setenv("PLANMAP_REQUIRE_LOGIN", "1")
    monkeypatch.delenv("PLANMAP_DATABASE_URL", raising=False)
    monkeypatch.delenv("PLANMAP_TRUSTED_HEADER", raising=False)
    opened = Store(f"sqlite:///{root / EMBEDDED_FILE}")
    opened.add_user("alice", "alice-pass-1", "editor")
    return opened


def _page(monkeypatch: pytest.MonkeyPatch, headers: dict[str, str]) -> AppTest:
    """The app as requested with ``headers`` (what st.context.headers would hold)."""
    monkeypatch.setattr(ui.store, "request_header", lambda name: headers.get(name))
    at = AppTest.from_file(APP, default_timeout=180)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _login_form_shown(at: AppTest) -> bool:
    return any(w.key == state.LOGIN_NAME for w in at.text_input)


def test_the_proxys_header_signs_in_an_enabled_account(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PLANMAP_TRUSTED_HEADER", HEADER)
    at = _page(monkeypatch, {HEADER: "alice"})
    assert at.tabs, "signed in: the plan is shown"
    assert "alice (editor)" in [x.value for x in at.sidebar.text]
    assert not _login_form_shown(at)
    assert not [b for b in at.button if b.key == state.LOGOUT], "the proxy signs out"


@pytest.mark.parametrize("who", ["mallory", "", "a" * 65, "alice (disabled)"])
def test_an_unknown_or_disabled_account_is_refused_without_a_password_form(
    store: Store, monkeypatch: pytest.MonkeyPatch, who: str
) -> None:
    monkeypatch.setenv("PLANMAP_TRUSTED_HEADER", HEADER)
    if who == "alice (disabled)":
        store.set_user("alice", disabled=True)
        who = "alice"
    at = _page(monkeypatch, {HEADER: who} if who else {})
    assert not at.tabs, "nothing of the plan"
    assert t("trusted_header_refused", "zh") in [e.value for e in at.error]
    assert not _login_form_shown(at)


def test_the_header_is_never_honoured_when_not_configured(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = _page(monkeypatch, {HEADER: "alice", "X-Forwarded-User": "alice"})
    assert not at.tabs and _login_form_shown(at), "a password login, as without a proxy"
