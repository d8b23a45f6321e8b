"""The area table of the visible layers, with both totals and downloads.

The totals sum the plan's zones: the extents and context layers (the "reference" group:
the district outline and jurisdiction, the lake, the prefectures, the streets) are left
out unless asked for, and the totals say which layers and how many features they sum.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from geo.declared.i18n import t
from geo.export.tables import AREA_METHOD
from geo.measure.area import M2_PER_UNIT
from geo.measure.precision import area_displays
from geo.plan.views import totals_display
from geo.store.store import PlanRevision
from ui import state
from ui.columns import in_unit, page_table
from ui.data import area_rows, area_table_rows, current, registry, revision_caption, zones
from ui.downloads import table_downloads

CONTEXT_GROUP = "reference"  # extents and context, not zones of the plan


def summed_layers(visible: list[str], *, with_context: bool) -> list[str]:
    """The visible layers the totals add up."""
    reg = registry()
    return [i for i in visible if with_context or reg.layer(i).group != CONTEXT_GROUP]


def area_tab(lang: str, unit: str, visible: list[str]) -> None:
    path, version = current()
    table = area_table_rows(path, version, tuple(visible), unit)  # the totals: of summed
    st.caption(t("area_table_note", lang) + " " + t("method_note", lang))
    st.caption(revision_caption(version, lang))
    with_context = st.checkbox(t("totals_with_context", lang), key=state.TOTALS_WITH_CONTEXT)
    summed = summed_layers(visible, with_context=with_context)
    counted, _ = area_rows(path, version, tuple(summed), unit)
    u = t(f"unit_{unit}", lang)
    c1, c2 = st.columns(2)
    shown_totals = totals_shown(path, version, tuple(summed), unit)
    c1.metric(t("total_sum", lang), f"{shown_totals['sum']} {u}")
    c2.metric(t("total_union", lang), f"{shown_totals['union']} {u}")
    reg = registry()
    left_out = [reg.layer(i).name(lang) for i in visible if i not in summed]
    what = t("totals_sum_of", lang).format(
        layers="、".join(reg.layer(i).name(lang) for i in summed) or "—",
        features=f"{len(counted):,}",
    )
    if left_out:
        what += " " + t("totals_left_out", lang).format(layers="、".join(left_out))
    st.caption(what)
    shown = shown_areas(path, version, tuple(visible), unit)
    st.dataframe(page_table(shown, lang), hide_index=True, width="stretch")
    table_downloads(
        table, lang=lang, stem="chenggong_areas", sheet="areas", unit=unit, method=AREA_METHOD
    )


@st.cache_data(show_spinner=False)
def totals_shown(
    path: str, version: PlanRevision, layer_ids: tuple[str, ...], unit: str
) -> dict[str, str]:
    """Both totals rounded by the one rule (:func:`geo.plan.views.totals_display`: never
    more figures than their least accurate zone); cached for the geodesic perimeters."""
    _, totals = area_rows(path, version, layer_ids, unit)
    return totals_display(zones(path, version), totals, layer_ids=layer_ids, unit=unit)


@st.cache_data(show_spinner=False)
def shown_areas(
    path: str, version: PlanRevision, layer_ids: tuple[str, ...], unit: str
) -> pd.DataFrame:
    """The area table as the page shows it: areas in ``unit``, each rounded to what its
    zone's accuracy and perimeter support (``≈`` for a schematic one), by the project's
    one rule (:func:`geo.measure.precision.area_displays`; geodesic perimeters, so cached
    with the data's version). Downloads keep every digit."""
    table = area_table_rows(path, version, layer_ids, unit)
    shown = in_unit(table, unit)
    rows = zones(path, version).loc[table["id"].to_numpy()]  # indexed by id
    rows.index = table.index
    for col in (f"area_{unit}", f"gk_area_{unit}"):
        if col in shown:
            shown[col] = area_displays(rows, shown[col] * M2_PER_UNIT[unit], unit=unit)
    return shown
