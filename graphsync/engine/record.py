"""The pipeline's fourth stage: recording what acting did, so that the next run starts from it.

A chunk's outcomes go into the state store in one transaction: links saved in one statement (with the
origin of the Outlook items the chunk created), conflicts recorded or cleared, items that failed marked
dirty (linked) or kept as retries (unlinked), and the chunk's journal entries removed in one statement (a
crash before the commit leaves both as they were: recovery finds the creates), links dropped while NAV's
record lives on kept aside as unlinked items (and unlinked items linked again forgotten). Only once a kind's last
chunk is recorded are its retries settled and its cursors advanced (`record_kind`).
"""

from __future__ import annotations

from collections.abc import Container, Iterable, Mapping, Sequence
from dataclasses import replace

from graphsync.connectors.outlook import ItemKind
from graphsync.engine.act import Outcome, link_after
from graphsync.engine.keys import retry_ref
from graphsync.engine.origins import Origin
from graphsync.engine.plan import Op, Side
from graphsync.engine.state import CursorName, Link, MailboxState
from graphsync.engine.unlinks import UnlinkReason


class _Unlinks:
    """A chunk's changes to the unlinked items: links kept aside, and unlinked items linked again."""

    __slots__ = ("kept", "known", "relinked")

    def __init__(self, known: Container[str]) -> None:
        self.known = known
        """The NAV keys unlinked when the run started."""
        self.kept: list[tuple[Link, UnlinkReason]] = []
        self.relinked: list[str] = []


def record_chunk(
    state: MailboxState,
    kind: ItemKind,
    outcomes: Sequence[Outcome],
    open_conflicts: set[str],
    unlinked: Container[str] = frozenset(),
) -> set[str]:
    """Record a chunk's outcomes in one transaction; returns the retry references it added (items that failed
    again: the kind's end must not clear them). ``unlinked``: the NAV keys of the items unlinked when the run
    started (`graphsync.engine.unlinks`), forgotten once linked again."""
    readded: set[str] = set()
    unlinks = _Unlinks(unlinked)
    with state.transaction():
        links: list[Link] = []
        for o in outcomes:
            link = _record_one(state, kind, o, open_conflicts, readded, unlinks)
            if link is not None:
                links.append(link)
        passed = _passed_on(outcomes)
        state.links.save([link for link in links if link.nav_key not in passed])
        # After the save: a link passed on in this chunk goes even when its own item was recorded here too.
        state.links.drop(passed)
        if unlinks.kept:
            state.unlinked.keep(unlinks.kept)
        if unlinks.relinked:
            state.unlinked.drop(unlinks.relinked)
        # What a rollback may delete: the Outlook items this chunk created (`graphsync.engine.origins`).
        state.origins.set(
            {
                o.nav_key: Origin.CREATED
                for o in outcomes
                if o.plan.outlook.op is Op.CREATE and o.outlook_done and o.nav_key and o.plan.base is not None
            }
        )
        state.journal.done(o.journal_id for o in outcomes if o.journal_id is not None)
    return readded


def _passed_on(outcomes: Sequence[Outcome]) -> list[str]:
    """The NAV keys whose link another record took over: the next to-do of a recurring one now holds its
    series (`graphsync.engine.succession`)."""
    return [
        link.nav_key
        for o in outcomes
        if (link := o.decision.link) is not None
        and o.failure is None
        and o.plan.base is not None
        and o.nav_key is not None
        and link.nav_key != o.nav_key
    ]


def _record_one(
    state: MailboxState, kind: ItemKind, o: Outcome, open_conflicts: set[str], readded: set[str], unlinks: _Unlinks
) -> Link | None:
    """Record an item's outcome; returns its new link to save (saved with the chunk's in one statement)."""
    link = o.decision.link
    if o.failure is not None:
        ref = None
        # A link kept aside and read back to pair an unlinked item again (`read.KindReader._relinked`) is not
        # in the links table: the item is looked at again as an unlinked one, by its Outlook item.
        relinking = link is not None and link.nav_key in unlinks.known
        if link is not None and not relinking and _partly_written(o):
            # Part of the item was written (the fields NAV did not refuse, the other side's changes): its link
            # records that part, so only what is still pending is a change next run; dirty, to be read again.
            return replace(link_after(o), dirty=True)
        if link is not None and not relinking:
            state.links.mark_dirty([link.nav_key])
        elif o.nav_key and o.plan.nav.op is not Op.CREATE and not relinking:
            ref = retry_ref(Side.NAV, o.nav_key)
        elif o.outlook_id:
            ref = retry_ref(Side.OUTLOOK, o.outlook_id)
        if ref is not None:
            readded.add(ref)
            state.retries.add(kind.value, [ref])
        return None
    if o.plan.base is None:
        if link is not None:
            state.links.drop([link.nav_key])
            if o.plan.unlink is not None:
                unlinks.kept.append((link, o.plan.unlink))
        return None
    assert o.nav_key is not None and o.outlook_id is not None
    if o.nav_key in unlinks.known:
        unlinks.relinked.append(o.nav_key)
    new = link_after(o)
    if o.plan.conflicts:
        state.conflicts.save(
            entity=o.decision.entity.name.value,
            nav_key=o.nav_key,
            outlook_id=o.outlook_id,
            fields=[{"field": c.field, "base": c.base, "nav": c.nav, "outlook": c.outlook} for c in o.plan.conflicts],
        )
    elif o.nav_key in open_conflicts:
        state.conflicts.clear([o.nav_key])
    return new if new != link else None


_UPDATES = (Op.UPDATE, Op.NONE)


def _partly_written(o: Outcome) -> bool:
    """Whether a failed item's updates were partly made: a write happened, and its plan (with the base of what
    was written, `act._only_written`) has a link to record. Creates and deletes stay all or nothing."""
    plan = o.decision.plan
    return (
        (o.nav_done or o.outlook_done)
        and o.plan.base is not None
        and o.nav_key is not None
        and o.outlook_id is not None
        and plan.nav.op in _UPDATES
        and plan.outlook.op in _UPDATES
    )


def record_kind(
    state: MailboxState,
    kind: ItemKind,
    *,
    retries_read: Iterable[str],
    retries_readded: set[str],
    deferred: Iterable[str],
    cursors: Mapping[CursorName, str],
    stopped: bool,
    advance: bool,
    unlinked_gone: Iterable[str] = (),
) -> None:
    """Last, once every chunk of the kind is recorded: the retries read and not added again cleared, the
    meetings after the window kept as retries, the unlinked items whose NAV record was read deleted forgotten,
    and (``advance``: the kind was read whole, for every entity that shares its cursors) the kind's cursors
    moved on. A stopped kind's retries are read again next run, with its unsent writes, and its cursors stay."""
    with state.transaction():
        if not stopped:
            state.retries.clear(kind.value, [ref for ref in retries_read if ref not in retries_readded])
        state.retries.add(kind.value, deferred)
        state.unlinked.drop(unlinked_gone)
        if advance and not stopped:
            state.cursors.set_many(cursors)
