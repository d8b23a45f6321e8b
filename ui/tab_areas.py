"""The area table of the visible layers, with both totals and downloads."""

from __future__ import annotations

import streamlit as st

from geo.declared.i18n import t
from geo.export.tables import AREA_METHOD
from ui.columns import localise_columns
from ui.data import area_rows, current
from ui.downloads import table_downloads


def area_tab(lang: str, unit: str, visible: list[str]) -> None:
    table, totals = area_rows(*current(), tuple(visible), unit)
    st.caption(t("area_table_note", lang) + " " + t("method_note", lang))
    c1, c2 = st.columns(2)
    c1.metric(t("total_sum", lang), f"{totals['sum']:,.3f} {t('unit_' + unit, lang)}")
    c2.metric(t("total_union", lang), f"{totals['union']:,.3f} {t('unit_' + unit, lang)}")
    shown = localise_columns(table, lang, unit)
    st.dataframe(shown, hide_index=True, width="stretch")
    table_downloads(
        table, lang=lang, stem="chenggong_areas", sheet="areas", unit=unit, method=AREA_METHOD
    )
