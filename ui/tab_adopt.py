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

from typing import Any

import geopandas as gpd
import streamlit as st
from streamlit_folium import st_folium

from geo.declared.i18n import say, t
from geo.edit.adopt import (
    Matching,
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
from geo.store.workspace import WorkspaceLayer
from geo.upload.dxf import cad_layer_counts
from layers.compare_map import clicked_position, feature_pick_map
from layers.offline import use_local_assets
from ui import state
from ui.columns import in_unit
from ui.tab_compare import (
    MAP_HEIGHT_PX,
    SavedLayers,
    pick_layer,
    show_difference_map,
    source_words,
)
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
    frame, cad_layers = take_cad_layers(frame, lang)
    if not len(frame):
        return
    columns = [AUTO, *(str(c) for c in frame.columns if c != frame.geometry.name)]
    column = st.selectbox(
        t("adopt_column", lang), columns,
        format_func=lambda c: t("adopt_column_auto", lang) if c == AUTO else c,
        key=state.ADOPT_COLUMN,
    )  # fmt: skip
    plan = store.current_plan()
    scope = "|".join((record.layer_id, *cad_layers))  # the features the clicks refer to
    try:
        by_name = match_features(frame, plan, column=column or None).assignments
    except GeoError as exc:
        show_error(exc, lang, heading="adopt_error")
        return
    clicks = click_assignments(frame, plan, scope=scope, lang=lang, by_name=by_name)
    try:
        matching = match_features(frame, plan, column=column or None, assignments=clicks)
        preview = propose_adoption(
            frame, plan, matching, source=_source(record, cad_layers, PREVIEW_DOCUMENT, 1.0)
        )
    except GeoError as exc:
        show_error(exc, lang, heading="adopt_error")
        return
    for note in preview.notes:
        st.text(say(note, lang))
    show_preview(plan, preview, lang=lang, unit=unit)
    save_form(store, user, plan, lang=lang, record=record, frame=frame, matching=matching,
              cad_layers=cad_layers, elements=list(preview.provenance))  # fmt: skip


def _source(
    record: WorkspaceLayer, cad_layers: tuple[str, ...], document: str, accuracy_m: float
) -> SourceDocument:
    """The file as saved, its layer (the CAD layers taken, when some were chosen)."""
    layer = ", ".join(cad_layers) if cad_layers else record.source.layer
    return SourceDocument(
        file=record.source.filename, document=document, accuracy_m=accuracy_m, layer=layer
    )


def take_cad_layers(frame: gpd.GeoDataFrame, lang: str) -> tuple[gpd.GeoDataFrame, tuple[str, ...]]:
    """A drawing's features on the CAD layers the user takes (all at first), with the
    layers taken; a layer that is no DXF, or a DXF of one CAD layer, as it is."""
    counts = cad_layer_counts(frame)
    if len(counts) < 2:
        return frame, ()
    taken = st.multiselect(
        t("adopt_cad_layers", lang), list(counts), default=list(counts),
        format_func=lambda c: t("adopt_cad_layer_option", lang, layer=c, count=counts[c]),
        key=state.ADOPT_CAD_LAYERS,
    )  # fmt: skip
    keep = frame["cad_layer"].astype(str).isin(taken).to_numpy()
    return frame[keep].reset_index(drop=True), tuple(taken)


def _element_label(plan: gpd.GeoDataFrame, lang: str) -> dict[str, str]:
    name = "name_zh" if lang == "zh" else "name_en"
    areal = plan[plan.geometry.notna() & plan.geometry.geom_type.isin(["Polygon", "MultiPolygon"])]
    return {str(i): f"{n} · {i}" for i, n in zip(areal["id"], areal[name], strict=True)}


def click_assignments(
    frame: gpd.GeoDataFrame,
    plan: gpd.GeoDataFrame,
    *,
    scope: str,
    lang: str,
    by_name: dict[int, str] | None = None,
) -> dict[int, str]:
    """The features assigned by clicking: choose an element, click a feature on the map.

    Kept in the session per ``scope`` (the layer and CAD layers taken: positions refer
    to them); a click is taken once (the map keeps sending its last click: it is told
    apart by where it was made). The map also shows ``by_name``, the features matched
    by a name or code, which a click overrides."""
    st.markdown(f"**{t('adopt_pick_heading', lang)}**")
    st.caption(t("adopt_pick_note", lang))
    kept: dict[str, Any] = st.session_state.get(state.ADOPT_PICKED) or {}
    if kept.get("scope") != scope:
        kept = {"scope": scope, "assigned": {}, "last": None}
    names = _element_label(plan, lang)
    element = st.selectbox(
        t("adopt_pick_element", lang), list(names), index=None,
        format_func=lambda e: names[e], key=state.ADOPT_PICK_ELEMENT,
        placeholder=t("choose_one", lang),
    )  # fmt: skip
    if st.button(t("adopt_pick_clear", lang), key=state.ADOPT_PICK_CLEAR):
        kept = {"scope": scope, "assigned": {}, "last": kept.get("last")}
    assigned: dict[int, str] = kept["assigned"]
    word = t("adopt_feature_label", lang)
    texts = frame["cad_text"] if "cad_text" in frame.columns else [None] * len(frame)
    labels = [
        f"{word} #{i + 1}" + (f" · {v}" if isinstance(v, str) and v else "")
        for i, v in enumerate(texts)
    ]
    chosen = plan[plan["id"].astype(str) == element] if element else None
    m = feature_pick_map(
        frame.to_crs(plan.crs), labels=labels, lang=lang, element=chosen,
        assigned={i: names.get(e, e) for i, e in {**(by_name or {}), **assigned}.items()},
    )  # fmt: skip
    out = st_folium(
        use_local_assets(m), key=state.ADOPT_PICK_MAP, height=MAP_HEIGHT_PX,
        use_container_width=True, returned_objects=["last_object_clicked", "last_active_drawing"],
    )  # fmt: skip
    click = (out or {}).get("last_object_clicked")
    position = clicked_position((out or {}).get("last_active_drawing"))
    fresh = bool(click) and click != kept["last"]
    if fresh and element and position is not None and 0 <= position < len(frame):
        assigned = {**assigned, position: element}
        kept = {**kept, "assigned": assigned}
        st.session_state[state.ADOPT_PICKED] = {**kept, "last": click}
        st.rerun()  # the map shows the assignment at once
    st.session_state[state.ADOPT_PICKED] = {**kept, "last": click or kept["last"]}
    return dict(assigned)


def show_preview(plan: gpd.GeoDataFrame, preview: Proposal, *, lang: str, unit: str) -> None:
    """Each matched element's old and new area and the change, and the two shapes."""
    shown = preview.table.assign(
        old_geometry_source=source_words(preview.table["old_geometry_source"], lang)
    )
    show_table(in_unit(shown, unit), lang, figures=True)
    # The old and new shapes of the matched elements, as the compare map draws them.
    old = plan[plan["id"].astype(str).isin(set(preview.provenance))]
    new = adopted_zones(plan, preview).loc[old.index]
    show_difference_map(compare_layers(old, new).pieces, lang=lang, unit=unit, key=state.ADOPT_MAP)


def save_form(
    store: Store,
    user: User,
    plan: gpd.GeoDataFrame,
    *,
    lang: str,
    record: WorkspaceLayer,
    frame: gpd.GeoDataFrame,
    matching: Matching,
    cad_layers: tuple[str, ...],
    elements: list[str],
) -> None:
    """Source document, accuracy and reason; the save (editors only)."""
    # The versions as this page showed them before this run: a save on top of a version
    # changed since is a conflict (the click's rerun has read the newer one).
    seen: dict[str, int] = st.session_state.get(state.ADOPT_SEEN) or {}
    now = {e: int(plan.loc[e, "store_version"]) for e in elements}
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
    accuracy = float("nan") if accuracy_m is None else float(accuracy_m)
    source = _source(record, cad_layers, document.strip(), accuracy)
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
