"""Overlaps between two sets of groups or layers: matrix, pairs, downloads (the pieces
are drawn on the map by ``ui.map_panel``)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from geo.declared.i18n import t
from geo.export.tables import OVERLAP_METHOD
from geo.measure.area import M2_PER_UNIT
from geo.measure.overlap import overlap_matrix
from ui import state
from ui.columns import matrix_table, name_column, page_table
from ui.data import current, current_overlaps, overlap_options, registry, zones
from ui.downloads import table_downloads


def overlap_tab(lang: str, unit: str) -> None:
    opts = overlap_options(registry(), lang)
    c1, c2 = st.columns(2)
    picks = ((c1, "overlap_pick_a", state.OVERLAP_A), (c2, "overlap_pick_b", state.OVERLAP_B))
    for column, label, key in picks:
        column.multiselect(
            t(label, lang),
            list(opts),
            format_func=opts.get,
            key=key,
            placeholder=t("choose_options", lang),
        )
    st.checkbox(t("overlap_show_on_map", lang), key=state.OVERLAP_SHOW)
    pairs = current_overlaps()
    if pairs is None:
        st.info(t("overlap_pick_hint", lang))
        return
    if pairs.empty:
        st.info(t("overlap_none", lang))
        return
    zs = zones(*current())
    name_col = name_column(lang)
    table = pd.DataFrame(
        {
            "a": zs.loc[pairs["a_id"], name_col].to_numpy(),
            "b": zs.loc[pairs["b_id"], name_col].to_numpy(),
            f"overlap_{unit}": pairs["overlap_m2"] / M2_PER_UNIT[unit],
            "a_share": pairs["a_share"],
            "b_share": pairs["b_share"],
            "a_id": pairs["a_id"],
            "b_id": pairs["b_id"],
        }
    )
    st.markdown(f"**{t('overlap_matrix', lang)}** ({t('unit_' + unit, lang)})")
    matrix = overlap_matrix(table, rows="a_id", columns="b_id", value=f"overlap_{unit}")
    matrix.index = [zs.loc[i, name_col] for i in matrix.index]
    matrix.columns = [zs.loc[i, name_col] for i in matrix.columns]
    st.dataframe(matrix_table(matrix), width="stretch")
    st.markdown(f"**{t('overlap_pairs', lang)}**")
    st.dataframe(page_table(table, lang), hide_index=True, width="stretch")
    table_downloads(
        table,
        lang=lang,
        stem="chenggong_overlaps",
        sheet="overlaps",
        unit=unit,
        method=OVERLAP_METHOD,
    )
