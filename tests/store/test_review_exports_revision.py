"""The review tab's exports name the store's plan revision (the zones are no file now):
the review pack's workbook notes and the atlas' fingerprint."""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import pytest

from geo.store.store import EMBEDDED_FILE, Store


def test_the_review_pack_names_the_plan_revision(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PLANMAP_WORKSPACE", str(tmp_path / "workspace"))
    monkeypatch.delenv("PLANMAP_DATABASE_URL", raising=False)
    import ui.review
    from ui.data import current

    key, revision = current()
    _pdf, xlsx = ui.review._pack(key, revision, ())
    with Store(f"sqlite:///{tmp_path / 'workspace' / EMBEDDED_FILE}") as store:
        label = store.plan_revision().label()
    book = openpyxl.load_workbook(io.BytesIO(xlsx))
    notes = {row[0]: row[1] for row in book["notes"].iter_rows(values_only=True)}
    assert f"plan {label}" in str(notes["fingerprint"])
