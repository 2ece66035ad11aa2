"""The occurrences of a recurring series, as calendarView, calendarView/delta and /events/{id} give them.

"calendarView ... returns the occurrences, exceptions and single instances of events in a calendar view defined
by a time range" (user-list-calendarview.md; event-delta.md says the same of its delta): never the series
master. An occurrence is answered with ``type: occurrence`` and ``seriesMasterId``, its own id, its own start
and end, ``originalStart`` and no ``recurrence``; an exception (an occurrence that was changed, PATCH
/events/{occurrence id}, event-update.md) with ``type: exception`` and the changes. Deleting an occurrence
(event-delete.md) cancels it: it is no longer answered. The master keeps its exceptions and cancellations
(`Item.occurrences`, by the day the occurrence was first due), so they stay when the series is read again.

An occurrence id names the master and the day (the sandbox's own form: Graph's occurrence ids are opaque
too), in the id form the request asked for (``Prefer: IdType``), and any id of the master addresses it.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from graphsync.sandbox import recurrence
from graphsync.sandbox.handling import Ctx
from graphsync.sandbox.store import Item
from graphsync.sandbox.timezones import graph_time, parse_local, zone

OCCURRENCE_PREFIX = "AAMkAOcc"
_DAYS_AFTER = 2
"""How far past a window's end occurrence days are looked at: a day is the day in the series' own time zone,
up to 14 hours off UTC, and an occurrence may start before the window ends."""


@dataclass(frozen=True)
class Occurrence:
    master: Item
    day: str
    """The day it was first due (``YYYY-MM-DD``, in the series' zone): its key in the master's records."""
    due: tuple[str, str]
    """Its start and end as the series has them, stored form (UTC; floating for an all-day series)."""
    changes: dict[str, Any] | None
    """An exception's changed properties, start and end in stored form (None: as the series has it)."""

    @property
    def start(self) -> str:
        return str(self.changes["start"]["dateTime"]) if self.changes and "start" in self.changes else self.due[0]

    @property
    def end(self) -> str:
        return str(self.changes["end"]["dateTime"]) if self.changes and "end" in self.changes else self.due[1]

    @property
    def span(self) -> tuple[float, float]:
        return (
            parse_local(self.start).replace(tzinfo=dt.UTC).timestamp(),
            parse_local(self.end).replace(tzinfo=dt.UTC).timestamp(),
        )

    def as_item(self) -> Item:
        """A view of the occurrence as an event (never stored): the master's properties, its own times, ids,
        type and original start, and an exception's changes."""
        master = self.master
        label = master.props["start"].get("timeZone") or "UTC"
        props = {**master.props, **{k: v for k, v in (self.changes or {}).items() if k not in ("start", "end")}}
        props.update(
            {
                "start": {"dateTime": self.start, "timeZone": label},
                "end": {"dateTime": self.end, "timeZone": label},
                "type": "exception" if self.changes else "occurrence",
                "recurrence": None,
                "originalStart": parse_local(self.due[0]).strftime("%Y-%m-%dT%H:%M:%SZ"),
            }
        )
        return Item(
            "event",
            occurrence_id(master.key, self.day),
            occurrence_id(master.rest_id, self.day),
            master.collection,
            props,
            master.change_key,
            ext_props=master.ext_props,
            extensions=master.extensions,
        )


def is_series(item: Item) -> bool:
    return item.kind == "event" and bool(item.props.get("recurrence"))


def occurrence_id(master_id: str, day: str) -> str:
    raw = f"{master_id}|{day}".encode()
    return OCCURRENCE_PREFIX + base64.urlsafe_b64encode(raw).decode().rstrip("=")


def parse_occurrence_id(text: str) -> tuple[str, str] | None:
    """(master id, day) of an occurrence id; None for any other id."""
    if not text.startswith(OCCURRENCE_PREFIX):
        return None
    body = text[len(OCCURRENCE_PREFIX) :]
    try:
        master_id, _, day = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)).decode().partition("|")
        dt.date.fromisoformat(day)
    except (ValueError, UnicodeDecodeError, binascii.Error):
        return None
    return master_id, day


def _series_zone(master: Item) -> dt.tzinfo:
    rng = master.props["recurrence"]["range"]
    return zone(rng.get("recurrenceTimeZone") or master.props.get("originalStartTimeZone") or "UTC")


def occurrence(master: Item, day: dt.date) -> Occurrence:
    """The occurrence due on ``day`` (in the series' zone), exceptions applied."""
    start, end = parse_local(master.props["start"]["dateTime"]), parse_local(master.props["end"]["dateTime"])
    if master.props.get("isAllDay"):
        first = dt.datetime.combine(day, dt.time(0))
    else:
        tz = _series_zone(master)
        wall = start.replace(tzinfo=dt.UTC).astimezone(tz).time()
        first = dt.datetime.combine(day, wall).replace(tzinfo=tz).astimezone(dt.UTC).replace(tzinfo=None)
    key = day.isoformat()
    return Occurrence(master, key, (graph_time(first), graph_time(first + (end - start))), master.occurrences.get(key))


def occurrences(
    master: Item, window: tuple[int, int] | None = None, *, until: dt.date | None = None
) -> Iterator[Occurrence]:
    """The series' occurrences overlapping ``window`` (epoch seconds), cancelled ones left out, in order of
    the day they were first due; without a window, every one up to ``until``."""
    if window is not None:
        until = dt.datetime.fromtimestamp(window[1], dt.UTC).date() + dt.timedelta(days=_DAYS_AFTER)
    assert until is not None
    cancelled = {day for day, changes in master.occurrences.items() if changes is None}
    for day in recurrence.dates(master.props["recurrence"], until):
        if day.isoformat() in cancelled:
            continue
        found = occurrence(master, day)
        if window is None:
            yield found
            continue
        start, end = found.span
        if (start < window[1] and end > window[0]) or (end <= start and window[0] <= start < window[1]):
            yield found


def find_occurrence(ctx: Ctx, event_id: str) -> Occurrence | None:
    """The occurrence an id names, if it names a day a series of this mailbox is due on and not cancelled."""
    parsed = parse_occurrence_id(event_id)
    if parsed is None:
        return None
    master = ctx.mailbox.lookup(parsed[0])
    day_text = parsed[1]
    if master is None or not is_series(master) or (day_text in master.occurrences and not master.occurrences[day_text]):
        return None
    day = dt.date.fromisoformat(day_text)
    if day not in set(recurrence.dates(master.props["recurrence"], day)):
        return None
    return occurrence(master, day)
