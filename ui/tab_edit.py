"""The Edit tab: draw a plan element's shape on the map, or move, add and delete its
vertices, cut holes, drag and rotate it; see the statutory figures of what was drawn, the
validation report, and save it as a new version of the element.

The map is the plan editor component (:mod:`ui.components.plan_editor`, Leaflet-Geoman,
snapping to the other zones' edges and the street lines); it shows an approximate area
(≈, computed in the browser) while drawing. What it sends is read as untrusted input
and measured and checked on the server (:mod:`geo.edit.draw`): the ellipsoidal area on
CGCS2000 in km² / 公顷 / 亩 with the Gauss-Kruger EPSG:4543 area beside it, the uploads'
repair report, slivers and the district-land rule. With a reason and the editor's stated
accuracy in metres, an editor saves it (:meth:`geo.store.store.Store.edit`) with
``geometry_source = "edited"``, on top of the version the editor was opened at: if
someone saved the element since, the store's conflict message is shown and the drawing
is kept (the store keeps it as the editor's private layer, the map still holds it).
Viewers see everything but cannot save.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import geopandas as gpd
import shapely
import streamlit as st
from shapely.geometry.base import BaseGeometry

from geo.declared.i18n import say, t
from geo.edit.draw import (
    EDITED,
    DrawingCheck,
    DrawnFigures,
    check_drawing,
    edited_frame,
    measure_drawing,
    merge_shapes,
    new_zone_frame,
    parse_drawing,
    parse_split_lines,
    split_shape,
)
from geo.errors import GeoError
from geo.measure.area import UNIT_LABELS
from geo.review.rules import RuleSet, load_rules
from geo.store.store import ConflictError, Store, StoreError, Version
from geo.store.users import User
from layers.edit_map import editor_payload
from ui import state
from ui.components.plan_editor import EditorValue, parse_value, plan_editor
from ui.data import current, registry, zones
from ui.store import plan_store
from ui.tab_adopt import STORE_COLUMNS

EDITOR_HEIGHT_PX = 380
NEW_ZONE = "__new__"
"""The element choice that draws a new zone (not an id: ids have no such value)."""
EDITABLE_TYPES = ("Polygon", "MultiPolygon")
UNITS = ("km2", "ha", "mu")


@st.cache_resource(show_spinner=False)
def _rules() -> RuleSet:
    return load_rules()


@st.cache_data(show_spinner=False, max_entries=16)
def _payload(store_key: str, revision: Any, element_id: str | None, lang: str) -> dict[str, Any]:
    """The editor's map data for ``element_id`` (None: a new zone), cached per plan
    revision and language."""
    return editor_payload(zones(store_key, revision), element_id, lang=lang)


def _label(plan: gpd.GeoDataFrame, lang: str) -> dict[str, str]:
    names = plan["name_zh" if lang == "zh" else "name_en"].astype(str)
    return {str(i): f"{n} · {i}" for i, n in zip(plan["id"], names, strict=True)}


def statutory_text(figures: DrawnFigures, lang: str) -> str:
    """The statutory figures as one line: ellipsoidal in the three units, Gauss-Kruger."""
    parts = " · ".join(f"{figures.display(u)} {UNIT_LABELS[u][lang]}" for u in UNITS)
    return t(
        "editor_statutory", lang, areas=parts,
        gk=f"{figures.display('km2', gauss_kruger=True)} {UNIT_LABELS['km2'][lang]}",
    )  # fmt: skip


def _metres(value: object) -> str:
    try:
        return f"{float(str(value)):g}"
    except ValueError:
        return "?"


def _fresh_form(element_id: str) -> None:
    """A stated accuracy and a reason belong to one change: another element chosen, or a
    change saved, and the boxes start empty (before they are drawn in this run)."""
    if st.session_state.get(state.EDIT_FORM_FOR) != element_id:
        st.session_state.pop(state.EDIT_ACCURACY, None)
        st.session_state.pop(state.EDIT_REASON, None)
        st.session_state[state.EDIT_FORM_FOR] = element_id


def _opened(element_id: str, version: int) -> int:
    """The version the editor was opened at (kept while the element stays chosen)."""
    opened = st.session_state.get(state.EDIT_OPENED)
    if not (isinstance(opened, tuple) and opened[0] == element_id):
        opened = (element_id, version)
        st.session_state[state.EDIT_OPENED] = opened
    return int(opened[1])


def edit_tab(lang: str, unit: str, user: User) -> None:
    # The tab's name says what it is: the explanation folds away so the editor is in view.
    with st.expander(t("edit_heading", lang)):
        st.caption(t("edit_note", lang))
    store = plan_store()
    store_key, revision = current()
    layers = zones(store_key, revision)  # cached per plan revision
    plan = layers[layers["store_version"].notna()]  # the elements (not the streets)
    shaped = plan[plan.geometry.notna() & plan.geometry.geom_type.isin(EDITABLE_TYPES)]
    labels = {NEW_ZONE: t("edit_new_zone", lang), **_label(shaped.sort_values("id"), lang)}
    element_id = st.selectbox(
        t("edit_element", lang), list(labels), format_func=labels.__getitem__,
        index=None, placeholder=t("edit_pick", lang), key=state.EDIT_ELEMENT,
    )  # fmt: skip
    if element_id is None:
        return
    _fresh_form(element_id)
    new = element_id == NEW_ZONE
    element = _new_zone_form(plan, lang) if new else plan.loc[element_id].to_dict()
    opened = 0 if new else _opened(element_id, int(float(element["store_version"])))
    map_key = state.edit_map(element_id)
    value = parse_value(st.session_state.get(map_key))
    accuracy_m = st.session_state.get(state.EDIT_ACCURACY)
    drawn = _read(value, element, accuracy_m=accuracy_m, lang=lang, new=new)
    figures = drawn[1] if drawn else None
    plan_editor(
        _payload(store_key, revision, None if new else element_id, lang), version=opened,
        lang=lang, statutory=statutory_text(figures, lang) if figures else "",
        statutory_seq=value.seq if value and figures else None,
        key=map_key, replace=st.session_state.get(state.edit_replace(element_id)),
        height=EDITOR_HEIGHT_PX,
    )  # fmt: skip
    if not new:
        source = t(f"source_{element['geometry_source']}", lang)
        accuracy = _metres(element["accuracy_m"])
        st.caption(t("edit_opened", lang, version=opened, source=source, accuracy=accuracy))
    if drawn is None:
        st.caption(t("edit_draw_first", lang))
        if not new:
            _split_and_merge(element_id, None, element["geometry"], shaped, lang)
        return
    check, figures = drawn
    _show_figures(figures, value, lang)
    _show_check(check, lang)
    _split_and_merge(element_id, value, check.shape, shaped, lang)
    _save_form(store, user, plan, element_id, element, check, opened=opened, lang=lang)


def _save_form(
    store: Store,
    user: User,
    plan: gpd.GeoDataFrame,
    element_id: str,
    element: dict[str, Any],
    check: DrawingCheck,
    *,
    opened: int,
    lang: str,
) -> None:
    """The stated accuracy and reason, and the save (a new version, or a new zone)."""
    new = element_id == NEW_ZONE
    accuracy_m = st.session_state.get(state.EDIT_ACCURACY)
    st.number_input(
        t("edit_accuracy", lang), min_value=0.0, value=None, step=1.0, key=state.EDIT_ACCURACY
    )
    reason = st.text_input(t("edit_reason", lang), key=state.EDIT_REASON)
    if not user.can_edit:
        st.caption(t("edit_viewer", lang))
        return
    if not st.button(t("edit_save", lang), key=state.EDIT_SAVE, disabled=not check.ok):
        return
    if not reason.strip():
        st.error(t("edit_need_reason", lang))
        return
    if accuracy_m is None or not float(accuracy_m) > 0:
        st.error(t("edit_need_accuracy", lang))
        return
    try:
        if new:
            done = save_new_zone(
                store, user, plan, element, check, accuracy_m=float(accuracy_m),
                reason=reason.strip(),
            )  # fmt: skip
        else:
            done = save_edit(
                store, user, plan, element_id, check, accuracy_m=float(accuracy_m),
                expected_version=opened, reason=reason.strip(),
            )  # fmt: skip
    except ConflictError as exc:
        st.error(t("edit_conflict", lang))
        st.text(say(exc, lang))
        return
    except (StoreError, GeoError) as exc:
        st.error(t("edit_error", lang))
        st.text(say(exc, lang))
        return
    if not new:
        st.session_state[state.EDIT_OPENED] = (element_id, done.version)
    st.session_state.pop(state.EDIT_FORM_FOR, None)  # the next change starts empty
    st.success(t("edit_saved", lang, name=done.name, version=done.version, author=done.author))


def _new_zone_form(plan: gpd.GeoDataFrame, lang: str) -> dict[str, Any]:
    """A new zone's layer, kind, id and names (the kinds and levels its layer has)."""
    reg = registry()
    in_plan = set(plan["layer"].astype(str))
    layer_ids = [spec.id for spec in reg.layers if spec.id in in_plan]
    layer = st.selectbox(
        t("edit_new_layer", lang), layer_ids, format_func=lambda i: reg.layer(i).name(lang),
        key=state.EDIT_NEW_LAYER,
    )  # fmt: skip
    same = plan[plan["layer"].astype(str) == layer]
    kinds = sorted(set(same["group"].dropna().astype(str)))
    kind = st.selectbox(t("edit_new_kind", lang), kinds, key=state.EDIT_NEW_KIND)
    levels = same["level"].dropna().astype(str)
    element_id = st.text_input(t("edit_new_id", lang), key=state.EDIT_NEW_ID)
    name_zh = st.text_input(t("edit_new_name_zh", lang), key=state.EDIT_NEW_NAME_ZH)
    name_en = st.text_input(t("edit_new_name_en", lang), key=state.EDIT_NEW_NAME_EN)
    return {
        "id": element_id.strip() or NEW_ZONE, "name_zh": name_zh, "name_en": name_en,
        "layer": layer, "group": kind, "level": levels.mode().iloc[0] if len(levels) else None,
        "accuracy_m": None, "geometry_source": EDITED,
    }  # fmt: skip


