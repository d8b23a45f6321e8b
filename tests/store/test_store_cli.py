"""``python -m geo users …`` and ``python -m geo history …`` on both back-ends."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import URL

from geo.cli import main
from geo.store.store import URL_VARIABLE, Store
from tests.conftest import gk_boxes
from tests.store.conftest import BACKENDS

pytestmark = BACKENDS


@pytest.fixture
def cli_store(store: Store, store_url_for: URL, monkeypatch: pytest.MonkeyPatch) -> Store:
    monkeypatch.setenv(URL_VARIABLE, store_url_for.render_as_string(hide_password=False))
    return store


def test_users_add_disable_list(
    cli_store: Store, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("a-long-password\n"))
    assert main(["users", "add", "王工", "--role", "editor", "--password-stdin"]) == 0
    assert cli_store.authenticate("王工", "a-long-password").role == "editor"
    assert main(["users", "disable", "王工"]) == 0
    assert main(["users", "list"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "added 王工 (editor)"
    assert out[-1].split("\t")[:3] == ["王工", "editor", "disabled"]
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    assert main(["users", "add", "李工", "--password-stdin"]) == 2
    assert "give at least 8" in capsys.readouterr().err


def test_history_of_a_layer_by_id_and_by_name(
    cli_store: Store, capsys: pytest.CaptureFixture[str]
) -> None:
    alice = cli_store.add_user("alice", "alice-pass-1", "editor")
    v = cli_store.save_layer(alice, gk_boxes((0, 0, 1000, 1000)), name="地块一")
    cli_store.rename(alice, v.object_id, "地块二", expected_version=1, reason="typo")
    assert main(["history", v.object_id, "--format", "csv"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("time_utc,username,action,kind,object_id,name")
    assert [line.split(",")[2] for line in lines[1:]] == ["rename", "create"]
    assert main(["history", "地块二", "--format", "json"]) == 0
    assert '"reason":"typo"' in capsys.readouterr().out.replace(" ", "")
    assert main(["history", "no-such-thing"]) == 2
    assert "no plan element or layer 'no-such-thing'" in capsys.readouterr().err
    assert main(["history", "--user", "alice", "--limit", "1"]) == 0
    assert "地块二" in capsys.readouterr().out
