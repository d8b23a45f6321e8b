"""The store's tables, one definition for both back-ends (SQLAlchemy Core).

Everything but ``users`` is append-only: a change adds a row to ``versions`` (and to
``features`` when the geometry changed) and one to ``audit``, in one transaction; no row
of those tables is ever updated or deleted. In PostgreSQL the tables belong to an owner
role and the app's role gets ``SELECT, INSERT`` only (``UPDATE`` on ``users`` too), see
:func:`grant_app_role`.

- ``objects``: one row per plan element or user layer (kind, owner), never changed.
- ``versions``: every version of every object, numbered 1, 2, … per object; the primary
  key ``(object_id, version)`` is what makes optimistic locking safe: two saves on top of
  the same version cannot both insert the next one.
- ``features``: the geometries (EPSG:4326) and attributes (JSON text) a version wrote;
  a version that changes no geometry (rename, share, delete, restore) points at an earlier
  version's features (``versions.features_of``) instead of copying them.
- ``originals``: the uploaded file of a layer's version, byte for byte.
- ``audit``: who did what to which object, versions and areas before and after.
- ``users``: accounts (argon2 hashes), roles, disabled flag.

Geometries are WKB: a ``BLOB`` in SQLite, ``geometry(Geometry,4326)`` with a GiST index in
PostGIS (the database filters by ``ST_Intersects`` there). Times are ISO 8601 text in UTC,
identical on both back-ends.
"""

from __future__ import annotations

from typing import Any, Final

from sqlalchemy import (
    Boolean,
    Column,
    Float,
    ForeignKeyConstraint,
    Identity,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    Table,
    Text,
)
from sqlalchemy.engine import Connection
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql import quoted_name, text
from sqlalchemy.types import UserDefinedType

SRID: Final = 4326


class Geometry(UserDefinedType[bytes]):
    """A geometry column: PostGIS ``geometry(Geometry,4326)``; ``BLOB`` (WKB) in SQLite."""

    cache_ok = True

    def get_col_spec(self, **kw: Any) -> str:
        return f"geometry(Geometry,{SRID})"


@compiles(Geometry, "sqlite")
def _sqlite_geometry(element: Geometry, compiler: Any, **kw: Any) -> str:
    return "BLOB"


metadata = MetaData()

objects = Table(
    "objects",
    metadata,
    Column("object_id", Text, primary_key=True),
    Column("kind", Text, nullable=False),  # "element" or "layer"
    Column("owner", Text),  # the user who uploaded a layer; None for plan elements
    Column("created_utc", Text, nullable=False),
)

versions = Table(
    "versions",
    metadata,
    Column("object_id", Text, nullable=False),
    Column("version", Integer, nullable=False),
    Column("name", Text, nullable=False),
    Column("status", Text, nullable=False),  # "active" or "deleted"
    Column("shared", Boolean, nullable=False),
    Column("author", Text, nullable=False),
    Column("time_utc", Text, nullable=False),
    Column("action", Text, nullable=False),
    Column("reason", Text, nullable=False),
    Column("source", Text, nullable=False),
    Column("accuracy", Text, nullable=False),
    Column("features_of", Integer, nullable=False),
    Column("feature_count", Integer, nullable=False),
    Column("area_m2", Float, nullable=False),
    Column("meta", Text, nullable=False),  # JSON: the upload's record, seed digests, ...
    PrimaryKeyConstraint("object_id", "version"),
    ForeignKeyConstraint(["object_id"], ["objects.object_id"]),
)
Index("versions_time", versions.c.time_utc)

features = Table(
    "features",
    metadata,
    Column("object_id", Text, nullable=False),
    Column("version", Integer, nullable=False),
    Column("feature_no", Integer, nullable=False),
    Column("geometry", Geometry()),
    Column("properties", Text, nullable=False),  # JSON object
    Column("minx", Float),
    Column("miny", Float),
    Column("maxx", Float),
    Column("maxy", Float),
    PrimaryKeyConstraint("object_id", "version", "feature_no"),
)
Index("features_geometry", features.c.geometry, postgresql_using="gist").ddl_if(
    dialect="postgresql"
)

originals = Table(
    "originals",
    metadata,
    Column("object_id", Text, nullable=False),
    Column("version", Integer, nullable=False),
    Column("filename", Text, nullable=False),
    Column("data", LargeBinary, nullable=False),
    PrimaryKeyConstraint("object_id", "version"),
)

audit = Table(
    "audit",
    metadata,
    Column("audit_id", Integer, Identity(), primary_key=True),
    Column("time_utc", Text, nullable=False),
    Column("username", Text, nullable=False),
    Column("action", Text, nullable=False),
    Column("object_id", Text, nullable=False),
    Column("kind", Text, nullable=False),
    Column("name", Text, nullable=False),
    Column("version_before", Integer),
    Column("version_after", Integer),
    Column("area_before_m2", Float),
    Column("area_after_m2", Float),
    Column("reason", Text, nullable=False),
)
Index("audit_object", audit.c.object_id)
Index("audit_user", audit.c.username)

users = Table(
    "users",
    metadata,
    Column("username", Text, primary_key=True),
    Column("password_hash", Text),  # None: the local user of embedded mode (no login)
    Column("role", Text, nullable=False),
    Column("disabled", Boolean, nullable=False),
    Column("created_utc", Text, nullable=False),
)

APPEND_ONLY: Final = ("objects", "versions", "features", "originals", "audit")


def grant_app_role(conn: Connection, role: str) -> None:
    """PostgreSQL: let ``role`` read and append, never rewrite history.

    ``SELECT, INSERT`` on every table, ``UPDATE`` on ``users`` only (to disable an account
    or change a password); no ``UPDATE`` or ``DELETE`` on the append-only tables, no
    ``TRUNCATE``. Run by the tables' owner.
    """
    name = quoted_name(role, quote=True)
    ident = conn.dialect.identifier_preparer.quote(name)
    for table in (*APPEND_ONLY, "users"):
        conn.execute(text(f"GRANT SELECT, INSERT ON {table} TO {ident}"))
    conn.execute(text(f"GRANT UPDATE ON users TO {ident}"))
    conn.execute(text(f"GRANT USAGE ON SEQUENCE audit_audit_id_seq TO {ident}"))
