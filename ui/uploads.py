"""The "your layers" tab: upload, confirm the CRS, validate, save, measure against the plan.

Every message about a user's file, every layer and file name and every attribute value
is shown as plain text (``st.text``, table cells, selectbox options), never as Markdown
or HTML — widget labels, help, alerts and radio options are Markdown in Streamlit, so
user text never goes there. Long text is cut for display (:func:`geo.display.display_table`);
downloads keep the full values.

Another session may delete or rename a layer at any time: a layer that is gone is a
message (``layer_gone``), never a traceback, and the map is kept. Renames and deletes
run in widget callbacks, so each happens once per user action.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Callable
from typing import Any

import folium
import geopandas as gpd
import pandas as pd
import streamlit as st

from geo.declared.i18n import say, t
from geo.display import (
    DISPLAY_PAGE_ROWS,
    DISPLAY_TABLE_ROWS,
    display_copy,
    display_table,
    geojson_dict,
    grid_summary,
    has_long_text,
    page_count,
    within_view,
)
from geo.errors import GeoError
from geo.export.tables import OVERLAP_METHOD
from geo.measure.area import M2_PER_UNIT
from geo.measure.overlap import union_area_m2
from geo.measure.validate import ValidationReport
from geo.store.layers import UserLayers
from geo.store.workspace import LayerGoneError, clean_name
from geo.upload import LoadedLayer, NeedsCRS, inspect_upload, overlap_with_zones, read_upload
from geo.upload.coords import CRSCandidate
from layers.plan_map import highlight_group
from layers.user_layer import user_layer
from ui import state
from ui import tiles as tiles_ui
from ui.columns import in_unit, page_table
from ui.downloads import table_downloads
from ui.layer_actions import confirm_delete, store_layer_section
from ui.store import user_layers

FILE_TYPES = ["geojson", "json", "zip", "gpkg", "kml", "kmz", "csv", "dxf"]
ENCODINGS = ["auto", "utf-8", "gbk", "gb18030", "big5"]
SYSTEMS = ["wgs84", "gcj02", "bd09"]
LARGE_LAYER_FEATURES = 5_000
DETAIL_ZOOM = 15
USER_COLOURS = ["#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22"]
MESSAGE_CHARS = 2_000  # one validation message, as shown
MAX_REMEMBERED_CRS = 8  # files whose confirmed CRS this session keeps


def workspace() -> UserLayers:
    """The signed-in user's saved layers in the store (ui/store.py), in both modes:
    versioned, private until shared, deleted softly (restorable from the history)."""
    return user_layers()


def show_error(exc: GeoError, lang: str, heading: str = "upload_error") -> None:
    """An error under its heading (an i18n key), the message as plain text."""
    if isinstance(exc, LayerGoneError):
        st.warning(t("layer_gone", lang))
    else:
        st.error(t(heading, lang))
    st.text(say(exc, lang))


def show_table(
    table: pd.DataFrame, lang: str, *, figures: bool = False, page_key: str | None = None
) -> None:
    """A table as a display copy: long text cut (a note says so); downloads and figures
    use the full data. ``figures``: a table of ours (headers, shares and units as the
    page shows them), not a user's attributes (shown exactly as they are). With
    ``page_key`` (a widget key), the page receives one page of
    :data:`~geo.display.DISPLAY_PAGE_ROWS` rows, chosen with a page number."""
    rows = DISPLAY_PAGE_ROWS if page_key else DISPLAY_TABLE_ROWS
    pages = page_count(len(table), page_rows=rows)
    page = 1
    if page_key and pages > 1:  # the page gets one page of rows, not the whole table
        page = int(st.number_input(t("table_page", lang), 1, pages, key=page_key))
    start = (page - 1) * rows
    shown = display_table(table, start=start, max_rows=rows)
    st.dataframe(page_table(shown, lang) if figures else shown, hide_index=True, width="stretch")
    if len(shown) < len(table):
        st.caption(
            f"{t('table_rows_note', lang)} {start + 1:,}–{start + len(shown):,} / {len(table):,}"
        )
    if has_long_text(shown):
        st.caption(t("table_cut_note", lang))


# cache_resource, not cache_data: a 100,000-parcel layer is not pickled on every rerun
# (0.5 CPU-s each); the frames are read-only (geo/ never mutates its input).
@st.cache_resource(show_spinner=False, max_entries=8)
def _read(
    data: bytes,
    filename: str,
    layer: str | None,
    encoding: str | None,
    system: str,
    crs: str | None,
    swap_xy: bool,
) -> LoadedLayer | NeedsCRS:
    return read_upload(
        data,
        filename,
        layer=layer,
        encoding=encoding,
        coordinate_system=system,  # type: ignore[arg-type]
        crs=crs,
        swap_xy=swap_xy,
    )


@st.cache_resource(show_spinner=False, max_entries=16)  # not pickled per rerun, as _read
def saved_layer(root: str, layer_id: str, version: str) -> gpd.GeoDataFrame:
    """A saved layer's features (cached per layer and save time: a rename changes no
    feature)."""
    return workspace().read(layer_id)  # root: the cache key


@st.cache_data(show_spinner=False, max_entries=8, hash_funcs={gpd.GeoDataFrame: lambda _g: 0})
def _areas_m2(digest: str, read: tuple[Any, ...], frame: gpd.GeoDataFrame) -> tuple[float, float]:
    # Keyed on the file's SHA-256 and how it was read (the frame follows from them):
    # the sum and the union of 100,000 parcels take seconds, and every widget reruns.
    from geo.measure.area import ellipsoidal_area_m2

    total = float(ellipsoidal_area_m2(frame, method="equal_area").sum())  # Geod: 10x slower
    union = union_area_m2(frame[frame.geometry.geom_type.isin(["Polygon", "MultiPolygon"])])
    return total, union


def _area_line(
    frame: gpd.GeoDataFrame, unit: str, lang: str, *, digest: str, read: tuple[Any, ...]
) -> str:
    total, union = _areas_m2(digest, read, frame)
    u = t(f"unit_{unit}", lang)
    return (
        f"{t('feature_count', lang)}: {len(frame):,} · {t('total_sum', lang)} "
        f"{total / M2_PER_UNIT[unit]:,.4f} {u} · {t('total_union', lang)} "
        f"{union / M2_PER_UNIT[unit]:,.4f} {u}"
    )


def upload_section(lang: str, unit: str) -> None:
    file = st.file_uploader(t("upload_file", lang), type=FILE_TYPES, key=state.UPLOAD_FILE)
    if file is None:
        return
    data = file.getvalue()
    digest = hashlib.sha256(data).hexdigest()
    this_file = (file.name, digest)
    try:
        inspection = inspect_upload(data, file.name)
    except GeoError as exc:
        show_error(exc, lang)
        return

    c1, c2, c3 = st.columns(3)
    layer = None
    if inspection.layers:
        layer = c1.selectbox(
            t("upload_pick_layer", lang), inspection.layers, key=state.UPLOAD_LAYER
        )
    encoding = c2.selectbox(
        t("upload_encoding", lang),
        ENCODINGS,
        format_func=lambda e: t("upload_encoding_auto", lang) if e == "auto" else e,
        key=state.UPLOAD_ENCODING,
    )
    system = c3.radio(
        t("upload_system", lang),
        SYSTEMS,
        format_func=lambda s: t(f"system_{s}", lang),
        key=state.UPLOAD_SYSTEM,
    )
    args = (data, file.name, layer, None if encoding == "auto" else encoding, system)
    confirmed = confirmed_crs(this_file)
    try:
        result = _read(
            *args, confirmed[0] if confirmed else None, confirmed[1] if confirmed else False
        )
    except GeoError as exc:
        show_error(exc, lang)
        if confirmed:  # the next run offers the choice of CRS again
            forget_crs(this_file)
        return

    if isinstance(result, NeedsCRS):
        _choose_crs(result, args, this_file, lang)
        return

    with st.expander(t("validation_report", lang), expanded=not result.report.ok):
        notes = (*result.notes, *report_lines(result.report, lang))
        lines = [_cut(say(m, lang), MESSAGE_CHARS) for m in notes]
        st.text("\n".join(lines) or t("validation_ok", lang))
    read = (*args[1:], *(confirmed or (None, False)))
    st.text(_area_line(result.frame, unit, lang, digest=digest, read=read))
    preview = pd.DataFrame(result.frame.drop(columns=result.frame.geometry.name).head(200))
    show_table(preview.astype(object).where(preview.notna(), "").astype(str), lang)  # blank
    name = st.text_input(
        t("layer_name", lang), value=file.name.rsplit(".", 1)[0], key=state.UPLOAD_NAME
    )
    if st.button(t("save_layer", lang), type="primary", key=state.UPLOAD_SAVE):
        try:
            saved = workspace().save(result, data, name=name)
        except GeoError as exc:
            show_error(exc, lang, "save_error")
            return
        if saved.feature_count > LARGE_LAYER_FEATURES:
            tiles_ui.start_tiles(workspace(), saved.layer_id)  # in the background
        st.success(t("saved", lang))
        st.text(f"{saved.name} ({saved.feature_count:,})")


def confirmed_crs(file: tuple[str, str]) -> tuple[str, bool] | None:
    """The (CRS, swap_xy) the user confirmed for this file (its name and SHA-256), if
    any: a confirmation belongs to one file and is never applied to another."""
    chosen: dict[tuple[str, str], tuple[str, bool]] = st.session_state.get(state.UPLOAD_CRS) or {}
    return chosen.get(file)


def confirm_crs(file: tuple[str, str], crs: str, swap_xy: bool) -> None:
    chosen = dict(st.session_state.get(state.UPLOAD_CRS) or {})
    chosen.pop(file, None)
    chosen[file] = (crs, swap_xy)
    st.session_state[state.UPLOAD_CRS] = dict(list(chosen.items())[-MAX_REMEMBERED_CRS:])


def forget_crs(file: tuple[str, str]) -> None:
    chosen = dict(st.session_state.get(state.UPLOAD_CRS) or {})
    chosen.pop(file, None)
    st.session_state[state.UPLOAD_CRS] = chosen


def report_lines(report: ValidationReport, lang: str) -> list[str]:
    """The validation findings in ``lang``, one line each (the geometry problem itself
    is GEOS's own words)."""
    lines = [
        t("report_repaired", lang).format(
            feature=r.index,
            problem=r.problem,
            change=f"{r.area_change_m2:+,.1f}",
            before=f"{r.area_before_m2:,.1f}",
            after=f"{r.area_after_m2:,.1f}",
        )
        for r in report.repairs
    ]
    for key, items in (
        ("report_missing", report.missing),
        ("report_empty", report.empty),
        ("report_non_areal", report.non_areal),
        ("report_z_dropped", report.z_dropped),
        ("report_duplicated_ids", report.duplicated_ids),
    ):
        if items:
            lines.append(t(key, lang).format(count=f"{len(items):,}", which=_few(items, lang)))
    return lines


def _few(items: tuple[Any, ...], lang: str, limit: int = 10) -> str:
    shown = ", ".join(map(str, items[:limit]))
    more = len(items) - limit
    return shown + (" " + t("report_more", lang).format(count=f"{more:,}") if more > 0 else "")


def needs_crs_text(result: NeedsCRS, lang: str) -> str:
    """Why a CRS must be confirmed, in ``lang`` (notes on reading stay as written)."""
    key = "needs_crs_declared" if result.declared is not None else "needs_crs_none"
    head = t(key, lang).format(
        file=result.filename, declared=result.declared, coordinates=result.magnitudes
    )
    return "\n".join([head, *(say(n, lang) for n in result.notes)])


def candidate_text(candidate: CRSCandidate, lang: str) -> str:
    """One CRS candidate in ``lang``: the CRS, its name, and where it puts the data."""
    return t("crs_candidate", lang).format(
        crs=candidate.crs,
        name=candidate.name_zh if lang == "zh" else candidate.name_en,
        swap=t("crs_swapped", lang) if candidate.swap_xy else "",
        lon=f"{candidate.centre_lon:.4f}",
        lat=f"{candidate.centre_lat:.4f}",
        km=f"{candidate.distance_km:,.0f}",
        where=t("crs_inside" if candidate.inside_region else "crs_outside", lang),
    )


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


def _choose_crs(
    result: NeedsCRS, args: tuple[Any, ...], this_file: tuple[str, str], lang: str
) -> None:
    """The file declares no CRS: pick a ranked candidate, or type an EPSG code (checked
    by reading the file with it before it is taken)."""
    st.warning(t("needs_crs", lang))
    st.text(needs_crs_text(result, lang))
    if result.candidates:
        pick = st.radio(
            t("confirm_crs", lang),
            range(len(result.candidates)),
            format_func=lambda i: candidate_text(result.candidates[i], lang),
            key=state.UPLOAD_CRS_PICK,
        )
        if st.button(t("confirm_crs", lang), key=state.UPLOAD_CRS_CONFIRM):
            chosen = result.candidates[int(pick)]
            confirm_crs(this_file, chosen.crs, chosen.swap_xy)
            st.rerun()
    typed = st.text_input(t("crs_typed", lang), key=state.UPLOAD_CRS_TEXT, placeholder="EPSG:4543")
    if st.button(t("crs_use", lang), key=state.UPLOAD_CRS_USE):
        code = (typed or "").strip()
        if not code:
            st.error(t("crs_error", lang))
            st.text(t("crs_empty", lang))
            return
        try:
            _read(*args, code, False)
        except GeoError as exc:
            show_error(exc, lang, "crs_error")
            return
        confirm_crs(this_file, code, False)
        st.rerun()


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


def analysis_section(
    lang: str,
    unit: str,
    zones: gpd.GeoDataFrame,
    plan_choices: dict[str, str],
    ids_for: Callable[[list[str]], tuple[str, ...]],
) -> None:
    st.markdown(f"**{t('analyse', lang)}**")
    ws = workspace()
    layers = {m.layer_id: m for m in ws.list_layers()}
    chosen = st.session_state.get(state.ANALYSE_LAYER)
    if chosen is not None and chosen not in layers:
        st.warning(t("layer_gone", lang))  # deleted meanwhile, perhaps by another session
        st.session_state.pop(state.ANALYSE_LAYER, None)
    if not layers:
        return
    c1, c2 = st.columns(2)
    layer_id = c1.selectbox(
        t("analyse_layer", lang),
        list(layers),
        format_func=lambda i: layers[i].name,
        key=state.ANALYSE_LAYER,
    )
    choice = c2.multiselect(
        t("analyse_zones", lang),
        list(plan_choices),
        format_func=plan_choices.get,
        key=state.ANALYSE_ZONES,
        placeholder=t("choose_options", lang),
    )
    st.checkbox(t("show_intersections", lang), key=state.ANALYSE_SHOW)
    if not layer_id or not choice:
        return
    result = analysis(lang, zones, ids_for(choice))
    if result is None:
        return
    by_feature, by_zone = result
    u = t(f"unit_{unit}", lang)
    st.markdown(f"**{t('by_feature', lang)}**")
    show_table(
        in_unit(by_feature, unit),
        lang,
        figures=True,
        page_key=state.table_page("upload_by_feature"),
    )
    st.markdown(f"**{t('by_zone', lang)}** ({u})")
    show_table(
        in_unit(by_zone, unit), lang, figures=True, page_key=state.table_page("upload_by_zone")
    )
    table_downloads(
        by_feature,
        lang=lang,
        stem="upload_by_feature",
        sheet="by_feature",
        unit="m2",
        method=OVERLAP_METHOD,
    )
    table_downloads(
        by_zone, lang=lang, stem="upload_by_zone", sheet="by_zone", unit="m2", method=OVERLAP_METHOD
    )


def analysis(
    lang: str, zones: gpd.GeoDataFrame, zone_ids: tuple[str, ...]
) -> tuple[pd.DataFrame, pd.DataFrame] | None:
    """The overlap of the chosen saved layer with the chosen zones (and the pieces for
    the map, kept in the cache)."""
    pieces = analysis_pairs(zones, zone_ids)
    if pieces is None:
        return None
    overlap = pieces
    name_col = "name_zh" if lang == "zh" else "name_en"
    by_zone = overlap.by_zone.copy()
    by_zone.insert(0, "name", zones.loc[by_zone.index, name_col].to_numpy())
    return overlap.by_feature.reset_index(), by_zone.reset_index()


def analysis_pairs(zones: gpd.GeoDataFrame, zone_ids: tuple[str, ...]) -> Any:
    layer_id = st.session_state.get(state.ANALYSE_LAYER)
    if not layer_id or not zone_ids:
        return None
    ws = workspace()
    try:
        meta = ws.get(layer_id)
        frame = saved_layer(str(ws.root), layer_id, meta.created_utc)
    except GeoError:  # deleted (or damaged) meanwhile: analysis_section says so
        return None
    subset = zones.loc[list(zone_ids)]
    subset = subset[subset.geometry.geom_type.isin(["Polygon", "MultiPolygon"])]
    return _overlap(
        str(ws.root), layer_id, meta.created_utc, zone_ids, frame, subset, meta.source.id_column
    )


@st.cache_data(show_spinner=False, max_entries=8, hash_funcs={gpd.GeoDataFrame: lambda _g: 0})
def _overlap(
    root: str,
    layer_id: str,
    version: str,
    zone_ids: tuple[str, ...],
    frame: gpd.GeoDataFrame,
    zones: gpd.GeoDataFrame,
    id_column: str | None,
) -> Any:
    # Keyed on the layer id, its save time and the zone ids; the frames follow from them.
    return overlap_with_zones(frame, zones, zone_id_column="id", upload_id_column=id_column)


def map_groups(
    lang: str,
    view: dict[str, Any] | None,
    zones: gpd.GeoDataFrame,
    ids_for: Callable[[list[str]], tuple[str, ...]],
) -> tuple[list[folium.FeatureGroup], bool]:
    """Feature groups for the saved layers ticked "show on map", and whether any is large
    (then the map must report its view so only what is in it is drawn)."""
    ws = workspace()
    groups: list[folium.FeatureGroup] = []
    large = False
    for k, meta in enumerate(ws.list_layers()):
        if not st.session_state.get(state.user_layer_on(meta.layer_id)):
            continue
        try:
            frame = saved_layer(str(ws.root), meta.layer_id, meta.created_utc)
        except GeoError:  # deleted since it was listed: the list says so on the next run
            continue
        colour = USER_COLOURS[k % len(USER_COLOURS)]
        group = folium.FeatureGroup(name=f"user_{k}")
        tiles = None if len(frame) <= LARGE_LAYER_FEATURES else tiles_ui.ready_tiles(ws, meta)
        if len(frame) <= LARGE_LAYER_FEATURES:
            user_layer(frame, name=meta.name, color=colour).add_to(group)
        elif tiles is not None:  # drawn from its vector tiles: panning reruns nothing
            cells = _cells(str(ws.root), meta.layer_id, meta.created_utc, frame)
            overview = _cells_layer(cells, colour, lang)
            group = tiles_ui.tiled_group(
                tiles, meta, colour=colour, overview=overview, lang=lang, slot=k
            )
        else:
            large = True
            zoom = (view or {}).get("zoom") or 0
            bounds = (view or {}).get("bounds")
            if zoom >= DETAIL_ZOOM and bounds:
                box = (
                    bounds["_southWest"]["lng"],
                    bounds["_southWest"]["lat"],
                    bounds["_northEast"]["lng"],
                    bounds["_northEast"]["lat"],
                )
                shown, _cut = within_view(frame, bounds=box, limit=LARGE_LAYER_FEATURES)
                user_layer(shown, name=meta.name, color=colour).add_to(group)
            else:
                cells = _cells(str(ws.root), meta.layer_id, meta.created_utc, frame)
                _cells_layer(cells, colour, lang).add_to(group)
        groups.append(group)
    if st.session_state.get(state.ANALYSE_SHOW) and st.session_state.get(state.ANALYSE_ZONES):
        overlap = analysis_pairs(zones, ids_for(st.session_state[state.ANALYSE_ZONES]))
        if overlap is not None and len(overlap.pairs):
            pieces = overlap.pairs[["geometry"]].assign(n=range(len(overlap.pairs)))
            pieces = display_copy(pieces, tolerance_m=0.0)  # bounded, as every layer
            groups.append(
                highlight_group(
                    geojson_dict(pieces, columns=["n"]), name="intersections", color="#ff7f0e"
                )
            )
    return groups, large


def _cells_layer(cells: gpd.GeoDataFrame, colour: str, lang: str) -> folium.GeoJson:
    """The 500 m grid cells of a large layer, with their feature counts."""
    return folium.GeoJson(
        geojson_dict(cells, columns=["count"]),
        style_function=lambda _f, c=colour: {
            "color": c,
            "weight": 0.5,
            "fillColor": c,
            "fillOpacity": 0.35,
        },
        tooltip=folium.GeoJsonTooltip(fields=["count"], aliases=[t("feature_count", lang)]),
    )


@st.cache_data(show_spinner=False, max_entries=8, hash_funcs={gpd.GeoDataFrame: lambda _g: 0})
def _cells(root: str, layer_id: str, version: str, frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    return grid_summary(frame, cell_m=500.0)
