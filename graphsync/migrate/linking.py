"""Linking an Outlook item that already exists to its NAV record: what both migrations end with (the add-in's
links, and reviewed adoption matches).

Deciding (`decide`, pure) where the item must go: graphsync keeps contacts in its contact folder, tasks in its
To Do list and meetings in the calendar it syncs, marked with its category. Graph v1.0 can move none of them
(contact, event and todoTask have no move action), so:

- an event in the calendar graphsync syncs is stamped in place (NAV key, category); one elsewhere is left alone
  and reported (re-creating it would send its attendees a new invitation);
- a contact or task elsewhere is copied into graphsync's folder or list, stamped with its NAV key, and the
  original is deleted once the copy exists; the copy carries every property Graph exposes for it (a contact's
  photo and attachments are not copied);
- one already in graphsync's folder or list is stamped in place.

Doing (`apply_adoptions`) a chunk at a time: the stamps and copies, then the deletes of originals, then the
links, with their base values and their origin (adopted), in one state store transaction. Killed anywhere, a
run again finds each item where it was left: a copy is found by the NAV key stamped on it (never made twice),
an original still there is deleted, and a linked item is done.

Base values: a field both sides hold the same value of gets that value; a field they differ in gets an unknown
base, so the first sync treats it as changed on both sides and settles it by the entity's conflict policy
(manual: a conflict a person resolves); a user-defined field Outlook holds no value of is left out of the base,
so the first sync writes NAV's value (as for a field added to the map).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any

from graphsync.connectors.migration import FoundItem, MigrationMailbox
from graphsync.connectors.nav import NavRecord
from graphsync.connectors.outlook import ItemKind, OutlookItem, WriteAction, WriteOp, WriteResult
from graphsync.engine.binding import BoundEntity
from graphsync.engine.report import ProgressEvent
from graphsync.engine.state import Link, StateStore
from graphsync.migrate import state
from graphsync.migrate.context import MailboxContext
from graphsync.migrate.outcome import Result, Row

CHUNK = 50

_CONTACT_WRITABLE = [
    "assistantName",
    "birthday",
    "businessAddress",
    "businessHomePage",
    "businessPhones",
    "categories",
    "children",
    "companyName",
    "department",
    "displayName",
    "emailAddresses",
    "fileAs",
    "generation",
    "givenName",
    "homeAddress",
    "homePhones",
    "imAddresses",
    "initials",
    "jobTitle",
    "manager",
    "middleName",
    "mobilePhone",
    "nickName",
    "officeLocation",
    "otherAddress",
    "personalNotes",
    "profession",
    "spouseName",
    "surname",
    "title",
    "yomiCompanyName",
    "yomiGivenName",
    "yomiSurname",
]
_TASK_WRITABLE = [
    "body",
    "categories",
    "completedDateTime",
    "dueDateTime",
    "importance",
    "isReminderOn",
    "recurrence",
    "reminderDateTime",
    "startDateTime",
    "status",
    "title",
]
"""The writable properties a copy takes over (api-reference/v1.0/resources/contact.md, todotask.md)."""


class Step(Enum):
    STAMP = "stamp in place"
    COPY = "copy into graphsync's folder, delete the original"
    FINISH_COPY = "delete the original of an earlier copy"
    LINK = "link"


@dataclass(frozen=True)
class Adoption:
    """One NAV record and the item to link it to, with what must be done first."""

    entity: BoundEntity
    record: NavRecord
    nav_key: str
    title: str
    step: Step
    original: FoundItem | None
    """The item as found (None: only the copy an earlier run made is left)."""
    copy: OutlookItem | None = None
    """``FINISH_COPY``: that copy."""
    source: str = ""
    """How the item was found (the evidence), for the rows."""

    @property
    def outlook_id(self) -> str:
        if self.copy is not None:
            return self.copy.id
        return self.original.item.id if self.original is not None else ""


@dataclass(frozen=True)
class Refusal:
    """Why an item cannot be linked as it is."""

    detail: str


def decide(entity: BoundEntity, nav_key: str, original: FoundItem | None, copy: OutlookItem | None) -> Step | Refusal:
    """What linking ``original`` (or finishing ``copy``) to ``nav_key`` takes; pure."""
    if copy is not None:
        return Step.FINISH_COPY
    if original is None:
        return Refusal("the Outlook item no longer exists")
    stamped = original.item.nav_key
    if stamped and stamped != nav_key:
        return Refusal(f"the Outlook item is already linked by graphsync to {stamped}")
    folder = original.folder
    if entity.kind is ItemKind.EVENT:
        if not folder.graphsync:
            where = f"calendar {folder.name!r}" if folder.name else "another calendar"
            return Refusal(
                f"the event is in {where}, not in the calendar graphsync syncs; Graph cannot move an event, and "
                "making it again would send its attendees a new invitation: move it in Outlook, then run again"
            )
        return Step.LINK if stamped == nav_key and original.category else Step.STAMP
    if folder.graphsync:
        return Step.LINK if stamped == nav_key else Step.STAMP
    return Step.COPY


def _copy_body(item: OutlookItem) -> dict[str, Any]:
    names = _CONTACT_WRITABLE if item.kind is ItemKind.CONTACT else _TASK_WRITABLE
    body = {n: item.data[n] for n in names if item.data.get(n) not in (None, "", [], {})}
    if item.kind is ItemKind.TASK and body.get("status") != "completed":
        body.pop("completedDateTime", None)
    return body


def adopted_link(ctx: MailboxContext, a: Adoption, item: OutlookItem, user_present: set[str]) -> Link:
    """The link for ``a`` once its item is ``item`` (see the module docstring for the base values)."""
    entity = a.entity
    nav = entity.map.nav_norm(ctx.nav_values(entity, a.record))
    outlook = entity.map.outlook_norm(item.data, item.user_fields)
    base: dict[str, str | None] = {}
    for f in entity.map.fields:
        if f.user_field is not None and f.user_field not in user_present:
            continue
        base[f.id] = nav[f.id] if nav[f.id] == outlook[f.id] else None
    return Link(
        entity.name.value,
        a.nav_key,
        item.id,
        base,
        item.version,
        a.record.etag,
        dirty=any(v is None for v in base.values()),
        stamped=True,
    )


def _user_values(a: Adoption) -> dict[str, str | None]:
    """The user-defined fields the item holds (the add-in's Outlook user-defined fields of the same names)."""
    if a.original is None:
        return {}
    return {name: value for name, value in a.original.legacy.items() if name in a.entity.map.user_fields and value}


def _row(ctx: MailboxContext, a: Adoption, result: Result, detail: str = "", outlook_id: str | None = None) -> Row:
    return Row(
        ctx.mailbox,
        a.entity.name.value,
        a.nav_key,
        a.title,
        outlook_id if outlook_id is not None else a.outlook_id,
        a.step.value,
        result,
        detail or a.source,
    )


def planned_rows(ctx: MailboxContext, adoptions: Sequence[Adoption]) -> list[Row]:
    return [_row(ctx, a, Result.PLANNED) for a in adoptions]


Progress = Callable[[ProgressEvent], None]


async def apply_adoptions(
    ctx: MailboxContext,
    outlook: MigrationMailbox,
    store: StateStore,
    adoptions: Sequence[Adoption],
    *,
    progress: Progress | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> tuple[list[Row], bool]:
    """Do every adoption (chunk by chunk, see the module docstring); the rows, and whether a stop was asked
    before all were done."""
    rows: list[Row] = []
    done = 0
    for start in range(0, len(adoptions), CHUNK):
        if should_stop is not None and should_stop():
            return rows, True
        chunk = adoptions[start : start + CHUNK]
        rows.extend(await _apply_chunk(ctx, outlook, store, chunk))
        done += len(chunk)
        if progress is not None:
            progress(ProgressEvent("apply", "item", done, len(adoptions)))
    return rows, False


async def _apply_chunk(
    ctx: MailboxContext, outlook: MigrationMailbox, store: StateStore, chunk: Sequence[Adoption]
) -> list[Row]:
    first: list[tuple[int, WriteOp]] = []
    for n, a in enumerate(chunk):
        if a.step is Step.STAMP:
            assert a.original is not None
            body: dict[str, Any] = {}
            categories = list(a.original.item.data.get("categories") or [])
            if a.entity.kind is ItemKind.EVENT and ctx.config.sync.category not in categories:
                body["categories"] = [*categories, ctx.config.sync.category]
            op = WriteOp(
                str(n), WriteAction.UPDATE, a.entity.kind, a.nav_key, body, a.original.item.id, _user_values(a)
            )
            first.append((n, op))
        elif a.step is Step.COPY:
            assert a.original is not None
            body = _copy_body(a.original.item)
            first.append(
                (n, WriteOp(str(n), WriteAction.CREATE, a.entity.kind, a.nav_key, body, None, _user_values(a)))
            )
    results: dict[int, WriteResult] = {}
    if first:
        for (n, _), result in zip(first, await outlook.write([op for _, op in first]), strict=True):
            results[n] = result
    rows: list[Row | None] = [None] * len(chunk)
    final: dict[int, tuple[OutlookItem, set[str]]] = {}
    deletes: list[tuple[int, FoundItem]] = []
    for n, a in enumerate(chunk):
        written = results.get(n)
        if written is not None and written.error is not None:
            rows[n] = _row(ctx, a, Result.ERROR, f"{type(written.error).__name__}: {written.error.message}")
            continue
        if a.step in (Step.STAMP, Step.COPY):
            assert written is not None and written.item is not None
            final[n] = (written.item, {k for k, v in (written.item.user_fields or {}).items() if v})
        elif a.step is Step.FINISH_COPY:
            assert a.copy is not None
            final[n] = (a.copy, {k for k, v in (a.copy.user_fields or {}).items() if v})
        else:
            assert a.original is not None
            final[n] = (a.original.item, {k for k, v in (a.original.item.user_fields or {}).items() if v})
        if a.step in (Step.COPY, Step.FINISH_COPY) and a.original is not None:
            deletes.append((n, a.original))
    if deletes:
        for (n, _), error in zip(deletes, await outlook.delete([f for _, f in deletes]), strict=True):
            if error is not None:
                rows[n] = _row(
                    ctx,
                    chunk[n],
                    Result.ERROR,
                    f"copied, but the original could not be deleted ({error.message}); running again deletes it "
                    "and links the copy",
                    final[n][0].id,
                )
                del final[n]
    links = [adopted_link(ctx, chunk[n], item, present) for n, (item, present) in final.items()]
    state.record_adopted(store, ctx.mailbox, links)
    for n, (item, _) in final.items():
        rows[n] = _row(ctx, chunk[n], Result.DONE, outlook_id=item.id)
    return [r for r in rows if r is not None]


def already_row(ctx: MailboxContext, entity: str, nav_key: str, title: str, link: Link | None) -> Row:
    return Row(ctx.mailbox, entity, nav_key, title, link.outlook_id if link else "", "link", Result.ALREADY)
