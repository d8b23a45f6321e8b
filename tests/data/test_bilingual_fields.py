"""Data carries its descriptive fields in both languages: every feature of zones.geojson
and streets.geojson that says where its geometry came from, what was assumed or where a
figure is stated has ``<field>_zh`` (Chinese) and ``<field>_en`` (the field itself)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from geo.plan.build import DESCRIPTIVE_FIELDS
from geo.plan.sources import DESCRIBED_IN_BOTH, load_inputs, validate_inputs

DATA = Path(__file__).resolve().parents[2] / "data"
CJK = re.compile(r"[\u4e00-\u9fff]")


def _features(name: str) -> list[dict[str, Any]]:
    return list(json.loads((DATA / name).read_text(encoding="utf-8"))["features"])


FEATURES = [
    f["properties"] for name in ("zones.geojson", "streets.geojson") for f in _features(name)
]


@pytest.mark.parametrize("props", FEATURES, ids=[p["id"] for p in FEATURES])
def test_every_descriptive_field_is_in_both_languages(props: dict[str, Any]) -> None:
    said = [f for f in DESCRIPTIVE_FIELDS if props.get(f)]
    assert "source_detail" in said, "every feature says where its geometry came from"
    for field in said:
        zh, en = props.get(f"{field}_zh"), props.get(f"{field}_en")
        assert en == props[field], f"{field}_en is the field as the CLI has always read it"
        assert isinstance(zh, str) and CJK.search(zh), f"{field}_zh: {zh!r}"
        assert zh != en, f"{field}_zh is a translation, not the English again"
    for field in DESCRIPTIVE_FIELDS:  # nothing in one language only
        assert bool(props.get(f"{field}_zh")) == bool(props.get(field)), field


def test_the_build_refuses_a_field_in_english_only(tmp_path: Path) -> None:
    import shutil

    from geo.errors import ConfigError

    config = tmp_path / "config"
    shutil.copytree(DATA.parent / "config", config)
    text = (config / "plan_elements.toml").read_text(encoding="utf-8")
    first = re.search(r"^assumptions_zh = .*\n", text, flags=re.M)
    assert first
    (config / "plan_elements.toml").write_text(text.replace(first.group(0), "", 1), "utf-8")
    with pytest.raises(ConfigError, match="assumptions needs assumptions_zh"):
        validate_inputs(load_inputs(config_dir=config, data_dir=DATA))
    assert "assumptions" in DESCRIBED_IN_BOTH
