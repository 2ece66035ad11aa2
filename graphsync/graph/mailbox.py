"""`GraphMailbox`: one mailbox through Microsoft Graph, as the engine sees it (`OutlookMailbox`)."""

from __future__ import annotations

import asyncio
import datetime as dt
import random
import time
from collections.abc import AsyncIterator, Callable, Mapping, Sequence

import httpx

from graphsync.connectors.auth import AccessTokenSource
from graphsync.connectors.outlook import (
    Containers,
    DeltaEntry,
    DeltaRound,
    ItemKind,
    MeetingScope,
    OutlookItem,
    WriteOp,
    WriteResult,
)
from graphsync.errors import ConfigError, GraphError, MailboxTimeZoneError, NotFoundError, PermissionDeniedError
from graphsync.graph.batch import BatchRequest, run_batched
from graphsync.graph.budget import Clock
from graphsync.graph.delta import GraphDeltaRound, RoundNotFinishedError
from graphsync.graph.events import CalendarListingRound, CalendarViewLink, CalendarViewRound, EventScope, Window
from graphsync.graph.lookup import NavKeyLookup
from graphsync.graph.options import GraphMailboxOptions
from graphsync.graph.paths import IMMUTABLE_IDS, MailboxPaths, item_headers, seg
from graphsync.graph.pipeline import GraphPipeline
from graphsync.graph.provision import Provisioner
from graphsync.graph.session import GraphSession, RequestStats, Sleep
from graphsync.graph.stamping import expand_value, query, read_item
from graphsync.graph.writes import Writer
from graphsync.timezones import iana_name

