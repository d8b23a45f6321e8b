"""The layer registry declared in ``config/layers.toml``: groups, layers and styles.

Validated on load: unknown keys are rejected, every problem is reported at once, and
every layer must name a declared group. The web map (``layers/``), the printed exports
and the sidebar all read their layer list from here and nowhere else.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from geo.declared.config import (
    CONFIG_DIR,
    ID_PATTERN,
    check_keys,
    declared_twice,
    load_toml,
    parse_tables,
)
from geo.errors import ConfigError, collect

LAYERS_FILE = CONFIG_DIR / "layers.toml"
_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")


@dataclass(frozen=True)
class Group:
    """A group of layers as the plan thinks of them (province, city, district …)."""

    id: str
    name_zh: str
    name_en: str
    order: int

    def name(self, lang: str) -> str:
        return self.name_zh if lang == "zh" else self.name_en


@dataclass(frozen=True)
class LayerSpec:
    """One map layer: which features, how they look, what the tooltip shows."""

    id: str
    group: str
    name_zh: str
    name_en: str
    visible: bool
    order: int
    color: str
    fill: str
    fill_opacity: float
    weight: float
    label: bool
    tooltip: tuple[str, ...]
    color_by: str | None = None
    colors: dict[str, str] = field(default_factory=dict)
    context: tuple[str, ...] = ()  # layers drawn beneath whenever this one is shown

    def name(self, lang: str) -> str:
        return self.name_zh if lang == "zh" else self.name_en

    def colour_for(self, value: object) -> tuple[str, str]:
        """(stroke, fill) colours for a feature whose ``color_by`` property is ``value``."""
        if self.color_by is not None and value is not None and str(value) in self.colors:
            c = self.colors[str(value)]
            return c, c
        return self.color, self.fill


@dataclass(frozen=True)
class Registry:
    groups: tuple[Group, ...]
    layers: tuple[LayerSpec, ...]

    def layer(self, layer_id: str) -> LayerSpec:
        for spec in self.layers:
            if spec.id == layer_id:
                return spec
        raise KeyError(
            f"layer {layer_id!r} is not declared in {LAYERS_FILE.name}; "
            f"known: {', '.join(s.id for s in self.layers)}"
        )

    def group(self, group_id: str) -> Group:
        for g in self.groups:
            if g.id == group_id:
                return g
        raise KeyError(f"group {group_id!r} is not declared in {LAYERS_FILE.name}")

    def layers_in(self, group_id: str) -> tuple[LayerSpec, ...]:
        return tuple(s for s in self.layers if s.group == group_id)

    def drawn_with_context(self, layer_ids: Sequence[str]) -> list[str]:
        """``layer_ids`` followed by the ``context`` layers they declare that are not
        among them (to draw, never to count): e.g. the prefectures under the 1+3+N."""
        out = list(layer_ids)
        for layer_id in layer_ids:
            out += [c for c in self.layer(layer_id).context if c not in out]
        return out


_GROUP_KEYS = ("id", "name_zh", "name_en", "order")
_LAYER_REQUIRED = (
    "id",
    "group",
    "name_zh",
    "name_en",
    "visible",
    "order",
    "color",
    "fill",
    "fill_opacity",
    "weight",
    "label",
    "tooltip",
)


def _parse_group(g: Mapping[str, Any], where: str, found: list[str]) -> Group:
    return Group(str(g["id"]), g["name_zh"], g["name_en"], int(g["order"]))


def _layer_problems(layer: Mapping[str, Any], *, where: str, group_ids: Sequence[str]) -> list[str]:
    """What is wrong with the values of a layer table whose keys are right."""
    found = []
    if not ID_PATTERN.match(str(layer["id"])):
        found.append(f"{where}: id must be lower-case ascii letters, digits and _")
    if layer["group"] not in group_ids:
        found.append(f"{where}: group {layer['group']!r} is not declared under [[groups]]")
    colours = [layer["color"], layer["fill"], *layer.get("colors", {}).values()]
    found += [f"{where}: colour {c!r} is not #rrggbb" for c in colours if not _COLOR.match(c)]
    if not 0.0 <= float(layer["fill_opacity"]) <= 1.0:
        found.append(f"{where}: fill_opacity must be between 0 and 1")
    if ("color_by" in layer) != ("colors" in layer):
        found.append(f"{where}: give both color_by and colors, or neither")
    return found


def _layer_spec(layer: Mapping[str, Any]) -> LayerSpec:
    return LayerSpec(
        id=layer["id"],
        group=layer["group"],
        name_zh=layer["name_zh"],
        name_en=layer["name_en"],
        visible=bool(layer["visible"]),
        order=int(layer["order"]),
        color=layer["color"],
        fill=layer["fill"],
        fill_opacity=float(layer["fill_opacity"]),
        weight=float(layer["weight"]),
        label=bool(layer["label"]),
        tooltip=tuple(layer["tooltip"]),
        color_by=layer.get("color_by"),
        colors=dict(layer.get("colors", {})),
        context=tuple(layer.get("context", ())),
    )


def parse_registry(raw: dict[str, Any], *, where: str = "layers.toml") -> Registry:
    """Validate a parsed layers file and build the :class:`Registry` (pure; no files)."""
    problems = check_keys(raw, where=where, required=("groups", "layers"))
    groups = parse_tables(
        raw, "groups", _parse_group, where=where, required=_GROUP_KEYS, problems=problems
    )
    group_ids = [g.id for g in groups]

    def parse_layer(layer: Mapping[str, Any], w: str, found: list[str]) -> LayerSpec:
        found += _layer_problems(layer, where=w, group_ids=group_ids)
        return _layer_spec(layer)

    layers = parse_tables(
        raw,
        "layers",
        parse_layer,
        where=where,
        required=_LAYER_REQUIRED,
        optional=("color_by", "colors", "context"),
        problems=problems,
    )
    tables = raw.get("layers", [])
    layer_ids = {str(t.get("id")) for t in tables if isinstance(t, Mapping)}
    problems += [
        f"{where} layers ({s.id}): context layer {c!r} is not declared"
        for s in layers
        for c in s.context
        if c not in layer_ids
    ]
    problems += declared_twice(group_ids, where=where, kind="group id")
    problems += declared_twice([s.id for s in layers], where=where, kind="layer id")
    collect(problems, what=f"layer registry {where}", error=ConfigError)
    return Registry(
        groups=tuple(sorted(groups, key=lambda g: g.order)),
        layers=tuple(sorted(layers, key=lambda s: s.order)),
    )


@cache
def load_registry(path: Path = LAYERS_FILE) -> Registry:
    """Load and validate ``config/layers.toml`` (cached: it does not change while running)."""
    return parse_registry(load_toml(path), where=path.name)
