"""The plan's own figures: stated land areas against computed ones (plan check), and
the plan's targets (Table 1)."""

from __future__ import annotations

import streamlit as st

from geo.declared.i18n import t
from geo.plan.indicators import indicator_table, load_indicators
from ui.columns import page_table
from ui.data import current, plan_check, registry


def plan_check_tab(lang: str) -> None:
    st.caption(t("plan_check_note", lang))
    table = plan_check(*current())
    st.dataframe(page_table(table, lang), hide_index=True, width="stretch")


def targets_tab(lang: str, unit: str) -> None:
    st.caption(t("indicators_note", lang))
    targets = indicator_table(load_indicators(), registry=registry(), lang=lang)
    st.dataframe(page_table(targets, lang), hide_index=True, width="stretch")
