"""The review tab: conflict rules, topology checks, land-use statistics, atlas and pack.

Everything is computed in ``geo/review`` and ``geo/export``; this module only wires
widgets to it. Results are cached on the zones file's version and the saved layers'
ids and save times, never on GeoDataFrames. Findings are drawn on a static map of
their own (hatched red) and every table can be downloaded.

The page runs this tab only when it is open (``streamlit_app.py``), and the review and
export modules are imported inside the functions that use them: they bring matplotlib,
openpyxl and the rule engine (1.4 s of imports here), which the first screen never needs.
"""

from __future__ import annotations

import hashlib

import geopandas as gpd
import pandas as pd
import streamlit as st

from geo.declared.i18n import t
from geo.errors import GeoError
from geo.io import geojson_text
from ui import state
from ui.data import current, registry, zones
from ui.downloads import XLSX_MIME, table_downloads
from ui.uploads import saved_layer, show_error, show_table, workspace

METHOD = "ellipsoidal area on CGCS2000 (geo.measure.overlap)"
PDF_MIME = "application/pdf"


def _saved() -> dict[str, tuple[str, str]]:
    """Saved layers: id -> (name, save time)."""
    return {m.layer_id: (m.name, m.created_utc) for m in workspace().list_layers()}


def _layer(layer_id: str, saved: dict[str, tuple[str, str]]) -> gpd.GeoDataFrame:
    return saved_layer(str(workspace().root), layer_id, saved[layer_id][1])


def _user_layers(
    ids: tuple[str, ...], saved: dict[str, tuple[str, str]]
) -> dict[str, gpd.GeoDataFrame]:
    return {saved[i][0]: _layer(i, saved) for i in ids if i in saved}


@st.cache_data(show_spinner=False, max_entries=8)
def _check(
    path: str, version: float, layers: tuple[tuple[str, str], ...]
) -> tuple[pd.DataFrame, pd.DataFrame, gpd.GeoDataFrame]:
    from geo.review.conflicts import all_violations, run_rules
    from geo.review.report import rule_table, violation_table
    from geo.review.rules import RULES_FILE, load_rules

    saved = _saved()
    report = run_rules(
        load_rules(RULES_FILE),
        zones=zones(path, version),
        user_layers=_user_layers(tuple(i for i, _v in layers), saved),
    )
    return rule_table(report), violation_table(report), all_violations(report)


@st.cache_data(show_spinner=False, max_entries=8)
def _topology(
    source: str, version: str, gap_width_m: float, sliver_width_m: float
) -> gpd.GeoDataFrame:
    from geo.review.topology import check_topology

    return check_topology(
        _topology_layer(source), gap_width_m=gap_width_m, sliver_width_m=sliver_width_m
    )


def _topology_layer(source: str) -> gpd.GeoDataFrame:
    kind, _, value = source.partition(":")
    if kind == "layer":
        zs = zones(*current())
        return zs[zs["layer"] == value]
    return _layer(value, _saved())


@st.cache_data(show_spinner=False, max_entries=8, hash_funcs={gpd.GeoDataFrame: lambda _g: 0})
def _map(path: str, version: float, digest: str, pieces: gpd.GeoDataFrame, lang: str) -> bytes:
    """The findings map, cached on the pieces' digest (the frame itself is not hashed)."""
    from geo.export.atlas import atlas_features, pieces_map_png

    features = atlas_features(zones(path, version))
    return pieces_map_png(features, pieces, lang="en" if lang == "en" else "zh")


def _show_map(pieces: gpd.GeoDataFrame, lang: str) -> None:
    if pieces.empty:
        return
    digest = hashlib.sha256(geojson_text(pieces[["geometry"]]).encode()).hexdigest()
    try:
        png = _map(*current(), digest, pieces, lang)
    except GeoError as exc:
        show_error(exc, lang, "review_error")
        return
    st.image(png, caption=t("review_map_caption", lang))


def _geojson_download(pieces: gpd.GeoDataFrame, lang: str, *, stem: str) -> None:
    def build() -> bytes:
        return geojson_text(pieces).encode()

    st.download_button(
        t("review_download_geojson", lang),
        build,
        f"{stem}.geojson",
        "application/geo+json",
        key=state.table_download(stem, "geojson"),
        on_click="ignore",
    )


