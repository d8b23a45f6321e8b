"""The compare tab: two versions of the plan from the store, or a saved layer against the
plan, as a difference table (area before and after, the change in km² / 公顷 / 亩, the
share changed, who changed it and why), a difference map and an XLSX/CSV download; below
it, adopting a saved layer's shapes as plan elements (:mod:`ui.tab_adopt`).

The figures come from :mod:`geo.edit.compare` (ellipsoidal on CGCS2000). Names, reasons
and user names are user text: they are shown in table cells, ``st.text`` and selectbox
options only, never in Markdown or widget labels.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

import geopandas as gpd
import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from geo.declared.i18n import load_strings, say, t
from geo.edit.compare import (
    METHOD,
    PIECES,
    UNCHANGED,
    Comparison,
    compare_layers,
    compare_with_plan,
    diff_table,
    side_shapes,
)
from geo.errors import GeoError
from geo.store.store import AuditEntry, Store, StoreUnavailableError
from geo.store.users import User
from geo.store.workspace import WorkspaceLayer
from layers.compare_map import difference_map, swipe_map
from layers.offline import use_local_assets
from ui import state
from ui.downloads import table_downloads
from ui.history import action_word, reason_text
from ui.store import current_user, plan_store
from ui.uploads import show_error, show_table

MODES = ("versions", "layer")
VIEWS = ("difference", "swipe")
"""The comparison's maps: the pieces added / removed / unchanged, or the two sides swiped."""
CURRENT = "current"
"""The option naming the plan as the store holds it now."""
MAX_CHANGES = 500
"""Plan changes offered as versions to compare (newest first)."""
MAP_HEIGHT_PX = 360


class SavedLayers(Protocol):
    """What the tab needs of the saved layers (the workspace, or the store's layers)."""

    def list_layers(self) -> list[WorkspaceLayer]: ...

    def read(self, layer_id: str) -> gpd.GeoDataFrame: ...


def store_and_user(lang: str) -> tuple[Store, User] | None:
    """The app's store and who is signed in; a plain message and None if neither."""
    try:
        store, user = plan_store(), current_user()
    except StoreUnavailableError as exc:
        st.error(t("compare_store_unavailable", lang))
        st.text(say(exc, lang))
        return None
    if user is None:
        st.caption(t("compare_sign_in", lang))
        return None
    return store, user


def pick_layer(
    layers: SavedLayers, lang: str, *, label: str, key: str, preselect: bool = True
) -> WorkspaceLayer | None:
    """A saved layer chosen by name (``label``: the i18n key of the selectbox), or None:
    a note when there is none; nothing chosen yet unless ``preselect`` (the first)."""
    saved = {layer.layer_id: layer for layer in layers.list_layers()}
    if not saved:
        st.caption(t("compare_no_layers", lang))
        return None
    picked = st.selectbox(
        t(label, lang), list(saved), index=0 if preselect else None,
        format_func=lambda i: saved[i].name, key=key, placeholder=t("choose_one", lang),
    )  # fmt: skip
    return None if picked is None else saved[str(picked)]


def plan_versions(store: Store, user: User, lang: str) -> dict[str, str]:
    """As-of time → label: the plan now, after each change of an element (newest first),
    and as seeded."""
    entries = [e for e in store.history(user, limit=MAX_CHANGES) if e.kind == "element"]
    changes = [e for e in entries if e.action != "seed"]
    seeds = [e for e in entries if e.action == "seed"]
    options = {CURRENT: ""}
    for e in changes:
        options.setdefault(e.time_utc, _change_label(e, lang))
    if seeds:
        seeded = action_word("seed", lang)
        options.setdefault(seeds[0].time_utc, f"{seeds[0].time_utc[:19]}Z · {seeded}")
    return options


def _change_label(e: AuditEntry, lang: str) -> str:
    action, reason = action_word(e.action, lang), reason_text(e.reason, lang)
    return f"{e.time_utc[:19]}Z · {e.username} · {e.name} · {action} · {reason}"


def plan_at(store: Store, as_of: str) -> gpd.GeoDataFrame:
    return store.current_plan(as_of=None if as_of == CURRENT else as_of)


def with_changes(
    store: Store, user: User, before: pd.DataFrame, after: gpd.GeoDataFrame
) -> gpd.GeoDataFrame:
    """``after`` with ``changed_by`` and ``reason``: the author and reason of each
    element's version in ``after`` where it differs from the version in ``before``."""
    was = dict(zip(before["id"].astype(str), before["store_version"], strict=True))
    by: list[str | None] = []
    why: list[str | None] = []
    for element, version in zip(after["id"].astype(str), after["store_version"], strict=True):
        if was.get(element) == version:
            by.append(None)
            why.append(None)
            continue
        v = store.get(user, element, version=int(version))
        by.append(v.author)
        why.append(v.reason)
    return after.assign(changed_by=by, reason=why)


