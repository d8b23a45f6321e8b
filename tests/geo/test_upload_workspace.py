"""The workspace keeps originals and every attribute, writes atomically, and stays inside
its folder whatever names it is given."""

from __future__ import annotations

import json
import os
import time
from dataclasses import replace
from pathlib import Path

import pytest

import geo.store.workspace
from geo.errors import InputFileError
from geo.measure.area import ellipsoidal_area_m2
from geo.store.workspace import Workspace
from geo.upload import LoadedLayer, read_upload
from tests.geo import upload_samples as s


def _files(root: Path) -> set[str]:
    """Every file and folder under ``root`` but the workspace's lock files (``.locks/``)."""
    return {str(p.relative_to(root)) for p in root.rglob("*") if ".locks" not in p.parts}


@pytest.fixture
def upload(tmp_path: Path) -> tuple[bytes, LoadedLayer]:
    data = s.shapefile_zip(tmp_path, encoding="GBK", cpg=False)
    result = read_upload(data, "../../地块 2024.zip")
    assert isinstance(result, LoadedLayer)
    return data, result


@pytest.fixture
def box(tmp_path: Path) -> Path:
    """A folder holding the workspace, so writes beside it can be detected."""
    folder = tmp_path / "box"
    folder.mkdir()
    return folder


def test_save_keeps_original_attributes_and_metadata(
    box: Path, upload: tuple[bytes, LoadedLayer]
) -> None:
    data, loaded = upload
    ws = Workspace(box / "ws")
    meta = ws.save(loaded, data)
    assert meta.name == "地块 2024"
    assert meta.source.filename == "地块 2024.zip"
    assert ws.original_path(meta.layer_id).read_bytes() == data
    assert meta.source == replace(loaded.source, filename="地块 2024.zip")
    assert meta.source.encoding == "gb18030"
    assert meta.source.crs_used.endswith("4543")
    assert meta.source.coordinate_system == "wgs84"
    assert meta.messages == tuple(loaded.messages())
    back = ws.read(meta.layer_id)
    assert back["name"].tolist() == s.NAMES
    assert back["code"].tolist() == ["0012", "0013"]
    assert back["ratio"].tolist() == [0.123456789, 2.5]
    assert ellipsoidal_area_m2(back).tolist() == pytest.approx(s.AREAS_M2, rel=1e-3)
    assert [m.layer_id for m in ws.list_layers()] == [meta.layer_id]
    saved = json.loads((box / "ws" / meta.layer_id / "meta.json").read_text(encoding="utf-8"))
    assert saved["source"]["filename"] == "地块 2024.zip"
    assert _files(box) == {
        "ws", f"ws/{meta.layer_id}", f"ws/{meta.layer_id}/layer.geojson",
        f"ws/{meta.layer_id}/meta.json", f"ws/{meta.layer_id}/original.zip",
    }  # fmt: skip


def test_rename_and_delete(box: Path, upload: tuple[bytes, LoadedLayer]) -> None:
    data, loaded = upload
    ws = Workspace(box / "ws")
    meta = ws.save(loaded, data, name="first")
    renamed = ws.rename(meta.layer_id, "  新 名字\n")
    assert renamed.name == "新 名字"
    assert ws.get(meta.layer_id).name == "新 名字"
    assert ws.get(meta.layer_id).renamed_utc is not None
    ws.delete(meta.layer_id)
    assert ws.list_layers() == []
    assert _files(box) == {"ws"}
    assert list((box / "ws" / ".locks").iterdir()) == [], "the lock file goes with the layer"
    with pytest.raises(InputFileError, match="was deleted"):
        ws.get(meta.layer_id)


@pytest.mark.parametrize(
    "bad_id",
    ["../box", "..", "/etc/passwd", "../../tmp/x", "0" * 31, "G" * 32, "", "a/" + "0" * 30],
)
def test_ids_that_are_not_ours_are_rejected(box: Path, bad_id: str) -> None:
    ws = Workspace(box / "ws")
    for action in (ws.get, ws.read, ws.delete, ws.original_path):
        with pytest.raises(InputFileError, match="not a workspace layer id"):
            action(bad_id)
    with pytest.raises(InputFileError, match="not a workspace layer id"):
        ws.rename(bad_id, "x")
    assert _files(box) == set()


