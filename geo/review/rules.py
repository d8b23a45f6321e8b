"""The conflict rules declared in ``config/rules.toml``, validated on load.

A rule names two sides (or one) by **selectors**, strings that pick features:

- ``layer:ID`` — features of a registry layer (``config/layers.toml``);
- ``group:ID`` — features of every layer of a registry group;
- ``zone:ID`` — one feature by its ``id``;
- ``kind:VALUE`` — plan features whose ``group`` property (the kind of zone, e.g.
  ``industrial_park``) is VALUE;
- ``level:VALUE`` — plan features of one spatial level (``province``, ``city``, ``district``);
- ``user:NAME`` — every feature of the user layer called NAME;
- ``line:KIND`` — the features of any user layer that are one of the three control
  lines (三区三线) declared under ``[control_lines]``: ``permanent_basic_farmland``,
  ``ecological_red_line``, ``urban_development_boundary``.

Rule kinds (:data:`RULE_KINDS`): ``must_not_overlap(a, b)``, ``must_lie_within(a, b)``,
``must_cover(a, b)`` (every feature of b lies within a), ``disjoint_within(a)``,
``max_area(a)`` and ``min_area(a)`` against ``stated_km2``; ``exclude`` removes
features from side a. Unknown keys are rejected and
every problem in the file is reported at once (:func:`geo.errors.collect`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Final, Literal

from geo.declared.config import (
    CONFIG_DIR,
    ID_PATTERN,
    check_keys,
    declared_twice,
    is_number,
    load_toml,
    one_of,
    parse_tables,
)
from geo.errors import ConfigError, collect

RULES_FILE: Final = CONFIG_DIR / "rules.toml"

RuleKind = Literal[
    "must_not_overlap", "must_lie_within", "must_cover", "disjoint_within", "max_area", "min_area"
]
RULE_KINDS: Final[tuple[str, ...]] = (
    "must_not_overlap",
    "must_lie_within",
    "must_cover",
    "disjoint_within",
    "max_area",
    "min_area",
)
PAIR_KINDS: Final = ("must_not_overlap", "must_lie_within", "must_cover")
AREA_KINDS: Final = ("max_area", "min_area")
SELECTOR_PREFIXES: Final = ("layer", "group", "zone", "kind", "level", "user", "line")
CONTROL_LINE_KINDS: Final = (
    "permanent_basic_farmland",
    "ecological_red_line",
    "urban_development_boundary",
)
_SELECTOR: Final = re.compile(r"^([a-z]+):(\S.*)$")


@dataclass(frozen=True)
class Selector:
    """One ``prefix:value`` selector of a rule side."""

    prefix: str
    value: str

    def __str__(self) -> str:
        return f"{self.prefix}:{self.value}"

    @property
    def needs_user_layer(self) -> bool:
        return self.prefix in ("user", "line")


@dataclass(frozen=True)
class Rule:
    """One declared conflict rule (see the module docstring for the kinds)."""

    id: str
    name_zh: str
    name_en: str
    source: str
    reasoning_zh: str
    reasoning_en: str
    kind: RuleKind
    a: tuple[Selector, ...]
    b: tuple[Selector, ...]
    exclude: tuple[Selector, ...]
    tolerance_m2: float
    stated_km2: float | None = None
    measure: Literal["union", "each"] = "union"

    def name(self, lang: str) -> str:
        return self.name_zh if lang == "zh" else self.name_en

    def reasoning(self, lang: str) -> str:
        return self.reasoning_zh if lang == "zh" else self.reasoning_en


@dataclass(frozen=True)
class ControlLine:
    """One of the three control lines and the attribute values that name it."""

    kind: str
    name_zh: str
    name_en: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class RuleSet:
    """The rules, the control lines, and how user layers are read for them."""

    rules: tuple[Rule, ...]
    control_lines: tuple[ControlLine, ...]
    control_line_columns: tuple[str, ...]
    user_accuracy_m: float
    source: str = "rules.toml"

    def rule(self, rule_id: str) -> Rule:
        for r in self.rules:
            if r.id == rule_id:
                return r
        raise KeyError(f"rule {rule_id!r} is not declared; known: {', '.join(self.ids)}")

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(r.id for r in self.rules)


_RULE_REQUIRED: Final = (
    "id",
    "name_zh",
    "name_en",
    "source",
    "reasoning_zh",
    "reasoning_en",
    "kind",
    "a",
    "tolerance_m2",
)
_RULE_OPTIONAL: Final = ("b", "exclude", "stated_km2", "measure")
_LINE_KEYS: Final = ("name_zh", "name_en", "values")


def _selectors(raw: Any, *, where: str, key: str, problems: list[str]) -> tuple[Selector, ...]:
    if not isinstance(raw, list) or not all(isinstance(s, str) for s in raw):
        problems.append(f"{where}: '{key}' must be a list of selector strings like 'layer:ecology'")
        return ()
    out: list[Selector] = []
    for text in raw:
        match = _SELECTOR.match(text.strip())
        if not match or match.group(1) not in SELECTOR_PREFIXES:
            problems.append(
                f"{where}: selector {text!r} in '{key}' is not PREFIX:VALUE with PREFIX one of "
                f"{', '.join(SELECTOR_PREFIXES)}"
            )
            continue
        prefix, value = match.group(1), match.group(2).strip()
        if prefix == "line" and value not in CONTROL_LINE_KINDS:
            problems.append(
                f"{where}: selector {text!r}: control line must be one of "
                f"{', '.join(CONTROL_LINE_KINDS)}"
            )
            continue
        out.append(Selector(prefix, value))
    return tuple(out)


def _text_problems(raw: Mapping[str, Any], *, where: str) -> list[str]:
    found = []
    if not ID_PATTERN.match(str(raw["id"])):
        found.append(f"{where}: id must be lower-case ascii letters, digits and _")
    for key in ("name_zh", "name_en", "source", "reasoning_zh", "reasoning_en"):
        if not isinstance(raw[key], str) or not raw[key].strip():
            found.append(f"{where}: '{key}' must be non-empty text")
    return found


def _side_problems(raw: Mapping[str, Any], a: tuple[Selector, ...], *, where: str) -> list[str]:
    """Whether the rule's kind has the sides it gives (one, or a and b)."""
    kind = raw["kind"]
    found = []
    if not a and isinstance(raw["a"], list):
        found.append(f"{where}: 'a' names no features; give at least one selector")
    if kind in PAIR_KINDS and not raw.get("b"):
        found.append(f"{where}: kind {kind} needs 'b' (the other side)")
    if kind not in PAIR_KINDS and "b" in raw:
        found.append(f"{where}: kind {kind} has one side; remove 'b'")
    return found


