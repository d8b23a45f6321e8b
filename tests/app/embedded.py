"""The layers of the embedded store in a workspace folder, as the app without login
sees them (the local user ``planner``, ui/store.py), for tests that save layers the
app then lists."""

from __future__ import annotations

from pathlib import Path

from geo.store.layers import UserLayers
from geo.store.store import EMBEDDED_FILE, Store

LOCAL_USER = "planner"


def embedded_layers(root: Path) -> UserLayers:
    """The local user's layers in the embedded store of the workspace ``root``."""
    store = Store(f"sqlite:///{root / EMBEDDED_FILE}")
    return UserLayers(store, store.local_user(LOCAL_USER), root)