CHECKED_PROPERTIES = (
    "id",
    "name_zh",
    "name_en",
    "layer",
    "group",
    "level",
    "geometry_source",
    "accuracy_m",
)
"""What the checks read of the element (:func:`geo.review.features.plan_features`)."""


@st.cache_data(show_spinner=False, max_entries=32)
def _checked(
    store_key: str, revision: Any, element_json: str, drawing: str, accuracy_m: float | None
) -> tuple[DrawingCheck, DrawnFigures]:
    """A drawing parsed, checked and measured, cached on the drawing's text, the element,
    the plan revision and the stated accuracy (a rerun for another reason costs nothing).
    Raises :class:`GeoError` for a drawing that cannot be read (not cached)."""
    layers = zones(store_key, revision)
    plan = layers[layers["store_version"].notna()].drop(columns=list(STORE_COLUMNS))
    check = check_drawing(
        parse_drawing(drawing), element=json.loads(element_json), plan=plan, rules=_rules(),
        registry=registry(), accuracy_m=accuracy_m,
    )  # fmt: skip
    return check, measure_drawing(check.shape, accuracy_m=accuracy_m)


def _read(
    value: EditorValue | None,
    element: dict[str, Any],
    *,
    accuracy_m: float | None,
    lang: str,
    new: bool = False,
) -> tuple[DrawingCheck, DrawnFigures] | None:
    """What the editor sent, parsed, checked and measured; None before anything is sent
    (or for a value sent for another element). A drawing that cannot be read says why."""
    if value is None or (not new and value.element != str(element["id"])):
        return None
    store_key, revision = current()
    described = {k: element.get(k) for k in CHECKED_PROPERTIES}
    try:
        return _checked(
            store_key, revision, json.dumps(described, ensure_ascii=False, default=str),
            json.dumps(value.geojson), float(accuracy_m) if accuracy_m else None,
        )  # fmt: skip
    except GeoError as exc:
        st.error(t("edit_unreadable", lang))
        st.text(say(exc, lang))
        return None


