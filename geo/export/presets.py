"""Named map views declared in ``config/export_presets.toml``.

A preset says which layers a printed map shows, how it is framed and its default
title. Validated on load against the layer registry: unknown keys, unknown layer ids
and duplicates are reported together (:func:`geo.errors.collect`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Final

from geo.declared.config import (
    CONFIG_DIR,
    ID_PATTERN,
    check_keys,
    declared_twice,
    is_number,
    load_toml,
    parse_tables,
)
from geo.declared.registry import Registry, load_registry
from geo.errors import ConfigError, collect

PRESETS_FILE: Final[Path] = CONFIG_DIR / "export_presets.toml"
DEFAULT_PAD_SHARE: Final = 0.06
_REQUIRED = ("id", "title_zh", "title_en", "subtitle_zh", "subtitle_en", "layers")
_OPTIONAL = ("zoom_layers", "zoom_ids", "pad_share")


@dataclass(frozen=True)
class Preset:
    """A named view: layers to draw, what to frame, default title and subtitle."""

    id: str
    title_zh: str
    title_en: str
    subtitle_zh: str
    subtitle_en: str
    layers: tuple[str, ...]
    zoom_layers: tuple[str, ...] = ()
    zoom_ids: tuple[str, ...] = ()
    pad_share: float = DEFAULT_PAD_SHARE

    def title(self, lang: str) -> str:
        return self.title_zh if lang == "zh" else self.title_en

    def subtitle(self, lang: str) -> str:
        return self.subtitle_zh if lang == "zh" else self.subtitle_en


def _preset_problems(table: Mapping[str, Any], *, where: str, known_layers: set[str]) -> list[str]:
    """What is wrong with the values of a preset table whose keys are right."""
    found = []
    if not ID_PATTERN.match(str(table["id"])):
        found.append(f"{where}: id must be lower-case ascii letters, digits and _")
    for key in ("layers", "zoom_layers"):
        unknown = [x for x in table.get(key, []) if x not in known_layers]
        found += [f"{where}: {key} names {x!r}, not a layer in layers.toml" for x in unknown]
    if not table["layers"]:
        found.append(f"{where}: layers is empty; name at least one layer")
    if not set(table.get("zoom_layers", [])) <= set(table["layers"]):
        found.append(f"{where}: zoom_layers must be among the preset's layers")
    pad = table.get("pad_share", DEFAULT_PAD_SHARE)
    if not is_number(pad) or not 0.0 <= float(pad) <= 1.0:
        found.append(f"{where}: pad_share must be a number between 0 and 1")
    return found


def parse_presets(
    raw: dict[str, Any], *, registry: Registry, where: str = "export_presets.toml"
) -> dict[str, Preset]:
    """Validate a parsed presets file (pure; no files) and return presets by id."""
    problems = check_keys(raw, where=where, required=("presets",), optional=("sources",))
    problems += check_keys(
        raw.get("sources", {}),
        where=f"{where} [sources]",
        required=(),
        optional=("note_zh", "note_en"),
    )
    known_layers = {spec.id for spec in registry.layers}

    def parse(table: Mapping[str, Any], w: str, found: list[str]) -> Preset:
        found += _preset_problems(table, where=w, known_layers=known_layers)
        return Preset(
            id=table["id"],
            title_zh=table["title_zh"],
            title_en=table["title_en"],
            subtitle_zh=table["subtitle_zh"],
            subtitle_en=table["subtitle_en"],
            layers=tuple(table["layers"]),
            zoom_layers=tuple(table.get("zoom_layers", ())),
            zoom_ids=tuple(table.get("zoom_ids", ())),
            pad_share=float(table.get("pad_share", DEFAULT_PAD_SHARE)),
        )

    parsed = parse_tables(
        raw,
        "presets",
        parse,
        where=where,
        required=_REQUIRED,
        optional=_OPTIONAL,
        problems=problems,
    )
    problems += declared_twice([p.id for p in parsed], where=where)
    presets = {p.id: p for p in parsed}
    collect(problems, what=f"export presets {where}", error=ConfigError)
    return presets


def source_note(lang: str, *, path: Path = PRESETS_FILE) -> str:
    """The data-source line for maps of the project's own data (``[sources]``), or ''."""
    load_presets(path)  # validates the file
    return str(load_toml(path).get("sources", {}).get(f"note_{lang}", ""))


@cache
def load_presets(path: Path = PRESETS_FILE) -> dict[str, Preset]:
    """Load and validate ``config/export_presets.toml`` (cached)."""
    return parse_presets(load_toml(path), registry=load_registry(), where=path.name)


def get_preset(preset_id: str) -> Preset:
    """The preset called ``preset_id``; :class:`ConfigError` naming the known ones if none."""
    presets = load_presets()
    if preset_id not in presets:
        raise ConfigError(
            f"map preset {preset_id!r} is not declared in {PRESETS_FILE.name}; "
            f"choose one of: {', '.join(presets)}"
        )
    return presets[preset_id]