def rules_section(lang: str, saved: dict[str, tuple[str, str]]) -> None:
    st.subheader(t("review_rules", lang))
    st.caption(t("review_rules_note", lang))
    chosen = st.multiselect(
        t("review_user_layers", lang),
        list(saved),
        format_func=lambda i: saved[i][0],
        key=state.REVIEW_LAYERS,
        placeholder=t("choose_options" if saved else "no_layer_to_choose", lang),
    )
    layers = tuple((i, saved[i][1]) for i in chosen if i in saved)
    try:
        rules, violations, pieces = _check(*current(), layers)
    except GeoError as exc:
        show_error(exc, lang, "review_error")
        return
    show_table(_localised(rules, lang), lang, figures=True)
    table_downloads(rules, lang=lang, stem="review_rules", sheet="rules", unit="m2", method=METHOD)
    st.markdown(f"**{t('review_violations', lang)}**")
    show_table(_localised(violations, lang), lang, figures=True)
    table_downloads(
        violations,
        lang=lang,
        stem="review_violations",
        sheet="violations",
        unit="m2",
        method=METHOD,
    )
    _geojson_download(pieces, lang, stem="review_violations")
    _show_map(pieces, lang)


def topology_section(lang: str, saved: dict[str, tuple[str, str]]) -> None:
    from geo.review.topology import topology_summary

    st.subheader(t("review_topology", lang))
    reg = registry()
    options: dict[str, str] = {
        f"layer:{s.id}": f"{t('layer_prefix', lang)} · {s.name(lang)}" for s in reg.layers
    }
    options |= {
        f"saved:{i}": f"{t('review_saved_prefix', lang)} · {n}" for i, (n, _v) in saved.items()
    }
    c1, c2, c3 = st.columns([2, 1, 1])
    source = c1.selectbox(
        t("review_topology_layer", lang),
        list(options),
        format_func=lambda k: options[k],
        key=state.REVIEW_TOPOLOGY_LAYER,
    )
    gap = c2.number_input(
        t("review_gap_width", lang),
        min_value=0.01,
        max_value=1000.0,
        value=1.0,
        key=state.REVIEW_GAP_WIDTH,
    )
    sliver = c3.number_input(
        t("review_sliver_width", lang),
        min_value=0.01,
        max_value=1000.0,
        value=1.0,
        key=state.REVIEW_SLIVER_WIDTH,
    )
    version = saved.get(source.partition(":")[2], ("", str(current()[1])))[1]
    try:
        findings = _topology(source, version, float(gap), float(sliver))
    except GeoError as exc:
        show_error(exc, lang, "review_error")
        return
    show_table(topology_summary(findings), lang)
    table = pd.DataFrame(findings.drop(columns="geometry"))
    show_table(table, lang)
    table_downloads(
        table, lang=lang, stem="review_topology", sheet="topology", unit="m2", method=METHOD
    )
    _geojson_download(findings, lang, stem="review_topology")
    _show_map(findings[findings.geometry.geom_type.isin(["Polygon", "MultiPolygon"])], lang)


@st.cache_data(show_spinner=False, max_entries=4)
def _landuse(path: str, version: float, layer_id: str, saved_at: str) -> dict[str, pd.DataFrame]:
    """The land-use tables of a saved layer against the plan's main zones (cached on the
    zones' version and the layer's save time)."""
    from geo.export.atlas import MAIN_LAYERS
    from geo.review.landuse import landuse_tables, load_codes

    frame = _layer(layer_id, _saved())
    zs = zones(path, version)
    main = zs[zs["layer"].isin(list(MAIN_LAYERS))]
    main = main[main.geometry.geom_type.isin(["Polygon", "MultiPolygon"])]
    return landuse_tables(frame, zones=main.to_crs(frame.crs), table=load_codes())


def landuse_section(lang: str, saved: dict[str, tuple[str, str]]) -> None:
    from geo.review.landuse import detect_columns, load_codes

    st.subheader(t("review_landuse", lang))
    codes = load_codes()
    st.caption(f"{t('review_landuse_note', lang)} {codes.citation} · {codes.levels_covered}")
    if not saved:
        st.info(t("review_landuse_none", lang))
        return
    layer_id = st.selectbox(
        t("review_landuse_layer", lang),
        list(saved),
        format_func=lambda i: saved[i][0],
        key=state.REVIEW_LANDUSE_LAYER,
    )
    if not layer_id or layer_id not in saved:
        return
    frame = _layer(layer_id, saved)
    try:
        columns = detect_columns(frame, table=codes)
        tables = _landuse(*current(), layer_id, saved[layer_id][1])
    except GeoError as exc:
        show_error(exc, lang, "review_error")
        return
    # column names come from the user's file: shown as text, never Markdown
    st.text(f"{t('review_landuse_columns', lang)} {columns.code} / {columns.name or '—'}")
    headings = {"landuse_codes": "review_landuse_problems"}
    for key, table in tables.items():
        st.markdown(f"**{t(headings.get(key, f'review_{key}'), lang)}**")
        show_table(table, lang)
        table_downloads(table, lang=lang, stem=key, sheet=key, unit="m2", method=METHOD)


