"""Removing graphsync from a mailbox.

Every item graphsync stamped is found by its stamp (the NAV key in its extended property, or a task's linked
resource) in every contact folder, calendar and To Do list, never by the folder it is in. Then, by mode:

- ``delete``: an item graphsync created (its origin recorded as created, or a create an interrupted run journaled,
  `graphsync.migrate.state.created_keys`) is deleted; every other stamped item (adopted, made in Outlook, or of
  unknown origin) is kept with graphsync's stamps and category removed. graphsync's contact folder and To Do list
  are deleted when nothing is left in them;
- ``keep``: every item is kept, with graphsync's stamps and category removed.

Last, once every item is done, the state store forgets the mailbox (links, cursors, conflicts, runs, origins).
An event of graphsync's category that carries no stamp (one a person filed under it) loses the category in
either mode and is never deleted. Killed and run again, the items still stamped are what is left to do, and the
state is still there to tell their origin; run once more, nothing is stamped and nothing remembered.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import Enum

from graphsync.connectors.migration import FoundItem, MigrationMailbox
from graphsync.connectors.outlook import ItemKind
from graphsync.engine.origins import Origin
from graphsync.engine.report import ProgressEvent
from graphsync.engine.state import StateStore
from graphsync.migrate import state
from graphsync.migrate.outcome import MigrationReport, Result, Row

CHUNK = 50
KINDS = (ItemKind.CONTACT, ItemKind.EVENT, ItemKind.TASK)


class RollbackMode(Enum):
    DELETE = "delete"
    """Delete what graphsync created; keep the rest, unstamped."""
    KEEP = "keep"
    """Keep every item, unstamped."""


class Action(Enum):
    DELETE = "delete (graphsync created it)"
    UNSTAMP = "remove graphsync's stamps"


@dataclass(frozen=True)
class Step:
    found: FoundItem
    action: Action
    origin: str
    """Why: created, adopted, outlook (made in Outlook), unknown, or category only."""


def plan_rollback(
    found: Sequence[FoundItem], *, mode: RollbackMode, created: set[str], origins: dict[str, Origin]
) -> list[Step]:
    """What to do with each stamped item (pure)."""
    steps = []
    for f in found:
        key = f.item.nav_key
        if key is None:
            steps.append(Step(f, Action.UNSTAMP, "category only"))
            continue
        origin = origins.get(key)
        label = Origin.CREATED.value if key in created else origin.value if origin is not None else "unknown"
        delete = mode is RollbackMode.DELETE and key in created
        steps.append(Step(f, Action.DELETE if delete else Action.UNSTAMP, label))
    return steps


async def stamped_items(outlook: MigrationMailbox, user_fields: dict[ItemKind, Sequence[str]]) -> list[FoundItem]:
    """Every item of the mailbox that carries graphsync's stamp (or an event its category)."""
    found: list[FoundItem] = []
    for kind in KINDS:
        for folder in await outlook.folders(kind):
            for f in await outlook.items(folder, user_fields=user_fields.get(kind, ())):
                if f.item.nav_key or f.category:
                    found.append(f)
    return found


def _name(f: FoundItem) -> str:
    data = f.item.data
    return next((str(data[k]) for k in ("displayName", "subject", "title") if data.get(k)), "")


def _row(mailbox: str, step: Step, result: Result, detail: str = "") -> Row:
    f = step.found
    origin = f"origin: {step.origin}; in {f.folder.name or 'the default folder'}"
    return Row(
        mailbox,
        f.item.kind.value,
        f.item.nav_key or "",
        _name(f),
        f.item.id,
        step.action.value,
        result,
        f"{origin}; {detail}" if detail else origin,
    )


async def rollback(
    mailbox: str,
    outlook: MigrationMailbox,
    store: StateStore,
    *,
    mode: RollbackMode,
    user_fields: dict[ItemKind, Sequence[str]],
    apply: bool,
    progress: Callable[[ProgressEvent], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> MigrationReport:
    """Plan (and with ``apply`` do) removing graphsync from ``mailbox`` (see the module docstring)."""
    knows = mailbox in state.known_mailboxes(store)
    forget_row = Row(mailbox, "", "", "", "", "forget the mailbox's sync state", Result.PLANNED)
    if not apply:
        steps = plan_rollback(
            await stamped_items(outlook, user_fields),
            mode=mode,
            created=state.created_keys(store, mailbox),
            origins=state.origins(store, mailbox),
        )
        rows = [_row(mailbox, s, Result.PLANNED) for s in steps]
        return MigrationReport("rollback", True, (mailbox,), (*rows, *([forget_row] if knows else [])))
    rows = []
    stopped = False
    with state.locked(store, mailbox):
        steps = plan_rollback(
            await stamped_items(outlook, user_fields),
            mode=mode,
            created=state.created_keys(store, mailbox),
            origins=state.origins(store, mailbox),
        )
        for start in range(0, len(steps), CHUNK):
            if should_stop is not None and should_stop():
                stopped = True
                break
            chunk = steps[start : start + CHUNK]
            deletes = [s for s in chunk if s.action is Action.DELETE]
            unstamps = [s for s in chunk if s.action is Action.UNSTAMP]
            for group, errors in (
                (deletes, await outlook.delete([s.found for s in deletes]) if deletes else []),
                (unstamps, await outlook.unstamp([s.found for s in unstamps]) if unstamps else []),
            ):
                for step, error in zip(group, errors, strict=True):
                    if error is None:
                        rows.append(_row(mailbox, step, Result.DONE))
                    else:
                        rows.append(_row(mailbox, step, Result.ERROR, f"{type(error).__name__}: {error.message}"))
            if progress is not None:
                progress(ProgressEvent("apply", "item", min(start + CHUNK, len(steps)), len(steps)))
        failed = any(r.result is Result.ERROR for r in rows)
        if not stopped and not failed:
            if mode is RollbackMode.DELETE:
                for kind in (ItemKind.CONTACT, ItemKind.TASK):
                    if await outlook.remove_container_if_empty(kind):
                        what = "contact folder" if kind is ItemKind.CONTACT else "To Do list"
                        rows.append(
                            Row(mailbox, kind.value, "", "", "", f"delete graphsync's empty {what}", Result.DONE)
                        )
            if knows:
                state.forget(store, mailbox)
                rows.append(Row(mailbox, "", "", "", "", forget_row.action, Result.DONE))
    return MigrationReport("rollback", False, (mailbox,), tuple(rows), stopped=stopped)
