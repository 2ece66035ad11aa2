"""Event rounds: what is particular to the calendar.

Primary calendar (default): ``calendarView/delta`` over the configured window. Graph v1.0 offers event
delta only there, so graphsync's meetings are recognised by their category; an event without it is out of
scope and reported as ``Removed(reason="changed")`` (the engine ignores that for ids it never knew, and
unlinks one it did). Graph also reports events that merely left the window as ``@removed`` "deleted"; each
such id is looked up (batched): not found means deleted, found outside the window means it only left
the window and the tombstone is dropped.

Dedicated calendar (optional): no delta exists for it in v1.0, so each round lists the window's ids and
changeKeys, fetches only new or changed events in full, and looks up ids that disappeared. The "link" is
graphsync's own: the compressed id -> changeKey map of the last round. Costlier: one listing of the
whole window per round, and the link grows with the number of events in the window.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import zlib
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from graphsync.connectors.outlook import DeltaEntry, ItemKind, Removed
from graphsync.errors import GraphError, NotFoundError, ResyncNeededError
from graphsync.graph.batch import BatchRequest, run_batched
from graphsync.graph.delta import RoundNotFinishedError
from graphsync.graph.errormap import malformed_response
from graphsync.graph.paths import IMMUTABLE_IDS, MailboxPaths, seg
from graphsync.graph.session import GraphSession
from graphsync.graph.stamping import read_item

UTC_PREFER = f'{IMMUTABLE_IDS}, outlook.timezone="UTC"'
LISTING_PREFIX = "graphsync-listing:v1:"


@dataclass(frozen=True)
class Window:
    start: dt.datetime
    end: dt.datetime

    @classmethod
    def around(cls, now: dt.datetime, *, past_days: int, future_days: int) -> Window:
        # Whole days in UTC, so that rounds started on the same day ask for the same window.
        day = now.astimezone(dt.UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        return cls(day - dt.timedelta(days=past_days), day + dt.timedelta(days=future_days + 1))

    def query(self) -> str:
        fmt = "%Y-%m-%dT%H:%M:%SZ"
        return urlencode({"startDateTime": self.start.strftime(fmt), "endDateTime": self.end.strftime(fmt)})

    def holds(self, event: Mapping[str, Any]) -> bool | None:
        """Whether the event overlaps the window; None when its times cannot be read."""
        start, end = _when(event.get("start")), _when(event.get("end"))
        if start is None or end is None:
            return None
        return start < self.end and end > self.start


def _when(value: Any) -> dt.datetime | None:
    """A dateTimeTimeZone read in UTC (graphsync asks for UTC with ``Prefer: outlook.timezone``)."""
    if not isinstance(value, Mapping) or not isinstance(value.get("dateTime"), str):
        return None
    text = value["dateTime"].rstrip("Z")
    head, _, frac = text.partition(".")
    try:
        moment = dt.datetime.fromisoformat(head + (f".{frac[:6]}" if frac else ""))
    except ValueError:
        return None
    zone = str(value.get("timeZone") or "UTC")
    if moment.tzinfo is None and zone.upper() not in ("UTC", "Z", "COORDINATED UNIVERSAL TIME"):
        return None  # graphsync asked for UTC; any other zone would need Windows zone names resolved
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment


async def look_up(
    session: GraphSession, paths: MailboxPaths, ids: Sequence[str], *, batch_size: int
) -> dict[str, Mapping[str, Any] | None]:
    """Each event's start and end (None when it no longer exists), by id, in batches."""
    requests = [
        BatchRequest(
            str(n), "GET", f"{paths.root}/events/{seg(i)}?$select=start,end,categories", {"Prefer": UTC_PREFER}
        )
        for n, i in enumerate(ids)
    ]
    answers = await run_batched(session, requests, batch_size=batch_size)
    found: dict[str, Mapping[str, Any] | None] = {}
    for n, item_id in enumerate(ids):
        answer = answers[str(n)]
        if answer.ok and isinstance(answer.body, Mapping):
            found[item_id] = answer.body
        elif isinstance(answer.error, NotFoundError):
            found[item_id] = None
        else:
            # Unsure whether it is gone: fail the round rather than report a deletion that did not happen.
            raise answer.error or GraphError("event lookup failed", status=answer.status)
    return found


class EventScope:
    """Decides, page by page, which delta entries of the primary calendar concern graphsync."""

    def __init__(
        self,
        *,
        session: GraphSession,
        paths: MailboxPaths,
        category: str,
        window: Callable[[], Window],
        batch_size: int,
    ) -> None:
        self._session = session
        self._paths = paths
        self._category = category.lower()
        self._window = window
        self._batch_size = batch_size

    def tagged(self, data: Mapping[str, Any]) -> bool:
        return any(str(c).lower() == self._category for c in data.get("categories") or [])

    async def __call__(self, entries: list[DeltaEntry]) -> list[DeltaEntry]:
        scoped: list[DeltaEntry] = [
            e if isinstance(e, Removed) or self.tagged(e.data) else Removed(ItemKind.EVENT, e.id, "changed")
            for e in entries
        ]
        tombstones = [e.id for e in scoped if isinstance(e, Removed) and e.reason == "deleted"]
        if not tombstones:
            return scoped
        window = self._window()
        found = await look_up(self._session, self._paths, tombstones, batch_size=self._batch_size)
        left_window = {i for i, ev in found.items() if ev is not None and window.holds(ev) is False}
        return [e for e in scoped if not (isinstance(e, Removed) and e.reason == "deleted" and e.id in left_window)]