@st.cache_data(show_spinner=False, max_entries=8)
def _cached_versions(
    _store: Store, _user: User, where: str, before_as_of: str, after_as_of: str
) -> Comparison:
    """:func:`compare_versions` once per store and pair of times (versions never change;
    a comparison of the whole plan takes about two seconds)."""
    return compare_versions(_store, _user, before_as_of, after_as_of)


def compare_versions(store: Store, user: User, before_as_of: str, after_as_of: str) -> Comparison:
    """The plan at two times, element by element, with who changed each and why."""
    before = plan_at(store, before_as_of)
    after = plan_at(store, after_as_of)
    return compare_layers(before, with_changes(store, user, before, after))


def shown_table(
    comparison: Comparison, *, unit: str, lang: str, only_changed: bool
) -> pd.DataFrame:
    """The difference table as the page shows it: areas with their unit in the column
    name (so the header says it), the status in words."""
    table = diff_table(comparison, unit=unit).drop(columns=["unit", "unit_zh", "method", "crs"])
    table = table.rename(
        columns={"area_before": f"area_before_{unit}", "area_after": f"area_after_{unit}"}
    )
    if only_changed:
        table = table[table["status"] != UNCHANGED]
    table["status"] = table["status"].map(lambda s: t(f"compare_status_{s}", lang))
    for column in ("geometry_source_before", "geometry_source_after"):
        if column in table.columns:
            table[column] = source_words(table[column], lang)
    return table.reset_index(drop=True)


def source_words(sources: pd.Series, lang: str) -> pd.Series:
    """Geometry sources in words (``source_<id>`` texts); an unknown one as it is."""
    known = load_strings()
    return sources.map(lambda v: t(f"source_{v}", lang) if f"source_{v}" in known else v)


def compare_tab(lang: str, unit: str, layers: SavedLayers) -> None:
    """The tab: compare, then adopt (:func:`ui.tab_adopt.adopt_section`)."""
    from ui.tab_adopt import adopt_section  # the adopt section uses this module's helpers

    found = store_and_user(lang)
    if found is None:
        return
    store, user = found
    compare_section(lang, unit, store, user, layers)
    st.divider()
    adopt_section(lang, unit, store, user, layers)


Chosen = tuple[Callable[[], Comparison], str, tuple[str, str]]
"""What the user chose to compare: how to make the comparison, the downloads' file stem,
and the names of the two sides."""


def compare_section(lang: str, unit: str, store: Store, user: User, layers: SavedLayers) -> None:
    st.subheader(t("compare_heading", lang))
    mode = st.radio(
        t("compare_mode", lang), MODES, format_func=lambda m: t(f"compare_mode_{m}", lang),
        horizontal=True, key=state.COMPARE_MODE,
    )  # fmt: skip
    if mode == "versions":
        chosen: Chosen | None = choose_versions(lang, store, user)
    else:
        chosen = choose_layer(lang, store, layers)
    if chosen is None:
        return
    make, stem, names = chosen
    try:
        comparison = make()
    except GeoError as exc:
        show_error(exc, lang, heading="compare_error")
        return
    show_comparison(comparison, lang=lang, unit=unit, stem=stem, names=names)


def choose_versions(lang: str, store: Store, user: User) -> Chosen:
    """Two versions of the plan from the store (default: before the latest change, now)."""
    options = plan_versions(store, user, lang)
    times = list(options)
    head = max((k for k in times if k != CURRENT), default=CURRENT)

    def label(k: str) -> str:
        return t("compare_current", lang) if k == CURRENT else options[k]

    before = st.selectbox(
        t("compare_before", lang), times, index=min(2, len(times) - 1),
        format_func=label, key=state.COMPARE_BEFORE,
    )  # fmt: skip
    after = st.selectbox(
        t("compare_after", lang), times, index=0, format_func=label, key=state.COMPARE_AFTER
    )

    def named(k: str) -> str:
        return label(k) + (f" ({head[:19]}Z)" if k == CURRENT and head != CURRENT else "")

    def make() -> Comparison:
        # "current" as the newest change's time: the same plan, and a cache key that
        # moves on with the next change.
        a, b = (head if k == CURRENT else str(k) for k in (before, after))
        return _cached_versions(store, user, store.describe(), a, b)

    return make, "compare_versions", (named(str(before)), named(str(after)))