@pytest.mark.parametrize(
    "name", ["../../evil", "/etc/passwd", "..\\..\\evil", "a/../../b", "<script>alert(1)</script>"]
)
def test_names_never_become_paths(box: Path, upload: tuple[bytes, LoadedLayer], name: str) -> None:
    data, loaded = upload
    ws = Workspace(box / "ws")
    meta = ws.save(loaded, data, name=name)
    ws.rename(meta.layer_id, name + "2")
    assert ws.get(meta.layer_id).name == name + "2"  # kept as text
    assert all(p.startswith("ws") for p in _files(box))
    assert len(_files(box)) == 5


def test_symlinked_layer_folder_is_refused(box: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (box / "ws").mkdir()
    (box / "ws" / ("a" * 32)).symlink_to(outside)
    with pytest.raises(InputFileError, match="outside the workspace"):
        Workspace(box / "ws").get("a" * 32)


def test_empty_name_is_refused(box: Path, upload: tuple[bytes, LoadedLayer]) -> None:
    data, loaded = upload
    with pytest.raises(InputFileError, match="empty; give the layer a name"):
        Workspace(box / "ws").save(loaded, data, name=" \n\t ")


def test_failed_save_leaves_nothing(
    box: Path, upload: tuple[bytes, LoadedLayer], monkeypatch: pytest.MonkeyPatch
) -> None:
    data, loaded = upload
    ws = Workspace(box / "ws")
    kept = ws.save(loaded, data, name="kept")

    def broken(_frame: object, _path: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(geo.store.workspace, "_write_layer", broken)
    with pytest.raises(OSError, match="disk full"):
        ws.save(loaded, data, name="lost")
    assert [m.name for m in ws.list_layers()] == ["kept"]
    assert {p.name for p in (box / "ws").iterdir()} == {kept.layer_id, ".locks"}


def test_failed_rename_keeps_the_old_metadata(
    box: Path, upload: tuple[bytes, LoadedLayer], monkeypatch: pytest.MonkeyPatch
) -> None:
    data, loaded = upload
    ws = Workspace(box / "ws")
    meta = ws.save(loaded, data, name="old")

    def broken(*_args: object, **_kwargs: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(geo.store.workspace.json, "dump", broken)
    with pytest.raises(OSError, match="disk full"):
        ws.rename(meta.layer_id, "new")
    assert ws.get(meta.layer_id).name == "old"
    assert sorted(p.name for p in (box / "ws" / meta.layer_id).iterdir()) == [
        "layer.geojson", "meta.json", "original.zip",
    ]  # fmt: skip


def test_damaged_metadata_is_reported_and_skipped_in_lists(
    box: Path, upload: tuple[bytes, LoadedLayer]
) -> None:
    data, loaded = upload
    ws = Workspace(box / "ws")
    meta = ws.save(loaded, data)
    (box / "ws" / meta.layer_id / "meta.json").write_text("{", encoding="utf-8")
    with pytest.raises(InputFileError, match="damaged"):
        ws.get(meta.layer_id)
    assert ws.list_layers() == []


def test_default_root_is_the_configured_workspace() -> None:
    from geo.upload import default_settings

    assert Workspace().root == default_settings().workspace_dir.resolve()


def test_a_crash_leftover_is_cleaned_but_a_save_under_way_is_not(
    box: Path, upload: tuple[bytes, LoadedLayer]
) -> None:
    data, layer = upload
    box.mkdir(parents=True, exist_ok=True)
    old, fresh = box / ".tmp-crashed", box / ".tmp-saving"
    for folder in (old, fresh):
        folder.mkdir()
        (folder / "layer.geojson").write_text("{", encoding="utf-8")
    hours_ago = time.time() - 2 * 3600
    os.utime(old, (hours_ago, hours_ago))
    Workspace(box).save(layer, data, name="地块")
    assert not old.exists()
    assert fresh.exists()
    assert len(Workspace(box).list_layers()) == 1


def test_meta_written_before_the_source_record_still_reads(
    box: Path, upload: tuple[bytes, LoadedLayer]
) -> None:
    """A ``meta.json`` with the upload's fields at its top level (the form before one
    record type) reads back to the same metadata."""
    data, loaded = upload
    ws = Workspace(box / "ws")
    meta = ws.save(loaded, data)
    path = box / "ws" / meta.layer_id / "meta.json"
    nested = json.loads(path.read_text(encoding="utf-8"))
    flat = {k: v for k, v in nested.items() if k != "source"}
    flat.update(nested["source"])
    flat["original_filename"] = flat.pop("filename")
    path.write_text(json.dumps(flat, ensure_ascii=False), encoding="utf-8")
    assert ws.get(meta.layer_id) == meta