def encode_listing(versions: Mapping[str, str]) -> str:
    raw = json.dumps(versions, separators=(",", ":"), sort_keys=True).encode()
    return LISTING_PREFIX + base64.urlsafe_b64encode(zlib.compress(raw, 9)).decode()


def decode_listing(link: str) -> dict[str, str]:
    if not link.startswith(LISTING_PREFIX):
        raise ResyncNeededError("the stored link is not a dedicated-calendar listing", code="resyncRequired")
    try:
        data = json.loads(zlib.decompress(base64.urlsafe_b64decode(link[len(LISTING_PREFIX) :])))
    except (ValueError, zlib.error):
        raise ResyncNeededError("the stored dedicated-calendar listing is damaged", code="resyncRequired") from None
    if not isinstance(data, dict):
        raise ResyncNeededError("the stored dedicated-calendar listing is damaged", code="resyncRequired")
    return {str(k): str(v) for k, v in data.items()}


class CalendarListingRound:
    """A round over a dedicated calendar (`DeltaRound`), by listing the window each time."""

    def __init__(
        self,
        *,
        session: GraphSession,
        paths: MailboxPaths,
        calendar_id: str,
        window: Window,
        link: str | None,
        page_size: int,
        batch_size: int,
    ) -> None:
        self.full = link is None
        self._known = decode_listing(link) if link is not None else {}
        self._session = session
        self._paths = paths
        self._calendar = calendar_id
        self._window = window
        self._page_size = page_size
        self._batch_size = batch_size
        self._next: str | None = None

    @property
    def delta_link(self) -> str:
        if self._next is None:
            raise RoundNotFinishedError(kind=ItemKind.EVENT)
        return self._next

    async def _listing(self) -> dict[str, str]:
        url = (
            f"{self._paths.root}/calendars/{seg(self._calendar)}/calendarView?{self._window.query()}"
            "&$select=id,changeKey"
        )
        headers = {"Prefer": f"{UTC_PREFER}, odata.maxpagesize={self._page_size}"}
        current: dict[str, str] = {}
        seen: set[str] = set()
        while True:
            page = await self._session.call("GET", url, headers=headers)
            if not isinstance(page, Mapping) or not isinstance(page.get("value"), list):
                raise malformed_response(200, "a calendarView page without a 'value' list", method="GET", url=url)
            for ev in page["value"]:
                if isinstance(ev, Mapping) and "id" in ev:
                    current[str(ev["id"])] = str(ev.get("changeKey") or "")
            next_link = page.get("@odata.nextLink")
            if not isinstance(next_link, str) or not next_link:
                return current
            if next_link in seen:
                raise GraphError("Graph sent the same @odata.nextLink twice (a paging loop)", code="deltaLoop")
            seen.add(next_link)
            url = next_link

    async def _fetch(self, ids: Sequence[str]) -> list[DeltaEntry]:
        requests = [
            BatchRequest(str(n), "GET", f"{self._paths.root}/events/{seg(i)}", {"Prefer": UTC_PREFER})
            for n, i in enumerate(ids)
        ]
        answers = await run_batched(self._session, requests, batch_size=self._batch_size)
        out: list[DeltaEntry] = []
        for n, item_id in enumerate(ids):
            answer = answers[str(n)]
            if answer.ok and isinstance(answer.body, Mapping):
                out.append(read_item(ItemKind.EVENT, answer.body))
            elif isinstance(answer.error, NotFoundError):
                out.append(Removed(ItemKind.EVENT, item_id))  # deleted between listing and fetching
            else:
                raise answer.error or GraphError("event fetch failed", status=answer.status)
        return out

    async def pages(self) -> AsyncIterator[Sequence[DeltaEntry]]:
        current = await self._listing()
        changed = [i for i, ck in current.items() if self._known.get(i) != ck]
        for start in range(0, len(changed), self._page_size):
            page = await self._fetch(changed[start : start + self._page_size])
            if page:
                yield page
        gone = [i for i in self._known if i not in current]
        if gone:
            found = await look_up(self._session, self._paths, gone, batch_size=self._batch_size)
            tombstones: list[DeltaEntry] = []
            for item_id, ev in found.items():
                if ev is None:
                    tombstones.append(Removed(ItemKind.EVENT, item_id))
                elif self._window.holds(ev) is not False:
                    tombstones.append(Removed(ItemKind.EVENT, item_id, "changed"))  # moved to another calendar
            if tombstones:
                yield tombstones
        self._next = encode_listing(current)