def choose_layer(lang: str, store: Store, layers: SavedLayers) -> Chosen | None:
    """A saved layer against the plan as the store holds it now."""
    picked = pick_layer(layers, lang, label="compare_layer", key=state.COMPARE_LAYER)
    if picked is None:
        return None

    def make() -> Comparison:
        return compare_with_plan(layers.read(picked.layer_id), store.current_plan())

    return make, "compare_layer", (t("compare_current", lang), picked.name)


def show_comparison(
    comparison: Comparison, *, lang: str, unit: str, stem: str, names: tuple[str, str]
) -> None:
    """The notes, the difference table, its downloads and the chosen map."""
    for note in comparison.notes:
        st.text(say(note, lang))
    only_changed = st.checkbox(
        t("compare_only_changed", lang), value=True, key=state.COMPARE_ONLY_CHANGED
    )
    table = shown_table(comparison, unit=unit, lang=lang, only_changed=only_changed)
    if table.empty:
        st.caption(t("compare_no_change", lang))
    else:
        show_table(table, lang, figures=True)
    table_downloads(
        diff_table(comparison, unit=unit).drop(columns=["unit", "unit_zh", "method", "crs"]),
        lang=lang, stem=stem, sheet="diff", unit=unit, method=METHOD,
    )  # fmt: skip
    pdf_download(comparison, names=names, stem=stem, only_changed=only_changed, lang=lang)
    shown_ids = set(table_ids(comparison, only_changed=only_changed))
    view = st.radio(
        t("compare_view", lang), VIEWS, format_func=lambda v: t(f"compare_view_{v}", lang),
        horizontal=True, key=state.COMPARE_VIEW,
    )  # fmt: skip
    if view == "swipe":
        show_swipe_map(comparison, shown_ids, lang=lang, unit=unit)
    else:
        pieces = comparison.pieces
        show_difference_map(
            pieces[pieces["id"].isin(shown_ids)], lang=lang, unit=unit, key=state.COMPARE_MAP
        )


def pdf_download(
    comparison: Comparison, *, names: tuple[str, str], stem: str, only_changed: bool, lang: str
) -> None:
    """A button for the comparison as a PDF page, built when it is clicked."""

    def build() -> bytes:
        # Imported on the click: it brings matplotlib (0.8 s), which the page's start
        # never needs.
        from geo.export.compare_page import comparison_pdf_bytes

        return comparison_pdf_bytes(
            comparison, before_name=names[0], after_name=names[1], only_changed=only_changed
        )

    st.download_button(
        t("compare_download_pdf", lang), build, f"{stem}.pdf", "application/pdf",
        key=state.COMPARE_PDF, on_click="ignore",
    )  # fmt: skip


def table_ids(comparison: Comparison, *, only_changed: bool) -> list[str]:
    """The elements the page shows: all, or those that changed."""
    rows = comparison.table
    if only_changed:
        rows = rows[rows["status"] != UNCHANGED]
    return [str(i) for i in rows["id"]]


def show_swipe_map(comparison: Comparison, ids: set[str], *, lang: str, unit: str) -> None:
    """The elements ``ids`` before (left of the slider) and after (right)."""
    sides = [side_shapes(comparison, side) for side in ("before", "after")]
    before, after = (frame[frame["id"].astype(str).isin(ids)] for frame in sides)
    if not (len(before) or len(after)):
        return
    st.caption(t("compare_swipe_note", lang))
    m = swipe_map(
        before, after, side_labels={s: t(f"compare_side_{s}", lang) for s in ("before", "after")},
        unit=unit, unit_label=t(f"unit_{unit}", lang), lang=lang,
    )  # fmt: skip
    st_folium(
        use_local_assets(m), key=state.COMPARE_SWIPE_MAP, height=MAP_HEIGHT_PX,
        use_container_width=True, returned_objects=[],
    )  # fmt: skip


def show_difference_map(pieces: gpd.GeoDataFrame, *, lang: str, unit: str, key: str) -> None:
    """The pieces (added / removed / unchanged) on a map of their own, with its key."""
    if not len(pieces):
        return
    st.caption(t("compare_map_note", lang))
    labels = {p: t(f"compare_piece_{p}", lang) for p in PIECES}
    m = difference_map(
        pieces, piece_labels=labels, unit=unit, unit_label=t(f"unit_{unit}", lang), lang=lang
    )
    st_folium(
        use_local_assets(m), key=key, height=MAP_HEIGHT_PX, use_container_width=True,
        returned_objects=[],
    )  # fmt: skip
