"""config/upload.toml is validated on load: every problem reported at once."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from geo.declared.config import PROJECT_ROOT, load_toml
from geo.errors import ConfigError
from geo.upload.settings import UPLOAD_CONFIG, load_settings, parse_settings


def _raw() -> dict[str, Any]:
    return copy.deepcopy(load_toml(UPLOAD_CONFIG))


def test_project_file_loads_with_documented_defaults() -> None:
    settings = load_settings()
    assert settings.max_file_bytes == 50_000_000
    assert settings.max_uncompressed_bytes == 200_000_000
    assert settings.workspace_dir == PROJECT_ROOT / "workspace"
    assert settings.region.contains(102.85, 24.87)
    assert not settings.region.contains(116.4, 39.9)


def test_unknown_missing_and_wrong_values_are_reported_together() -> None:
    raw = _raw()
    raw["limits"]["max_file_mb"] = "fifty"
    raw["limits"]["colour"] = "red"
    del raw["region"]["min_lat"]
    raw["display"]["coordinate_decimals"] = -1
    with pytest.raises(ConfigError) as info:
        parse_settings(raw, where="upload.toml")
    message = str(info.value)
    assert "4 problem(s)" in message
    for part in ("max_file_mb: expected", "unknown key 'colour'", "missing key 'min_lat'",
                 "coordinate_decimals: must not be negative"):  # fmt: skip
        assert part in message


def test_region_box_must_be_ordered() -> None:
    raw = _raw()
    raw["region"]["min_lon"], raw["region"]["max_lon"] = 106.2, 97.5
    with pytest.raises(ConfigError, match="min_lon < max_lon"):
        parse_settings(raw)


def test_broken_toml_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "upload.toml"
    path.write_text("[limits\nmax_file_mb = 1", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings(path)


@pytest.mark.parametrize(
    ("section", "key", "value", "expected"),
    [
        ("limits", "max_file_mb", 0, "[limits]: sizes must be positive"),
        ("limits", "max_uncompressed_mb", 0.0, "[limits]: sizes must be positive"),
        ("limits", "max_features", 0, "[limits]: max_features and max_vertices must be positive"),
        (
            "limits",
            "max_zip_members",
            True,
            "[limits] max_zip_members: expected <class 'int'>, got True",
        ),
        ("region", "max_lon", 190.0, "[region]: longitudes must lie in -180..180"),
        ("region", "max_lat", 95.0, "[region]: latitudes must lie in -90..90"),
        ("region", "name_en", 3, "[region] name_en: expected <class 'str'>, got 3"),
        ("display", "coordinate_decimals", 16, "[display] coordinate_decimals: use 0..15"),
        ("workspace", "dir", ["w"], "[workspace] dir: expected <class 'str'>, got ['w']"),
    ],
)
def test_each_value_out_of_range_is_named(
    section: str, key: str, value: object, expected: str
) -> None:
    raw = _raw()
    raw[section][key] = value
    with pytest.raises(ConfigError) as info:
        parse_settings(raw, where="upload.toml")
    message = str(info.value)
    assert "1 problem(s)" in message
    assert f"upload.toml {expected}" in message


def test_a_section_that_is_not_a_table_is_missing_only_once() -> None:
    raw = _raw()
    raw["display"] = 3
    with pytest.raises(ConfigError) as info:
        parse_settings(raw, where="upload.toml")
    assert "1 problem(s)" in str(info.value)
    assert "upload.toml [display]: must be a table" in str(info.value)
