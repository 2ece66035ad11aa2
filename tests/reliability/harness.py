"""The reliability tests' world: an embedded NAV company file, the sandbox on a loopback port in the test process
(so its state survives the sync process being killed), a config naming both, and `graphsync sync` run as a real
subprocess that can be killed with SIGKILL at a chosen point.

The kill point is chosen on the server's side: `KillSwitch` sits in front of the sandbox app, counts the Graph
requests of the running sync and, at the k-th one, holds that request (before or after the sandbox handled it)
until the test has killed the process; or, for the end of a run, the process is killed once its Graph requests
have fallen silent after the k-th (it is then committing what it wrote, or exiting). Nothing about the sync
process has to co-operate. The switch also notes which requests wrote, so a test can tell where its kills landed.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator, MutableMapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Protocol

import httpx
import uvicorn

from graphsync.connectors.nav import NavRecord, NavTable
from graphsync.engine.conflicts import list_conflicts
from graphsync.engine.state import StateStore
from graphsync.graph.stamping import NAV_KEY_PROPERTY, TASK_APPLICATION, property_id
from graphsync.nav.embedded import EmbeddedNav
from graphsync.sandbox import SandboxState, create_app

USER = "eh@contoso.com"
TOKEN = f"sandbox:{USER}"
FOLDER = "Dynamics NAV"
CATEGORY = "Dynamics NAV"
REPO = Path(__file__).resolve().parents[2]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

READ_METHODS = frozenset({"GET", "HEAD"})


async def _writes(scope: Scope, receive: Receive) -> tuple[bool, Receive]:
    """Whether a Graph request changes the mailbox, and a ``receive`` that replays the body it had to read: a
    $batch writes when one of its requests does (the engine also batches look-ups, which only read)."""
    method = scope["method"]
    if not scope["path"].endswith("/$batch"):
        return method not in READ_METHODS, receive
    messages: list[Message] = []
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request" or not message.get("more_body"):
            break
    body = b"".join(m.get("body", b"") for m in messages)
    try:
        inner = json.loads(body).get("requests", [])
    except ValueError:
        inner = []
    writes = any(str(r.get("method", "GET")).upper() not in READ_METHODS for r in inner)

    async def replay() -> Message:
        return messages.pop(0) if messages else await receive()

    return writes, replay


# --------------------------------------------------------------------------- the sandbox behind a kill switch


class KillSwitch:
    """ASGI middleware in front of the sandbox. Armed with ``at`` = k, it holds the k-th Graph request (or, with
    ``writes_only``, the k-th request that writes) (``before``: not handled; ``after``: handled, the answer held
    back) and sets `hit`, until `release` is called.

    It also runs `hooks` (request number -> callable, before that request is handled), adds latency spikes
    (`spikes`: a seeded share of requests waits), counts the statuses it answered and notes, per request since
    it was armed, whether it wrote (`writes`) and when the last answer went out (`last_answer`)."""

    def __init__(self, app: Callable[[Scope, Receive, Send], Awaitable[None]]) -> None:
        self.app = app
        self.count = 0
        self.at: int | None = None
        self.after = False
        self.writes_only = False
        self.first_request: float | None = None
        self.hit = threading.Event()
        self.writes: dict[int, bool] = {}
        """Per Graph request since `arm`, by its number: whether it wrote."""
        self.in_flight = 0
        self.last_answer: float | None = None
        """When the last answer was sent in full (monotonic clock)."""
        self._released = threading.Event()
        self.pause = False
        self.fail_with: int | None = None
        """Answer every Graph request with this status and Graph's error JSON."""
        self.hooks: dict[int, Callable[[], None]] = {}
        self.statuses: Counter[int] = Counter()
        self.on_status: Callable[[int], None] | None = None
        """Called with the status of each answer, once it is sent."""
        self._spike_rate = 0.0
        self._spike_seconds = 0.0
        self._rng = random.Random(0)

    def spikes(self, *, rate: float, seconds: float, seed: int) -> None:
        """From now on ``rate`` of the requests wait ``seconds`` before they are handled."""
        self._spike_rate, self._spike_seconds, self._rng = rate, seconds, random.Random(seed)

    def arm(
        self, at: int | None = None, *, after: bool = False, pause: bool = False, writes_only: bool = False
    ) -> None:
        """Hold the ``at``-th request (``writes_only``: the ``at``-th that writes) from now on; ``pause``: let it go
        on when released (no kill)."""
        self.pause = pause
        self.writes_only = writes_only
        self.count = 0
        self.statuses.clear()
        self.at = at
        self.after = after
        self.first_request = None
        self.writes = {}
        self.in_flight = 0
        self.last_answer = None
        self.hit.clear()
        self._released.clear()

    def release(self) -> None:
        self.at = None
        self._released.set()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith("/v1.0"):
            await self.app(scope, receive, send)
            return
        self.count += 1
        if self.first_request is None:
            self.first_request = time.monotonic()
        self.in_flight += 1
        try:
            await self._handle(self.count, self.writes, scope, receive, send)
        finally:
            self.in_flight -= 1
            self.last_answer = time.monotonic()

    def first_write(self) -> int | None:
        """The number of the first request since `arm` that wrote (None: none did)."""
        return min((n for n, w in self.writes.items() if w), default=None)

    async def _handle(self, number: int, writes: dict[int, bool], scope: Scope, receive: Receive, send: Send) -> None:
        # ``number`` is taken on arrival: requests of a run arrive several at a time, and reading a $batch's
        # body (or a spike's wait) lets later ones in before this one is matched against the kill point.
        writes[number], receive = await _writes(scope, receive)
        # A write is numbered among the writes when its body has been read, so two in flight at once are held
        # in the order the sandbox reads them.
        counted_as = sum(writes.values()) if self.writes_only and writes[number] else None
        held = self.at is not None and self.at == (counted_as if self.writes_only else number)
        if self.fail_with is not None:
            body = json.dumps({"error": {"code": "InvalidAuthenticationToken", "message": "Access token has expired."}})
            headers = [(b"content-type", b"application/json")]
            await send({"type": "http.response.start", "status": self.fail_with, "headers": headers})
            await send({"type": "http.response.body", "body": body.encode()})
            return
        hook = self.hooks.pop(number, None)
        if hook is not None:
            hook()
        if self._spike_rate and self._rng.random() < self._spike_rate:
            await asyncio.sleep(self._spike_seconds)
        if not held:

            async def counted(message: Message) -> None:
                await send(message)
                if message["type"] == "http.response.start":
                    self.statuses[message["status"]] += 1
                    if self.on_status is not None:
                        self.on_status(message["status"])

            await self.app(scope, receive, counted)
            return
        if self.pause:
            self.hit.set()
            while not self._released.is_set():
                await asyncio.sleep(0.002)
            await self.app(scope, receive, send)
            return
        if self.after:

            async def swallow(message: Message) -> None:
                return None

            await self.app(scope, receive, swallow)
        self.hit.set()
        while not self._released.is_set():
            await asyncio.sleep(0.002)
        # The client is gone; whatever is sent now goes nowhere.
        await send({"type": "http.response.start", "status": 503, "headers": []})
        await send({"type": "http.response.body", "body": b""})


