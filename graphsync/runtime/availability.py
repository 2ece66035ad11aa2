"""Which enabled entities can sync against the NAV at hand, and why the others cannot.

A NAV over OData may not publish a page an entity needs (graphsync's to-do and attendee pages are the
administrator's own), and Business Central online refuses to-dos of type Meeting. Rather than an item
error for every record on every run, such an entity is left out of the run and the reason is said once per
mailbox (again only when it changes), in the log; ``graphsync doctor`` says it every time.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from graphsync.config.entities import EntitiesConfig, EntityName
from graphsync.connectors.nav import NavConnector, NavTable
from graphsync.engine.entities import nav_table
from graphsync.engine.state import MailboxState, NoticesCursor
from graphsync.nav import schema

log = logging.getLogger("graphsync.runtime")

EXTRA_TABLES: Mapping[EntityName, tuple[NavTable, ...]] = {EntityName.MEETING: (NavTable.ATTENDEE,)}
"""Tables an entity needs besides its own: a meeting's attendees."""


@dataclass(frozen=True)
class Unsyncable:
    entity: EntityName
    reason: str


def unsyncable(nav: NavConnector, entities: EntitiesConfig) -> list[Unsyncable]:
    """The enabled entities this NAV cannot sync, each with the reason and the fix (one per entity)."""
    unpublished: Mapping[NavTable, str] = {}
    listed = getattr(nav, "unpublished", None)
    if callable(listed):
        unpublished = listed()
    meetings = bool(getattr(nav, "meetings_supported", True))
    found: list[Unsyncable] = []
    for spec in entities:
        if not spec.enabled:
            continue
        if spec.name is EntityName.MEETING and not meetings:
            found.append(Unsyncable(spec.name, meetings_online()))
            continue
        for table in (nav_table(spec.name), *EXTRA_TABLES.get(spec.name, ())):
            if table in unpublished:
                users = (
                    ", ".join(s.name.value for s in entities if s.enabled and nav_table(s.name) is table)
                    or spec.name.value
                )
                found.append(
                    Unsyncable(spec.name, odata_unpublished(schema.table_def(table).name, unpublished[table], users))
                )
                break
    return found


def runnable(entities: EntitiesConfig, skipped: Sequence[Unsyncable]) -> EntitiesConfig:
    """``entities`` with the unsyncable ones disabled."""
    names = {u.entity for u in skipped}
    if not names:
        return entities
    return replace(entities, entities=tuple(replace(s, enabled=False) if s.name in names else s for s in entities))


def say(skipped: Sequence[Unsyncable]) -> None:
    """Log each reason as a warning (a dry run, which records nothing, says them every time)."""
    for reason in sorted(dict.fromkeys(u.reason for u in skipped)):
        log.warning("%s", reason)


def say_once(state: MailboxState, skipped: Sequence[Unsyncable]) -> bool:
    """Log each reason as a warning when the set of reasons differs from what was last said for the mailbox
    (``state``: its view of the state store); True when it did."""
    reasons = sorted(dict.fromkeys(u.reason for u in skipped))
    digest = hashlib.sha256("\n".join(reasons).encode()).hexdigest()[:16] if reasons else None
    if state.cursors.get(NoticesCursor()) == digest:
        return False
    for reason in reasons:
        log.warning("%s", reason)
    state.cursors.set(NoticesCursor(), digest)
    return bool(reasons)


# The sentences said here (in the log, and by ``graphsync doctor``): the runtime cannot reach up into the CLI's
# messages.


def odata_unpublished(table_name: str, service: str, entities: str) -> str:
    """A table whose page is not published under the configured service name."""
    return (
        f"no page is published as {service!r} for the {table_name} table, so {entities} cannot sync; publish "
        f"the page docs/odata.md describes under that name (or name yours in [nav.odata.services])"
    )


def meetings_online() -> str:
    """Business Central online refuses to-dos of type Meeting: said once instead of an error per event."""
    return (
        'Business Central online does not allow to-dos of type Meeting ("You cannot create a task of type '
        "Meeting because you're not using an on-premises deployment.\"), so meetings cannot sync there; "
        "disable the entity: [entities.MEETING] enabled = false"
    )
