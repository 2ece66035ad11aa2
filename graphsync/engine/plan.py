"""The planner: what must happen to one NAV record and its Outlook item. Pure: no I/O, no clock.

Three-way, per field, on normalised values: the value last synced (the *base*), NAV's value now and
Outlook's value now. A side whose value differs from the base changed; a change on one side is copied to
the other; the same change on both is nothing; different changes on both are a conflict on that field
only, settled by the entity's policy (or a person's resolution), while the other fields still merge.
Echoes of graphsync's own writes and server-side churn normalise to the base, so they are never edits.

A base value of None means "unknown": the link was rebuilt without history (lost state, a journal
recovery without values), so any difference is treated as a change on both sides. A field missing from
the base entirely was added to the map since the item was linked: NAV's value is pushed (or Outlook's,
for an Outlook -> NAV entity).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from functools import cached_property
from typing import NamedTuple, overload

from graphsync.config.entities import ConflictPolicy, DeletePolicy, Direction
from graphsync.engine.unlinks import UnlinkReason
from graphsync.frozen import quick_init

Values = Mapping[str, str]
Base = Mapping[str, str | None]


class Side(Enum):
    NAV = "nav"
    OUTLOOK = "outlook"


class Op(Enum):
    NONE = "none"
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"


# Immutable values like the rest, but named tuples rather than frozen dataclasses: a plan holds one per
# field, and a large run builds, spools and reads back hundreds of thousands of them; a frozen dataclass's
# __init__ (one object.__setattr__ per field) made that the planner's largest cost.


class FieldChange(NamedTuple):
    field: str
    old: str | None
    new: str


class FieldConflict(NamedTuple):
    field: str
    base: str | None
    nav: str
    outlook: str


class CreatedChanges(Sequence[FieldChange]):
    """A create's field changes (each from None), held as the values they write.

    An initial load plans, spools, reads back and applies a create for every item, and what applying needs
    is the values (`SidePlan.values`), not a change per field: as a dict they are copied, not rebuilt field
    by field at each step. The changes themselves are made when asked for (a report, a dry run's listing).
    Immutable like a tuple, and equal to the tuple of the same changes."""

    __slots__ = ("_changes", "_values")

    def __init__(self, values: Mapping[str, str]) -> None:
        self._values = dict(values)
        self._changes: tuple[FieldChange, ...] | None = None

    @property
    def values(self) -> dict[str, str]:
        """A copy of the values written, by field."""
        return dict(self._values)

    def _all(self) -> tuple[FieldChange, ...]:
        if self._changes is None:
            new = tuple.__new__  # the C-level constructor a named tuple's own __new__ wraps in a Python call
            self._changes = tuple([new(FieldChange, (k, None, v)) for k, v in self._values.items()])
        return self._changes

    @overload
    def __getitem__(self, index: int) -> FieldChange: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[FieldChange]: ...
    def __getitem__(self, index: int | slice) -> FieldChange | Sequence[FieldChange]:
        return self._all()[index]

    def __len__(self) -> int:
        return len(self._values)

    def __iter__(self) -> Iterator[FieldChange]:
        return iter(self._all())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, CreatedChanges):
            return self._values == other._values and list(self._values) == list(other._values)
        if isinstance(other, tuple):
            return self._all() == other
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._all())

    def __repr__(self) -> str:
        return repr(self._all())


@quick_init
@dataclass(frozen=True)
class SidePlan:
    op: Op = Op.NONE
    changes: Sequence[FieldChange] = ()
    """A tuple of changes, or for a create `CreatedChanges`, which compares equal to that tuple."""

    @property
    def values(self) -> dict[str, str]:
        if isinstance(self.changes, CreatedChanges):
            return self.changes.values
        return {c.field: c.new for c in self.changes}


NO_WRITE = SidePlan()
"""Nothing to write on a side: one value shared (a plan is built per item, and most leave a side alone)."""


@dataclass(frozen=True)
class FieldRule:
    id: str
    to_nav: bool = True
    """False for fields read-only in NAV and computed fields: Outlook's value is never written to NAV."""
    to_outlook: bool = True
    """False for fields Outlook owns (a series' recurrence): NAV's value is never written to Outlook, and a NAV
    value Outlook does not hold is no change (`_outlook_owned`)."""


@dataclass(frozen=True)
class Rules:
    """An entity's policies as the planner needs them."""

    fields: tuple[FieldRule, ...]
    direction: Direction = Direction.BIDIRECTIONAL
    conflict_policy: ConflictPolicy = ConflictPolicy.MANUAL
    delete_policy: DeletePolicy = DeletePolicy.DELETE

    @cached_property
    def ids(self) -> frozenset[str]:
        return frozenset(f.id for f in self.fields)

    @cached_property
    def ordered_ids(self) -> tuple[str, ...]:
        return tuple(f.id for f in self.fields)

    @cached_property
    def nav_writable(self) -> frozenset[str]:
        """The fields Outlook's values may be written to NAV for (computed and read-only ones excluded)."""
        return frozenset(f.id for f in self.fields if f.to_nav)

    @cached_property
    def outlook_writable(self) -> frozenset[str]:
        """The fields NAV's values may be written to Outlook for (Outlook-owned ones excluded)."""
        return frozenset(f.id for f in self.fields if f.to_outlook)

    @cached_property
    def outlook_owned(self) -> tuple[str, ...]:
        return tuple(f.id for f in self.fields if not f.to_outlook)

    @property
    def to_outlook(self) -> bool:
        return self.direction is not Direction.OUTLOOK_TO_NAV

    @property
    def to_nav(self) -> bool:
        return self.direction is not Direction.NAV_TO_OUTLOOK


@quick_init
@dataclass(frozen=True)
class ItemState:
    """What is known about one item. ``nav``/``outlook`` None: absent (deleted, or never existed)."""

    linked: bool
    base: Base | None = None
    nav: Values | None = None
    outlook: Values | None = None
    nav_in_scope: bool = True
    """False when the NAV record exists but no longer matches the entity's condition."""
    resolution: Side | None = None
    """A person's decision for this item's conflicting fields."""


@quick_init
@dataclass(frozen=True)
class ItemPlan:
    nav: SidePlan = NO_WRITE
    outlook: SidePlan = NO_WRITE
    conflicts: tuple[FieldConflict, ...] = ()
    base: Base | None = None
    """The base to record once the writes succeed; None: the link is dropped (or never made)."""
    link: bool = False
    """Whether a link exists (or is made) after this plan."""
    unlink: UnlinkReason | None = None
    """Set when the plan drops a link whose NAV record lives on: why (what is remembered of it)."""

    @property
    def is_noop(self) -> bool:
        return self.nav.op is Op.NONE and self.outlook.op is Op.NONE and not self.conflicts

    @property
    def deletes(self) -> bool:
        return Op.DELETE in (self.nav.op, self.outlook.op)


NOTHING_TO_DO = ItemPlan()
"""The plan that writes nothing and keeps no link (shared, as `NO_WRITE`)."""
_UNLINKED_OUTLOOK_DELETED = ItemPlan(unlink=UnlinkReason.OUTLOOK_DELETED)
_UNLINKED_LEFT_SCOPE = ItemPlan(unlink=UnlinkReason.LEFT_SCOPE)


def created_changes(values: Values, fields: frozenset[str] | None = None) -> CreatedChanges:
    """A create's field changes (each from None), of ``fields`` only when given."""
    return CreatedChanges(values if fields is None else {k: v for k, v in values.items() if k in fields})


def _create(values: Values, rules: Rules, *, for_nav: bool) -> SidePlan:
    return SidePlan(Op.CREATE, created_changes(values, rules.nav_writable if for_nav else rules.outlook_writable))


def _created_in_outlook(nav: Values, rules: Rules) -> dict[str, str | None]:
    """The base after NAV's record was created in Outlook: NAV's values, but "" (what the new item holds) for
    the fields Outlook owns, which the create does not write."""
    base: dict[str, str | None] = dict(nav)
    for field_id in rules.outlook_owned:
        base[field_id] = ""
    return base


def _outlook_owned(rule: FieldRule, n: str, o: str, base: Base, can_nav: bool) -> tuple[FieldChange | None, str]:
    """A field Outlook owns, whose two sides differ: Outlook's value goes to NAV when it changed (with no known
    base, when Outlook holds one at all), else nothing happens; the base becomes Outlook's value. So NAV's own
    value that Outlook does not hold (a to-do NAV itself made recurring, on a single meeting) is left alone."""
    b = base.get(rule.id)
    outlook_changed = o != b if b is not None else o != ""
    if outlook_changed and can_nav:
        return FieldChange(rule.id, n, o), o
    return None, o


def plan_item(rules: Rules, state: ItemState) -> ItemPlan:
    """The plan for one item (see the module docstring for the rules)."""
    nav, outlook = state.nav, state.outlook
    if not state.linked:
        if nav is not None and not state.nav_in_scope:
            return NOTHING_TO_DO
        if nav is not None and outlook is not None:
            return _merge(rules, state, nav, outlook, {f.id: None for f in rules.fields})
        if nav is not None:
            if not rules.to_outlook:
                return NOTHING_TO_DO
            return ItemPlan(outlook=_create(nav, rules, for_nav=False), base=_created_in_outlook(nav, rules), link=True)
        if outlook is not None:
            if not rules.to_nav:
                return NOTHING_TO_DO
            return ItemPlan(nav=_create(outlook, rules, for_nav=True), base=dict(outlook), link=True)
        return NOTHING_TO_DO

    nav_gone = nav is None or not state.nav_in_scope
    if nav_gone and outlook is None:
        return NOTHING_TO_DO
    if nav_gone:
        assert outlook is not None
        policy = rules.delete_policy
        if nav is not None:
            # Out of scope (condition no longer met): the NAV record lives on, so it is never re-created; left
            # in Outlook, its item is remembered, to be paired again if the record comes back.
            if policy is DeletePolicy.DELETE and rules.to_outlook:
                return ItemPlan(outlook=SidePlan(Op.DELETE))
            return _UNLINKED_LEFT_SCOPE
        if policy is DeletePolicy.DELETE and rules.to_outlook:
            return ItemPlan(outlook=SidePlan(Op.DELETE))
        if policy is DeletePolicy.NEVER and rules.to_nav:
            return ItemPlan(nav=_create(outlook, rules, for_nav=True), base=dict(outlook), link=True)
        # NAV's record is gone for good (its key is never given again): nothing could re-create the item.
        return NOTHING_TO_DO
    assert nav is not None
    if outlook is None:
        if rules.delete_policy is DeletePolicy.DELETE and rules.to_nav:
            return ItemPlan(nav=SidePlan(Op.DELETE))
        if rules.delete_policy is DeletePolicy.NEVER and rules.to_outlook:
            return ItemPlan(outlook=_create(nav, rules, for_nav=False), base=_created_in_outlook(nav, rules), link=True)
        # Unlinked (policy unlink, or an entity that cannot delete in NAV): NAV keeps its record, which must
        # not reappear in Outlook at the next full read; the link is kept aside to say so.
        return _UNLINKED_OUTLOOK_DELETED
    return _merge(rules, state, nav, outlook, state.base or {})


def _merge(rules: Rules, state: ItemState, nav: Values, outlook: Values, base: Base) -> ItemPlan:
    agreed = {field_id: nav.get(field_id, "") for field_id in rules.ordered_ids}
    if agreed == {field_id: outlook.get(field_id, "") for field_id in rules.ordered_ids} and not (
        rules.to_outlook and any(k.startswith("user:") and k not in rules.ids for k in base)
    ):
        # Both sides hold the same value in every field (a full round's usual item, or the same change made
        # on both): nothing to write, and the base becomes what they hold, as the field-by-field walk below
        # would conclude one field at a time.
        return ItemPlan(base=agreed, link=True)
    to_nav: list[FieldChange] = []
    to_outlook: list[FieldChange] = []
    conflicts: list[FieldConflict] = []
    new_base: dict[str, str | None] = {}
    for rule in rules.fields:
        n, o = nav.get(rule.id, ""), outlook.get(rule.id, "")
        can_out = rules.to_outlook
        can_nav = rules.to_nav and rule.to_nav
        if n == o:
            new_base[rule.id] = n
            continue
        if not rule.to_outlook:
            change, new_base[rule.id] = _outlook_owned(rule, n, o, base, can_nav)
            if change is not None:
                to_nav.append(change)
            continue
        if rule.id not in base:
            # A field added to the map since the item was linked: the entity's source side gives the value.
            if can_nav and not rules.to_outlook:
                to_nav.append(FieldChange(rule.id, n, o))
                new_base[rule.id] = o
            elif can_out:
                to_outlook.append(FieldChange(rule.id, o, n))
                new_base[rule.id] = n
            else:
                new_base[rule.id] = None
            continue
        b = base[rule.id]
        nav_changed = b is None or n != b
        outlook_changed = b is None or o != b
        new_base[rule.id] = b
        winner: Side | None = None
        if nav_changed and outlook_changed:
            if can_out and can_nav:
                winner = (
                    state.resolution
                    or {
                        ConflictPolicy.NAV_WINS: Side.NAV,
                        ConflictPolicy.OUTLOOK_WINS: Side.OUTLOOK,
                        ConflictPolicy.MANUAL: None,
                    }[rules.conflict_policy]
                )
                if winner is None:
                    conflicts.append(FieldConflict(rule.id, b, n, o))
                    continue
            elif can_out:
                winner = Side.NAV
            elif can_nav:
                winner = Side.OUTLOOK
        elif nav_changed and can_out:
            winner = Side.NAV
        elif outlook_changed and can_nav:
            winner = Side.OUTLOOK
        if winner is Side.NAV:
            to_outlook.append(FieldChange(rule.id, o, n))
            new_base[rule.id] = n
        elif winner is Side.OUTLOOK:
            to_nav.append(FieldChange(rule.id, n, o))
            new_base[rule.id] = o
    known = {f.id for f in rules.fields}
    if rules.to_outlook:
        for gone in sorted(k for k in base if k not in known and k.startswith("user:")):
            # A user-defined field removed from the map: its value leaves the Outlook item too.
            to_outlook.append(FieldChange(gone, base[gone], ""))
    return ItemPlan(
        nav=SidePlan(Op.UPDATE, tuple(to_nav)) if to_nav else NO_WRITE,
        outlook=SidePlan(Op.UPDATE, tuple(to_outlook)) if to_outlook else NO_WRITE,
        conflicts=tuple(conflicts),
        base=new_base,
        link=True,
    )
