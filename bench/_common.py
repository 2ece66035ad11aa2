"""What the load, incremental and memory benchmarks share: a NAV company of a given size, the sandbox
(in-process, or in its own process over real HTTP), and graphsync wired by its runtime (`graphsync.runtime`,
as the CLI is) for one mailbox of it: its Graph client and one sync run.

The world of size N is N contacts (one company per five, the rest persons of those companies), N/10
meetings and N/10 tasks, all of salesperson EH, dated inside the sync window, so that every record is one
Outlook item: 1.2 N items in all.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import multiprocessing
import multiprocessing.connection
import os
import shutil
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script (`python bench/bench_load.py`) as well as through run.py
    sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from graphsync.auth.connections import Connections  # noqa: E402
from graphsync.config import Config  # noqa: E402
from graphsync.config.model import GraphConfig, GraphKind, NavConfig, NavKind, StateConfig  # noqa: E402
from graphsync.connectors.nav import ChangeSet, NavTable, Watermark  # noqa: E402
from graphsync.graph import BatchConcurrency, GraphMailbox  # noqa: E402
from graphsync.nav import schema  # noqa: E402
from graphsync.nav.embedded import EmbeddedNav  # noqa: E402
from graphsync.runtime import MailboxTarget, RunReport, RunSettings, Runtime, StateStore  # noqa: E402
from graphsync.sandbox import SandboxState, create_app, serve  # noqa: E402

SALESPERSON = "EH"


@dataclass(frozen=True)
class WorldSize:
    contacts: int
    meetings: int
    tasks: int

    @classmethod
    def of(cls, n: int) -> WorldSize:
        return cls(contacts=n, meetings=n // 10, tasks=n // 10)

    @property
    def items(self) -> int:
        return self.contacts + self.meetings + self.tasks


def scratch() -> tempfile.TemporaryDirectory[str]:
    """A temporary folder, in memory (/dev/shm) where there is one: the benchmarks measure graphsync's
    CPU, not the disk's fsync latency, which differs from machine to machine far more than the code does."""
    shm = Path("/dev/shm")
    base = str(shm) if shm.is_dir() and os.access(shm, os.W_OK) else None
    return tempfile.TemporaryDirectory(prefix="graphsync-bench-", dir=base)


def fill_salesperson(
    nav: EmbeddedNav,
    size: WorldSize,
    today: dt.date,
    *,
    code: str = SALESPERSON,
    name: str = "Ester Henderson",
    email: str = "eh@contoso.com",
) -> None:
    """A salesperson and their world of ``size``: contacts (a company per five, the rest its persons),
    meetings and tasks, all theirs. Every record through `EmbeddedNav.insert`, so NAV's rules hold as for
    anything typed."""
    nav.insert(NavTable.SALESPERSON, {"Code": code, "Name": name, "E-Mail": email})
    companies: list[str] = []
    for i in range(size.contacts):
        if i % 5 == 0 or not companies:
            record = nav.insert(
                NavTable.CONTACT,
                {
                    "Type": "Company",
                    "Name": f"Company {i:06d} Ltd.",
                    "Address": f"{i % 300 + 1} High Street",
                    "City": "London",
                    "Post Code": "W2 8HG",
                    "Phone No.": f"+44 20 7946 {i % 10_000:04d}",
                    "E-Mail": f"info{i}@company{i}.example",
                    "Salesperson Code": code,
                },
            )
            companies.append(str(record.key[0]))
        else:
            nav.insert(
                NavTable.CONTACT,
                {
                    "Type": "Person",
                    "First Name": f"Anna{i}",
                    "Surname": f"Number{i}",
                    "Company No.": companies[-1],
                    "Job Title": "Buyer",
                    "Phone No.": f"+44 20 7946 {i % 10_000:04d}",
                    "E-Mail": f"anna{i}@company.example",
                    "Salesperson Code": code,
                },
            )
    for i in range(size.meetings):
        nav.insert(
            NavTable.TODO,
            {
                "Type": "Meeting",
                "Contact No.": companies[i % len(companies)],
                "Salesperson Code": code,
                "Description": f"Meeting {i}",
                "Date": today + dt.timedelta(days=1 + i % 300),
                "Start Time": dt.time(8 + i % 9, 0),
            },
        )
    for i in range(size.tasks):
        nav.insert(
            NavTable.TODO,
            {
                "Type": "",
                "Salesperson Code": code,
                "Description": f"Task {i}",
                "Date": today + dt.timedelta(days=1 + i % 300),
                "Priority": ("Low", "Normal", "High")[i % 3],
            },
        )


