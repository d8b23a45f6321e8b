"""The store behind the app, and who is signed in.

- The store is :func:`geo.store.store.open_plan_store`: PostgreSQL + PostGIS when
  ``PLANMAP_DATABASE_URL`` (environment) or ``database_url`` (Streamlit secrets) is set,
  else the embedded SQLite file in the workspace. Opened once per server process; the
  plan's seed is imported then.
- **Server mode** (a database URL is set, or ``PLANMAP_REQUIRE_LOGIN=1``) needs a login
  with a password of an account made by ``python -m geo users add``. **Embedded mode**
  runs as one local user named by ``PLANMAP_USER`` (default ``planner``), an admin.
- **Trusted header** (server mode, only when ``PLANMAP_TRUSTED_HEADER`` names one, e.g.
  ``X-Remote-User``): the office's reverse proxy has authenticated the user and says who
  it is in that request header; the account must exist here and be enabled, and there is
  no password form. Never honoured when not configured. The app's port must then be
  reachable only through the proxy, or anyone could send the header (README).
- A database that cannot be reached stops the page with a plain message: nothing stale
  is shown as current.

The URL, with its password, stays on the server: it is never written to the page.
"""

from __future__ import annotations

import os

import streamlit as st
from streamlit.errors import StreamlitSecretNotFoundError

from geo.declared.i18n import say, t
from geo.errors import GeoError
from geo.store.importer import app_workspace_dir
from geo.store.layers import UserLayers, import_folder_layers
from geo.store.store import URL_VARIABLE, Store, StoreUnavailableError, open_plan_store
from geo.store.users import User
from ui import state

LOCAL_USER_VARIABLE = "PLANMAP_USER"
LOGIN_VARIABLE = "PLANMAP_REQUIRE_LOGIN"
TRUSTED_HEADER_VARIABLE = "PLANMAP_TRUSTED_HEADER"
MAX_HEADER_NAME_CHARS = 64  # a user name from the proxy longer than this is refused


def database_url() -> str | None:
    """The database URL: the environment first, then Streamlit secrets; None: embedded."""
    if os.environ.get(URL_VARIABLE):
        return os.environ[URL_VARIABLE]
    try:
        value = st.secrets.get("database_url")
    except (FileNotFoundError, StreamlitSecretNotFoundError):
        return None
    return str(value) if value else None


def workspace_dir() -> str:
    return str(app_workspace_dir())  # the command line's import uses the same


@st.cache_resource(show_spinner=False)
def _store(url: str | None, folder: str) -> Store:
    """One store per server process (a failure is not cached: the next run tries again)."""
    return open_plan_store(url=url, workspace_dir=folder)


def plan_store() -> Store:
    """The app's store; :class:`StoreUnavailableError` if the database cannot be reached."""
    return _store(database_url(), workspace_dir())


def server_mode() -> bool:
    return database_url() is not None or os.environ.get(LOGIN_VARIABLE) == "1"


def current_user() -> User | None:
    """Who is signed in (None: nobody yet, in server mode). Reads the store every run, so
    a disabled account or a database that went away is noticed at once."""
    store = plan_store()
    if not server_mode():
        return store.local_user(os.environ.get(LOCAL_USER_VARIABLE) or "planner")
    header = trusted_header()
    if header is not None:
        return _header_user(store, header)
    name = st.session_state.get(state.STORE_USER)
    if name is None:
        return None
    user = store.user(str(name))
    if user.disabled:
        st.session_state.pop(state.STORE_USER, None)
        return None
    return user


def trusted_header() -> str | None:
    """The request header the reverse proxy names the user in (None: not configured,
    then no header is ever honoured)."""
    return (os.environ.get(TRUSTED_HEADER_VARIABLE) or "").strip() or None


def request_header(name: str) -> str | None:
    """A header of the page's request (the websocket's, as the proxy forwarded it)."""
    value = st.context.headers.get(name)
    return value.strip() if value else None


def _header_user(store: Store, header: str) -> User | None:
    """The enabled account the proxy's header names, else None (the gate says why)."""
    name = request_header(header)
    if not name or len(name) > MAX_HEADER_NAME_CHARS:
        return None
    try:
        user = store.user(name)
    except GeoError:  # no such account: an admin adds it (python -m geo users add)
        return None
    return None if user.disabled else user


def user_layers() -> UserLayers:
    """The signed-in user's uploaded layers (call after :func:`signed_in`). Embedded
    mode: the old folder workspace's layers are imported into the store first, once."""
    user = current_user()
    assert user is not None, "signed_in() comes first"
    if not server_mode():
        _imported(workspace_dir(), user.username)
    return UserLayers(plan_store(), user, workspace_dir())


@st.cache_resource(show_spinner=False)
def _imported(folder: str, username: str) -> list[tuple[str, str]]:
    """Once per server process: the folder workspace's layers become the local user's
    (:func:`geo.store.layers.import_folder_layers`; a marker file makes it once ever)."""
    store = plan_store()
    return import_folder_layers(store, store.user(username), folder)


def signed_in(lang: str) -> User | None:
    """The page's gate: the signed-in user, or a login form (server mode) or the
    database's plain message, and None so the caller stops."""
    try:
        user = current_user()
    except StoreUnavailableError as exc:
        st.error(t("store_unavailable", lang))
        st.text(say(exc, lang))
        return None
    header = trusted_header() if server_mode() else None
    if user is not None:
        with st.sidebar:
            st.caption(t("signed_in_as", lang))
            st.text(f"{user.username} ({user.role})")
            if server_mode() and header is None:
                st.button(t("logout", lang), key=state.LOGOUT, on_click=_logout)
        return user
    if header is not None:  # the proxy's word or nothing: no password form
        st.error(t("trusted_header_refused", lang))
        st.text(f"{header}: {(request_header(header) or '—')[:MAX_HEADER_NAME_CHARS]}")
        return None
    _login_form(lang)
    return None


def _logout() -> None:
    st.session_state.pop(state.STORE_USER, None)


def _login_form(lang: str) -> None:
    st.subheader(t("login_heading", lang))
    with st.form(key=state.LOGIN_FORM, clear_on_submit=True):
        name = st.text_input(t("login_user", lang), key=state.LOGIN_NAME)
        password = st.text_input(
            t("login_password", lang), type="password", key=state.LOGIN_PASSWORD
        )
        submitted = st.form_submit_button(t("login_button", lang))
    if not submitted:
        return
    try:
        user = plan_store().authenticate(name.strip(), password)
    except GeoError:
        st.error(t("login_failed", lang))
        return
    st.session_state[state.STORE_USER] = user.username
    st.rerun()