def _figure_problems(raw: Mapping[str, Any], *, where: str) -> list[str]:
    """``tolerance_m2``, and ``stated_km2`` and ``measure`` that only area rules have."""
    kind = raw["kind"]
    found = []
    tolerance = raw["tolerance_m2"]
    if not is_number(tolerance) or tolerance < 0:
        found.append(f"{where}: tolerance_m2 must be a number ≥ 0 (square metres)")
    stated = raw.get("stated_km2")
    if kind in AREA_KINDS and (not is_number(stated) or stated <= 0):
        found.append(f"{where}: kind {kind} needs stated_km2, a number > 0")
    if kind not in AREA_KINDS and "stated_km2" in raw:
        found.append(f"{where}: stated_km2 belongs to max_area/min_area rules only")
    measure = raw.get("measure", "union")
    found += one_of(measure, ("union", "each"), where=where, key="measure")
    if "measure" in raw and kind not in AREA_KINDS:
        found.append(f"{where}: measure belongs to max_area/min_area rules only")
    return found


def _parse_rule(raw: Mapping[str, Any], where: str, found: list[str]) -> Rule:
    """One ``[[rules]]`` table whose keys are right; what is wrong goes to ``found``."""
    found += _text_problems(raw, where=where)
    found += one_of(raw["kind"], RULE_KINDS, where=where, key="kind")
    a = _selectors(raw["a"], where=where, key="a", problems=found)
    b = _selectors(raw.get("b", []), where=where, key="b", problems=found)
    exclude = _selectors(raw.get("exclude", []), where=where, key="exclude", problems=found)
    found += _side_problems(raw, a, where=where)
    found += _figure_problems(raw, where=where)
    stated = raw.get("stated_km2")
    return Rule(
        id=str(raw["id"]),
        name_zh=raw["name_zh"],
        name_en=raw["name_en"],
        source=raw["source"],
        reasoning_zh=str(raw["reasoning_zh"]).strip(),
        reasoning_en=str(raw["reasoning_en"]).strip(),
        kind=raw["kind"],
        a=a,
        b=b,
        exclude=exclude,
        tolerance_m2=float(raw["tolerance_m2"]) if is_number(raw["tolerance_m2"]) else 0.0,
        stated_km2=float(stated) if is_number(stated) else None,
        measure=raw.get("measure", "union"),
    )