def log_changes(nav: EmbeddedNav) -> None:
    """The change log on for the synced tables, as the demo company and a real NAV set up for sync have it:
    deletions come from the change log, so a run need not list every key to find them. Switched on after the
    load, so that building the company does not write one log entry per field of every record."""
    for table in schema.SYNCED_TABLES:
        nav.set_change_logging(table)


_BUILT: dict[tuple[WorldSize, dt.date], Path] = {}
_CACHE = scratch()


def nav_company(size: WorldSize, path: Path) -> EmbeddedNav:
    """A NAV company of ``size`` at ``path``: built on first use in this process (about 0.4 ms per record),
    copied after that."""
    today = dt.date.today()
    built = _BUILT.get((size, today))
    if built is None:
        built = Path(_CACHE.name) / f"nav-{size.contacts}-{size.meetings}-{size.tasks}.sqlite"
        with EmbeddedNav.create(built, demo=False) as nav:
            # The embedded company has no bulk insert (each insert is its own transaction), which is why a
            # size is built once per process and copied.
            fill_salesperson(nav, size, today)
            log_changes(nav)
        _BUILT[(size, today)] = built  # closed: the WAL is checkpointed into the one file
    shutil.copyfile(built, path)
    return EmbeddedNav(path)


def sandbox_client(state: SandboxState) -> tuple[httpx.AsyncClient, TimedApp]:
    """An httpx client on the sandbox in this process (ASGI, no sockets), and the app wrapper that adds up
    the CPU time spent inside the sandbox, so that it can be told apart from graphsync's own."""
    app = TimedApp(create_app(state))
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://sandbox/v1.0", timeout=600)
    return client, app


