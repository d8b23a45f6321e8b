"""The history as the page shows it: the app's own words in the page's language, a
person's reason as written, an element with no earlier area an empty cell (not None)."""

from __future__ import annotations

import pandas as pd

from geo.store.cli import HISTORY_COLUMNS
from ui.history import shown_history


def _table() -> pd.DataFrame:
    rows = [
        ("2026-12-01T10:00:00Z", "maintainers", "seed", "element", "a", "甲", None, 1, None,
         5.0, "imported from data/zones.geojson"),
        ("2026-12-01T11:00:00Z", "planner", "create", "layer", "l", "地块", None, 1, None,
         None, "upload"),
        ("2026-12-01T12:00:00Z", "planner", "edit", "element", "a", "甲", 1, 2, 5.0, 6.0,
         "西边界按谊康北路调整"),
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=list(HISTORY_COLUMNS))


def test_chinese_page_shows_no_english_words_of_the_app() -> None:
    shown = shown_history(_table(), "zh")
    assert list(shown["action"]) == ["初始导入", "新建", "修改"]
    assert list(shown["kind"]) == ["规划要素", "图层", "规划要素"]
    expected = ["从 data/zones.geojson 导入", "上传图层", "西边界按谊康北路调整"]
    assert list(shown["reason"]) == expected
    assert list(shown["area_before_m2"]) == ["", "", "5"]
    assert list(shown["area_after_m2"]) == ["5", "", "6"]


def test_english_page_and_the_stored_table_keep_the_stored_words() -> None:
    table = _table()
    shown = shown_history(table, "en")
    assert list(shown["action"]) == ["seed", "create", "edit"]
    assert list(shown["reason"]) == list(table["reason"])
    assert table["action"].iloc[0] == "seed"  # the download's table is not changed
