"""The history tab: the audit trail per plan element, per layer or per user, its CSV/XLSX
export, every version of one object, and restoring a version (itself a new version).

Names, reasons and user names are user text: they are shown in table cells and
``st.text`` only, never in Markdown or widget labels.
"""

from __future__ import annotations

from typing import Final, cast

import pandas as pd
import streamlit as st

from geo.declared.i18n import say, t
from geo.errors import GeoError
from geo.store.cli import history_table
from geo.store.store import ConflictError, Store, Version
from geo.store.users import ROLES, Role, User
from ui import state
from ui.downloads import table_downloads
from ui.store import plan_store
from ui.uploads import show_table

SCOPES = ("all", "element", "layer", "user")
MAX_ROWS = 5_000
AREA_METHOD = "ellipsoidal area on CGCS2000 (equal-area projection), m²"


def history_tab(lang: str, user: User) -> None:
    store = plan_store()
    scope = st.radio(
        t("history_scope", lang), SCOPES, format_func=lambda s: t(f"history_scope_{s}", lang),
        horizontal=True, key=state.HISTORY_SCOPE,
    )  # fmt: skip
    object_id: str | None = None
    username: str | None = None
    if scope == "element":
        plan = store.current_plan()
        names = dict(zip(plan["id"], plan["name_zh"], strict=True))
        object_id = st.selectbox(
            t("history_pick", lang), sorted(names), format_func=lambda i: f"{names[i]} · {i}",
            key=state.HISTORY_ELEMENT,
        )  # fmt: skip
    elif scope == "layer":
        layers = {v.object_id: v for v in store.list_layers(user, include_deleted=True)}
        if not layers:
            st.caption(t("no_saved_layers", lang))
            return
        object_id = st.selectbox(
            t("history_pick", lang), list(layers),
            format_func=lambda i: _layer_label(layers[i], lang), key=state.HISTORY_LAYER,
        )  # fmt: skip
    elif scope == "user":
        names = [u.username for u in store.list_users()] if user.is_admin else [user.username]
        username = st.selectbox(t("history_pick", lang), names, key=state.HISTORY_USER)
    entries = store.history(user, object_id=object_id, username=username, limit=MAX_ROWS)
    table = history_table(entries)
    if table.empty:
        st.caption(t("history_empty", lang))
    else:
        show_table(shown_history(table, lang), lang, figures=True)
        table_downloads(
            table, lang=lang, stem=f"history_{scope}", sheet="history", unit="m2",
            method=AREA_METHOD,
        )  # fmt: skip
    if object_id is not None:
        _restore(store, user, object_id, lang)
    accounts_section(lang, user)


def _layer_label(v: Version, lang: str) -> str:
    deleted = f" ({t('deleted_mark', lang)})" if v.status == "deleted" else ""
    return f"{v.name}{deleted} · {v.owner}"


def _restore(store: Store, user: User, object_id: str, lang: str) -> None:
    """Every version of the object; restoring one makes it the latest again."""
    versions = store.versions(user, object_id)
    st.markdown(f"**{t('versions_heading', lang)}**")
    rows = pd.DataFrame(
        [
            {"version": v.version, "time_utc": v.time_utc, "author": v.author,
             "action": v.action, "status": v.status, "name": v.name, "reason": v.reason,
             "source": v.source, "accuracy": v.accuracy, "features": v.feature_count,
             "area_m2": round(v.area_m2, 1)}
            for v in reversed(versions)
        ]
    )  # fmt: skip
    show_table(rows, lang, figures=True)
    latest = versions[-1]
    if not user.can_edit or len(versions) < 2:
        return
    if latest.kind == "layer" and latest.owner != user.username:
        return
    # The latest version as the page showed it before this run: a change by someone else
    # since then makes the restore a conflict (the click's rerun has read the newer one).
    seen = st.session_state.get(state.HISTORY_OPENED)
    expected = seen[1] if seen is not None and seen[0] == object_id else latest.version
    st.session_state[state.HISTORY_OPENED] = (object_id, latest.version)
    pick = st.selectbox(
        t("restore_version", lang), [v.version for v in versions[:-1]][::-1],
        key=state.HISTORY_RESTORE_VERSION,
    )  # fmt: skip
    reason = st.text_input(t("restore_reason", lang), key=state.HISTORY_RESTORE_REASON)
    if st.button(t("restore_button", lang), key=state.HISTORY_RESTORE):
        try:
            done = store.restore(
                user, object_id, version=int(pick), expected_version=expected,
                reason=reason.strip() or f"restored version {pick}",
            )  # fmt: skip
        except ConflictError as exc:
            st.error(t("conflict_heading", lang))
            st.text(say(exc, lang))
            return
        except GeoError as exc:
            st.error(t("restore_error", lang))
            st.text(say(exc, lang))
            return
        st.success(t("restored", lang))
        st.text(f"{done.name}: {done.version}")