class TimedApp:
    """An ASGI app that counts the process CPU time spent inside the wrapped one. Without added latency the
    sandbox never gives the event loop away while it handles a request (its handlers are synchronous), so
    the CPU time between entering and leaving it is the sandbox's alone."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.cpu = 0.0

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        started = time.process_time()
        try:
            await self.app(scope, receive, send)
        finally:
            self.cpu += time.process_time() - started


class TimedNav:
    """The embedded NAV company, counting the process CPU time spent inside it: every connector call, and
    the iteration of the record and deletion streams a change set hands out.

    Against a real NAV that work (SQL, NAV's triggers and FlowFields, a meeting's attendees and their
    e-mail addresses) happens on the NAV server, so the memory benchmark prints graphsync's CPU per item
    with and without it. The embedded company's methods call each other on the company itself, never
    through this wrapper, so no time is counted twice."""

    def __init__(self, nav: EmbeddedNav) -> None:
        self.nav = nav
        self.cpu = 0.0

    def _timed(self, call: Any, *args: Any, **kwargs: Any) -> Any:
        started = time.process_time()
        try:
            return call(*args, **kwargs)
        finally:
            self.cpu += time.process_time() - started

    def _stream(self, values: Iterator[Any]) -> Iterator[Any]:
        while True:
            started = time.process_time()
            try:
                value = next(values)
            except StopIteration:
                return
            finally:
                self.cpu += time.process_time() - started
            yield value

    def table_def(self, table: NavTable) -> Any:
        return self._timed(self.nav.table_def, table)

    def changes(self, table: NavTable, since: Watermark | None) -> ChangeSet:
        found = self._timed(self.nav.changes, table, since)
        return replace(found, records=self._stream(found.records), deletions=self._stream(found.deletions))

    def get(self, table: NavTable, key: Any) -> Any:
        return self._timed(self.nav.get, table, key)

    def find(self, table: NavTable, where: Any) -> Iterator[Any]:
        return self._stream(iter(self.nav.find(table, where)))  # a generator: its work runs as it is iterated

    def insert(self, table: NavTable, values: Any) -> Any:
        return self._timed(self.nav.insert, table, values)

    def modify(self, table: NavTable, key: Any, values: Any, *, if_match: str) -> Any:
        return self._timed(self.nav.modify, table, key, values, if_match=if_match)

    def delete(self, table: NavTable, key: Any, *, if_match: str) -> None:
        self._timed(self.nav.delete, table, key, if_match=if_match)

    def keys(self, table: NavTable) -> Iterator[Any]:
        return self._stream(iter(self.nav.keys(table)))

    def close(self) -> None:
        self.nav.close()


def writes(report: RunReport) -> int:
    """Items a run wrote (or planned) on either side, counted over every item: `RunReport.items` lists
    only the first `SyncOptions.report_limit` of them."""
    return sum(v for k, v in report.counts.items() if k.startswith(("nav_", "outlook_")))


@dataclass
class Wired:
    """graphsync as its runtime wires it for one mailbox of the sandbox: the runtime (NAV and the state store
    given), the mailbox it acts for and that mailbox's Graph client, kept open across runs so that its
    requests can be counted. Close it with `close`."""

    runtime: Runtime
    target: MailboxTarget
    box: GraphMailbox

    async def close(self) -> None:
        await self.box.aclose()
        await self.runtime.aclose()


async def wire(
    nav: EmbeddedNav | TimedNav,
    store: StateStore,
    user: str,
    *,
    base_url: str = "http://sandbox/v1.0",
    transport: httpx.AsyncBaseTransport | None = None,
    request_budget: tuple[int, float] | None = None,
    batches: BatchConcurrency = BatchConcurrency.ONE_AT_A_TIME,
) -> Wired:
    """The runtime for a config naming the sandbox at ``base_url`` (through ``transport``: in-process) and
    ``user``'s mailbox as salesperson EH's, the default entities, and an app-only run for ``user`` (the
    sandbox's app token: no sign-in to keep). Without a request budget unless one is given (requests,
    seconds): these sandboxes run without Outlook's request window (only `load` switches it on, and gives
    the matching budget), and pacing to Graph's 10,000 requests per 600 s would make a run of 12,000 items
    wait ten minutes for a window that is not there. ``batches``: how the Graph client shares the mailbox's
    concurrent requests among its batches (not a config key: `bench_load` compares the two)."""
    requests, seconds = request_budget or (0, 600.0)
    await seed_users(user, base_url=base_url, transport=transport)
    config = Config(
        file=None,
        nav=NavConfig(kind=NavKind.EMBEDDED),
        graph=GraphConfig(
            kind=GraphKind.SANDBOX, base_url=base_url, request_budget=requests, request_budget_seconds=seconds
        ),
        state=StateConfig(path=Path(store.location)),
        mailboxes={user: SALESPERSON},
    )
    runtime = Runtime(config, connections=Connections(graph_transport=transport), nav=nav, store=store)
    target = await runtime.target(user)
    return Wired(runtime, target, runtime.mailbox(target, batches=batches))


async def seed_users(
    *users: str, base_url: str = "http://sandbox/v1.0", transport: httpx.AsyncBaseTransport | None = None
) -> None:
    """Create ``users`` in the sandbox at ``base_url`` (through ``transport``: in-process) with its control
    endpoint: as in a tenant, a request never makes a user (docs/sandbox.md, "Users")."""
    async with httpx.AsyncClient(transport=transport, base_url=base_url.removesuffix("/v1.0"), timeout=60) as control:
        for user in users:
            (await control.post("/_sandbox/users", json={"userPrincipalName": user})).raise_for_status()


async def sync(wired: Wired, *, full: bool = False) -> RunReport:
    """One run as `graphsync sync` makes it (``full``: `--full`, everything read on both sides and reconciled by
    NAV key); an error if it did not finish cleanly."""
    report = await wired.runtime.sync(wired.target, RunSettings(full=full), mailbox=wired.box)
    if not report.ok:
        first = report.errors[0] if report.errors else report.conflicts[0]
        raise RuntimeError(f"the benchmark's sync run did not finish cleanly: {first}")
    return report


# ---------------------------------------------------------------------- the sandbox in its own process


def _serve_forever(conn: multiprocessing.connection.Connection) -> None:
    with serve(SandboxState()) as url:
        conn.send(url)
        conn.recv()  # anything: stop


@contextmanager
def sandbox_process() -> Iterator[str]:
    """The sandbox on a loopback port in a process of its own (the base URL, without /v1.0), so that its
    CPU does not compete with graphsync's for the interpreter lock: on two cores, as client and server
    would run in production. Settings go through its control endpoint (`/_sandbox/...`)."""
    ctx = multiprocessing.get_context("spawn")
    ours, theirs = ctx.Pipe()
    process = ctx.Process(target=_serve_forever, args=(theirs,), daemon=True, name="graphsync-bench-sandbox")
    process.start()
    try:
        if not ours.poll(60):
            raise RuntimeError("the sandbox process did not start")
        yield str(ours.recv())
    finally:
        ours.send("stop")
        process.join(10)
        if process.is_alive():
            process.terminate()
            process.join(5)


@asynccontextmanager
async def control(base_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=f"{base_url}/_sandbox", timeout=60) as client:
        yield client


async def put(client: httpx.AsyncClient, path: str, body: dict[str, Any]) -> None:
    response = await client.put(path, json=body)
    response.raise_for_status()


async def request_counts(base_url: str, user: str) -> dict[str, int]:
    async with control(base_url) as c:
        response = await c.get(f"/users/{user}/requests")
        response.raise_for_status()
        counts: dict[str, int] = response.json()
        return counts


def run_async(coro: Any) -> Any:
    return asyncio.run(coro)
