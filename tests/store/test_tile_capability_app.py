"""Private layers' vector tiles in the app (AppTest, login required): the tile URL is an
unguessable capability that only users who may see the layer get; another user's page
never holds it, and a delete or un-share removes the tiles and their capability."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

import ui.upload_map
from geo.declared.i18n import t
from geo.io import geojson_text
from geo.store.layers import UserLayers
from geo.store.store import EMBEDDED_FILE, Store
from geo.store.tiles import TileStore
from geo.upload import LoadedLayer, read_upload
from tests.conftest import gk_boxes
from ui import state

APP = str(Path(__file__).resolve().parents[2] / "streamlit_app.py")


def _page_source(at: AppTest) -> str:
    """Everything the page was sent: every element's message, the map's HTML included."""
    return "\n".join(str(getattr(node, "proto", "")) for node in at._tree)


def _login(name: str, password: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=180)
    at.run()
    at.text_input(key=state.LOGIN_NAME).input(name)
    at.text_input(key=state.LOGIN_PASSWORD).input(password)
    at.session_state[state.MAIN_TABS] = t("upload_tab", "zh")  # the saved layers' tab open
    next(b for b in at.button if b.label == t("login_button", "zh")).click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


@pytest.fixture
def tiled(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[UserLayers, str, TileStore]]:
    """alice's private layer with its tiles built; every layer drawn from tiles."""
    root = tmp_path / "workspace"
    monkeypatch.setenv("PLANMAP_WORKSPACE", str(root))
    monkeypatch.setenv("PLANMAP_REQUIRE_LOGIN", "1")
    monkeypatch.delenv("PLANMAP_DATABASE_URL", raising=False)
    monkeypatch.setattr(ui.upload_map, "LARGE_LAYER_FEATURES", 1)  # tiles for 3 parcels
    store = Store(f"sqlite:///{root / EMBEDDED_FILE}")
    alice = store.add_user("alice", "alice-pass-1", "editor")
    store.add_user("bob", "bob-pass-12", "editor")
    data = geojson_text(gk_boxes((0, 0, 300, 300), (400, 0, 700, 300), (0, 400, 300, 700)))
    loaded = read_upload(data.encode(), "parcels.geojson")
    assert isinstance(loaded, LoadedLayer)
    layers = UserLayers(store, alice, root)
    layer_id = layers.save(loaded, data.encode(), name="alice的地块").layer_id
    tiles = TileStore(layers.root)
    tiles.build(layer_id, layers.read(layer_id))
    yield layers, layer_id, tiles
    tiles.remove(layer_id)
    store.close()


def test_only_the_owner_gets_the_tile_url_and_a_delete_removes_the_tiles(
    tiled: tuple[UserLayers, str, TileStore],
) -> None:
    _layers, layer_id, tiles = tiled
    token = tiles.capability(layer_id)
    folder = tiles.folder(layer_id)
    assert token is not None and folder is not None and folder.is_dir()

    alice = _login("alice", "alice-pass-1")
    alice.checkbox(key=state.user_layer_on(layer_id)).check().run()
    assert not alice.exception, [e.value for e in alice.exception]
    assert token in _page_source(alice), "the owner's map is drawn from the tiles"

    bob = _login("bob", "bob-pass-12")
    bob_page = _page_source(bob)
    assert "alice的地块" not in bob_page and token not in bob_page
    assert layer_id not in bob_page

    alice.button(key=state.user_layer_delete(layer_id)).click().run()
    alice.button(key=state.user_layer_delete_yes(layer_id)).click().run()
    assert not alice.exception, [e.value for e in alice.exception]
    assert not folder.exists(), "the deleted layer's tile folder is gone"
    assert tiles.capability(layer_id) is None
    assert token not in _page_source(alice)


def test_making_a_shared_layer_private_again_removes_its_tiles(
    tiled: tuple[UserLayers, str, TileStore],
) -> None:
    layers, layer_id, tiles = tiled
    layers.share(layer_id, shared=True)
    token = tiles.capability(layer_id)
    bob = _login("bob", "bob-pass-12")
    bob.checkbox(key=state.user_layer_on(layer_id)).check().run()
    assert token is not None and token in _page_source(bob), "shared: bob may see it"

    alice = _login("alice", "alice-pass-1")
    share: Any = alice.checkbox(key=state.user_layer_share(layer_id))
    assert share.value is True
    share.uncheck().run()
    assert not alice.exception, [e.value for e in alice.exception]
    assert layers.version(layer_id).shared is False
    assert tiles.capability(layer_id) is None and tiles.ready(layer_id) is None
    bob.run()
    assert token not in _page_source(bob)
    assert "alice的地块" not in _page_source(bob)
