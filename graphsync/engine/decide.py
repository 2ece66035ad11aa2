"""The pipeline's second stage: deciding what must happen to one item. Pure: no I/O, no clock.

`decide` turns a `Candidate` (both sides as read) into a `Decision`: both sides normalised by the entity's
field map and planned by `plan_item` (the three-way rule is there), with what acting and recording need
carried along. A candidate that cannot be decided (Graph gave its Outlook item in part, a value that does
not convert) is a decision that failed, on the side whose value was at fault: nothing is written for it,
and it is read again next run. A linked item whose values convert but for some fields' is decided without
those fields (`Decision.held`, an error each): its other changes do not wait for them.
"""

from __future__ import annotations

from collections.abc import Mapping, Set
from dataclasses import replace
from typing import NamedTuple

from graphsync.config.entities import EntityName
from graphsync.connectors.outlook import OutlookItem
from graphsync.engine import series
from graphsync.engine.binding import BoundEntity
from graphsync.engine.plan import NOTHING_TO_DO, FieldRule, ItemPlan, ItemState, Op, Rules, Side, plan_item
from graphsync.engine.read import Candidate
from graphsync.engine.report import ItemFailure
from graphsync.engine.state import Link
from graphsync.errors import GraphError, NavError, NavValidationError


# A named tuple, not a frozen dataclass: a large run makes, spools and reads back one per item, and a frozen
# dataclass's __init__ (one object.__setattr__ per field) costs several times a tuple's.
class Decision(NamedTuple):
    """What must happen to one item, and what acting on it and recording it need."""

    entity: BoundEntity
    link: Link | None
    """The item's link as read (None: not linked yet)."""
    outlook: OutlookItem | None
    """The Outlook item as read (an update is written against its current values)."""
    plan: ItemPlan
    nav_norm: Mapping[str, str] | None
    """NAV's normalised values, kept only where an Outlook update is built from them."""
    nav_key: str | None
    nav_etag: str | None
    outlook_id: str | None
    outlook_version: str | None
    stamped: bool
    """False while the Outlook item lacks its NAV key (made in Outlook, its NAV record just created)."""
    title: str
    """What the report calls the item (its name or subject)."""
    resolution: Side | None
    """The side a person chose for this item's conflicting fields, if any."""
    failure: ItemFailure | None
    """Why the item could not be decided; nothing is written for it."""
    held: tuple[ItemFailure, ...] = ()
    """Why some fields of a linked item were left out of its plan (a value that does not convert), an error
    each: the rest of the plan is carried out, these fields keep their base, and the item is read again next
    run."""


def rules(entity: BoundEntity) -> Rules:
    """An entity's policies as `plan_item` takes them."""
    return Rules(
        fields=tuple(FieldRule(f.id, f.to_nav, f.to_outlook) for f in entity.map.fields),
        direction=entity.direction,
        conflict_policy=entity.conflict_policy,
        delete_policy=entity.delete_policy,
    )


def title(cand: Candidate) -> str:
    if cand.record is not None:
        for name in ("Name", "Description"):
            if cand.record.fields.get(name):
                return str(cand.record.fields[name])
    if cand.outlook is not None:
        for name in ("displayName", "subject", "title"):
            if cand.outlook.data.get(name):
                return str(cand.outlook.data[name])
    return cand.nav_key or (cand.outlook.id if cand.outlook else "")


