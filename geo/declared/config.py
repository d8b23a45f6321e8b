"""Loading declared configuration from ``config/*.toml``.

Configuration is data. Each loader validates its file on load, rejects unknown
keys and reports every problem at once (see :func:`geo.errors.collect`).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, Final, TypeGuard, TypeVar

from geo.errors import ConfigError

PROJECT_ROOT = Path(__file__).resolve().parents[2]
CONFIG_DIR = PROJECT_ROOT / "config"
DATA_DIR = PROJECT_ROOT / "data"
ID_PATTERN: Final = re.compile(r"^[a-z][a-z0-9_]*$")
"""A declared id: lower-case ascii letters, digits and _, starting with a letter."""

T = TypeVar("T")


def load_toml(path: Path) -> dict[str, Any]:
    """Read a TOML file, turning syntax errors into a :class:`ConfigError` naming the file."""
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError as exc:
        raise ConfigError(f"{path}: file not found; restore it from the repository.") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc}); fix the syntax.") from exc


def check_keys(
    table: Mapping[str, Any],
    *,
    where: str,
    required: Iterable[str],
    optional: Iterable[str] = (),
) -> list[str]:
    """Return the problems with a table's keys: missing required ones and unknown ones."""
    required = set(required)
    allowed = required | set(optional)
    problems = [f"{where}: missing key '{k}'" for k in sorted(required - set(table))]
    problems += [
        f"{where}: unknown key '{k}' (allowed: {', '.join(sorted(allowed))})"
        for k in sorted(set(table) - allowed)
    ]
    return problems


def parse_tables(
    raw: Mapping[str, Any],
    key: str,
    parse: Callable[[Mapping[str, Any], str, list[str]], T],
    *,
    where: str,
    required: Iterable[str],
    optional: Iterable[str] = (),
    problems: list[str],
    label: str = "id",
) -> list[T]:
    """Each table of the array ``raw[key]`` (``[[key]]`` in TOML), checked and parsed.

    A table is first checked for its keys (:func:`check_keys`); only a table whose keys
    are right is given to ``parse(table, where, found)``, which appends what else is
    wrong to ``found`` and returns the parsed object. Objects are kept only when nothing
    was found; every problem goes to ``problems``, each naming the table as
    ``"{where} {key}[i] ({label value})"``.

    >>> problems: list[str] = []
    >>> raw = {"things": [{"id": "a"}, {"id": "b", "size": 1}, 3]}
    >>> parse_tables(raw, "things", lambda t, w, found: t["id"], where="x.toml",
    ...              required=("id",), problems=problems)
    ['a']
    >>> problems  # doctest: +NORMALIZE_WHITESPACE
    ["x.toml things[1] (b): unknown key 'size' (allowed: id)",
     'x.toml things[2]: must be a table ([[things]]), found int']
    """
    items = raw.get(key, [])
    if not isinstance(items, list):
        problems.append(f"{where}: {key} must be an array of tables ([[{key}]])")
        return []
    out: list[T] = []
    for i, item in enumerate(items):
        w = f"{where} {key}[{i}]"
        if not isinstance(item, Mapping):
            problems.append(f"{w}: must be a table ([[{key}]]), found {type(item).__name__}")
            continue
        w = f"{w} ({item.get(label, '?')})"
        found = check_keys(item, where=w, required=required, optional=optional)
        if not found:
            parsed = parse(item, w, found)
            if not found:
                out.append(parsed)
        problems += found
    return out


def declared_twice(ids: Sequence[Hashable], *, where: str, kind: str = "id") -> list[str]:
    """One problem per value that ``ids`` holds more than once.

    >>> declared_twice(["a", "b", "a"], where="x.toml", kind="layer id")
    ["x.toml: layer id 'a' declared twice"]
    """
    counts: dict[Hashable, int] = {}
    for x in ids:
        counts[x] = counts.get(x, 0) + 1
    twice = sorted((x for x, n in counts.items() if n > 1), key=str)
    return [f"{where}: {kind} {x!r} declared twice" for x in twice]


def one_of(value: object, allowed: Sequence[str], *, where: str, key: str) -> list[str]:
    """The problem with a value that must be one of ``allowed`` (none if it is).

    >>> one_of("metric", ("union", "each"), where="x.toml", key="measure")
    ["x.toml: measure must be one of union, each (found 'metric')"]
    """
    if value in allowed:
        return []
    return [f"{where}: {key} must be one of {', '.join(allowed)} (found {value!r})"]


def is_number(value: object) -> TypeGuard[int | float]:
    """An int or a float, not a bool (TOML ``true`` is no number)."""
    return isinstance(value, int | float) and not isinstance(value, bool)
