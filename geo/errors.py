"""The small family of errors that geo/ raises.

Every message names the input, what was found, and what to do about it. The UI
shows these messages as they are and nothing rawer.
"""

from __future__ import annotations


class GeoError(Exception):
    """Base class: a problem with the user's input or the project's data, not a bug."""


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
    fixes a file in one round rather than one error at a time.
    """
    if problems:
        lines = "\n".join(f"  - {p}" for p in problems)
        raise error(f"{what}: {len(problems)} problem(s):\n{lines}")