@st.cache_data(show_spinner=False, max_entries=4)
def _atlas_pdf(path: str, version: float, layers: tuple[str, ...], paper: str) -> bytes:
    from geo.export.atlas import (
        CONTEXT_LAYERS,
        MAIN_LAYERS,
        AtlasRequest,
        atlas_features,
        atlas_pages,
        select_zones,
    )
    from geo.export.pages import pdf_bytes
    from geo.export.provenance import fingerprint
    from geo.review.conflicts import run_rules
    from geo.review.rules import RULES_FILE, load_rules

    plan = zones(path, version)
    features = select_zones(plan, layers=layers or MAIN_LAYERS)
    context = atlas_features(plan)
    context = context[context["layer"].isin(list(CONTEXT_LAYERS))]
    report = run_rules(load_rules(RULES_FILE), zones=plan)
    request = AtlasRequest(layers=layers or MAIN_LAYERS, paper=paper)
    fp = fingerprint(data=plan)  # the store's plan, naming its revision (path: the store)
    pages, fp = atlas_pages(features, request=request, context=context, report=report, fp=fp)
    return pdf_bytes(pages, title=request.title, fp=fp)


@st.cache_data(show_spinner=False, max_entries=4)
def _pack(path: str, version: float, layers: tuple[tuple[str, str], ...]) -> tuple[bytes, bytes]:
    from geo.export.pages import pdf_bytes
    from geo.export.provenance import fingerprint
    from geo.export.review_pack import TITLE, ReviewInputs, review_pages, review_tables
    from geo.review.rules import RULES_FILE, load_rules
    from geo.tables import xlsx_book_bytes

    saved = _saved()
    inputs = ReviewInputs(
        zones=zones(path, version),
        rules=load_rules(RULES_FILE),
        user_layers=_user_layers(tuple(i for i, _v in layers), saved),
        files={"rules": RULES_FILE},  # the zones come from the store, not a file
    )
    tables, report = review_tables(inputs)
    fp = fingerprint(files=list(inputs.files.values()), data=inputs.zones)  # + revision
    pdf = pdf_bytes(review_pages(tables, report, fp=fp), title=TITLE, fp=fp)
    return pdf, xlsx_book_bytes(tables, notes={"title": TITLE, "fingerprint": fp.describe()})


def exports_section(lang: str, saved: dict[str, tuple[str, str]]) -> None:
    from geo.export.atlas import MAIN_LAYERS

    st.subheader(t("review_exports", lang))
    reg = registry()
    layer_names = {s.id: s.name(lang) for s in reg.layers}
    c1, c2 = st.columns([3, 1])
    picked = c1.multiselect(
        t("review_atlas_layers", lang),
        list(layer_names),
        default=[x for x in MAIN_LAYERS if x in layer_names],
        format_func=lambda k: layer_names[k],
        key=state.REVIEW_ATLAS_LAYERS,
    )
    paper = c2.selectbox(t("review_paper", lang), ["A4", "A3"], key=state.REVIEW_ATLAS_PAPER)
    path, version = current()
    layers = tuple(picked)
    st.download_button(
        t("review_atlas_download", lang),
        lambda: _atlas_pdf(path, version, layers, str(paper)),
        "atlas.pdf",
        PDF_MIME,
        key=state.REVIEW_ATLAS_DOWNLOAD,
        on_click="ignore",
    )
    chosen = tuple(
        (i, saved[i][1]) for i in st.session_state.get(state.REVIEW_LAYERS) or [] if i in saved
    )
    d1, d2 = st.columns(2)
    d1.download_button(
        t("review_pack_pdf", lang),
        lambda: _pack(path, version, chosen)[0],
        "review.pdf",
        PDF_MIME,
        key=state.REVIEW_PACK_PDF,
        on_click="ignore",
    )
    d2.download_button(
        t("review_pack_xlsx", lang),
        lambda: _pack(path, version, chosen)[1],
        "review.xlsx",
        XLSX_MIME,
        key=state.REVIEW_PACK_XLSX,
        on_click="ignore",
    )
    st.caption(t("review_exports_note", lang))


def review_tab(lang: str) -> None:
    """The whole tab (call it inside ``with tab:``)."""
    saved = _saved()
    rules_section(lang, saved)
    topology_section(lang, saved)
    landuse_section(lang, saved)
    exports_section(lang, saved)


def _localised(table: pd.DataFrame, lang: str) -> pd.DataFrame:
    """A rule or violation table as the page shows it: the status and the rule's name in
    the page's language only (the downloads keep both)."""
    shown = table.copy()
    if "status_zh" in shown:
        if lang == "zh":
            shown["status"] = shown["status_zh"]
        shown = shown.drop(columns="status_zh")
    other = "name_en" if lang == "zh" else "name_zh"
    shown = shown.drop(columns=[other]) if other in shown else shown
    return shown.rename(columns={"kind": "rule_kind"})
