"""Loading declared configuration from ``config/*.toml``.

Configuration is data. Each loader validates its file on load, rejects unknown
keys and reports every problem at once (see :func:`geo.errors.collect`).
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from geo.errors import ConfigError

PROJECT_ROOT = Path(__file__).resolve().parents[2]
CONFIG_DIR = PROJECT_ROOT / "config"
DATA_DIR = PROJECT_ROOT / "data"


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
