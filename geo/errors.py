"""The small family of errors that geo/ raises.

Every message names the input, what was found, and what to do about it. The UI
shows these messages as they are and nothing rawer.

A message is a declared text (``config/i18n.toml``, Chinese and English) with its
parameters: ``InputFileError("upload_zip_no_dbf", name=..., found=...)``. ``str()`` of the
error is the English (the CLI, logs); the page says it in its language with
:func:`geo.declared.i18n.say`. A message in words (English only) is still accepted.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from geo.declared.i18n import Message


class GeoError(Exception):
    """Base class: a problem with the user's input or the project's data, not a bug.

    ``GeoError(key, **params)`` with a declared text's key, or ``GeoError(message)``
    with a :class:`~geo.declared.i18n.Message` or a message in words.
    """

    text: Message | str
    """What is said: a :class:`~geo.declared.i18n.Message`, or words."""

    def __init__(self, message: str, /, **params: Any) -> None:
        from geo.declared.i18n import Message, is_key  # geo.declared imports this module

        if params or (not isinstance(message, Message) and is_key(message)):
            message = Message(message, **params)
        self.text = message
        super().__init__(message)


class InputFileError(GeoError):
    """A file cannot be read as a spatial layer (missing, truncated, wrong kind, too big)."""


class CRSError(GeoError):
    """A layer has no CRS, an unknown CRS, or CRSs that do not match."""


class GeometryError(GeoError):
    """Geometries are unusable for the requested figure (none left, wrong type)."""


class ConfigError(GeoError):
    """A file in config/ does not match its declared schema."""


def collect(problems: list[str], *, what: str, error: type[GeoError]) -> None:
    """Raise ``error`` listing every problem at once, if there are any.

    Validators gather all problems first and report them together, so a user
    fixes a file in one round rather than one error at a time. A problem may be a
    :class:`~geo.declared.i18n.Message`: the list is then said in the page's language.
    """
    if problems:
        raise error("problems", what=what, count=len(problems), lines=tuple(problems))
