"""One mailbox as the migrations see it: its salesperson, the config's entities bound to the connected NAV, and
the NAV reading a sync does (which entity a record belongs to, a meeting's attendees)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from graphsync.config import Config
from graphsync.config.entities import EntityName
from graphsync.connectors.nav import NavConnector, NavKey, NavRecord, NavTable
from graphsync.connectors.outlook import ItemKind
from graphsync.engine.binding import BoundEntity
from graphsync.engine.keys import key_text
from graphsync.engine.navside import NavSide


@dataclass
class MailboxContext:
    mailbox: str
    owner: str
    """The mailbox's NAV salesperson code (``@owner`` in conditions)."""
    config: Config
    nav: NavConnector
    entities: tuple[BoundEntity, ...]
    """The enabled entities, in the config's order."""
    navside: NavSide
    _tables: dict[NavTable, list[NavRecord]] = field(default_factory=dict)

    @classmethod
    def build(
        cls, config: Config, nav: NavConnector, entities: Sequence[BoundEntity], *, mailbox: str, owner: str
    ) -> MailboxContext:
        """The context of a migration of ``mailbox`` over ``entities``, bound as a sync binds them
        (`graphsync.runtime.Runtime.entities`)."""
        sync = config.sync
        bound = tuple(entities)
        today = dt.datetime.now(ZoneInfo(sync.time_zone)).date()
        window = (today - dt.timedelta(days=sync.window_past_days), today + dt.timedelta(days=sync.window_future_days))
        return cls(mailbox.lower(), owner.upper(), config, nav, bound, NavSide(nav, owner.upper(), window=window))

    def entity(self, name: EntityName) -> BoundEntity | None:
        return next((e for e in self.entities if e.name is name), None)

    def of_kind(self, kind: ItemKind) -> tuple[BoundEntity, ...]:
        return tuple(e for e in self.entities if e.kind is kind)

    def route(self, record: NavRecord) -> BoundEntity | None:
        """The entity a NAV record belongs to in this mailbox (None: no enabled entity selects it)."""
        return self.navside.route(self.entities, record)

    def user_fields(self, kind: ItemKind) -> tuple[str, ...]:
        names: list[str] = []
        for entity in self.of_kind(kind):
            names.extend(n for n in entity.map.user_fields if n not in names)
        return tuple(names)

    def nav_values(self, entity: BoundEntity, record: NavRecord) -> Mapping[str, object]:
        return self.navside.values(entity, record)

    def nav_key(self, entity: BoundEntity, key: NavKey) -> str:
        return key_text(entity.table, key)

    def records(self, entity: BoundEntity) -> list[NavRecord]:
        """Every NAV record this mailbox's entity selects (read in full: a migration runs once)."""
        table = entity.table
        if table not in self._tables:
            self._tables[table] = list(self.nav.changes(table, None).records)
        return [r for r in self._tables[table] if self.route(r) is entity]

    def in_window(self, entity: BoundEntity, record: NavRecord) -> bool:
        return not self.navside.outside_window(entity, record)
