"""Accounts of the store: names, roles and argon2 password hashes (argon2-cffi).

Roles: ``viewer`` reads; ``editor`` also uploads layers and edits the plan; ``admin`` also
manages accounts. A disabled account can do nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final, Literal, get_args

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from geo.errors import GeoError

Role = Literal["viewer", "editor", "admin"]
ROLES: Final[tuple[str, ...]] = get_args(Role)
MIN_PASSWORD_CHARS: Final = 8
_NAME: Final = re.compile(r"^[\w.@-]{1,64}$")
_HASHER: Final = PasswordHasher()


@dataclass(frozen=True)
class User:
    """An account as the store knows it (never with its hash)."""

    username: str
    role: Role
    disabled: bool
    created_utc: str

    @property
    def can_edit(self) -> bool:
        """May upload layers and change the plan."""
        return not self.disabled and self.role in ("editor", "admin")

    @property
    def is_admin(self) -> bool:
        return not self.disabled and self.role == "admin"


def check_username(username: str) -> None:
    """1 to 64 letters, digits, ``.``, ``_``, ``@`` or ``-`` (Chinese letters too).

    >>> check_username("李工")
    """
    if not isinstance(username, str) or not _NAME.match(username):
        raise GeoError(
            f"user name {username!r} is not allowed; use 1 to 64 letters, digits, '.', '_', "
            "'@' or '-', no spaces."
        )


def hash_password(password: str) -> str:
    """The argon2id hash of a password of at least :data:`MIN_PASSWORD_CHARS` characters."""
    if len(password) < MIN_PASSWORD_CHARS:
        raise GeoError(
            f"the password has {len(password)} characters; give at least {MIN_PASSWORD_CHARS}."
        )
    return _HASHER.hash(password)


def check_password(hashed: str, password: str) -> bool:
    """Whether ``password`` matches ``hashed`` (False for a damaged hash, never raises)."""
    try:
        return _HASHER.verify(hashed, password)
    except (VerificationError, InvalidHashError):
        return False
