"""Event rounds: what is particular to the calendar.

Primary calendar (default): ``calendarView/delta`` over the configured window. Graph v1.0 offers event
delta only there, so graphsync's meetings are recognised by their category; an event without it is out of
scope and reported as ``Removed(reason="changed")`` (the engine ignores that for ids it never knew, and
unlinks one it did). Graph also reports events that merely left the window as ``@removed`` "deleted"; each
such id is looked up (batched): not found means deleted, found outside the window means it only left
the window and the tombstone is dropped.

Recurring series: calendarView and its delta answer a series' occurrences and exceptions, each with its own id
and ``seriesMasterId``, never the master (user-list-calendarview.md, event-delta.md). For graphsync a series is
one meeting, its master: every occurrence in a page stands for its master, fetched (batched) and reported once
per round, so an occurrence is never a meeting of its own. A tombstone of an id that is now a series master
(a meeting a person turned into a series) is not a deletion. Graph names the master of an occurrence it
reports removed nowhere, so the round's link keeps the series masters it reported; when a removed id turns
out deleted, they are looked up too, and a master that is gone is reported deleted.

The window moves: a round's window is fixed when it starts and lives in its links. The link graphsync keeps
(`CalendarViewLink`) holds Graph's link, that window and the series masters; once the window's start falls
more than ``window_renewal_days`` behind the configured back-window, `GraphMailbox.delta` starts a new, full
round over today's window instead (the engine reconciles a full round by its links, without re-reading NAV).
The window reaches ``window_renewal_days`` further ahead than configured, so that until then it still covers
the configured days ahead.

Dedicated calendar (optional): no delta exists for it in v1.0, so each round lists the window's ids and
changeKeys, fetches only new or changed events in full, and looks up ids that disappeared. The "link" is
graphsync's own: the compressed id -> changeKey map of the last round. Costlier: one listing of the
whole window per round, and the link grows with the number of events in the window.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import zlib
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from graphsync.connectors.outlook import DeltaEntry, ItemKind, OutlookItem, Removed
from graphsync.errors import GraphError, NotFoundError, ResyncNeededError
from graphsync.graph.batch import BatchRequest, run_batched
from graphsync.graph.delta import GraphDeltaRound, RoundNotFinishedError
from graphsync.graph.errormap import malformed_response
from graphsync.graph.paths import IMMUTABLE_IDS, MailboxPaths, seg
from graphsync.graph.session import GraphSession
from graphsync.graph.stamping import read_item

UTC_PREFER = f'{IMMUTABLE_IDS}, outlook.timezone="UTC"'
LISTING_PREFIX = "graphsync-listing:v1:"
CALENDAR_VIEW_PREFIX = "graphsync-calendarview:v1:"
SERIES_TYPES = frozenset({"occurrence", "exception"})


@dataclass(frozen=True)
class Window:
    start: dt.datetime
    end: dt.datetime

    @classmethod
    def around(cls, now: dt.datetime, *, past_days: int, future_days: int, ahead_days: int = 0) -> Window:
        """Whole days in UTC, so that rounds started on the same day ask for the same window; ``ahead_days``
        more than ``future_days`` ahead."""
        day = now.astimezone(dt.UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        return cls(day - dt.timedelta(days=past_days), day + dt.timedelta(days=future_days + 1 + ahead_days))

    def query(self) -> str:
        fmt = "%Y-%m-%dT%H:%M:%SZ"
        return urlencode({"startDateTime": self.start.strftime(fmt), "endDateTime": self.end.strftime(fmt)})

    def holds(self, event: Mapping[str, Any]) -> bool | None:
        """Whether the event overlaps the window; None when its times cannot be read."""
        start, end = _when(event.get("start")), _when(event.get("end"))
        if start is None or end is None:
            return None
        return start < self.end and end > self.start


@dataclass(frozen=True)
class CalendarViewLink:
    """What graphsync keeps of a primary-calendar round: Graph's link, the window it was started with (Graph's
    link holds it, but not readably) and the series masters it reported."""

    window: Window
    link: str
    series: tuple[str, ...] = ()

    def encode(self) -> str:
        data = {
            "start": self.window.start.isoformat(),
            "end": self.window.end.isoformat(),
            "link": self.link,
            "series": list(self.series),
        }
        raw = json.dumps(data, separators=(",", ":")).encode()
        return CALENDAR_VIEW_PREFIX + base64.urlsafe_b64encode(zlib.compress(raw, 9)).decode()

    @classmethod
    def decode(cls, text: str) -> CalendarViewLink | None:
        """The kept link; None for a link kept before graphsync kept its window (Graph's own link alone): its
        window is unknown, so a new round starts. A damaged one needs a resync."""
        if not text.startswith(CALENDAR_VIEW_PREFIX):
            return None
        try:
            data = json.loads(zlib.decompress(base64.urlsafe_b64decode(text[len(CALENDAR_VIEW_PREFIX) :])))
            window = Window(dt.datetime.fromisoformat(data["start"]), dt.datetime.fromisoformat(data["end"]))
            return cls(window, str(data["link"]), tuple(str(i) for i in data.get("series") or ()))
        except (ValueError, KeyError, TypeError, zlib.error):
            raise ResyncNeededError("the stored calendar link is damaged", code="resyncRequired") from None


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
    """Each event's start, end, categories and type (None when it no longer exists), by id, in batches."""
    requests = [
        BatchRequest(
            str(n), "GET", f"{paths.root}/events/{seg(i)}?$select=start,end,categories,type", {"Prefer": UTC_PREFER}
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
    """Decides, page by page, which delta entries of the primary calendar concern graphsync (one per round:
    it remembers the series masters it reported, ``series`` starting with those the previous round kept)."""

    def __init__(
        self,
        *,
        session: GraphSession,
        paths: MailboxPaths,
        category: str,
        window: Window,
        batch_size: int,
        series: Sequence[str] = (),
    ) -> None:
        self._session = session
        self._paths = paths
        self._category = category.lower()
        self._window = window
        self._batch_size = batch_size
        self.series: dict[str, None] = dict.fromkeys(series)
        """Tagged series masters reported, this round or before (kept in the round's link)."""
        self._reported: set[str] = set()

    def tagged(self, data: Mapping[str, Any]) -> bool:
        return any(str(c).lower() == self._category for c in data.get("categories") or [])

    async def __call__(self, entries: list[DeltaEntry]) -> list[DeltaEntry]:
        entries = await self._masters_for_occurrences(entries)
        scoped: list[DeltaEntry] = []
        for e in entries:
            if isinstance(e, Removed) or self.tagged(e.data):
                scoped.append(e)
                if isinstance(e, OutlookItem) and e.data.get("type") == "seriesMaster":
                    self.series[e.id] = None
            else:
                scoped.append(Removed(ItemKind.EVENT, e.id, "changed"))
                self.series.pop(e.id, None)
        tombstones = [e.id for e in scoped if isinstance(e, Removed) and e.reason == "deleted"]
        if not tombstones:
            return scoped
        found = await look_up(self._session, self._paths, tombstones, batch_size=self._batch_size)
        # Still there: it only left the window, or it is a series now (whose occurrences stand for it), or an
        # occurrence that is not gone.
        kept = {
            i
            for i, ev in found.items()
            if ev is not None
            and (self._window.holds(ev) is False or ev.get("type") == "seriesMaster" or ev.get("type") in SERIES_TYPES)
        }
        scoped = [e for e in scoped if not (isinstance(e, Removed) and e.reason == "deleted" and e.id in kept)]
        if any(ev is None for ev in found.values()):
            scoped.extend(await self._deleted_series(exclude={e.id for e in scoped}))
        return scoped

    async def _masters_for_occurrences(self, entries: list[DeltaEntry]) -> list[DeltaEntry]:
        """Each occurrence or exception replaced by its series master, fetched whole, once per round; a
        master that is gone is a deletion."""
        wanted = [
            str(e.data["seriesMasterId"])
            for e in entries
            if isinstance(e, OutlookItem)
            and e.data.get("seriesMasterId")
            and str(e.data["seriesMasterId"]) not in self._reported
        ]
        if not wanted:
            return entries
        masters = await fetch_events(
            self._session, self._paths, list(dict.fromkeys(wanted)), batch_size=self._batch_size
        )
        out: list[DeltaEntry] = []
        for e in entries:
            master_id = str(e.data.get("seriesMasterId") or "") if isinstance(e, OutlookItem) else ""
            if not master_id:
                out.append(e)
            elif master_id not in self._reported:
                self._reported.add(master_id)
                master = masters.get(master_id)
                out.append(master if master is not None else Removed(ItemKind.EVENT, master_id))
        return out

    async def _deleted_series(self, *, exclude: set[str]) -> list[DeltaEntry]:
        """The series masters reported before that no longer exist: Graph reports their occurrences removed, by
        ids that do not name the master."""
        known = [i for i in self.series if i not in exclude]
        if not known:
            return []
        found = await look_up(self._session, self._paths, known, batch_size=self._batch_size)
        gone = [i for i, ev in found.items() if ev is None]
        for i in gone:
            self.series.pop(i, None)
        return [Removed(ItemKind.EVENT, i) for i in gone]


async def fetch_events(
    session: GraphSession, paths: MailboxPaths, ids: Sequence[str], *, batch_size: int
) -> dict[str, OutlookItem]:
    """Events fetched whole, by id (batched); those gone are left out."""
    requests = [
        BatchRequest(str(n), "GET", f"{paths.root}/events/{seg(i)}", {"Prefer": UTC_PREFER}) for n, i in enumerate(ids)
    ]
    answers = await run_batched(session, requests, batch_size=batch_size)
    out: dict[str, OutlookItem] = {}
    for n, item_id in enumerate(ids):
        answer = answers[str(n)]
        if answer.ok and isinstance(answer.body, Mapping):
            out[item_id] = read_item(ItemKind.EVENT, answer.body)
        elif not isinstance(answer.error, NotFoundError):
            raise answer.error or GraphError("event fetch failed", status=answer.status)
    return out


class CalendarViewRound:
    """A primary-calendar round (`DeltaRound`) whose link is graphsync's `CalendarViewLink`."""

    def __init__(self, inner: GraphDeltaRound, scope: EventScope, window: Window) -> None:
        self._inner = inner
        self._scope = scope
        self._window = window
        self.full = inner.full

    def pages(self) -> AsyncIterator[Sequence[DeltaEntry]]:
        return self._inner.pages()

    @property
    def delta_link(self) -> str:
        return CalendarViewLink(self._window, self._inner.delta_link, tuple(self._scope.series)).encode()


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
        """The window's events by id with their changeKeys; a series (calendarView lists its occurrences,
        user-list-calendarview.md) by its master's id, with a version made of its occurrences' changeKeys."""
        url = (
            f"{self._paths.root}/calendars/{seg(self._calendar)}/calendarView?{self._window.query()}"
            "&$select=id,changeKey,seriesMasterId"
        )
        headers = {"Prefer": f"{UTC_PREFER}, odata.maxpagesize={self._page_size}"}
        current: dict[str, str] = {}
        series: dict[str, list[str]] = {}
        seen: set[str] = set()
        while True:
            page = await self._session.call("GET", url, headers=headers)
            if not isinstance(page, Mapping) or not isinstance(page.get("value"), list):
                raise malformed_response(200, "a calendarView page without a 'value' list", method="GET", url=url)
            for ev in page["value"]:
                if isinstance(ev, Mapping) and ev.get("seriesMasterId"):
                    series.setdefault(str(ev["seriesMasterId"]), []).append(str(ev.get("changeKey") or ""))
                elif isinstance(ev, Mapping) and "id" in ev:
                    current[str(ev["id"])] = str(ev.get("changeKey") or "")
            next_link = page.get("@odata.nextLink")
            if not isinstance(next_link, str) or not next_link:
                for master, keys in series.items():
                    current[master] = "series:" + hashlib.sha256("|".join(sorted(keys)).encode()).hexdigest()[:16]
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
