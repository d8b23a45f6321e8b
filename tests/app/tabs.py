"""Opening a tab in an app test: only the open tab runs (streamlit_app.py), so a test of
a tab's content opens it first, as a click on the tab does (the tab bar's state holds
the open tab's label; the page reruns)."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from geo.declared.i18n import t
from ui import state


def open_tab(at: AppTest, key: str, *, run: bool = True) -> AppTest:
    """Open the tab labelled by the i18n ``key`` (``area_table``, ``overlap_tab``, …;
    the page translates a label from another language) and, with ``run``, run the page."""
    at.session_state[state.MAIN_TABS] = t(key, "zh")
    return at.run() if run else at
