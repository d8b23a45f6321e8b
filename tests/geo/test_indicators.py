"""The plan's targets: validated on load, and every one is in the plan's Table 1."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from geo.declared.registry import load_registry
from geo.errors import ConfigError
from geo.plan.indicators import indicator_table, load_indicators, parse_indicators

PLAN = Path(__file__).resolve().parents[3] / "shared" / "plan" / "000_190c656b337f64ff.txt"


def _squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_every_indicator_is_in_table_1_as_written() -> None:
    if not PLAN.exists():
        pytest.skip(f"plan text not available at {PLAN}")
    text = PLAN.read_text(encoding="utf-8")
    table = _squeeze(
        text[text.index("表 1 呈贡创建国家自主创新示范区目标体系表") : text.index("第三章")]
    )
    indicators = load_indicators()
    assert len(indicators) == 18
    for row in indicators.itertuples():
        assert _squeeze(row.name_zh) in table, row.id
        assert _squeeze(row.target_2025_zh) in table, row.id
        assert _squeeze(row.target_2030_zh) in table, row.id


def test_the_plans_own_inconsistency_is_noted() -> None:
    if not PLAN.exists():
        pytest.skip(f"plan text not available at {PLAN}")
    text = _squeeze(PLAN.read_text(encoding="utf-8"))
    # Article 6 and Table 1 give different start-up financing targets.
    assert "初创创新企业融资总额达到50亿元" in text
    assert "初创创新企业融资总金额1亿元5亿元" in text
    row = load_indicators().set_index("id").loc["startup_financing"]
    assert "50亿元" in row["note_zh"] and "1亿元" in row["note_zh"]


def test_display_table_in_both_languages() -> None:
    registry = load_registry()
    zh = indicator_table(load_indicators(), registry=registry, lang="zh")
    en = indicator_table(load_indicators(), registry=registry, lang="en")
    assert zh.loc[1, "indicator"] == "创业孵化区面积"
    assert en.loc[1, "indicator"] == "Incubation floor area"
    assert "双创基地" in zh.loc[1, "layers"]


def test_problems_are_reported_together() -> None:
    raw = {
        "indicators": [
            {"id": "a", "category_zh": "x", "category_en": "x", "name_zh": "x", "name_en": "x",
             "target_2025_zh": "1", "target_2030_zh": "2", "source": "表1",
             "layers": ["nowhere"], "note_zh": "only Chinese"},
            {"id": "a", "name_zh": "y"},
        ]
    }  # fmt: skip
    with pytest.raises(ConfigError) as err:
        parse_indicators(raw, registry=load_registry())
    message = str(err.value)
    assert "layer 'nowhere' is not declared" in message
    assert "give the note in both languages" in message
    assert "missing key 'source'" in message
    assert "id 'a' declared twice" in message
