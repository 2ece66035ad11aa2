"""What a create writes and what its journal entry holds: shared by acting, which journals and writes
creates, and recovery, which looks for those a killed run may have made.

A NAV insert has a journal entry of its own (its target `Side.NAV`); a chunk's Outlook creates share one
entry per entity (its target `Side.OUTLOOK`, its payload `CREATES`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from graphsync.connectors.nav import NavRecord, NavTable
from graphsync.engine.binding import BoundEntity
from graphsync.engine.navside import NavSide

CREATES = "creates"
"""An Outlook entry's payload key: the creates of one chunk and entity, each ``{"nav_key", "base",
"transaction_id"}``. An entry without it (written before chunks shared one) is one create: its NAV key
in the entry, its base in the payload."""


def insert_values(entity: BoundEntity, changes: Mapping[str, str], owner: str, *, today: dt.date) -> dict[str, object]:
    """The NAV values a create from Outlook inserts: the mapped values, and what makes the record belong
    to its entity (Type, the owner's Salesperson Code) where the mapped values leave it blank."""
    # Blank values are left out so that NAV's own initial values apply (an event without importance
    # becomes a Normal to-do, not an invalid blank option); the echo then brings NAV's value to Outlook.
    values = {k: v for k, v in entity.map.nav_values(changes).items() if v not in (None, "")}
    for name, value in entity.insert_defaults(owner).items():
        if values.get(name) in (None, ""):
            values[name] = value
    if entity.table is NavTable.TODO and values.get("Date") is None:
        # NAV refuses a to-do without a Date; a To Do task usually has none: it starts on its due date, or
        # today. The echo of the insert then brings that date back to Outlook.
        values["Date"] = values.get("Ending Date") or today
    return values


def base_after_nav_insert(
    entity: BoundEntity, base: Mapping[str, str | None], record: NavRecord, navside: NavSide
) -> dict[str, str | None]:
    """The base for a record created from Outlook: what was written, and NAV's own values for the fields
    Outlook does not write (computed, read-only), so those are not mistaken for Outlook edits later."""
    nav_norm = entity.map.nav_norm(navside.values(entity, record))
    result = dict(base)
    for f in entity.map.fields:
        if not f.to_nav:
            result[f.id] = nav_norm[f.id]
    return result
