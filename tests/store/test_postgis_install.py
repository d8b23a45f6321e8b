"""``install_postgis`` with an app password: the role gets exactly that password."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import uuid

import pytest
from sqlalchemy import create_engine, text

from geo.store.postgis import drop_database, install_postgis

ADMIN_URL = os.environ.get("PLANMAP_TEST_DATABASE_URL")


def scram_matches(verifier: str, password: str) -> bool:
    """RFC 5802/7677 by hand: SCRAM-SHA-256$<iter>:<salt>$<StoredKey>:<ServerKey>."""
    method, params, keys = verifier.split("$")
    assert method == "SCRAM-SHA-256"
    iterations, salt = params.split(":")
    stored_key, server_key = (base64.b64decode(k) for k in keys.split(":"))
    salted = hashlib.pbkdf2_hmac(
        "sha256", password.encode(), base64.b64decode(salt), int(iterations)
    )
    client_key = hmac.new(salted, b"Client Key", hashlib.sha256).digest()
    return (
        hashlib.sha256(client_key).digest() == stored_key
        and hmac.new(salted, b"Server Key", hashlib.sha256).digest() == server_key
    )


@pytest.mark.skipif(not ADMIN_URL, reason="no PostgreSQL (PLANMAP_TEST_DATABASE_URL)")
def test_the_app_role_gets_the_password_even_with_quotes() -> None:
    assert ADMIN_URL is not None
    suffix = uuid.uuid4().hex[:10]
    role, database = f"planmap_app_pw_{suffix}", f"planmap_pw_{suffix}"
    password = 'it\'s "a" pass\\word; DROP TABLE x'  # noqa: S105 (the test's own)
    url = install_postgis(ADMIN_URL, database=database, app_role=role, app_password=password)
    engine = create_engine(ADMIN_URL.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        assert url.username == role and url.password == password
        with engine.connect() as conn:
            stored = conn.execute(
                text("SELECT rolpassword FROM pg_authid WHERE rolname = :r"), {"r": role}
            ).scalar_one()
        assert stored is not None and password not in stored
        assert scram_matches(stored, password)
        assert not scram_matches(stored, password + "x")
    finally:
        drop_database(ADMIN_URL, database)
        with engine.connect() as conn:
            conn.execute(text(f'DROP OWNED BY "{role}"'))
            conn.execute(text(f'DROP ROLE "{role}"'))
            conn.commit()
        engine.dispose()
