"""`RunContext`: everything one run of one mailbox works with, fixed before the run starts.

Built once (`open_run`, which the runtime calls with the parts it wired; `graphsync.engine.sync.run_sync`
for callers holding the parts themselves) and handed to every stage of the run: reading, deciding, acting,
recording. Nothing in it changes during the run: the connectors it holds are the run's I/O, and the
state it holds is the mailbox's view of the state store.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from graphsync.config.entities import EntitiesConfig
from graphsync.connectors.nav import NavConnector
from graphsync.connectors.outlook import ItemKind, MeetingScope, OutlookMailbox
from graphsync.engine.binding import BoundEntity, bind_entity
from graphsync.engine.entities import nav_table
from graphsync.engine.navside import NavSide
from graphsync.engine.report import SyncOptions
from graphsync.engine.state import MailboxState


@dataclass(frozen=True)
class RunContext:
    nav: NavConnector
    mailbox: OutlookMailbox
    state: MailboxState
    """The state store's view of this mailbox."""
    entities: tuple[BoundEntity, ...]
    """Every enabled entity, bound to NAV's table definitions, in processing order (companies before persons)."""
    options: SyncOptions
    owner: str
    """The mailbox's salesperson code as NAV writes it (upper case): ``@owner`` in conditions."""
    today: dt.date
    """Today in the configured time zone, when the run started."""
    meetings: MeetingScope
    """Which events are graphsync's meetings (the mailbox's scope: one place for the window and category)."""
    navside: NavSide
    """NAV records as the run sees them: routed to entities, with a meeting's attendees."""

    @property
    def upn(self) -> str:
        return self.mailbox.mailbox

    @property
    def chosen(self) -> tuple[BoundEntity, ...]:
        """The entities this run syncs (`SyncOptions.entities`, else every enabled one)."""
        only = self.options.entities
        return self.entities if only is None else tuple(e for e in self.entities if e.name in only)

    def of_kind(self, kind: ItemKind, *, chosen: bool = True) -> tuple[BoundEntity, ...]:
        return tuple(e for e in (self.chosen if chosen else self.entities) if e.kind is kind)

    @property
    def window(self) -> tuple[dt.date | None, dt.date | None]:
        """The first and last day of the meeting window (None: no limit)."""
        return meeting_window(self.today, self.meetings)


def meeting_window(today: dt.date, scope: MeetingScope) -> tuple[dt.date | None, dt.date | None]:
    past, future = scope.past_days, scope.future_days
    return (
        today - dt.timedelta(days=past) if past is not None else None,
        today + dt.timedelta(days=future) if future is not None else None,
    )


def bind_entities(entities: EntitiesConfig, nav: NavConnector, *, time_zone: str) -> tuple[BoundEntity, ...]:
    """Every enabled entity of the config bound to the connected NAV's table definitions, in config order;
    ConfigError when a field or condition names no field of its table."""
    return tuple(
        bind_entity(spec, nav.table_def(nav_table(spec.name)), time_zone=time_zone) for spec in entities if spec.enabled
    )


def user_fields(entities: Iterable[BoundEntity]) -> tuple[str, ...]:
    """Every user-defined field name the entities use, each once: what the Graph client must be told
    (`GraphMailboxOptions.user_fields`) so that it reads and writes them as named properties."""
    names: list[str] = []
    for entity in entities:
        names.extend(n for n in entity.map.user_fields if n not in names)
    return tuple(names)


def open_run(
    *,
    nav: NavConnector,
    mailbox: OutlookMailbox,
    state: MailboxState,
    entities: Sequence[BoundEntity],
    options: SyncOptions,
) -> RunContext:
    """The context of a run over these parts (``entities``: every enabled one, bound by `bind_entities`)."""
    owner = options.salesperson_code.upper()
    today = dt.datetime.now(ZoneInfo(options.time_zone)).date()
    meetings = mailbox.meetings
    return RunContext(
        nav=nav,
        mailbox=mailbox,
        state=state,
        entities=tuple(entities),
        options=options,
        owner=owner,
        today=today,
        meetings=meetings,
        navside=NavSide(nav, owner, window=meeting_window(today, meetings)),
    )
