"""Interface text in Chinese and English, declared in ``config/i18n.toml``."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Final

from geo.declared.config import CONFIG_DIR, load_toml
from geo.errors import ConfigError, collect

I18N_FILE: Final = CONFIG_DIR / "i18n.toml"
LANGUAGES: Final = ("zh", "en")


@cache
def load_strings(path: Path = I18N_FILE) -> dict[str, dict[str, str]]:
    """All strings, validated: every key has exactly a ``zh`` and an ``en`` text."""
    raw = load_toml(path)
    problems = [
        f"[{key}]: needs exactly zh and en, found {', '.join(sorted(v)) or 'nothing'}"
        for key, v in raw.items()
        if not isinstance(v, dict) or set(v) != set(LANGUAGES)
    ]
    collect(problems, what=str(path), error=ConfigError)
    return {k: {lang: str(v[lang]) for lang in LANGUAGES} for k, v in raw.items()}


def t(key: str, lang: str) -> str:
    """The text for ``key`` in ``lang`` (``zh`` or ``en``)."""
    strings = load_strings()
    if key not in strings:
        raise KeyError(f"no interface text {key!r} in {I18N_FILE.name}")
    return strings[key]["zh" if lang == "zh" else "en"]
