"""Fixtures of the app tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from geo.store.store import Store, open_plan_store
from tests.app.embedded import LOCAL_USER

APP = str(Path(__file__).resolve().parents[2] / "streamlit_app.py")


@pytest.fixture
def app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    """The page after its first run, on a new embedded store in a temporary workspace
    (no login); the area table is the open tab."""
    monkeypatch.setenv("PLANMAP_WORKSPACE", str(tmp_path / "workspace"))
    monkeypatch.delenv("PLANMAP_DATABASE_URL", raising=False)
    monkeypatch.delenv("PLANMAP_REQUIRE_LOGIN", raising=False)
    at = AppTest.from_file(APP, default_timeout=180)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


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
