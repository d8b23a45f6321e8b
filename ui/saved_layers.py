"""The list of the user's saved layers: show on the map, rename (once per edit, in a
callback) and delete (after a confirmation; soft in the store, restorable from the
history), with sharing and the deleted layers to restore (:mod:`ui.layer_actions`).
A layer's name is user text, shown as text only."""

from __future__ import annotations

import contextlib

import streamlit as st

from geo.declared.i18n import say, t
from geo.errors import GeoError
from geo.store.workspace import LayerGoneError, clean_name
from ui import state
from ui import tiles as tiles_ui
from ui.layer_actions import confirm_delete, store_layer_section
from ui.layer_summary import kept_summary
from ui.uploads import workspace


def saved_section(lang: str) -> None:
    st.markdown(f"**{t('saved_layers', lang)}**")
    ws = workspace()
    notice = st.session_state.pop(state.WORKSPACE_NOTICE, None)
    if notice is not None:
        heading, message = notice
        (st.warning if heading == "layer_gone" else st.error)(t(heading, lang))
        st.text(say(message, lang))
    store_layer_section(ws, lang)  # server mode: sharing, deleted layers to restore
    layers = ws.list_layers()
    if not layers:
        st.caption(t("no_saved_layers", lang))
        return
    root = str(ws.root)
    for meta in layers:
        rename_key = state.user_layer_rename(meta.layer_id)
        if rename_key not in st.session_state:
            st.session_state[rename_key] = meta.name
        c0, c1, c2, c3, c4 = st.columns([1.3, 2.6, 0.8, 2.4, 0.9])
        # The label is ours: a layer's name is never a widget label (those are Markdown).
        c0.checkbox(t("show_on_map", lang), key=state.user_layer_on(meta.layer_id))
        c1.text(f"{meta.name}\n{meta.source.filename}")
        c2.text(f"{meta.feature_count:,}")
        c3.text_input(
            t("rename", lang),
            key=rename_key,
            label_visibility="collapsed",
            on_change=_rename,
            args=(root, meta.layer_id),
        )
        confirm_delete(c4, lang, meta.layer_id, on_confirm=_delete, args=(root, meta.layer_id))
        figures = kept_summary(ws, meta.layer_id)  # an import's, kept: the layer is not read
        if figures is not None:
            st.text(figures.line(str(st.session_state.get(state.UNIT) or "km2"), lang))


def _rename(root: str, layer_id: str) -> None:
    """Callback of a layer's name field: rename once per edit. The field then shows the
    stored (cleaned) name, which is not an edit, so nothing is renamed again."""
    key = state.user_layer_rename(layer_id)
    ws = workspace()
    try:
        typed = clean_name(str(st.session_state.get(key, "")))
        if typed != ws.get(layer_id).name:
            ws.rename(layer_id, typed)
        st.session_state[key] = typed
    except LayerGoneError as exc:
        st.session_state[state.WORKSPACE_NOTICE] = ("layer_gone", exc.text)
        st.session_state.pop(key, None)
    except GeoError as exc:
        st.session_state[state.WORKSPACE_NOTICE] = ("rename_error", exc.text)
        with contextlib.suppress(GeoError):
            st.session_state[key] = ws.get(layer_id).name


def _delete(root: str, layer_id: str) -> None:
    """Callback of a layer's delete button."""
    try:
        workspace().delete(layer_id)  # soft in the store (server mode)
    except LayerGoneError as exc:
        st.session_state[state.WORKSPACE_NOTICE] = ("layer_gone", exc.text)
    except GeoError as exc:
        st.session_state[state.WORKSPACE_NOTICE] = ("delete_error", exc.text)
        return
    tiles_ui.remove_tiles(root, layer_id)
    st.session_state.pop(state.user_layer_on(layer_id), None)
    st.session_state.pop(state.user_layer_rename(layer_id), None)
