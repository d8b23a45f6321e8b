"""The "your layers" tab's interface on the store (both back-ends): private until shared,
soft delete and undelete."""

from __future__ import annotations

from pathlib import Path

import pytest

from geo.store.layers import UserLayers
from geo.store.store import PermissionDeniedError, Store
from geo.store.workspace import LayerGoneError
from geo.upload import LoadedLayer, read_upload
from tests.geo import upload_samples as s
from tests.store.conftest import BACKENDS

pytestmark = BACKENDS


@pytest.fixture
def upload(tmp_path: Path) -> tuple[bytes, LoadedLayer]:
    data = s.shapefile_zip(tmp_path, encoding="GBK", cpg=False)
    result = read_upload(data, "../../地块 2024.zip")
    assert isinstance(result, LoadedLayer)
    return data, result


def test_save_list_rename_delete_undelete(
    store: Store, tmp_path: Path, upload: tuple[bytes, LoadedLayer]
) -> None:
    data, loaded = upload
    alice = UserLayers(store, store.add_user("alice", "alice-pass-1", "editor"), tmp_path)
    bob = UserLayers(store, store.add_user("bob", "bob-pass-12", "editor"), tmp_path)
    meta = alice.save(loaded, data)
    assert (meta.name, meta.source.filename, meta.feature_count) == (
        "地块 2024",
        "地块 2024.zip",
        2,
    )
    assert alice.original(meta.layer_id) == data
    assert alice.list_layers() == [meta]
    assert bob.list_layers() == []
    with pytest.raises(LayerGoneError):
        bob.read(meta.layer_id)
    back = alice.read(meta.layer_id)
    assert back["name"].tolist() == s.NAMES
    assert alice.rename(meta.layer_id, " 新名字 ").name == "新名字"
    alice.share(meta.layer_id, shared=True)
    assert [m.name for m in bob.list_layers()] == ["新名字"]
    with pytest.raises(PermissionDeniedError):
        bob.delete(meta.layer_id)
    alice.delete(meta.layer_id, reason="wrong file")
    assert alice.list_layers() == [] == bob.list_layers()
    with pytest.raises(LayerGoneError):
        alice.get(meta.layer_id)
    assert [v.object_id for v in alice.deleted()] == [meta.layer_id]
    assert bob.deleted() == []
    alice.undelete(meta.layer_id)
    assert [m.name for m in alice.list_layers()] == ["新名字"]
    assert [r.action for r in store.history(alice.user, object_id=meta.layer_id)] == [
        "restore", "delete", "share", "rename", "create",
    ]  # fmt: skip