def _defaults(
    raw: Mapping[str, Any], *, where: str, problems: list[str]
) -> tuple[float, list[str]]:
    """``[defaults]``: the accuracy of user layers (m) and the control-line columns."""
    defaults = raw.get("defaults", {})
    problems += check_keys(
        defaults,
        where=f"{where} [defaults]",
        required=("user_accuracy_m", "control_line_columns"),
    )
    accuracy = defaults.get("user_accuracy_m", 0.0)
    if "user_accuracy_m" in defaults and (not is_number(accuracy) or accuracy <= 0):
        problems.append(f"{where} [defaults]: user_accuracy_m must be a number > 0 (metres)")
    columns = defaults.get("control_line_columns", [])
    if not isinstance(columns, list) or not all(isinstance(c, str) for c in columns):
        problems.append(f"{where} [defaults]: control_line_columns must be a list of names")
        columns = []
    return float(accuracy) if is_number(accuracy) else 0.0, columns


def _control_line(kind: str, raw: Any, *, where: str, problems: list[str]) -> ControlLine | None:
    """``[control_lines.KIND]``: its names and the attribute values that mark it."""
    if raw is None:
        problems.append(f"{where}: missing")
        return None
    found = check_keys(raw, where=where, required=_LINE_KEYS)
    values = raw.get("values", [])
    if not isinstance(values, list) or not values or not all(isinstance(v, str) for v in values):
        found.append(f"{where}: values must be a non-empty list of text")
    problems += found
    if found:
        return None
    return ControlLine(kind, raw["name_zh"], raw["name_en"], tuple(values))


def _control_lines(
    raw: Mapping[str, Any], *, where: str, problems: list[str]
) -> tuple[ControlLine, ...]:
    raw_lines = raw.get("control_lines", {})
    for kind in sorted(set(raw_lines) - set(CONTROL_LINE_KINDS)):
        problems.append(
            f"{where} [control_lines.{kind}]: unknown control line "
            f"(allowed: {', '.join(CONTROL_LINE_KINDS)})"
        )
    lines = (
        _control_line(
            kind, raw_lines.get(kind), where=f"{where} [control_lines.{kind}]", problems=problems
        )
        for kind in CONTROL_LINE_KINDS
    )
    return tuple(line for line in lines if line is not None)


def parse_rules(raw: Mapping[str, Any], *, where: str = "rules.toml") -> RuleSet:
    """Validate a parsed rules file and build the :class:`RuleSet` (pure; no files).

    Raises :class:`ConfigError` listing every problem at once.
    """
    problems = check_keys(raw, where=where, required=("defaults", "control_lines", "rules"))
    accuracy_m, columns = _defaults(raw, where=where, problems=problems)
    lines = _control_lines(raw, where=where, problems=problems)
    rules = parse_tables(
        raw,
        "rules",
        _parse_rule,
        where=where,
        required=_RULE_REQUIRED,
        optional=_RULE_OPTIONAL,
        problems=problems,
    )
    problems += declared_twice([r.id for r in rules], where=where, kind="rule id")
    collect(problems, what=f"rules {where}", error=ConfigError)
    return RuleSet(
        rules=tuple(rules),
        control_lines=lines,
        control_line_columns=tuple(columns),
        user_accuracy_m=accuracy_m,
        source=where,
    )


@cache
def load_rules(path: Path = RULES_FILE) -> RuleSet:
    """Load and validate a rules file (default ``config/rules.toml``; cached per path)."""
    return parse_rules(load_toml(path), where=path.name)