def accounts_section(lang: str, user: User) -> None:
    """Admins: the accounts, a new one, disable or enable one (as ``python -m geo users``)."""
    if not user.is_admin:
        return
    store = plan_store()
    with st.expander(t("accounts_heading", lang)):
        users = store.list_users()
        show_table(
            pd.DataFrame(
                [{"user": u.username, "role": u.role, "disabled": u.disabled,
                  "since": u.created_utc[:10]} for u in users]
            ),
            lang,
        )  # fmt: skip
        with st.form(key=state.ACCOUNT_FORM, clear_on_submit=True):
            name = st.text_input(t("login_user", lang), key=state.ACCOUNT_NAME)
            password = st.text_input(
                t("login_password", lang), type="password", key=state.ACCOUNT_PASSWORD
            )
            role = st.selectbox(t("account_role", lang), ROLES, index=1, key=state.ACCOUNT_ROLE)
            added = st.form_submit_button(t("account_add", lang))
        if added:
            try:
                store.add_user(name.strip(), password, cast(Role, role))
            except GeoError as exc:
                st.error(t("account_error", lang))
                st.text(say(exc, lang))
            else:
                st.success(t("account_added", lang))
                st.text(name.strip())
        others = [u for u in users if u.username != user.username]
        if not others:
            return
        pick = st.selectbox(
            t("account_pick", lang), [u.username for u in others], key=state.ACCOUNT_PICK
        )
        chosen = next(u for u in others if u.username == pick)
        label = "account_enable" if chosen.disabled else "account_disable"
        if st.button(t(label, lang), key=state.ACCOUNT_TOGGLE):
            store.set_user(chosen.username, disabled=not chosen.disabled)
            st.rerun()


SYSTEM_REASONS: Final = {
    "upload": "history_reason_upload",
    "restored after delete": "history_reason_restored",
    "shared with everyone": "history_reason_shared",
    "made private": "history_reason_private",
}
"""Reasons the app itself writes (stored in English, as the CLI prints them) → their text."""


def shown_history(table: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The audit table as the page shows it: actions, kinds and the app's own reasons in
    ``lang``, areas to the square metre (an element that had none shows an empty cell,
    not None).
    The download keeps the stored values."""
    out = table.copy()
    out["action"] = [action_word(a, lang) for a in out["action"]]
    out["kind"] = [t(f"history_kind_{k}", lang) for k in out["kind"]]
    out["reason"] = [reason_text(r, lang) if isinstance(r, str) else r for r in out["reason"]]
    for column in ("area_before_m2", "area_after_m2"):  # an audit record, to the m²
        values = pd.to_numeric(out[column], errors="coerce")
        out[column] = ["" if pd.isna(v) else f"{v:,.0f}" for v in values]
    return out


def action_word(action: str, lang: str) -> str:
    """A change's action (create, edit, seed …) in ``lang``."""
    return t(f"history_action_{action}", lang)


def reason_text(reason: str, lang: str) -> str:
    """A change's reason: the app's own reasons in ``lang``, a person's as written."""
    if reason in SYSTEM_REASONS:
        return t(SYSTEM_REASONS[reason], lang)
    if reason.startswith("imported from "):
        return t("history_reason_seed", lang, source=reason.removeprefix("imported from "))
    return reason
