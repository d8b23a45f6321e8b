"""Fixtures of the app tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from geo.store.store import Store, open_plan_store
from tests.app.embedded import LOCAL_USER


@pytest.fixture
def app_plan_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Store]:
    """The embedded store the app opens (no login, the local user ``planner``) in a
    temporary workspace, seeded with the plan."""
    root = tmp_path / "workspace"
    monkeypatch.setenv("PLANMAP_WORKSPACE", str(root))
    monkeypatch.delenv("PLANMAP_DATABASE_URL", raising=False)
    monkeypatch.delenv("PLANMAP_REQUIRE_LOGIN", raising=False)
    monkeypatch.setenv("PLANMAP_USER", LOCAL_USER)
    store = open_plan_store(workspace_dir=root)
    try:
        yield store
    finally:
        store.close()
