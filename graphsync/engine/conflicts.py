"""Conflict review: list open conflicts, show one field by field, resolve keeping NAV or Outlook.

A resolution is stored with the conflict and the item is marked for re-reading, so the next run applies
it (the chosen side's value of each conflicting field is copied to the other side). `resolve_now` also
runs that part of a sync immediately, touching only items waiting for it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from graphsync.config.entities import EntitiesConfig, EntityName
from graphsync.connectors.nav import NavConnector
from graphsync.connectors.outlook import OutlookMailbox
from graphsync.engine.plan import Side
from graphsync.engine.report import RunReport, SyncOptions
from graphsync.engine.state import ConflictRecord, StateStore
from graphsync.engine.sync import run_sync
from graphsync.errors import ConfigError


@dataclass(frozen=True)
class FieldDiff:
    field: str
    """The field's Outlook target (``businessPhones[0]``, ``user:Territory Code``)."""
    base: str | None
    """The value last synced (None: unknown, the link was rebuilt)."""
    nav: str
    outlook: str


@dataclass(frozen=True)
class Conflict:
    entity: EntityName
    nav_key: str
    outlook_id: str
    fields: tuple[FieldDiff, ...]
    resolution: Side | None
    detected_at: str


def _conflict(rec: ConflictRecord) -> Conflict:
    return Conflict(
        entity=EntityName(rec.entity),
        nav_key=rec.nav_key,
        outlook_id=rec.outlook_id,
        fields=tuple(
            FieldDiff(str(f["field"]), f.get("base"), str(f.get("nav") or ""), str(f.get("outlook") or ""))
            for f in rec.fields
        ),
        resolution=Side(rec.resolution) if rec.resolution else None,
        detected_at=rec.detected_at,
    )


def list_conflicts(store: StateStore, mailbox: str) -> list[Conflict]:
    return [_conflict(r) for r in store.mailbox(mailbox).conflicts.all()]


def show_conflict(store: StateStore, mailbox: str, nav_key: str) -> Conflict:
    """One conflict; ConfigError naming the key when there is no open conflict for it."""
    found = store.mailbox(mailbox).conflicts.all(nav_key=nav_key)
    if not found:
        raise ConfigError(
            file=None, key="nav_key", expected="the NAV key of an open conflict (list them first)", got=nav_key
        )
    return _conflict(found[0])


def resolve(store: StateStore, mailbox: str, *, keep: Side, nav_keys: Sequence[str] | None = None) -> list[str]:
    """Resolve the given conflicts (None: all open ones) keeping one side; returns the keys resolved.
    Nothing is stored when one of the keys has no open conflict."""
    state = store.mailbox(mailbox)
    open_keys = [c.nav_key for c in state.conflicts.all()]
    keys = list(open_keys if nav_keys is None else nav_keys)
    unknown = [k for k in keys if k not in open_keys]
    if unknown:
        raise ConfigError(
            file=None, key="nav_key", expected="the NAV key of an open conflict (list them first)", got=unknown[0]
        )
    with state.transaction():
        state.conflicts.resolve(keys, keep.value)
    return keys


async def resolve_now(
    *,
    nav: NavConnector,
    mailbox: OutlookMailbox,
    store: StateStore,
    entities: EntitiesConfig,
    options: SyncOptions,
    keep: Side,
    nav_keys: Sequence[str] | None = None,
) -> RunReport:
    """Resolve and apply at once: a run that reads no changes, only the items waiting for it."""
    resolve(store, mailbox.mailbox, keep=keep, nav_keys=nav_keys)
    pending = replace(options, only_pending=True, dry_run=False)
    return await run_sync(nav=nav, mailbox=mailbox, store=store, entities=entities, options=pending)
