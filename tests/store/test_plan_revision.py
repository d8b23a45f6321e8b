"""The plan's revision in the store, on both back-ends: it moves with every change of a
plan element (edit, delete, restore, the seed) and with nothing else (a user's layer)."""

from __future__ import annotations

import pytest

from geo.plan.zones import ZONES_FILE, load_zones
from geo.store.store import PlanRevision, Store
from tests.conftest import gk_boxes
from tests.store.conftest import BACKENDS

pytestmark = BACKENDS

ELEMENT = "fin_sci_tech_finance_centre"


def test_the_revision_names_the_newest_element_change(store: Store) -> None:
    assert store.plan_revision() == PlanRevision(0, 0, ""), "an empty store has no plan"
    report = store.seed_plan(load_zones(ZONES_FILE), seed_name="data/zones.geojson")
    seeded = store.plan_revision()
    assert seeded.changes == len(report.created) > 0
    newest = store.history(store.local_user("planner"), limit=1)[0]
    assert (seeded.number, seeded.time_utc) == (newest.audit_id, newest.time_utc)
    assert "store revision" in seeded.label() and seeded.time_utc[:10] in seeded.label()

    alice = store.add_user("alice", "alice-pass-1", "editor")
    store.save_layer(alice, gk_boxes((0, 0, 100, 100)), name="parcels")
    assert store.plan_revision() == seeded, "a user's layer is not the plan"

    v1 = store.get(alice, ELEMENT)
    square = gk_boxes((0, 0, 1000, 1000)).assign(id=ELEMENT)
    store.edit(
        alice, ELEMENT, square, expected_version=v1.version, reason="test",
        source="hand-built square", accuracy="±1 m",
    )  # fmt: skip
    edited = store.plan_revision()
    assert edited.number > seeded.number and edited.changes == seeded.changes + 1
    assert edited.time_utc >= seeded.time_utc

    store.delete(alice, ELEMENT, expected_version=v1.version + 1)
    deleted = store.plan_revision()
    assert deleted.changes == edited.changes + 1
    store.restore(alice, ELEMENT, version=v1.version, expected_version=v1.version + 2)
    assert store.plan_revision().changes == deleted.changes + 1

    again = store.seed_plan(load_zones(ZONES_FILE), seed_name="data/zones.geojson")
    assert not again.created and not again.updated
    assert store.plan_revision().changes == deleted.changes + 1, "an unchanged seed is no change"


def test_a_revision_keys_a_cache(store: Store) -> None:
    store.seed_plan(load_zones(ZONES_FILE), seed_name="data/zones.geojson")
    assert {store.plan_revision(): 1}[store.plan_revision()] == 1
    with pytest.raises(AttributeError):
        store.plan_revision().number = 0  # type: ignore[misc]
