"""``python -m geo store import-layer``: a layer over the upload's limits, saved on the
server as an upload would be, with its figures and tiles (geo/store/importer.py).

Every expected area is computed here with pyproj's ``Geod`` on the CGCS2000 ellipsoid
from the squares' own corners, not by the project's area code.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from pyproj import Geod

from geo.cli import main
from geo.errors import GeoError
from geo.store.importer import IMPORT_BOUNDS, ImportLimitError, import_layer, import_settings
from geo.store.layers import UserLayers
from geo.store.store import PermissionDeniedError, Store, open_plan_store
from geo.store.summary import cell_size_m, read_cells, read_summary, summarise
from geo.store.tiles import TileStore
from tests.conftest import X0, Y0, gk_boxes
from tests.geo.test_tiles import _decoded
from tests.store.conftest import BACKENDS

CGCS2000 = Geod(a=6378137.0, rf=298.257222101)
SIDE_M = 100.0
COLUMNS, ROWS = 54, 37  # 1,998 squares tiling a block, and two that overlap each other


def _squares() -> gpd.GeoDataFrame:
    """2,000 parcels in EPSG:4543: a 54 x 37 tiling of 100 m squares and, 1 km east of
    it, two 100 m squares overlapping by half (50 m x 100 m)."""
    geoms = [
        shapely.box(X0 + i * SIDE_M, Y0 + j * SIDE_M, X0 + (i + 1) * SIDE_M, Y0 + (j + 1) * SIDE_M)
        for j in range(ROWS)
        for i in range(COLUMNS)
    ]
    east = X0 + COLUMNS * SIDE_M + 1000.0
    geoms += [
        shapely.box(east, Y0, east + SIDE_M, Y0 + SIDE_M),
        shapely.box(east + 50.0, Y0, east + 150.0, Y0 + SIDE_M),
    ]
    ids = [f"P{k:05d}" for k in range(len(geoms))]
    return gpd.GeoDataFrame({"id": ids, "用途": "住宅"}, geometry=geoms, crs="EPSG:4543")


def _geod_m2(geom: shapely.Geometry) -> float:
    """Ellipsoidal area of a polygon given in EPSG:4543, its corners taken to lon/lat."""
    corners = gpd.GeoSeries([geom], crs="EPSG:4543").to_crs("EPSG:4326").iloc[0]
    lon, lat = corners.exterior.coords.xy
    return abs(CGCS2000.polygon_area_perimeter(lon, lat)[0])


@pytest.fixture(scope="module")
def parcels_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("import") / "parcels.gpkg"
    _squares().to_file(path, driver="GPKG", engine="pyogrio")
    return path


@pytest.fixture(scope="module")
def expected_m2() -> tuple[float, float]:
    """(plain sum, union) of the 2,000 squares: the union counts the 50 m x 100 m
    overlap of the last two once."""
    squares = _squares()
    total = sum(_geod_m2(g) for g in squares.geometry)
    a, b = squares.geometry.iloc[-2], squares.geometry.iloc[-1]
    return total, total - _geod_m2(a.intersection(b))


@BACKENDS
def test_import_saves_an_owned_private_versioned_layer_with_its_figures_and_tiles(
    store: Store, tmp_path: Path, parcels_file: Path, expected_m2: tuple[float, float]
) -> None:
    alice = store.add_user("alice", None, "editor")
    bob = store.add_user("bob", None, "editor")
    static = tmp_path / "static"
    done = import_layer(
        store, alice, parcels_file, workspace_dir=tmp_path / "ws", name="地块",
        settings=import_settings(max_features=2_000), static_dir=static,
    )  # fmt: skip
    total_m2, union_m2 = expected_m2

    # Saved as an upload is: version 1, alice's, private, its file kept, in the audit.
    layer_id = done.layer.layer_id
    v = store.get(alice, layer_id)
    assert (v.version, v.owner, v.shared, v.feature_count) == (1, "alice", False, 2_000)
    assert done.layer.name == "地块" and done.layer.source.filename == "parcels.gpkg"
    assert store.original(alice, layer_id) == parcels_file.read_bytes()
    assert [x.layer_id for x in UserLayers(store, alice, tmp_path / "ws").list_layers()] == [
        layer_id
    ]
    assert UserLayers(store, bob, tmp_path / "ws").list_layers() == []  # private
    entry = store.history(alice, object_id=layer_id)[0]
    assert (entry.username, entry.action, entry.version_after) == ("alice", "create", 1)
    assert entry.reason.startswith("imported from parcels.gpkg")

    # The figures: the store's sum, the summary's sum and union, against Geod.
    assert v.area_m2 == pytest.approx(total_m2, rel=1e-7)
    summary = read_summary(tmp_path / "ws" / "store-cache", layer_id, v.features_of)
    assert summary == done.summary
    assert summary.feature_count == 2_000
    assert summary.area_m2 == pytest.approx(total_m2, rel=1e-7)
    assert summary.union_m2 == pytest.approx(union_m2, rel=1e-7)
    assert summary.area_m2 - summary.union_m2 == pytest.approx(50.0 * 100.0, rel=1e-3)
    cells = read_cells(tmp_path / "ws" / "store-cache", layer_id, v.features_of)
    assert cells is not None and int(cells["count"].sum()) == 2_000

    # The tiles hold every feature, under its position plus one.
    folder = TileStore(tmp_path / "ws" / "store-cache", static_dir=static).folder(layer_id)
    assert folder is not None and done.tiles.feature_count == 2_000
    assert sorted(_decoded(folder, done.tiles.max_zoom)) == list(range(1, 2_001))


@BACKENDS
def test_import_shares_on_request_as_a_second_version(
    store: Store, tmp_path: Path, parcels_file: Path
) -> None:
    alice = store.add_user("alice", None, "editor")
    bob = store.add_user("bob", None, "viewer")
    done = import_layer(
        store, alice, parcels_file, workspace_dir=tmp_path / "ws", share=True,
        settings=import_settings(max_features=2_000), static_dir=tmp_path / "static",
    )  # fmt: skip
    assert (done.version, done.shared) == (2, True)
    seen = UserLayers(store, bob, tmp_path / "ws").list_layers()
    assert [x.layer_id for x in seen] == [done.layer.layer_id]
    assert [e.action for e in store.history(alice, object_id=done.layer.layer_id)] == [
        "share",
        "create",
    ]


def test_import_refuses_a_layer_over_its_explicit_bound(tmp_path: Path, parcels_file: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'planmap.sqlite'}")
    alice = store.add_user("alice", None, "editor")
    with pytest.raises(GeoError) as caught:
        import_layer(
            store, alice, parcels_file, workspace_dir=tmp_path / "ws",
            settings=import_settings(max_features=1_000), static_dir=tmp_path / "static",
        )  # fmt: skip
    assert "2,000 features; the limit is 1,000" in str(caught.value)
    assert store.list_layers(alice) == []  # nothing saved


def test_limits_are_raised_only_within_the_imports_bounds() -> None:
    settings = import_settings(max_file_mb=300, max_features=1_500_000)
    assert (settings.max_file_bytes, settings.max_features) == (300_000_000, 1_500_000)
    with pytest.raises(ImportLimitError) as caught:
        import_settings(max_features=IMPORT_BOUNDS["max_features"] + 1, max_vertices=-5)
    message = str(caught.value)  # every problem at once, with the bound
    assert "--max-features 2,000,001" in message and "--max-vertices -5" in message
    assert "--max-features 2,000,000" in message and "Split the layer" in message


def test_a_viewer_cannot_be_given_a_layer(tmp_path: Path, parcels_file: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'planmap.sqlite'}")
    viewer = store.add_user("vic", None, "viewer")
    with pytest.raises(PermissionDeniedError):
        import_layer(
            store, viewer, parcels_file, workspace_dir=tmp_path / "ws",
            settings=import_settings(max_features=2_000), static_dir=tmp_path / "static",
        )  # fmt: skip


def test_the_command_says_what_it_did_in_chinese_and_english(
    tmp_path: Path,
    parcels_file: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    expected_m2: tuple[float, float],
) -> None:
    workspace = tmp_path / "ws"
    monkeypatch.setenv("PLANMAP_WORKSPACE", str(workspace))
    monkeypatch.delenv("PLANMAP_DATABASE_URL", raising=False)
    with open_plan_store(workspace_dir=workspace, seed=False) as store:
        store.add_user("alice", None, "editor")
    try:
        code = main(
            ["store", "import-layer", str(parcels_file), "--owner", "alice", "--name", "地块",
             "--max-features", "2000"]
        )  # fmt: skip
        out = capsys.readouterr().out
        assert code == 0
        lines = out.splitlines()
        assert (
            lines[0].startswith("已导入图层“地块”（")
            and "属于 alice，第 1 版，仅所有者可见" in lines[0]
        )
        assert "Imported layer “地块”" in out and "owned by alice, version 1, private" in out
        km2 = expected_m2[0] / 1e6
        assert f"简单合计 {km2:,.4f} 平方公里" in out and f"Plain sum {km2:,.4f} km²" in out
        assert "矢量瓦片已生成：2,000 个要素" in out and "Vector tiles built: 2,000 features" in out
        # Over the bound given: status 2 and the reader's message.
        argv = ["store", "import-layer", str(parcels_file), "--owner", "alice"]
        assert main([*argv, "--max-features", "1000"]) == 2
        assert "2,000 features; the limit is 1,000" in capsys.readouterr().err
        assert main([*argv, "--max-features", "3000000"]) == 2
        assert "beyond the import's bound" in capsys.readouterr().err
    finally:
        for layer_dir in (workspace / "store-cache").glob("*"):
            if layer_dir.is_dir():
                TileStore(workspace / "store-cache").remove(layer_dir.name)


@BACKENDS
def test_a_click_reads_only_the_features_asked_for_by_position(store: Store) -> None:
    alice = store.add_user("alice", None, "editor")
    frame = gk_boxes(*[(k * 200.0, 0.0, k * 200.0 + 100, 100.0) for k in range(5)])
    v = store.save_layer(alice, frame, name="five")
    two = store.read(alice, v.object_id, feature_nos=[3, 1])
    assert two.index.tolist() == [1, 3] and two["id"].tolist() == ["f1", "f3"]
    assert two.geometry.iloc[1].equals_exact(frame.geometry.iloc[3], 1e-9)
    assert store.read(alice, v.object_id, feature_nos=[99]).empty
    assert store.read(alice, v.object_id)["id"].tolist() == [f"f{k}" for k in range(5)]


def test_kept_cells_grow_coarser_for_a_wide_layer() -> None:
    # 100 km x 100 km: 40,000 cells of 500 m, 10,000 of 1 km, 2,500 of 2 km (<= 8,000).
    wide = gk_boxes((0, 0, 100, 100), (99_900, 99_900, 100_000, 100_000))
    assert cell_size_m(wide) == 2_000.0
    assert cell_size_m(gk_boxes((0, 0, 100, 100), (9_900, 9_900, 10_000, 10_000))) == 500.0
    summary, cells = summarise(wide, features_of=1)
    assert summary.cell_m == 2_000.0 and int(cells["count"].sum()) == 2
    side_m = cells.to_crs("EPSG:4543").geometry.iloc[0].bounds
    assert side_m[2] - side_m[0] == pytest.approx(2_000.0)
