"""The spool's codecs: derived from each type's fields, every value comes back equal to what went in, with
every field, so that a field added to a type cannot be dropped by the spool."""

from __future__ import annotations

import dataclasses
import enum
import pickle
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any, NamedTuple

import pytest

from graphsync.config.entities import EntityName
from graphsync.connectors.nav import NavRecord, NavTable
from graphsync.connectors.outlook import ItemKind, OutlookItem, Removed
from graphsync.engine import codec
from graphsync.engine.decide import Decision
from graphsync.engine.pending import decision_codec
from graphsync.engine.plan import FieldChange, FieldConflict, ItemPlan, Op, Side, SidePlan, created_changes
from graphsync.engine.report import ItemFailure
from graphsync.engine.state import Link
from graphsync.engine.unlinks import UnlinkReason

VALUES = {"name": "Gibson", "phone": "+44 20 7946 0000", "email": None}


def _through(c: codec.Codec, value: Any) -> Any:
    return c.decode(pickle.loads(pickle.dumps(c.encode(value), pickle.HIGHEST_PROTOCOL)))


@pytest.mark.parametrize(
    "plan",
    [
        # An initial load's item: the base is exactly what the create writes.
        ItemPlan(SidePlan(), SidePlan(Op.CREATE, created_changes(VALUES)), (), dict(VALUES), True),
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
    back = _through(codec.PLAN, plan)
    assert back == plan and back.base == plan.base
    assert type(back.outlook.changes) is type(plan.outlook.changes)  # a create's changes stay its values


def test_a_partial_outlook_item_stays_partial_through_the_spool() -> None:
    """The codec that dropped `OutlookItem.missing` made a partial item whole after a spill (issue 20)."""
    item = OutlookItem(ItemKind.CONTACT, "AAMk1", {"displayName": "G"}, "v2", "5050:CT1", {"x": None}, ("surname",))
    back = _through(codec.DELTA_ENTRY, item)
    assert back == item and back.partial and back.missing == ("surname",)
    removed = Removed(ItemKind.EVENT, "AAMk2", "left the window")
    assert _through(codec.DELTA_ENTRY, removed) == removed
    assert _through(codec.DELTA_ENTRY, None) is None


@pytest.mark.parametrize("cls", [OutlookItem, Removed, NavRecord, Link])
def test_every_field_of_a_spooled_type_comes_back(cls: type) -> None:
    """Each field set to a value unlike its default, then through the spool: all of them come back. A field
    added to one of these types is carried by its derived codec without anyone touching the codec."""
    full: dict[str, Any] = {
        OutlookItem: {
            "kind": ItemKind.TASK,
            "id": "t-1",
            "data": {"title": "call"},
            "version": "ck9",
            "nav_key": "5080:TD1",
            "user_fields": {"Territory Code": "LND"},
            "missing": ("status",),
        },
        Removed: {"kind": ItemKind.CONTACT, "id": "c-1", "reason": "moved"},
        NavRecord: {"table": NavTable.TODO, "key": ("TD1",), "fields": {"Description": "call"}, "etag": "W/2"},
        Link: {
            "entity": "TASK",
            "nav_key": "5080:TD1",
            "outlook_id": "t-1",
            "base": {"title": "call"},
            "outlook_version": "ck9",
            "nav_etag": "W/2",
            "dirty": True,
            "stamped": False,
        },
    }[cls]
    assert set(full) == {f.name for f in dataclasses.fields(cls)}, "a new field: give it a value here"
    value = cls(**full)
    c = {OutlookItem: codec.OUTLOOK_ITEM, Removed: codec.REMOVED, NavRecord: codec.RECORD, Link: codec.LINK}[cls]
    assert _through(c, value) == value


class Colour(enum.Enum):
    RED = "red"
    BLUE = "blue"


@dataclass(frozen=True)
class Inner:
    name: str
    colour: Colour


@dataclass(frozen=True)
class Outer:
    inner: Inner
    maybe: Inner | None
    many: tuple[Inner, ...]
    colour: Colour | None
    extra: str = "default"


def test_a_derived_codec_follows_the_fields_types() -> None:
    codec.derive(Inner)
    c = codec.derive(Outer)
    value = Outer(Inner("a", Colour.RED), None, (Inner("b", Colour.BLUE),), Colour.BLUE, "set")
    encoded = c.encode(value)
    assert encoded == (("a", "red"), None, (("b", "blue"),), "blue", "set")  # plain values only
    assert c.decode(encoded) == value


def test_a_derived_named_tuple_and_a_field_codec_of_its_own() -> None:
    class Pair(NamedTuple):
        side: Side
        count: int

    c = codec.derive(Pair, fields={"count": codec.Codec(lambda n: n * 2, lambda n: n // 2)}, register=False)
    assert c.encode(Pair(Side.NAV, 3)) == ("nav", 6)
    back = c.decode(("outlook", 8))
    assert back == Pair(Side.OUTLOOK, 4) and type(back) is Pair
    with pytest.raises(TypeError, match="no field"):
        codec.derive(Pair, fields={"missing": codec.Codec(str, str)}, register=False)


def test_a_decision_is_spooled_with_its_entity_by_name() -> None:
    entity = SimpleNamespace(name=EntityName.CONT_COMP)
    c = decision_codec({EntityName.CONT_COMP: entity})  # type: ignore[dict-item]
    link = Link("CONT_COMP", "5050:CT000001", "AAMk1", {"name": "Gibson"}, "v1", "W/1")
    item = OutlookItem(ItemKind.CONTACT, "AAMk1", {"displayName": "Gibson"}, "v2", "5050:CT000001", None)
    plan = ItemPlan(SidePlan(Op.UPDATE, (FieldChange("name", "a", "b"),)), SidePlan(), (), {"name": "b"}, True)
    failure = ItemFailure(Side.NAV, "NavRefusedError", "no")
    d = Decision(
        entity, link, item, plan, {"n": "b"}, "5050:CT1", "W/1", "AAMk1", "v2", True, "Gibson", Side.NAV, failure
    )  # type: ignore[arg-type]
    encoded = c.encode(d)
    assert encoded[0] == "CONT_COMP"  # the binding by its name only
    assert c.decode(pickle.loads(pickle.dumps(encoded))) == d
    assert len(encoded) == len(Decision._fields)
    # The fields left out of a plan (values that did not convert) and a plan's reason to unlink come back too.
    held = (ItemFailure(Side.OUTLOOK, "ConversionError", "Ending Date (Outlook dueDateTime): not a date"),)
    unlinked = ItemPlan(unlink=UnlinkReason.OUTLOOK_DELETED)
    d = d._replace(plan=unlinked, failure=None, held=held)
    assert c.decode(pickle.loads(pickle.dumps(c.encode(d)))) == d


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
    assert side.values == VALUES and _through(codec.PLAN, ItemPlan(outlook=side)).outlook == side
    source = dict(VALUES)
    kept = created_changes(source)
    source["name"] = "changed later"  # the changes hold their own copy of the caller's dict
    assert kept == spelled_out
