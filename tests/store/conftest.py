"""The store's tests run on both back-ends: an SQLite file and a real PostgreSQL + PostGIS.

PostgreSQL comes from ``PLANMAP_TEST_DATABASE_URL`` (a superuser's URL; ``./test.sh``
starts a throw-away cluster and sets it). Each test gets its own database, copied from a
template made once, and uses it as the restricted app role. Without the URL the PostGIS
cases are skipped, unless ``PLANMAP_REQUIRE_POSTGRES=1`` (set by ``./test.sh``), where
they fail.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import URL

from geo.store.postgis import drop_database, install_postgis
from geo.store.store import EMBEDDED_FILE, Store

ADMIN_URL = os.environ.get("PLANMAP_TEST_DATABASE_URL")
TEMPLATE = f"planmap_template_{os.getpid()}"


@pytest.fixture(scope="session")
def postgis_template() -> Iterator[str]:
    if not ADMIN_URL:
        if os.environ.get("PLANMAP_REQUIRE_POSTGRES") == "1":
            pytest.fail("PLANMAP_TEST_DATABASE_URL is not set: ./test.sh starts PostgreSQL")
        pytest.skip("no PostgreSQL (PLANMAP_TEST_DATABASE_URL); ./test.sh starts one")
    install_postgis(ADMIN_URL, database=TEMPLATE)
    yield TEMPLATE
    drop_database(ADMIN_URL, TEMPLATE)


@pytest.fixture
def store_url_for(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[URL]:
    """The URL of an empty store on the back-end the test is parametrized with."""
    if request.param == "sqlite":
        yield URL.create("sqlite", database=str(tmp_path / "workspace" / EMBEDDED_FILE))
        return
    template = request.getfixturevalue("postgis_template")
    assert ADMIN_URL is not None
    name = f"planmap_test_{uuid.uuid4().hex[:12]}"
    yield install_postgis(ADMIN_URL, database=name, template=template)
    drop_database(ADMIN_URL, name)


BACKENDS = pytest.mark.parametrize("store_url_for", ["sqlite", "postgis"], indirect=True)


@pytest.fixture
def store(store_url_for: URL) -> Iterator[Store]:
    opened = Store(store_url_for)
    yield opened
    opened.close()