@contextlib.contextmanager
def serve_sandbox(state: SandboxState) -> Iterator[tuple[str, KillSwitch]]:
    """The sandbox (behind a `KillSwitch`) on 127.0.0.1 and a free port, in a thread of this process."""
    switch = KillSwitch(create_app(state))
    server = uvicorn.Server(
        uvicorn.Config(switch, host="127.0.0.1", port=0, log_level="critical", access_log=False, lifespan="off")
    )
    thread = threading.Thread(target=server.run, name="reliability-sandbox", daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the sandbox did not start"
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}", switch
    finally:
        switch.release()
        server.should_exit = True
        thread.join(timeout=10)


# --------------------------------------------------------------------------- the NAV company


def make_company(path: Path, *, extra: int = 24) -> None:
    """CRONUS plus ``extra`` contacts (companies and persons) and a few to-dos of EH's (meetings and tasks)."""
    import datetime as dt

    with EmbeddedNav.create(path, demo=True) as nav:
        companies = []
        for i in range(extra // 2):
            rec = nav.insert(
                NavTable.CONTACT,
                {"Type": "Company", "Name": f"Extra Company {i:02d}", "City": "Leeds", "Salesperson Code": "EH"},
            )
            companies.append(rec.key[0])
        for i in range(extra - extra // 2):
            nav.insert(
                NavTable.CONTACT,
                {
                    "Type": "Person",
                    "First Name": "Extra",
                    "Surname": f"Person{i:02d}",
                    "Company No.": companies[i % len(companies)],
                    "Job Title": "Buyer",
                },
            )
        today = dt.date.today()
        for i in range(3):
            nav.insert(
                NavTable.TODO,
                {
                    "Type": "Meeting",
                    "Contact No.": companies[i],
                    "Salesperson Code": "EH",
                    "Description": f"Extra meeting {i}",
                    "Date": today + dt.timedelta(days=i + 1),
                    "Start Time": dt.time(9 + i, 0),
                },
            )
            nav.insert(
                NavTable.TODO,
                {"Type": " ", "Salesperson Code": "EH", "Description": f"Extra task {i}", "Date": today},
            )


# --------------------------------------------------------------------------- running graphsync


@dataclass
class RunResult:
    code: int | None
    """The exit code; None when the run was killed."""
    stdout: str
    stderr: str
    requests: int
    """Graph requests the sandbox received from this run (up to the kill)."""
    first_write: int | None = None
    """The number of this run's first Graph request that wrote (None: none did, up to the kill)."""
    writes: int = 0
    """How many of its Graph requests wrote (up to the kill)."""
    held: bool = False
    """Killed while the sandbox held its chosen request (not in a silence)."""

    @property
    def killed(self) -> bool:
        return self.code is None


def config_text(base_url: str, *, extra: str = "") -> str:
    return (
        '[nav]\nkind = "embedded"\npath = "nav.sqlite"\n\n'
        f'[graph]\nkind = "sandbox"\nbase_url = "{base_url}/v1.0"\nsandbox_user = "{USER}"\n\n'
        '[state]\npath = "state.sqlite"\n' + extra
    )


def subprocess_env(root: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRAPHSYNC_")}
    env.update(
        PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring",
        GRAPHSYNC_STATE_DIR=str(root / "tokens"),
        PYTHONPATH=str(REPO),
        NO_COLOR="1",
        COLUMNS="200",
    )
    env.update(extra)
    return env


@dataclass
class World:
    root: Path
    base_url: str
    switch: KillSwitch
    sandbox: SandboxState
    env: dict[str, str] = field(default_factory=dict)

    @property
    def config(self) -> Path:
        return self.root / "graphsync.toml"

    @property
    def nav_path(self) -> Path:
        return self.root / "nav.sqlite"

    @property
    def state_path(self) -> Path:
        return self.root / "state.sqlite"

    def command(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "graphsync", "--config", str(self.config), *args]

    def start(
        self, *args: str, stdout: IO[str] | int = subprocess.PIPE, stderr: IO[str] | int = subprocess.PIPE
    ) -> subprocess.Popen[str]:
        return subprocess.Popen(
            self.command(*args), cwd=self.root, env=self.env, stdout=stdout, stderr=stderr, text=True
        )

    def run(
        self,
        *args: str,
        kill_at_request: int | None = None,
        after: bool = False,
        writes_only: bool = False,
        kill_when_quiet: tuple[int, float] | None = None,
        timeout: float = 60.0,
    ) -> RunResult:
        """Run ``graphsync ARGS``; kill it with SIGKILL when the sandbox gets its ``kill_at_request``-th request
        (``writes_only``: its ``kill_at_request``-th request that writes), held ``after`` it was handled or before;
        or, with ``kill_when_quiet`` = (k, seconds), once it has made k requests, none is in flight and none came
        for that many seconds after the last answer: past its last request, a run is then committing what it
        wrote, or exiting. Both may be given: whichever comes first. A run that ends before its kill point is a
        normal run."""
        self.switch.arm(kill_at_request, after=after, writes_only=writes_only)
        # Output goes to files: a verbose run writes more than a pipe holds while nobody reads it.
        with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
            proc = self.start(*args, stdout=out, stderr=err)
            try:
                killed = self._watch(proc, kill_when_quiet, timeout, args)
            finally:
                if proc.poll() is None:
                    proc.kill()
                    proc.wait()
                self.switch.release()
            out.seek(0)
            err.seek(0)
            stdout, stderr = out.read(), err.read()
        code = None if killed else proc.returncode
        switch = self.switch
        writes = sum(switch.writes.values())
        return RunResult(
            code, stdout, stderr, switch.count, switch.first_write(), writes, killed and switch.hit.is_set()
        )

    def _watch(
        self,
        proc: subprocess.Popen[str],
        kill_when_quiet: tuple[int, float] | None,
        timeout: float,
        args: tuple[str, ...],
    ) -> bool:
        """Wait for the run to end, or kill it at its kill point; True when it was killed."""
        deadline = time.monotonic() + timeout
        switch = self.switch
        while proc.poll() is None:
            quiet = False
            if kill_when_quiet is not None and switch.count >= kill_when_quiet[0] and not switch.in_flight:
                last = switch.last_answer
                quiet = last is not None and time.monotonic() - last >= kill_when_quiet[1]
            if switch.hit.is_set() or quiet:
                proc.send_signal(signal.SIGKILL)
                proc.wait(timeout=timeout)  # reaped, so its pid is free (the lock checks whether it lives)
                return True
            assert time.monotonic() < deadline, f"graphsync {' '.join(args)} did not finish"
            switch.hit.wait(0.0005 if kill_when_quiet is not None else 0.002)
        return False

    def sync(self, *args: str, expect: set[int] | None = None) -> RunResult:
        result = self.run("sync", *args)
        allowed = {0} if expect is None else expect
        assert result.code in allowed, (result.code, result.stdout[-3000:], result.stderr[-3000:])
        assert "Traceback" not in result.stderr, result.stderr
        return result

    # ------------------------------------------------------------------ the two sides, as their users see them

    def nav(self) -> EmbeddedNav:
        return EmbeddedNav(self.nav_path)

    def outlook(self) -> Outlook:
        return Outlook(httpx.Client(base_url=self.base_url + "/v1.0", timeout=30, headers=_auth()))

    def links(self) -> dict[str, str]:
        """Outlook id -> NAV key of every link in the state store."""
        with StateStore(self.state_path) as store:
            return {link.outlook_id: link.nav_key for link in store.mailbox(USER).links.all()}

    def conflicts(self) -> dict[str, set[str]]:
        """Open conflicts: NAV key -> conflicting fields (Outlook targets)."""
        if not self.state_path.exists():
            return {}
        with StateStore(self.state_path) as store:
            return {c.nav_key: {f.field for f in c.fields} for c in list_conflicts(store, USER)}

    def conflict_values(self) -> dict[tuple[str, str], tuple[str, str]]:
        """Open conflicts field by field: (NAV key, Outlook target) -> (NAV's value, Outlook's value) as stored."""
        if not self.state_path.exists():
            return {}
        with StateStore(self.state_path) as store:
            return conflict_values(store)


def conflict_values(store: StateStore) -> dict[tuple[str, str], tuple[str, str]]:
    return {(c.nav_key, f.field): (f.nav, f.outlook) for c in list_conflicts(store, USER) for f in c.fields}


def _auth() -> dict[str, str]:
    return {"Authorization": f"Bearer {TOKEN}", "Prefer": 'IdType="ImmutableId", odata.maxpagesize=1000'}


class Outlook:
    """Requests a person's Outlook makes, straight to the sandbox's Graph API."""

    def __init__(self, client: httpx.Client) -> None:
        self.client = client

    def __enter__(self) -> Outlook:
        return self

    def __exit__(self, *exc: object) -> None:
        self.client.close()

    def call(self, method: str, url: str, body: dict[str, Any] | None = None, **params: str) -> Any:
        response = self.client.request(method, url, json=body, params=params or None)
        assert response.status_code < 300, (method, url, response.status_code, response.text)
        return response.json() if response.content else None

    def all(self, url: str, **params: str) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        page = self.call("GET", url, **params)
        while True:
            items.extend(page["value"])
            link = page.get("@odata.nextLink")
            if not link:
                return items
            page = self.call("GET", link)

    def contact_folder(self, *, create: bool = False) -> str | None:
        for folder in self.all("/me/contactFolders"):
            if folder["displayName"].lower() == FOLDER.lower():
                return str(folder["id"])
        return str(self.call("POST", "/me/contactFolders", {"displayName": FOLDER})["id"]) if create else None

    def todo_list(self, *, create: bool = False) -> str | None:
        for lst in self.all("/me/todo/lists"):
            if lst["displayName"].lower() == FOLDER.lower():
                return str(lst["id"])
        return str(self.call("POST", "/me/todo/lists", {"displayName": FOLDER})["id"]) if create else None

    def contacts(self) -> list[dict[str, Any]]:
        folder = self.contact_folder()
        if folder is None:
            return []
        return [_stamped(c) for c in self.all(f"/me/contactFolders/{folder}/contacts", **_expand())]

    def events(self) -> list[dict[str, Any]]:
        return [_stamped(e) for e in self.all("/me/events", **_expand())]

    def tasks(self) -> list[dict[str, Any]]:
        lst = self.todo_list()
        if lst is None:
            return []
        tasks = self.all(f"/me/todo/lists/{lst}/tasks", **{"$expand": "linkedResources"})
        for task in tasks:
            keys = [
                r["externalId"] for r in task.get("linkedResources", []) if r["applicationName"] == TASK_APPLICATION
            ]
            task["navKey"] = keys[0] if keys else None
        return tasks


def _expand() -> dict[str, str]:
    return {"$expand": f"singleValueExtendedProperties($filter=id eq '{property_id(NAV_KEY_PROPERTY)}')"}


def _stamped(item: dict[str, Any]) -> dict[str, Any]:
    values = [p.get("value") for p in item.get("singleValueExtendedProperties", [])]
    item["navKey"] = next((v for v in values if v), None)
    return item


# --------------------------------------------------------------------------- what must always hold


def duplicates(values: list[Any]) -> dict[Any, int]:
    return {v: n for v, n in Counter(values).items() if v is not None and n > 1}


class Sides(Protocol):
    def nav(self) -> EmbeddedNav: ...
    def outlook(self) -> Outlook: ...


def assert_no_duplicates(world: Sides) -> None:
    """No NAV key stamped twice in Outlook, and no name graphsync copied made twice on either side."""
    with world.outlook() as outlook:
        contacts, events, tasks = outlook.contacts(), outlook.events(), outlook.tasks()
    mine = [e for e in events if CATEGORY in e.get("categories", [])]
    for what, items in (("contacts", contacts), ("events", mine), ("tasks", tasks)):
        assert not duplicates([i["navKey"] for i in items]), (what, duplicates([i["navKey"] for i in items]))
    assert not duplicates([c["displayName"] for c in contacts]), duplicates([c["displayName"] for c in contacts])
    assert not duplicates([e["subject"] for e in mine]), duplicates([e["subject"] for e in mine])
    assert not duplicates([t["title"] for t in tasks]), duplicates([t["title"] for t in tasks])
    with world.nav() as nav:
        contacts_nav = list(nav.find(NavTable.CONTACT, {}))
        todos = [t for t in nav.find(NavTable.TODO, {}) if t.fields["Salesperson Code"] == "EH"]
    assert not duplicates([c.fields["Name"] for c in contacts_nav]), duplicates(
        [c.fields["Name"] for c in contacts_nav]
    )
    organizer = [t for t in todos if t.fields["System To-do Type"] == "Organizer"]
    assert not duplicates([t.fields["Description"] for t in organizer]), duplicates(
        [t.fields["Description"] for t in organizer]
    )


def nav_key(record: NavRecord) -> str:
    return f"{int(record.table)}:{record.key[0]}"


def dump(value: object) -> str:
    return json.dumps(value, indent=1, default=str)[:12000]


# --------------------------------------------------------------------------- in-process: the engine over the sandbox


class FastSleep:
    """Stands in for asyncio.sleep in the Graph client: records each wait asked for and yields at once."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)
        await asyncio.sleep(0)


class InProcess:
    """The engine and the embedded company in this process, against the sandbox served by `serve_sandbox` (real
    HTTP, or ``transport``), for tests that need many runs or control over the Graph client's time."""

    def __init__(
        self,
        root: Path,
        company: Path,
        base_url: str,
        sandbox: SandboxState,
        switch: KillSwitch,
        *,
        page_size: int = 200,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        from graphsync.auth.sandbox import SandboxTokenSource
        from graphsync.config.entities import default_entities
        from graphsync.engine.binding import user_field_names
        from graphsync.graph import GraphMailbox, GraphMailboxOptions

        shutil.copyfile(company, root / "nav.sqlite")
        self.root = root
        self.base_url = base_url
        self.sandbox = sandbox
        self.sandbox.seed_user(USER)
        self.nav_connector = EmbeddedNav(root / "nav.sqlite")
        self.store = StateStore(root / "state.sqlite")
        self.entities = default_entities()
        self.sleep = FastSleep()
        self.switch = switch
        self.client = httpx.AsyncClient(base_url=base_url + "/v1.0", timeout=30, transport=transport)
        self.options = GraphMailboxOptions(
            user_fields=user_field_names(self.entities, self.nav_connector), page_size=page_size
        )
        self.mailbox = GraphMailbox(
            upn=USER, client=self.client, tokens=SandboxTokenSource(USER), options=self.options, sleep=self.sleep
        )

    async def sync(self, **options: Any) -> Any:
        from graphsync.engine.report import SyncOptions
        from graphsync.engine.sync import run_sync

        return await run_sync(
            nav=self.nav_connector,
            mailbox=self.mailbox,
            store=self.store,
            entities=self.entities,
            options=SyncOptions(salesperson_code="EH", **options),
        )

    def nav(self) -> EmbeddedNav:
        return EmbeddedNav(self.root / "nav.sqlite")

    def outlook(self) -> Outlook:
        return Outlook(httpx.Client(base_url=self.base_url + "/v1.0", timeout=30, headers=_auth()))

    def links(self) -> dict[str, str]:
        return {link.outlook_id: link.nav_key for link in self.store.mailbox(USER).links.all()}

    def conflicts(self) -> dict[str, set[str]]:
        return {c.nav_key: {f.field for f in c.fields} for c in list_conflicts(self.store, USER)}

    def conflict_values(self) -> dict[tuple[str, str], tuple[str, str]]:
        return conflict_values(self.store)

    async def aclose(self) -> None:
        await self.mailbox.aclose()
        await self.client.aclose()
        self.store.close()
        self.nav_connector.close()