def _replace_drawing(element_id: str, shape: BaseGeometry) -> None:
    """Have the editor replace its drawing with ``shape`` (once: a new token)."""
    geojson = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {}, "geometry": json.loads(shapely.to_geojson(shape))}
    ]}  # fmt: skip
    token = uuid.uuid4().hex
    st.session_state[state.edit_replace(element_id)] = {"token": token, "geojson": geojson}
    st.rerun()


def _split_and_merge(
    element_id: str,
    value: EditorValue | None,
    shape: BaseGeometry | None,
    shaped: gpd.GeoDataFrame,
    lang: str,
) -> None:
    """Split the shape by the line(s) drawn on the editor (a piece is kept), or merge
    another element's shape into it; either replaces the drawing, to be checked and saved
    like any edit. The other element and the other pieces are not changed."""
    st.markdown(f"**{t('edit_split_merge', lang)}**")
    if shape is None or shape.is_empty:
        return
    if value is not None and value.lines is not None:
        try:
            pieces = split_shape(shape, parse_split_lines(value.lines))
        except GeoError as exc:
            st.warning(t("edit_split_no", lang))
            st.text(say(exc, lang))
            pieces = []
        if pieces:
            areas = [measure_drawing(p).display("km2") for p in pieces]
            keep = st.radio(
                t("edit_split_keep", lang), range(len(pieces)),
                format_func=lambda i: t("edit_split_piece", lang, n=i + 1, km2=areas[i]),
                key=state.EDIT_SPLIT_PIECE,
            )  # fmt: skip
            if st.button(t("edit_split_apply", lang), key=state.EDIT_SPLIT_APPLY):
                _replace_drawing(element_id, pieces[keep])
    else:
        st.caption(t("edit_split_hint", lang))
    others = _label(shaped[shaped["id"].astype(str) != element_id].sort_values("id"), lang)
    other = st.selectbox(
        t("edit_merge_with", lang), list(others), format_func=others.__getitem__, index=None,
        placeholder=t("edit_pick", lang), key=state.EDIT_MERGE_WITH,
    )  # fmt: skip
    if other is not None:
        st.caption(t("edit_merge_note", lang))
        if st.button(t("edit_merge_apply", lang), key=state.EDIT_MERGE_APPLY):
            theirs = shaped.loc[shaped["id"].astype(str) == other].geometry.iloc[0]
            _replace_drawing(element_id, merge_shapes(shape, theirs))


