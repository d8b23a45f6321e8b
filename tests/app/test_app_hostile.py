"""The "your layers" tab against hostile names, odd renames, another session's delete,
files without a usable CRS and huge attribute values — through the real app (AppTest)
on a real workspace folder."""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import geopandas as gpd
import pytest
import shapely
from pyproj import Transformer
from streamlit.testing.v1 import AppTest

from geo.declared.i18n import t
from geo.io import geojson_text
from geo.store.layers import import_folder_layers
from geo.store.workspace import MAX_NAME_CHARS, Workspace
from geo.upload import LoadedLayer, read_upload
from tests.app.embedded import embedded_layers
from tests.app.tabs import open_tab
from tests.conftest import LAT0, LON0, gk_boxes
from ui import state

REPO = Path(__file__).resolve().parents[2]
APP = str(REPO / "streamlit_app.py")

HOSTILE = [
    "![x](http://127.0.0.1:9/b.png)",
    "[a](http://127.0.0.1:9/a)",
    "<img src=x onerror=alert(1)>",
    "**bold**",
    "$x$",
]
HOSTILE_FILES = ["![x](b.png)", "[a](x)", "<img src=x onerror=alert(1)>", "**bold**", "$x$"]
"""As names of uploaded files (a file name has no folders: text after a "/" is its name)."""


def _save(root: Path, name: str, *, filename: str = "parcels.geojson", **columns: Any) -> Any:
    layer = gk_boxes((0, 0, 300, 300), (400, 0, 700, 300))
    for column, values in columns.items():
        layer[column] = values
    data = geojson_text(layer).encode("utf-8")
    loaded = read_upload(data, filename)
    assert isinstance(loaded, LoadedLayer)
    return embedded_layers(root).save(loaded, data, name=name)


def _app(root: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv("PLANMAP_WORKSPACE", str(root))
    at = AppTest.from_file(APP, default_timeout=180)
    open_tab(at, "upload_tab")  # every test here is of the "your layers" tab
    assert not at.exception, [e.value for e in at.exception]
    return at


def _nodes(at: AppTest) -> Iterator[Any]:
    yield from at._tree


def _rendered_as_markdown(at: AppTest) -> list[str]:
    """Every string the browser renders as Markdown: element bodies (markdown, captions,
    alerts), widget labels and help, radio options."""
    found = []
    for node in _nodes(at):
        proto = getattr(node, "proto", None)
        if proto is None or node.type == "text":
            continue
        for name in ("body", "label", "help"):
            value = getattr(proto, name, None)
            if isinstance(value, str):
                found.append(value)
        if node.type == "radio":
            found += list(proto.options)
    return found


def _texts(at: AppTest) -> list[str]:
    return [str(x.value) for x in at.text]


def test_names_and_file_names_are_shown_as_text_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "workspace"
    for i, name in enumerate(HOSTILE):
        _save(root, name, filename=f"{HOSTILE_FILES[-1 - i]}.geojson", note=[name, name])
    at = _app(root, monkeypatch)
    markdown = _rendered_as_markdown(at)
    texts = "\n".join(_texts(at))
    for name, file in zip(HOSTILE, HOSTILE_FILES, strict=True):
        assert not [m for m in markdown if name in m], f"{name!r} rendered as Markdown"
        assert not [m for m in markdown if f"{file}.geojson" in m], f"{file!r} as Markdown"
        assert name in texts, f"{name!r} not shown as text"
        assert f"{file}.geojson" in texts, f"file name {file!r}.geojson not shown as text"
    # Ticking a layer onto the map and measuring it: still nothing interpreted.
    layers = embedded_layers(root).list_layers()
    at.checkbox(key=state.user_layer_on(layers[0].layer_id)).check().run()
    at.selectbox(key=state.ANALYSE_LAYER).set_value(layers[0].layer_id)
    at.multiselect(key=state.ANALYSE_ZONES).set_value(["layer:finance_business"]).run()
    assert not at.exception, [e.value for e in at.exception]
    for name in HOSTILE:
        assert not [m for m in _rendered_as_markdown(at) if name in m], name


def _meta_state(root: Path, layer_id: str) -> tuple[int, str]:
    """The layer's latest version in the store and its name: a rename adds a version."""
    v = embedded_layers(root).version(layer_id)
    return v.version, v.name


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("新名字 ", "新名字"),
        ("新  名字", "新 名字"),
        ("新\t名字", "新 名字"),
        ("长" * 150, "长" * MAX_NAME_CHARS),
    ],
    ids=["trailing space", "double space", "tab", "over 100 characters"],
)
def test_a_rename_happens_once_per_edit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, typed: str, stored: str
) -> None:
    root = tmp_path / "workspace"
    meta = _save(root, "地块")
    at = _app(root, monkeypatch)
    before = _meta_state(root, meta.layer_id)
    at.text_input(key=state.user_layer_rename(meta.layer_id)).input(typed).run(timeout=60)
    assert not at.exception, [e.value for e in at.exception]
    after_edit = _meta_state(root, meta.layer_id)
    assert after_edit != before, "the rename was not stored"
    assert embedded_layers(root).get(meta.layer_id).name == stored
    for _ in range(3):  # later reruns (any widget) write nothing
        at.run(timeout=60)
        assert _meta_state(root, meta.layer_id) == after_edit, "renamed again"
    assert at.text_input(key=state.user_layer_rename(meta.layer_id)).value == stored


