"""What the store guarantees when things go wrong: an append-only audit trail the app's
role cannot rewrite, a plain message when the database is gone, and consistency after a
real ``kill -9`` of a process in the middle of saves (both back-ends)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import URL, create_engine, text
from sqlalchemy.exc import ProgrammingError

from geo.store.store import Store, StoreUnavailableError
from tests.conftest import gk_boxes
from tests.store.conftest import BACKENDS

REPO = Path(__file__).resolve().parents[2]

SAVER = """
import sys
import geopandas as gpd, shapely
from geo.store.store import Store
from tests.conftest import gk_boxes

store = Store(sys.argv[1])
user = store.user("alice")
object_id = sys.argv[2]
boxes = [(i * 30.0, 0.0, i * 30.0 + 20.0, 20.0) for i in range(int(sys.argv[3]))]
frame = gk_boxes(*boxes)
print("ready", flush=True)
version = store.get(user, object_id).version
while True:
    version = store.edit(
        user, object_id, frame, expected_version=version, reason="loop", source="test",
        accuracy="exact",
    ).version
    print(version, flush=True)
"""


@pytest.mark.parametrize("store_url_for", ["postgis"], indirect=True)
def test_the_app_role_cannot_rewrite_history(store: Store, store_url_for: URL) -> None:
    alice = store.add_user("alice", "alice-pass-1", "editor")
    store.save_layer(alice, gk_boxes((0, 0, 100, 100)), name="one")
    engine = create_engine(store_url_for)
    for statement in (
        "UPDATE audit SET username = 'mallory'",
        "DELETE FROM audit",
        "UPDATE versions SET author = 'mallory'",
        "DELETE FROM versions",
        "DELETE FROM features",
        "TRUNCATE audit",
    ):
        with engine.connect() as conn, pytest.raises(ProgrammingError, match="permission denied"):
            conn.execute(text(statement))
    engine.dispose()
    assert [r.username for r in store.history(alice)] == ["alice"]


def test_an_unreachable_database_is_said_plainly(tmp_path: Path) -> None:
    with pytest.raises(StoreUnavailableError, match="cannot be reached") as err:
        Store("postgresql+psycopg://planmap_app:s3cret-pw@127.0.0.1:1/planmap")
    assert "s3cret-pw" not in str(err.value)
    assert "nothing is shown as current" in str(err.value)


@BACKENDS
def test_a_kill_in_the_middle_of_saves_leaves_the_store_consistent(
    store: Store, store_url_for: URL
) -> None:
    alice = store.add_user("alice", "alice-pass-1", "editor")
    first = store.save_layer(alice, gk_boxes((0, 0, 100, 100)), name="killed")
    url = store_url_for.render_as_string(hide_password=False)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    # Each round waits until the child has committed one save, then kills it a little
    # later, so the kill falls at different points of the next save (features being
    # written, the version and audit rows, the commit) or between two saves.
    committed = 1
    for delay_s in (0.05, 0.25, 0.5):
        proc = subprocess.Popen(
            [sys.executable, "-c", SAVER, url, first.object_id, "3000"],
            stdout=subprocess.PIPE, text=True, cwd=REPO, env=env,
        )  # fmt: skip
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "ready"
        committed = int(proc.stdout.readline())  # one save is in; the next one starts
        time.sleep(delay_s)  # not a wait for state: the moment of the kill is the point
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=60)
        committed = max([committed, *map(int, proc.stdout.read().split())])
        proc.stdout.close()
    check = Store(store_url_for)
    versions = check.versions(alice, first.object_id)
    assert [v.version for v in versions] == list(range(1, len(versions) + 1))
    assert versions[-1].version >= committed, "no committed version is lost"
    for v in versions:
        frame = check.read(alice, first.object_id, version=v.version)
        assert len(frame) == v.feature_count, f"version {v.version} is whole"
    assert len(check.read(alice, first.object_id, version=1)) == 1, "version 1 is intact"
    audit = check.history(alice, object_id=first.object_id)
    assert sorted(r.version_after for r in audit) == [v.version for v in versions]
    # The store still takes saves on top of the latest version.
    latest = versions[-1].version
    assert check.rename(alice, first.object_id, "after", expected_version=latest).version == (
        latest + 1
    )
    check.close()
