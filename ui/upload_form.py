"""The upload form of the "your layers" tab: read a file, confirm its CRS from ranked
candidates (or a typed EPSG code; never guessed), show the validation report and the
area line, and save it to the user's layers in the store. Every message about the file
is plain text (see :mod:`ui.uploads`)."""

from __future__ import annotations

import hashlib
from typing import Any

import geopandas as gpd
import pandas as pd
import streamlit as st
from streamlit.runtime.uploaded_file_manager import UploadedFile

from geo.declared.i18n import say, t
from geo.errors import GeoError
from geo.measure.precision import total_display
from geo.measure.validate import ValidationReport
from geo.upload import (
    LoadedLayer,
    NeedsCRS,
    UploadInspection,
    inspect_upload,
    read_upload,
)
from geo.upload.analysis import area_totals_m2
from geo.upload.coords import CRSCandidate
from ui import state
from ui import tiles as tiles_ui
from ui.uploads import (
    LARGE_LAYER_FEATURES,
    remember_saved,
    show_error,
    show_table,
    workspace,
)

FILE_TYPES = ["geojson", "json", "zip", "gpkg", "kml", "kmz", "csv", "dxf"]
ENCODINGS = ["auto", "utf-8", "gbk", "gb18030", "big5"]
SYSTEMS = ["wgs84", "gcj02", "bd09"]
MESSAGE_CHARS = 2_000  # one validation message, as shown
MAX_REMEMBERED_CRS = 8  # files whose confirmed CRS this session keeps
PREVIEW_ROWS = 200  # the uploaded file's attributes shown under its figures


# cache_resource, not cache_data: a 100,000-parcel layer is not pickled on every rerun
# (0.5 CPU-s each); the frames are read-only (geo/ never mutates its input).
@st.cache_resource(show_spinner=False, max_entries=8)
def _read(
    digest: str,
    _data: bytes,
    filename: str,
    layer: str | None,
    encoding: str | None,
    system: str,
    crs: str | None,
    swap_xy: bool,
) -> LoadedLayer | NeedsCRS:
    # Keyed on the file's SHA-256, not on its bytes (``_data`` is not hashed: hashing a
    # 30 MB file again on every rerun of the page cost 0.1 CPU-s).
    return read_upload(
        _data,
        filename,
        layer=layer,
        encoding=encoding,
        coordinate_system=system,  # type: ignore[arg-type]
        crs=crs,
        swap_xy=swap_xy,
    )


@st.cache_data(show_spinner=False, max_entries=8, hash_funcs={gpd.GeoDataFrame: lambda _g: 0})
def _areas_m2(digest: str, read: tuple[Any, ...], frame: gpd.GeoDataFrame) -> tuple[float, float]:
    # Keyed on the file's SHA-256 and how it was read (the frame follows from them):
    # the sum and the union of 100,000 parcels take seconds, and every widget reruns.
    return area_totals_m2(frame)


def _area_line(
    frame: gpd.GeoDataFrame, unit: str, lang: str, *, digest: str, read: tuple[Any, ...]
) -> str:
    total, union = _areas_m2(digest, read, frame)
    u = t(f"unit_{unit}", lang)
    return (
        f"{t('feature_count', lang)}: {len(frame):,} · {t('total_sum', lang)} "
        f"{total_display(total, frame, unit=unit)} {u} · {t('total_union', lang)} "
        f"{total_display(union, frame, unit=unit)} {u}"  # the one rounding rule
    )


@st.cache_resource(show_spinner=False, max_entries=8)
def _digest(file_id: str, _data: bytes) -> str:
    """The SHA-256 of an uploaded file, once per upload (``file_id``: Streamlit's id of
    this upload, new for every file given to the widget)."""
    return hashlib.sha256(_data).hexdigest()


@st.cache_data(show_spinner=False, max_entries=8)
def _inspect(digest: str, _data: bytes, filename: str) -> UploadInspection:
    # The format and layers of a file, once per file (a GeoPackage is written to a
    # temporary file and opened to list them).
    return inspect_upload(_data, filename)


def file_input(lang: str) -> UploadedFile | None:
    """The file widget (also drawn while the tab is hidden and holds a file, so the
    file stays: Streamlit drops a widget's file when the widget is not drawn)."""
    return st.file_uploader(t("upload_file", lang), type=FILE_TYPES, key=state.UPLOAD_FILE)


def upload_section(lang: str, unit: str) -> None:
    file = file_input(lang)
    if file is None:
        return
    data = file.getvalue()
    digest = _digest(file.file_id, data)
    this_file = (file.name, digest)
    try:
        inspection = _inspect(digest, data, file.name)
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
    args = (digest, data, file.name, layer, None if encoding == "auto" else encoding, system)
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
    read = (*args[2:], *(confirmed or (None, False)))
    st.text(_area_line(result.frame, unit, lang, digest=digest, read=read))
    head = result.frame.head(PREVIEW_ROWS)  # cut first: the page shows these rows only
    preview = pd.DataFrame(head.drop(columns=head.geometry.name))
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
        remember_saved(str(workspace().root), saved.layer_id, saved.created_utc, result.frame)
        if saved.feature_count > LARGE_LAYER_FEATURES:
            tiles_ui.start_tiles(workspace(), saved.layer_id, result.frame)  # in the background
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
    return say(candidate.describe(), lang)


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