def test_a_rename_error_has_its_own_heading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "workspace"
    meta = _save(root, "地块")
    at = _app(root, monkeypatch)
    at.text_input(key=state.user_layer_rename(meta.layer_id)).input(" \t ").run(timeout=60)
    assert not at.exception, [e.value for e in at.exception]
    upload_tab = next(tab for tab in at.tabs if tab.label == t("upload_tab", "zh"))
    assert [e.value for e in upload_tab.error] == [t("rename_error", "zh")]
    assert t("upload_error", "zh") not in [e.value for e in at.error]
    assert any("为空；请为图层命名" in x for x in _texts(at))  # said in the page's language
    assert embedded_layers(root).get(meta.layer_id).name == "地块"


def test_another_session_deleting_the_analysed_layer_keeps_the_map(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "workspace"
    meta = _save(root, "地块")
    kept = _save(root, "另一个")
    at = _app(root, monkeypatch)
    at.checkbox(key=state.user_layer_on(meta.layer_id)).check()
    at.checkbox(key=state.ANALYSE_SHOW).check()
    at.selectbox(key=state.ANALYSE_LAYER).set_value(meta.layer_id)
    at.multiselect(key=state.ANALYSE_ZONES).set_value(["layer:finance_business"]).run()
    assert not at.exception, [e.value for e in at.exception]
    maps_before = _maps(at)
    assert maps_before == 1

    embedded_layers(root).delete(meta.layer_id)  # session B
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert _maps(at) == 1, "the map was lost"
    shown = [w.value for w in at.warning] + [i.value for i in at.info]
    assert t("layer_gone", "zh") in shown
    assert kept.layer_id in [m.layer_id for m in embedded_layers(root).list_layers()]
    # And the other session's delete of a layer A tries to delete or rename as well.
    gone = _save(root, "也将被删")
    at.run()
    embedded_layers(root).delete(gone.layer_id)
    at.text_input(key=state.user_layer_rename(gone.layer_id)).input("新").run()
    assert not at.exception, [e.value for e in at.exception]
    latest = embedded_layers(root).store.get(embedded_layers(root).user, gone.layer_id)
    assert latest.action == "delete", "a rename brought a deleted layer back"
    assert t("layer_gone", "zh") in [w.value for w in at.warning]


def _maps(at: AppTest) -> int:
    """How many st_folium maps the page holds."""
    return sum(
        1
        for node in _nodes(at)
        if node.type == "component_instance" and "st_folium" in str(node.proto.component_name)
    )


def _mercator_csv() -> bytes:
    """A 100 m square at Chenggong in Web Mercator metres, no CRS: no usual candidate."""
    x, y = Transformer.from_crs(4326, 3857, always_xy=True).transform(LON0, LAT0)
    return f'name,wkt\nsq,"{shapely.box(x, y, x + 100, y + 100).wkt}"\n'.encode()


def test_a_crs_can_be_typed_when_no_candidate_fits(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = _app(tmp_path / "workspace", monkeypatch)
    at.file_uploader(key=state.UPLOAD_FILE).set_value(("merc.csv", _mercator_csv(), "text/csv"))
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert t("needs_crs", "zh") in [w.value for w in at.warning]
    at.text_input(key=state.UPLOAD_CRS_TEXT).input("EPSG:99999")
    at.button(key=state.UPLOAD_CRS_USE).click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert t("crs_error", "zh") in [e.value for e in at.error]
    assert any("'EPSG:99999' 不是 pyproj 认识的坐标参考系" in x for x in _texts(at))  # in Chinese
    at.text_input(key=state.UPLOAD_CRS_TEXT).input("EPSG:3857")
    at.button(key=state.UPLOAD_CRS_USE).click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error
    at.text_input(key=state.UPLOAD_NAME).input("墨卡托")
    at.button(key=state.UPLOAD_SAVE).click().run()
    assert not at.exception, [e.value for e in at.exception]
    (saved,) = embedded_layers(tmp_path / "workspace").list_layers()
    assert (saved.name, saved.source.crs_used) == ("墨卡托", "EPSG:3857")


def test_streamlit_upload_limit_is_the_project_limit() -> None:
    streamlit = tomllib.loads((REPO / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    project = tomllib.loads((REPO / "config" / "upload.toml").read_text(encoding="utf-8"))
    assert streamlit["server"]["maxUploadSize"] == project["limits"]["max_file_mb"]


def test_secrets_are_git_ignored() -> None:
    ignored = (REPO / ".gitignore").read_text(encoding="utf-8").splitlines()
    assert ".streamlit/secrets.toml" in ignored


def _cells(at: AppTest) -> list[str]:
    cells: list[str] = []
    for frame in at.dataframe:
        value = frame.value
        cells += [str(c) for c in value.columns]
        cells += [str(v) for v in value.astype(str).to_numpy().ravel()]
    return cells


def test_a_huge_attribute_value_is_shown_cut_and_kept_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "workspace"
    huge = "地" * 2_000_000  # 6 MB of UTF-8 in one cell
    meta = _save(root, "巨大", id=[huge, "b"], note=["x" * 5_000, "y"])
    at = _app(root, monkeypatch)
    at.checkbox(key=state.user_layer_on(meta.layer_id)).check()
    at.selectbox(key=state.ANALYSE_LAYER).set_value(meta.layer_id)
    at.multiselect(key=state.ANALYSE_ZONES).set_value(["layer:finance_business"]).run()
    assert not at.exception, [e.value for e in at.exception]
    cells = [c for c in _cells(at) if "地" * 10 in c or "x" * 10 in c]  # the long values
    assert cells and max(len(c) for c in cells) <= 201
    assert any(c.startswith("地" * 200) and c.endswith("…") for c in cells), "not shown at all"
    # The map payload: every value cut for display too.
    payload = [str(n.proto.json_args) for n in _nodes(at) if n.type == "component_instance"]
    assert payload and max(len(p) for p in payload) < 2_000_000
    # The stored layer keeps the full value.
    assert embedded_layers(root).read(meta.layer_id)["id"].iloc[0] == huge


def test_uploaded_preview_cuts_long_values(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    layer = gpd.GeoDataFrame(
        {"note": ["长" * 10_000]}, geometry=[shapely.Point(LON0, LAT0)], crs="EPSG:4326"
    )
    at = _app(tmp_path / "workspace", monkeypatch)
    data = geojson_text(layer).encode("utf-8")
    at.file_uploader(key=state.UPLOAD_FILE).set_value(("long.geojson", data, "application/json"))
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    cells = [c for c in _cells(at) if "长" * 10 in c]  # the long value
    assert "长" * 200 + "…" in cells
    assert max(len(c) for c in cells) <= 201


def test_an_old_folder_workspace_is_imported_into_the_store_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "workspace"
    data = geojson_text(gk_boxes((0, 0, 100, 100))).encode("utf-8")
    loaded = read_upload(data, "parcels.geojson")
    assert isinstance(loaded, LoadedLayer)
    old = Workspace(root).save(loaded, data, name="旧地块")  # saved before the store
    staging = root / f".tmp-{'d' * 32}"  # what a folder save killed mid-way left
    staging.mkdir()
    (staging / "original.geojson").write_bytes(b" " * 1_000_000)
    at = _app(root, monkeypatch)
    (imported,) = embedded_layers(root).list_layers()
    assert (imported.name, imported.feature_count) == ("旧地块", 1)
    assert embedded_layers(root).original(imported.layer_id) == data, "byte for byte"
    entry = embedded_layers(root).store.history(embedded_layers(root).user, limit=1)[0]
    assert entry.action == "create" and old.layer_id in entry.reason
    assert "旧地块" in "\n".join(_texts(at))
    again = _app(root, monkeypatch)  # another session
    assert not again.exception
    layers = embedded_layers(root)
    assert import_folder_layers(layers.store, layers.user, root) == [], "a new process: none"
    assert [m.layer_id for m in layers.list_layers()] == [imported.layer_id]


def test_a_vrt_disguised_as_kml_is_refused_in_the_app(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The independent test's payload: an OGR VRT saved as .kml, pointing GDAL at a server
    # file ('<kml' in a comment fooled the old sniffing). The page shows the refusal and
    # nothing of that file.
    secret = tmp_path / "secrets.csv"
    secret.write_text("x,y,token\n102.85,24.87,TIANDITU-TOKEN-0123\n", encoding="utf-8")
    vrt = (
        '<?xml version="1.0"?>\n<!-- <kml xmlns="http://www.opengis.net/kml/2.2"> -->\n'
        f'<OGRVRTDataSource><OGRVRTLayer name="secrets"><SrcDataSource>CSV:{secret}'
        "</SrcDataSource><GeometryType>wkbPoint</GeometryType><LayerSRS>EPSG:4326</LayerSRS>"
        '<GeometryField encoding="PointFromColumns" x="x" y="y"/></OGRVRTLayer>'
        "</OGRVRTDataSource>\n"
    ).encode()
    at = _app(tmp_path / "workspace", monkeypatch)
    at.file_uploader(key=state.UPLOAD_FILE).set_value(("x.kml", vrt, "application/xml"))
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert t("upload_error", "zh") in [e.value for e in at.error]
    shown = "\n".join(_texts(at)) + "\n".join(str(getattr(n, "value", "")) for n in _nodes(at))
    assert "而是 OGR VRT 文档" in shown  # said in Chinese
    assert "TIANDITU-TOKEN-0123" not in shown
    assert embedded_layers(tmp_path / "workspace").list_layers() == []