def decide(cand: Candidate, rules: Rules, resolution: Side | None) -> Decision:
    """The decision for one candidate under its entity's ``rules`` and a person's ``resolution``."""
    link = cand.link
    outlook = cand.outlook
    partial = _partial(outlook) if outlook is not None else None
    failure = partial or (ItemFailure.of(cand.nav_error, Side.NAV) if cand.nav_error is not None else None)
    plan = NOTHING_TO_DO
    nav_norm: Mapping[str, str] | None = None
    held: tuple[ItemFailure, ...] = ()
    if failure is None:
        entity = cand.entity
        nav_bad = outlook_bad = _NONE
        if cand.nav_values is not None:
            try:
                nav_norm = entity.map.nav_norm(cand.nav_values)
            except NavError:  # a NAV value that cannot be normalised (ConversionError): which ones?
                nav_norm, nav_bad = entity.map.nav_norm_each(cand.nav_values)
        outlook_norm = None
        if outlook is not None:
            try:
                outlook_norm = entity.map.outlook_norm(outlook.data, outlook.user_fields)
            except NavError:  # an Outlook value that cannot become a NAV value (ConversionError): which ones?
                outlook_norm, outlook_bad = entity.map.outlook_norm_each(outlook.data, outlook.user_fields)
        if nav_bad or outlook_bad:
            why = _unconverted(entity, nav_bad, outlook_bad)
            if link is None or nav_norm is None or outlook_norm is None:
                failure = why[0]  # nothing to keep the other fields' values against: the item waits whole
            else:
                held = tuple(why)
        if failure is None:
            # A to-do linked to a series stands for one of its occurrences (`graphsync.engine.series`).
            serial = series.series_of(entity, outlook, outlook_norm)
            index = series.occurrence(link.base if link else None, serial, nav_norm) if serial else 0
            if serial and index:
                outlook_norm = series.project(serial, outlook_norm or {}, index)
            state = ItemState(
                linked=link is not None,
                base=link.base if link else None,
                nav=nav_norm,
                outlook=outlook_norm,
                nav_in_scope=cand.in_scope,
                resolution=resolution,
            )
            if entity.name is EntityName.MEETING and series.past_occurrence(
                link is not None, outlook is not None, cand.record.fields if cand.record else None
            ):
                plan = NOTHING_TO_DO
            elif held:
                plan = _plan_without(rules, state, nav_bad.keys() | outlook_bad.keys())
            else:
                plan = plan_item(rules, state)
            if serial:
                plan, nav_norm, off_series = series.settle(serial, index, plan, nav_norm)
                if off_series is not None:
                    failure = ItemFailure.of(NavValidationError(off_series, field="Date"), Side.NAV)
    record = cand.record
    return Decision(
        cand.entity,
        link,
        outlook,
        plan,
        nav_norm if plan.outlook.op is Op.UPDATE else None,
        cand.nav_key,
        record.etag if record else (link.nav_etag if link else None),
        outlook.id if outlook else (link.outlook_id if link else None),
        outlook.version if outlook else None,
        link.stamped if link else True,
        title(cand),
        resolution,
        failure,
        held,
    )


_NONE: Mapping[str, NavError] = {}
"""No field in error (shared, never written to)."""


def _plan_without(rules: Rules, state: ItemState, held: Set[str]) -> ItemPlan:
    """The plan of a linked item whose ``held`` fields' values did not convert: the other fields' changes must
    not wait for those to be fixed. They are left out of the plan, nothing written for them either way, and
    their base kept as it was (so a change on either side is still one next run)."""
    base = state.base or {}
    kept = {k: v for k, v in base.items() if k in held}
    plan = plan_item(
        replace(rules, fields=tuple(f for f in rules.fields if f.id not in held)),
        replace(state, base={k: v for k, v in base.items() if k not in held}),
    )
    return plan if plan.base is None else replace(plan, base={**plan.base, **kept})


def _unconverted(
    entity: BoundEntity, nav_bad: Mapping[str, NavError], outlook_bad: Mapping[str, NavError]
) -> list[ItemFailure]:
    """An item error for each field whose value did not convert, naming it: NAV's value (NAV's side), or
    Outlook's, which could not become a NAV value (the NAV field and the Outlook property)."""
    found = []
    for bad, side in ((nav_bad, Side.NAV), (outlook_bad, Side.OUTLOOK)):
        for field_id, exc in bad.items():
            f = entity.map.field(field_id)
            names = ", ".join(f.nav_fields)
            where = names if side is Side.NAV else f"{names} (Outlook {f.user_field or field_id})"
            found.append(ItemFailure(side, type(exc).__name__, f"{where}: {exc.message}"))
    return found


def _partial(item: OutlookItem) -> ItemFailure | None:
    """Read as they are, the properties Graph left out would count as cleared in Outlook and clear NAV's
    fields: the item fails instead (its link stays, to be read again next run)."""
    if not item.partial:
        return None
    missing = ", ".join(item.missing)
    error = GraphError(
        f"Graph answered this {item.kind.value} without {missing}, which it sends with every whole item; "
        "nothing was written for it, and it is read again next run",
        code="malformedItem",
    )
    return ItemFailure.of(error, Side.OUTLOOK)


def settled(d: Decision, open_conflicts: set[str]) -> bool:
    """Nothing to write and nothing to record: a linked item decided to stay exactly as its link says (most
    of a full reconciliation). Such a decision need not be kept for acting at all."""
    link = d.link
    return (
        link is not None
        and d.failure is None
        and not d.held
        and d.stamped  # an unstamped item still gets its NAV key written
        and d.plan.is_noop
        and d.plan.base is not None
        and d.nav_key is not None
        and d.outlook_id is not None
        and d.nav_key not in open_conflicts
        # What recording would save is exactly the link (compared field by field: most of a full round's items
        # end here, and building a Link for each only to compare it cost more than the comparison).
        and link.entity == d.entity.name.value
        and link.nav_key == d.nav_key
        and link.outlook_id == d.outlook_id
        and link.base == d.plan.base
        and link.outlook_version == (d.outlook_version or link.outlook_version)
        and link.nav_etag == d.nav_etag
        and not link.dirty  # the plan has no conflicts (is_noop), so the new link would not be dirty
        and link.stamped == d.stamped
    )
