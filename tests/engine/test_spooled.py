"""The spool's encodings: every value comes back equal to what went in, and what is left out is left out."""

from __future__ import annotations

import pickle
from types import SimpleNamespace

import pytest

from graphsync.config.entities import EntityName
from graphsync.connectors.nav import NavRecord, NavTable
from graphsync.connectors.outlook import ItemKind, OutlookItem
from graphsync.engine.collect import Candidate
from graphsync.engine.plan import FieldChange, FieldConflict, ItemPlan, Op, SidePlan, created_changes
from graphsync.engine.spooled import candidate_codec, decode_plan, encode_plan
from graphsync.engine.state import Link

VALUES = {"name": "Gibson", "phone": "+44 20 7946 0000", "email": None}


def _through_spool(plan: ItemPlan) -> ItemPlan:
    return decode_plan(pickle.loads(pickle.dumps(encode_plan(plan), pickle.HIGHEST_PROTOCOL)))


@pytest.mark.parametrize(
    "plan",
    [
        # An initial load's item: the base is exactly what the create writes.
        ItemPlan(SidePlan(), SidePlan(Op.CREATE, created_changes(VALUES)), (), dict(VALUES), True),
        # A create whose base holds more than it writes (a field the map does not send to Outlook).
        ItemPlan(SidePlan(), SidePlan(Op.CREATE, created_changes(VALUES)), (), {**VALUES, "extra": "x"}, True),
        # A create from Outlook into NAV: the base is Outlook's values, the NAV side creates.
        ItemPlan(SidePlan(Op.CREATE, created_changes(VALUES)), SidePlan(), (), dict(VALUES), True),
        # An update, a conflict, and a plan that drops the link.
        ItemPlan(
            SidePlan(Op.UPDATE, (FieldChange("phone", "1", "2"),)),
            SidePlan(),
            (FieldConflict("name", "a", "b", "c"),),
            {"phone": "2", "name": "a"},
            True,
        ),
        ItemPlan(SidePlan(), SidePlan(Op.DELETE), (), None, False),
        ItemPlan(SidePlan(), SidePlan(Op.CREATE, created_changes({})), (), {}, True),
    ],
)
def test_a_plan_comes_back_as_it_went_in(plan: ItemPlan) -> None:
    back = _through_spool(plan)
    assert back == plan
    assert back.base == plan.base


def test_a_load_items_values_are_spooled_once() -> None:
    plan = ItemPlan(SidePlan(), SidePlan(Op.CREATE, created_changes(VALUES)), (), dict(VALUES), True)
    other = ItemPlan(SidePlan(), SidePlan(Op.CREATE, created_changes(VALUES)), (), {**VALUES, "x": "y"}, True)
    assert encode_plan(plan)[3] is True  # the base stands for the create's values
    assert encode_plan(other)[3] == {**VALUES, "x": "y"}
    assert len(pickle.dumps(encode_plan(plan))) < len(pickle.dumps(encode_plan(other)))


def test_a_candidate_can_be_spooled_without_its_nav_record() -> None:
    entity = SimpleNamespace(name=EntityName.CONT_COMP)
    encode, decode = candidate_codec({EntityName.CONT_COMP: entity}, Candidate)  # type: ignore[dict-item]
    record = NavRecord(NavTable.CONTACT, ("CT000001",), {"Name": "Gibson"}, "W/1")
    link = Link("eh@contoso.com", "CONT_COMP", "5050:CT000001", "AAMk1", {"name": "Gibson"}, "v1", "W/1")
    item = OutlookItem(ItemKind.CONTACT, "AAMk1", {"displayName": "Gibson"}, "v2", "5050:CT000001", None)
    cand = Candidate(entity, link, "5050:CT000001", record, True, item)  # type: ignore[arg-type]

    assert decode(encode(cand)) == cand
    without = decode(encode(cand, with_record=False))
    assert without.record is None
    assert (without.entity, without.link, without.nav_key, without.in_scope, without.outlook) == (
        entity,
        link,
        "5050:CT000001",
        True,
        item,
    )


def test_a_creates_changes_are_its_values_and_equal_the_changes_spelled_out() -> None:
    changes = created_changes(VALUES)
    spelled_out = tuple(FieldChange(k, None, v) for k, v in VALUES.items())
    assert changes == spelled_out and spelled_out == changes and hash(changes) == hash(spelled_out)
    assert len(changes) == 3 and changes[1] == FieldChange("phone", None, "+44 20 7946 0000")
    assert list(changes) == list(spelled_out) and changes != spelled_out[:2]
    assert created_changes(VALUES, frozenset({"name"})) == (FieldChange("name", None, "Gibson"),)
    side = SidePlan(Op.CREATE, changes)
    assert side == SidePlan(Op.CREATE, spelled_out)
    values = side.values
    values["name"] = "changed"  # a copy: the plan is immutable
    assert side.values == VALUES and _through_spool(ItemPlan(outlook=side)).outlook == side
    source = dict(VALUES)
    kept = created_changes(source)
    source["name"] = "changed later"  # the changes hold their own copy of the caller's dict
    assert kept == spelled_out
