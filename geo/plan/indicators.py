"""The plan's targets (Table 1 with Article 6), declared in ``config/indicators.toml``.

Indicators are not geometries: they are shown as a table with the article they come
from, and linked to the map layers they concern.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any, Final

import pandas as pd

from geo.declared.config import CONFIG_DIR, check_keys, declared_twice, load_toml
from geo.declared.registry import Registry, load_registry
from geo.errors import ConfigError, collect

INDICATORS_FILE: Final = CONFIG_DIR / "indicators.toml"
_REQUIRED: Final = (
    "id",
    "category_zh",
    "category_en",
    "name_zh",
    "name_en",
    "target_2025_zh",
    "target_2030_zh",
    "source",
)
_OPTIONAL: Final = ("layers", "note_zh", "note_en")


def parse_indicators(
    raw: dict[str, Any], *, registry: Registry, where: str = "indicators.toml"
) -> pd.DataFrame:
    """Validate a parsed indicators file and return one row per indicator (pure)."""
    problems = check_keys(raw, where=where, required=("indicators",))
    rows = raw.get("indicators", [])
    known = {spec.id for spec in registry.layers}
    for i, row in enumerate(rows):
        w = f"{where} indicators[{i}] ({row.get('id', '?')})"
        problems += check_keys(row, where=w, required=_REQUIRED, optional=_OPTIONAL)
        problems += [
            f"{w}: layer {layer!r} is not declared in config/layers.toml"
            for layer in row.get("layers", [])
            if layer not in known
        ]
        if ("note_zh" in row) != ("note_en" in row):
            problems.append(f"{w}: give the note in both languages")
    problems += declared_twice([r.get("id") for r in rows], where=where)
    collect(problems, what=f"indicators {where}", error=ConfigError)
    frame = pd.DataFrame(rows)
    for column in _OPTIONAL:
        if column not in frame.columns:
            frame[column] = None
    frame["layers"] = frame["layers"].map(lambda v: tuple(v) if isinstance(v, list) else ())
    return frame


@cache
def load_indicators(path: Path = INDICATORS_FILE) -> pd.DataFrame:
    """Load and validate ``config/indicators.toml`` (against the layer registry)."""
    return parse_indicators(load_toml(path), registry=load_registry(), where=path.name)


def indicator_table(indicators: pd.DataFrame, *, registry: Registry, lang: str) -> pd.DataFrame:
    """The indicators for display in ``lang``: category, indicator, 2025, 2030, source,
    related layers and notes."""
    zh = lang == "zh"
    return pd.DataFrame(
        {
            "category": indicators["category_zh" if zh else "category_en"],
            "indicator": indicators["name_zh" if zh else "name_en"],
            "target_2025": indicators["target_2025_zh"],
            "target_2030": indicators["target_2030_zh"],
            "source": indicators["source"],
            "layers": indicators["layers"].map(
                lambda ids: "、".join(registry.layer(i).name(lang) for i in ids)
            ),
            "note": indicators["note_zh" if zh else "note_en"].fillna(""),
        }
    )