def _show_figures(figures: DrawnFigures, value: EditorValue | None, lang: str) -> None:
    st.markdown(f"**{t('edit_figures', lang)}**")
    columns = st.columns(len(UNITS) + 1)
    for column, unit in zip(columns, UNITS, strict=False):
        column.metric(UNIT_LABELS[unit][lang], figures.display(unit))
    columns[-1].metric(t("edit_gk", lang), figures.display("km2", gauss_kruger=True))
    st.caption(t("edit_figures_note", lang))
    if value is not None and value.approx_m2 > 0:
        st.caption(t("edit_browser_area", lang, km2=f"{value.approx_m2 / 1e6:.3g}"))


def _show_check(check: DrawingCheck, lang: str) -> None:
    lines = [say(m, lang) for m in check.warnings]
    if check.refused:
        st.error(t("edit_refused", lang))
        for m in check.refused:
            st.text(say(m, lang))
    elif lines:
        st.warning(t("edit_warnings", lang))
    else:
        st.success(t("edit_valid", lang))
    for line in lines:
        st.text(line)


def save_edit(
    store: Store,
    user: User,
    plan: gpd.GeoDataFrame,
    element_id: str,
    check: DrawingCheck,
    *,
    accuracy_m: float,
    expected_version: int,
    reason: str,
) -> Version:
    """The checked shape as a new version of ``element_id``, on top of
    ``expected_version`` (:class:`ConflictError` if someone saved one since)."""
    row = plan[plan["id"].astype(str) == element_id].drop(columns=list(STORE_COLUMNS))
    frame = edited_frame(row, check.shape, accuracy_m=accuracy_m, editor=user.username)
    return store.edit(
        user, element_id, frame.reset_index(drop=True), expected_version=expected_version,
        reason=reason, source=str(frame["source_detail"].iloc[0]),
        accuracy=f"{accuracy_m:g} m, as stated by {user.username}",
    )  # fmt: skip


def save_new_zone(
    store: Store,
    user: User,
    plan: gpd.GeoDataFrame,
    element: dict[str, Any],
    check: DrawingCheck,
    *,
    accuracy_m: float,
    reason: str,
) -> Version:
    """The checked shape as a new plan element (version 1)."""
    frame = new_zone_frame(
        check.shape, element_id=str(element["id"]).strip(), name_zh=str(element["name_zh"]),
        name_en=str(element["name_en"]), layer=str(element["layer"]), kind=element["group"],
        level=element["level"], accuracy_m=accuracy_m, editor=user.username,
        taken=frozenset(plan["id"].astype(str)),
    )  # fmt: skip
    return store.create_element(
        user, frame, element_id=str(frame["id"].iloc[0]), reason=reason,
        source=str(frame["source_detail"].iloc[0]),
        accuracy=f"{accuracy_m:g} m, as stated by {user.username}",
    )  # fmt: skip
