"""How a run's values are written to its spool: as plain tuples of built-in types.

Pickling the dataclasses as they are works, but reading them back is what a spooled run spends most of
its CPU on: every enum member is rebuilt through a Python-level call, and a plan holds one object per
field. As tuples of strings, dicts and dates, with enums as their values, a value costs a fraction of
that; and an entity binding (large, shared by every item) is written as its name only.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from graphsync.config.entities import EntityName
from graphsync.connectors.nav import NavRecord, NavTable
from graphsync.connectors.outlook import DeltaEntry, ItemKind, OutlookItem, Removed
from graphsync.engine.binding import BoundEntity
from graphsync.engine.plan import CreatedChanges, FieldChange, FieldConflict, ItemPlan, Op, SidePlan
from graphsync.engine.state import Link

Encoded = tuple[Any, ...]

_TABLES = {int(t): t for t in NavTable}
_KINDS = {k.value: k for k in ItemKind}
_OPS = {o.value: o for o in Op}


def encode_record(r: NavRecord | None) -> Encoded | None:
    return None if r is None else (int(r.table), r.key, r.fields, r.etag)


def decode_record(t: Encoded | None) -> NavRecord | None:
    return None if t is None else NavRecord(_TABLES[t[0]], t[1], t[2], t[3])


def encode_entry(e: DeltaEntry | None) -> Encoded | None:
    if e is None:
        return None
    if isinstance(e, Removed):
        return (0, e.kind.value, e.id, e.reason)
    return (1, e.kind.value, e.id, e.data, e.version, e.nav_key, e.user_fields)


def decode_entry(t: Encoded | None) -> Any:
    if t is None:
        return None
    if t[0] == 0:
        return Removed(_KINDS[t[1]], t[2], t[3])
    return OutlookItem(_KINDS[t[1]], *t[2:])


def encode_link(link: Link | None) -> Encoded | None:
    if link is None:
        return None
    return (
        link.entity,
        link.nav_key,
        link.outlook_id,
        link.base,
        link.outlook_version,
        link.nav_etag,
        link.dirty,
        link.stamped,
    )


def decode_link(t: Encoded | None) -> Link | None:
    return None if t is None else Link(*t)


def _encode_side(side: SidePlan) -> Encoded:
    if isinstance(side.changes, CreatedChanges):
        return (side.op.value, side.changes.values)
    if side.op is Op.CREATE and all(c.old is None for c in side.changes):
        return (side.op.value, {c.field: c.new for c in side.changes})  # a dict: half the size of triples
    return (side.op.value, tuple(tuple(c) for c in side.changes))


def _decode_side(t: Encoded) -> SidePlan:
    op, changes = _OPS[t[0]], t[1]
    if isinstance(changes, dict):
        return SidePlan(op, CreatedChanges(changes))
    new = tuple.__new__  # see created_changes
    return SidePlan(op, tuple([new(FieldChange, c) for c in changes]))


_BASE_IS_CREATED = True
"""Stands for a plan's base when it equals the values an Outlook create writes (an initial load's every
item): the values are spooled once, not twice."""


def encode_plan(p: ItemPlan) -> Encoded:
    conflicts = tuple(tuple(c) for c in p.conflicts)
    outlook = _encode_side(p.outlook)
    base: Any = p.base
    if isinstance(outlook[1], dict) and outlook[1] == base:
        base = _BASE_IS_CREATED
    return (_encode_side(p.nav), outlook, conflicts, base, p.link)


def decode_plan(t: Encoded) -> ItemPlan:
    base = t[3]
    if base is _BASE_IS_CREATED:  # a base is otherwise a dict or None
        base = t[1][1]  # shared with the create's values: nothing changes either afterwards (both are copied)
    return ItemPlan(
        _decode_side(t[0]), _decode_side(t[1]), tuple([tuple.__new__(FieldConflict, c) for c in t[2]]), base, t[4]
    )


def candidate_codec(
    entities: Mapping[EntityName, BoundEntity], make: Callable[..., Any]
) -> tuple[Callable[..., Encoded], Callable[[Encoded], Any]]:
    """Encoder and decoder for a `Candidate` (built by ``make``, to keep this module free of the engine's
    classes): the entity by its name, the rest as tuples; ``with_record=False`` leaves the NAV record out."""
    by_value = {name.value: entity for name, entity in entities.items()}

    def encode(c: Any, *, with_record: bool = True) -> Encoded:
        return (
            c.entity.name.value,
            encode_link(c.link),
            c.nav_key,
            encode_record(c.record) if with_record else None,
            c.in_scope,
            encode_entry(c.outlook),
        )

    def decode(t: Encoded) -> Any:
        return make(by_value[t[0]], decode_link(t[1]), t[2], decode_record(t[3]), t[4], decode_entry(t[5]))

    return encode, decode
