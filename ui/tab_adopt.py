"""Adopting authoritative geometry: a saved layer's features (e.g. from a DXF) replace
plan elements, saved as new versions of those elements in the store.

The features are matched to plan elements by a name or code column
(:func:`geo.edit.adopt.match_features`); the page shows each match with the old and new
ellipsoidal area and the change; the user names the source document (e.g. the approval
number), the accuracy in metres and a reason, and saving writes one version per element
(:func:`geo.edit.adopt.adoption_edits` → :meth:`geo.store.store.Store.edit`) with
``geometry_source = authoritative``. A save on top of a version someone else has changed
since the page showed it is refused with the store's conflict message. Viewers see the
proposal but cannot save.
"""

from __future__ import annotations

import geopandas as gpd
import streamlit as st

from geo.declared.i18n import say, t
from geo.edit.adopt import (
    Proposal,
    SourceDocument,
    adopted_zones,
    adoption_edits,
    match_features,
    propose_adoption,
)
from geo.edit.compare import compare_layers
from geo.errors import GeoError
from geo.store.store import ConflictError, Store, Version
from geo.store.users import User
from ui import state
from ui.columns import in_unit
from ui.tab_compare import SavedLayers, pick_layer, show_difference_map, source_words
from ui.uploads import show_error, show_table

AUTO = ""
"""The column option: try every text column (the one naming most elements wins)."""
STORE_COLUMNS = ("store_version", "store_time_utc")
"""Columns :meth:`Store.current_plan` adds; not properties of an element."""
PREVIEW_DOCUMENT = "(preview)"
"""The proposal is previewed before the document is named; saving uses the named one."""


def adopt_section(lang: str, unit: str, store: Store, user: User, layers: SavedLayers) -> None:
    st.subheader(t("adopt_heading", lang))
    st.caption(t("adopt_note", lang))
    # Nothing is read until a layer is chosen: the tab runs on every rerun of the page.
    record = pick_layer(layers, lang, label="adopt_layer", key=state.ADOPT_LAYER, preselect=False)
    if record is None:
        return
    try:
        frame = layers.read(record.layer_id)
    except GeoError as exc:
        show_error(exc, lang, heading="adopt_error")
        return
    columns = [AUTO, *(str(c) for c in frame.columns if c != frame.geometry.name)]
    column = st.selectbox(
        t("adopt_column", lang), columns,
        format_func=lambda c: t("adopt_column_auto", lang) if c == AUTO else c,
        key=state.ADOPT_COLUMN,
    )  # fmt: skip
    plan = store.current_plan()
    try:
        matching = match_features(frame, plan, column=column or None)
    except GeoError as exc:
        show_error(exc, lang, heading="adopt_error")
        return
    for note in matching.notes:
        st.text(say(note, lang))
    try:
        preview = propose_adoption(
            frame, plan, matching,
            source=SourceDocument(file=record.source.filename, document=PREVIEW_DOCUMENT,
                                  accuracy_m=1.0, layer=record.source.layer),
        )  # fmt: skip
    except GeoError as exc:
        show_error(exc, lang, heading="adopt_error")
        return
    for note in preview.notes[len(matching.notes) :]:
        st.text(say(note, lang))
    shown = preview.table.assign(
        old_geometry_source=source_words(preview.table["old_geometry_source"], lang)
    )
    show_table(in_unit(shown, unit), lang, figures=True)
    # The old and new shapes of the matched elements, as the compare map draws them.
    old = plan[plan["id"].astype(str).isin(set(preview.provenance))]
    new = adopted_zones(plan, preview).loc[old.index]
    show_difference_map(compare_layers(old, new).pieces, lang=lang, unit=unit, key=state.ADOPT_MAP)
    # The versions as this page showed them before this run: a save on top of a version
    # changed since is a conflict (the click's rerun has read the newer one).
    seen: dict[str, int] = st.session_state.get(state.ADOPT_SEEN) or {}
    now = {e: int(plan.loc[e, "store_version"]) for e in preview.provenance}
    st.session_state[state.ADOPT_SEEN] = now
    document = st.text_input(t("adopt_document", lang), key=state.ADOPT_DOCUMENT)
    accuracy_m = st.number_input(
        t("adopt_accuracy", lang), min_value=0.0, value=None, step=1.0, key=state.ADOPT_ACCURACY
    )
    reason = st.text_input(t("adopt_reason", lang), key=state.ADOPT_REASON)
    if not user.can_edit:
        st.caption(t("adopt_viewer", lang))
        return
    if not st.button(t("adopt_save", lang), key=state.ADOPT_SAVE):
        return
    if not reason.strip():
        st.error(t("adopt_need_reason", lang))
        return
    source = SourceDocument(
        file=record.source.filename, document=document.strip(),
        accuracy_m=float("nan") if accuracy_m is None else float(accuracy_m),
        layer=record.source.layer,
    )  # fmt: skip
    try:
        proposal = propose_adoption(frame, plan, matching, source=source)
        done = save_adoption(
            store, user, plan, proposal, expected={**now, **seen}, reason=reason.strip()
        )
    except ConflictError as exc:
        st.error(t("adopt_conflict", lang))
        st.text(say(exc, lang))
        return
    except GeoError as exc:
        show_error(exc, lang, heading="adopt_error")
        return
    st.session_state[state.ADOPT_SEEN] = {v.object_id: v.version for v in done}
    st.success(t("adopt_saved", lang))
    for v in done:
        st.text(f"{v.name} · {v.object_id}: {v.version} · {v.author}")


def save_adoption(
    store: Store,
    user: User,
    plan: gpd.GeoDataFrame,
    proposal: Proposal,
    *,
    expected: dict[str, int],
    reason: str,
) -> list[Version]:
    """One new version per adopted element, each on top of the version in ``expected``
    (:class:`ConflictError` from the store if someone saved one since)."""
    done = []
    for edit in adoption_edits(plan, proposal):
        frame = edit.frame.drop(columns=[c for c in STORE_COLUMNS if c in edit.frame.columns])
        done.append(
            store.edit(
                user,
                edit.element_id,
                frame,
                expected_version=expected[edit.element_id],
                reason=reason,
                source=edit.source,
                accuracy=edit.accuracy,
            )
        )
    return done
