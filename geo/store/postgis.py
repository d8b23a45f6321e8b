"""Setting up the store in PostgreSQL + PostGIS: a database, its owner and the app's role.

    from geo.store.postgis import install_postgis
    install_postgis("postgresql://postgres@HOST/postgres", database="planmap",
                    app_password="...")   # returns the app's URL

The tables belong to ``owner_role`` (no login); the app logs in as ``app_role``, which may
read and append but never update or delete a version or an audit row
(:func:`geo.store.schema.grant_app_role`). The app's URL is then
``postgresql://planmap_app:PASSWORD@HOST/planmap`` in ``PLANMAP_DATABASE_URL``.
"""

from __future__ import annotations

from typing import Any, Final

from psycopg import sql as psql
from sqlalchemy import URL, create_engine, make_url, text

from geo.store import schema as s
from geo.store.store import StoreError, store_url

OWNER_ROLE: Final = "planmap_owner"
APP_ROLE: Final = "planmap_app"


def _ident(name: str) -> str:
    if not name.replace("_", "").isalnum() or not name.isascii():
        raise StoreError(f"{name!r} is not a plain database name; use letters, digits and _.")
    return f'"{name}"'


def install_postgis(
    admin_url: str | URL,
    *,
    database: str,
    owner_role: str = OWNER_ROLE,
    app_role: str = APP_ROLE,
    app_password: str | None = None,
    template: str | None = None,
) -> URL:
    """Create ``database`` (from ``template`` if given, else empty with PostGIS and the
    store's tables) owned by ``owner_role``, and let ``app_role`` use it; returns the app's
    URL (with ``app_password`` if given). ``admin_url`` is a superuser's."""
    admin = store_url(url=str(admin_url), workspace_dir=".")
    if isinstance(admin_url, URL):
        admin = admin_url.set(drivername="postgresql+psycopg")
    engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        for role, login in ((owner_role, False), (app_role, True)):
            found = conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role})
            if found.first() is None:
                conn.execute(text(f"CREATE ROLE {_ident(role)} {'LOGIN' if login else 'NOLOGIN'}"))
        if app_password is not None:
            # DDL takes no bound parameters: psycopg quotes the password as a literal.
            statement = psql.SQL("ALTER ROLE {} PASSWORD {}").format(
                psql.Identifier(app_role), psql.Literal(app_password)
            )
            driver: Any = conn.connection.driver_connection
            conn.exec_driver_sql(statement.as_string(driver))
        source = f" TEMPLATE {_ident(template)}" if template else ""
        conn.execute(text(f"CREATE DATABASE {_ident(database)}{source} OWNER {_ident(owner_role)}"))
    engine.dispose()
    if template is None:
        engine = create_engine(admin.set(database=database))
        with engine.begin() as conn:
            conn.execute(text("CREATE EXTENSION IF NOT EXISTS postgis"))
            conn.execute(text(f"SET ROLE {_ident(owner_role)}"))
            s.metadata.create_all(conn)
            s.grant_app_role(conn, app_role)
        engine.dispose()
    return admin.set(username=app_role, password=app_password, database=database)


def drop_database(admin_url: str | URL, database: str) -> None:
    """Remove a database (the tests' throw-away ones), closing its connections."""
    admin = make_url(str(admin_url)) if isinstance(admin_url, str) else admin_url
    engine = create_engine(admin.set(drivername="postgresql+psycopg"), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {_ident(database)} WITH (FORCE)"))
    engine.dispose()
