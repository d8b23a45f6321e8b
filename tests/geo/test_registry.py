"""Declared configuration: validated on load, unknown keys rejected, all problems at once."""

from __future__ import annotations

import copy
import tomllib
from typing import Any

import pytest

from geo.declared.basemaps import available_basemaps, load_basemaps, parse_basemaps
from geo.declared.config import CONFIG_DIR
from geo.declared.i18n import load_strings, t
from geo.declared.registry import load_registry, parse_registry
from geo.errors import ConfigError


def _raw_layers() -> dict[str, Any]:
    return tomllib.loads((CONFIG_DIR / "layers.toml").read_text(encoding="utf-8"))


def test_registry_loads_with_groups_in_order() -> None:
    reg = load_registry()
    assert [g.order for g in reg.groups] == sorted(g.order for g in reg.groups)
    assert all(reg.layers_in(g.id) for g in reg.groups), "every group holds a layer"
    assert reg.layer("finance_business").group == "finance"
    with pytest.raises(KeyError, match="not declared"):
        reg.layer("nope")


def test_registry_reports_every_problem_at_once() -> None:
    raw = copy.deepcopy(_raw_layers())
    raw["layers"][0]["colour"] = "#ffffff"  # unknown key (British spelling)
    raw["layers"][1]["group"] = "nowhere"
    raw["layers"][2]["fill"] = "red"
    raw["layers"][3]["id"] = raw["layers"][4]["id"]
    with pytest.raises(ConfigError) as err:
        parse_registry(raw)
    message = str(err.value)
    assert "4 problem(s)" in message
    assert "unknown key 'colour'" in message
    assert "group 'nowhere' is not declared" in message
    assert "colour 'red' is not #rrggbb" in message
    assert "declared twice" in message


def test_basemaps_need_exactly_one_default_and_mark_token_ones() -> None:
    maps = load_basemaps()
    assert sum(b.default for b in maps) == 1
    offered = {b.id: b for b in available_basemaps(maps, token_for={})}
    assert offered["tianditu_vec"].token_missing  # listed, saying how to enable it
    assert "TIANDITU_TOKEN" in offered["tianditu_vec"].name("zh")
    assert not offered["none"].token_missing
    with_token = available_basemaps(maps, token_for={"TIANDITU_TOKEN": "abc"})
    tdt = next(b for b in with_token if b.id == "tianditu_vec")
    base, overlay = tdt.tiles("abc")
    assert base is not None and base.endswith("tk=abc")
    assert overlay is not None and "cva_w" in overlay
    with pytest.raises(ConfigError, match="exactly one basemap"):
        parse_basemaps({"basemaps": [{"id": "a", "name_zh": "a", "name_en": "a", "crs": "wgs84"}]})
    with pytest.raises(ConfigError, match="not an xyzservices provider"):
        parse_basemaps(
            {
                "basemaps": [
                    {
                        "id": "a",
                        "name_zh": "a",
                        "name_en": "a",
                        "crs": "wgs84",
                        "provider": "No.Such",
                        "default": True,
                    }
                ]
            }
        )


def test_every_text_has_both_languages() -> None:
    strings = load_strings()
    assert all(set(v) == {"zh", "en"} for v in strings.values())
    assert t("legend", "zh") == "图例"
    assert t("legend", "en") == "Legend"
    with pytest.raises(KeyError):
        t("no_such_text", "zh")


def test_basemap_problems_name_what_was_found_and_every_table() -> None:
    raw: dict[str, Any] = {
        "basemaps": [
            {"id": "a", "name_zh": "a", "name_en": "a", "crs": "bd09", "default": True},
            {"id": "b", "name_zh": "b", "name_en": "b", "crs": "wgs84", "tile_grid": "utm"},
            "osm",
        ]
    }
    with pytest.raises(ConfigError) as err:
        parse_basemaps(raw, where="t.toml")
    message = str(err.value)
    assert "4 problem(s)" in message  # the default one was rejected, so none is left
    assert "exactly one basemap must have default = true" in message
    assert "t.toml basemaps[0] (a): crs must be one of wgs84, gcj02 (found 'bd09')" in message
    assert "basemaps[1] (b): tile_grid must be one of web_mercator, cgcs2000 (found 'utm')" in (
        message
    )
    assert "t.toml basemaps[2]: must be a table ([[basemaps]]), found str" in message


def test_a_layer_that_is_not_a_table_is_reported_with_the_others() -> None:
    raw = copy.deepcopy(_raw_layers())
    raw["layers"].append(["not", "a", "table"])
    raw["groups"].append(dict(raw["groups"][1]))
    with pytest.raises(ConfigError) as err:
        parse_registry(raw)
    message = str(err.value)
    assert f"layers[{len(raw['layers']) - 1}]: must be a table ([[layers]]), found list" in message
    assert f"group id {raw['groups'][1]['id']!r} declared twice" in message