# Graph answers 400 with these for an id that is not an id of this mailbox's items at all.
MALFORMED_ID_CODES = frozenset({"ErrorInvalidIdMalformed", "ErrorInvalidId"})


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class GraphMailbox:
    """One mailbox: ``/me`` when ``upn`` is None (delegated sign-in), ``/users/{upn}`` otherwise.

    ``client`` is the injected ``httpx.AsyncClient`` whose base URL is Graph's version root (real Graph or
    the sandbox); it is fitted with graphsync's pipeline and may be shared by many mailboxes. ``known``
    are the container ids remembered from an earlier run: they are checked, never silently replaced.
    ``sleep``, ``rng``, ``now`` and ``clock`` (monotonic seconds, for the request budget) exist so tests
    control time.
    """

    def __init__(
        self,
        *,
        upn: str | None,
        client: httpx.AsyncClient,
        tokens: AccessTokenSource,
        options: GraphMailboxOptions | None = None,
        known: Containers | None = None,
        sleep: Sleep = asyncio.sleep,
        rng: random.Random | None = None,
        now: Callable[[], dt.datetime] = _utc_now,
        clock: Clock = time.monotonic,
    ) -> None:
        if upn is None and tokens.app_only:
            raise ConfigError(
                file=None, key="mailbox", expected="a user principal name: app-only credentials have no /me", got=None
            )
        self._upn = upn.lower() if upn else None
        self._options = options or GraphMailboxOptions()
        self._paths = MailboxPaths.for_user(self._upn)
        self._session = GraphSession(
            pipeline=GraphPipeline(client=client, tokens=tokens),
            policy=self._options.retry,
            max_in_flight=self._options.max_in_flight,
            budget=self._options.request_budget,
            batches=self._options.batches,
            sleep=sleep,
            clock=clock,
            rng=rng,
        )
        self._known = known
        self._containers: Containers | None = None
        self._provision_lock = asyncio.Lock()
        self._zone: str | None = None
        self._zone_lock = asyncio.Lock()
        self._now = now
        self._lookup = NavKeyLookup(
            session=self._session,
            paths=self._paths,
            containers=self.provision,
            page_size=self._options.page_size,
            batch_size=self._options.batch_size,
        )
        self._writer = Writer(
            session=self._session,
            paths=self._paths,
            lookup=self._lookup,
            containers=self.provision,
            category=self._options.category,
            batch_size=self._options.batch_size,
        )

    @property
    def mailbox(self) -> str:
        return self._upn or "me"

    @property
    def meetings(self) -> MeetingScope:
        """Which events are graphsync's: the options' category and window (the calendar is read by them)."""
        o = self._options
        return MeetingScope(o.category, o.window_past_days, o.window_future_days)

    @property
    def stats(self) -> RequestStats:
        """Requests sent for this mailbox so far (benchmarks report requests per item from it)."""
        return self._session.stats

    @property
    def options(self) -> GraphMailboxOptions:
        return self._options

    async def provision(self) -> Containers:
        async with self._provision_lock:
            if self._containers is None:
                provisioner = Provisioner(session=self._session, paths=self._paths, options=self._options)
                self._containers = await provisioner.containers(self._known)
            return self._containers

    async def time_zone(self) -> str:
        """The IANA zone the mailbox's user sees dates in: `GraphMailboxOptions.time_zone` when set, else the
        mailbox's own (GET mailboxSettings/timeZone, user-get-mailboxsettings.md), read once per mailbox object
        (a run makes one) and kept. Raises `MailboxTimeZoneError` when it cannot be read or names no zone."""
        async with self._zone_lock:
            if self._zone is None:
                self._zone = await self._read_time_zone()
            return self._zone

    async def _read_time_zone(self) -> str:
        configured = self._options.time_zone
        if configured is not None:
            found = iana_name(configured)
            assert found is not None  # checked when the options were built
            return found
        url = f"{self._paths.root}/mailboxSettings/timeZone"
        try:
            answer = await self._session.call("GET", url)
        except PermissionDeniedError as exc:
            # App-only access needs the MailboxSettings.Read application permission for this one request.
            raise MailboxTimeZoneError(
                exc.message, found=None, status=exc.status, code=exc.code, request_id=exc.request_id, url=url
            ) from exc
        value = answer.get("value") if isinstance(answer, Mapping) else None
        name = iana_name(value) if isinstance(value, str) else None
        if name is None:
            raise MailboxTimeZoneError(
                f"mailboxSettings.timeZone is {value!r}, which names no Windows or IANA time zone",
                found=str(value),
                code="unknownTimeZone",
                url=url,
            )
        return name

    def _window(self) -> Window:
        o = self._options
        return Window.around(
            self._now(),
            past_days=o.window_past_days,
            future_days=o.window_future_days,
            ahead_days=o.window_renewal_days,
        )

    def _calendar_view_round(self, link: str | None) -> CalendarViewRound:
        """A primary-calendar round: on from the kept link, or a new full round over today's window when there is
        none, or the kept window's start is more than ``window_renewal_days`` behind the configured back-window
        (or it was kept without its window)."""
        kept = CalendarViewLink.decode(link) if link else None
        today = self._window()
        lag = dt.timedelta(days=self._options.window_renewal_days)
        renew = kept is None or kept.window.start < today.start - lag
        window = today if renew or kept is None else kept.window
        scope = EventScope(
            session=self._session,
            paths=self._paths,
            category=self._options.category,
            window=window,
            batch_size=self._options.batch_size,
            series=kept.series if kept is not None else (),
        )
        page = f"odata.maxpagesize={self._options.page_size}"
        inner = GraphDeltaRound(
            session=self._session,
            kind=ItemKind.EVENT,
            link=None if renew or kept is None else kept.link,
            start_url=f"{self._paths.root}/calendarView/delta?{window.query()}",
            headers={"Prefer": f'{page}, {IMMUTABLE_IDS}, outlook.timezone="UTC"'},
            page_filter=scope,
        )
        return CalendarViewRound(inner, scope, window)

    def delta(self, kind: ItemKind, link: str | None) -> DeltaRound:
        page = f"odata.maxpagesize={self._options.page_size}"
        if kind is ItemKind.EVENT and self._options.calendar:
            return _LazyListingRound(self, link)
        if kind is ItemKind.EVENT:
            return self._calendar_view_round(link)

        async def start_url() -> str:
            containers = await self.provision()
            if kind is ItemKind.CONTACT:
                return f"{self._paths.root}/contactFolders/{seg(containers.contact_folder_id)}/contacts/delta"
            return f"{self._paths.root}/todo/lists/{seg(containers.todo_list_id)}/tasks/delta"

        prefer = f"{page}, {IMMUTABLE_IDS}" if kind is ItemKind.CONTACT else page
        return GraphDeltaRound(
            session=self._session, kind=kind, link=link, start_url=start_url, headers={"Prefer": prefer}
        )

    async def get_many(
        self, kind: ItemKind, ids: Sequence[str], *, user_fields: Sequence[str] = ()
    ) -> list[OutlookItem | None]:
        if not ids:
            return []
        containers = await self.provision()
        expand = query(expand=expand_value(kind, user_fields))
        requests = [
            BatchRequest(str(n), "GET", f"{self._paths.item(kind, i, containers)}?{expand}", item_headers(kind))
            for n, i in enumerate(ids)
        ]
        answers = await run_batched(self._session, requests, batch_size=self._options.batch_size)
        out: list[OutlookItem | None] = []
        for n in range(len(ids)):
            answer = answers[str(n)]
            if answer.ok and isinstance(answer.body, Mapping):
                out.append(read_item(kind, answer.body, user_fields=user_fields))
            elif isinstance(answer.error, NotFoundError) or (answer.error and answer.error.code in MALFORMED_ID_CODES):
                out.append(None)  # gone, or an id that cannot name any item (a stale or foreign one)
            else:
                raise answer.error or GraphError("read failed", status=answer.status)
        return out

    async def find_by_nav_key(
        self, kind: ItemKind, nav_key: str, *, user_fields: Sequence[str] = ()
    ) -> OutlookItem | None:
        found = await self._lookup.find_many(kind, [nav_key], user_fields=user_fields)
        return found.get(nav_key)

    async def write(self, ops: Sequence[WriteOp]) -> list[WriteResult]:
        if not ops:
            return []
        return await self._writer.write(ops)

    async def aclose(self) -> None:
        """Nothing of its own to close: the injected client belongs to the caller, who may share it."""

    def listing_round(self, link: str | None, calendar_id: str) -> CalendarListingRound:
        return CalendarListingRound(
            session=self._session,
            paths=self._paths,
            calendar_id=calendar_id,
            window=self._window(),
            link=link,
            page_size=self._options.page_size,
            batch_size=self._options.batch_size,
        )


class _LazyListingRound:
    """A dedicated-calendar round whose calendar id is known only after provisioning (which is async,
    while `delta` is not)."""

    def __init__(self, mailbox: GraphMailbox, link: str | None) -> None:
        self.full = link is None
        self._mailbox = mailbox
        self._link = link
        self._round: CalendarListingRound | None = None

    async def pages(self) -> AsyncIterator[Sequence[DeltaEntry]]:
        containers = await self._mailbox.provision()
        if containers.calendar_id is None:  # provisioning makes one whenever a calendar name is configured
            raise GraphError("no dedicated calendar was provisioned", code="noCalendar")
        self._round = self._mailbox.listing_round(self._link, containers.calendar_id)
        async for page in self._round.pages():
            yield page

    @property
    def delta_link(self) -> str:
        if self._round is None:
            raise RoundNotFinishedError(kind=ItemKind.EVENT)
        return self._round.delta_link
