"""Actions on saved layers that must not happen by one slip: delete asks first; deleted
layers can be restored and own layers shared (made private again, their tiles go).

A layer's name is user text: it is shown with ``st.text`` only, never in a label.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from geo.declared.i18n import t
from geo.errors import GeoError
from geo.store.layers import UserLayers
from ui import state
from ui.tiles import remove_tiles


def confirm_delete(
    where: DeltaGenerator,
    lang: str,
    layer_id: str,
    *,
    on_confirm: Callable[..., None],
    args: tuple[Any, ...],
) -> None:
    """A delete button in ``where``; once clicked, the row is followed (full width) by
    "really delete?" with yes and no, and only yes calls ``on_confirm(*args)``."""
    pending = state.user_layer_delete_pending(layer_id)
    if not st.session_state.get(pending):
        where.button(
            t("delete", lang), key=state.user_layer_delete(layer_id),
            on_click=_set, args=(pending, True),
        )  # fmt: skip
        return
    st.warning(t("delete_confirm", lang))
    yes, no, _ = st.columns([2, 1.4, 2.6])  # "确定删除" whole on the button
    yes.button(
        t("delete_yes", lang), key=state.user_layer_delete_yes(layer_id), type="primary",
        on_click=_confirmed, args=(pending, on_confirm, args),
    )  # fmt: skip
    no.button(
        t("delete_no", lang), key=state.user_layer_delete_no(layer_id),
        on_click=_set, args=(pending, False),
    )  # fmt: skip


def _set(key: str, value: bool) -> None:
    st.session_state[key] = value


def _confirmed(pending: str, on_confirm: Callable[..., None], args: tuple[Any, ...]) -> None:
    st.session_state.pop(pending, None)
    on_confirm(*args)


def store_layer_section(layers: object, lang: str) -> None:
    """Share own layers with everyone (or not), and restore deleted ones."""
    if not isinstance(layers, UserLayers):
        return
    own = [
        m for m in layers.list_layers() if layers.version(m.layer_id).owner == layers.user.username
    ]
    deleted = layers.deleted()
    if not own and not deleted:
        return
    with st.expander(t("layer_sharing", lang)):
        for meta in own:
            c0, c1 = st.columns([1, 3])
            shared = layers.version(meta.layer_id).shared
            c0.checkbox(
                t("share_layer", lang), value=shared, key=state.user_layer_share(meta.layer_id),
                on_change=_share, args=(layers, meta.layer_id),
            )  # fmt: skip
            c1.text(meta.name)
        if deleted:
            st.caption(t("deleted_layers", lang))
        for v in deleted:
            c0, c1 = st.columns([1, 3])
            c0.button(
                t("undelete", lang), key=state.user_layer_undelete(v.object_id),
                on_click=_undelete, args=(layers, v.object_id),
            )  # fmt: skip
            c1.text(f"{v.name} · {v.time_utc[:19].replace('T', ' ')} UTC")


def _share(layers: UserLayers, layer_id: str) -> None:
    wanted = bool(st.session_state.get(state.user_layer_share(layer_id)))
    try:
        layers.share(layer_id, shared=wanted)
    except GeoError as exc:
        st.session_state[state.WORKSPACE_NOTICE] = ("share_error", exc.text)
        return
    if not wanted:  # private again: the tile URL others were given stops working
        remove_tiles(str(layers.root), layer_id)


def _undelete(layers: UserLayers, layer_id: str) -> None:
    try:
        layers.undelete(layer_id)
    except GeoError as exc:
        st.session_state[state.WORKSPACE_NOTICE] = ("delete_error", exc.text)
