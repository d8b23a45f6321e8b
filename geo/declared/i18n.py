"""Interface text in Chinese and English, declared in ``config/i18n.toml``.

A text with parameters is a template (``str.format``): ``t("crs_candidate", lang,
crs=..., lon=...)``. What geo/ says to a user (error bodies, reading notes) is a
:class:`Message`: a declared key with its parameters, whose ``str`` is the English (the
CLI and logs) and whose text in either language :func:`say` gives (the page).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Final

from geo.declared.config import CONFIG_DIR, load_toml
from geo.errors import ConfigError, GeoError

I18N_FILE: Final = CONFIG_DIR / "i18n.toml"
LANGUAGES: Final = ("zh", "en")
KEY_PATTERN: Final = re.compile(r"[a-z][a-z0-9_]*")
"""What a text's key looks like (a message in words never does: it has spaces)."""


@cache
def load_strings(path: Path = I18N_FILE) -> dict[str, dict[str, str]]:
    """All strings, validated: every key has exactly a ``zh`` and an ``en`` text."""
    raw = load_toml(path)
    problems = [
        f"[{key}]: needs exactly zh and en, found {', '.join(sorted(v)) or 'nothing'}"
        for key, v in raw.items()
        if not isinstance(v, dict) or set(v) != set(LANGUAGES)
    ]
    if problems:  # said in words: the declared texts are what is broken
        lines = "\n".join(f"  - {p}" for p in problems)
        raise ConfigError(f"{path}: {len(problems)} problem(s):\n{lines}")
    return {k: {lang: str(v[lang]) for lang in LANGUAGES} for k, v in raw.items()}


def t(key: str, lang: str, /, **params: Any) -> str:
    """The text for ``key`` in ``lang`` (``zh`` or ``en``), its ``{placeholders}`` filled
    from ``params`` when any are given (a :class:`Message` among them in ``lang`` too)."""
    strings = load_strings()
    if key not in strings:
        raise KeyError(f"no interface text {key!r} in {I18N_FILE.name}")
    text = strings[key]["zh" if lang == "zh" else "en"]
    if not params:
        return text
    return text.format(**{name: _param(value, lang) for name, value in params.items()})


def _param(value: Any, lang: str) -> Any:
    """A parameter as it goes into a template: a message in ``lang``; a tuple or list
    as one indented line per item (the problems of :func:`geo.errors.collect`)."""
    if isinstance(value, Joined):
        return say(value.sep, lang).join(say(item, lang) for item in value.items)
    if isinstance(value, tuple | list):
        return "\n".join(f"  - {say(item, lang)}" for item in value)
    if isinstance(value, Message | GeoError | Names):
        return say(value, lang)
    return value


@dataclass(frozen=True)
class Joined:
    """Several messages said on one line, each in the page's language: a parameter."""

    items: Sequence[object]
    sep: str = "; "
    """Between items: words, or a :class:`Message` (e.g. ``Message("word_or")``)."""


@dataclass(frozen=True)
class Names:
    """A name given in both languages (a region, a coordinate system): a parameter."""

    zh: str
    en: str


def is_key(text: str) -> bool:
    """Whether ``text`` names a declared text (rather than being a message in words)."""
    return KEY_PATTERN.fullmatch(text) is not None and text in load_strings()


class Message(str):
    """A declared text with its parameters. As a ``str`` it is the English text (what
    the CLI prints and logs keep); :meth:`in_lang` (or :func:`say`) gives either language.

    >>> str(Message("problems", what="a.csv", count=1, lines=("no rows",)))
    'a.csv: 1 problem(s):\\n  - no rows'
    """

    key: str
    params: Mapping[str, Any]

    def __new__(cls, key: str, /, **params: Any) -> Message:
        self = super().__new__(cls, t(key, "en", **params))
        self.key = key
        self.params = params
        return self

    def __reduce__(self) -> tuple[Any, ...]:  # pickled (st.cache_data) by key and params
        return (_message, (self.key, dict(self.params)))

    def in_lang(self, lang: str) -> str:
        return t(self.key, lang, **self.params)


def _message(key: str, params: dict[str, Any]) -> Message:
    return Message(key, **params)


def say(what: object, lang: str) -> str:
    """What geo/ said, in ``lang``: a :class:`Message` or a :class:`~geo.errors.GeoError`
    made from one in that language; anything else (a message in words) as it is."""
    if isinstance(what, GeoError):
        what = what.text
    if isinstance(what, Message):
        return what.in_lang(lang)
    if isinstance(what, Names):
        return what.zh if lang == "zh" else what.en
    return str(what)
