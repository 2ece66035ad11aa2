"""`Runtime`: the connected parts of a run, wired from a `Config`, and the run itself.

    async with Runtime(config) as rt:
        target = await rt.target(user=None)              # who: the mailbox and its NAV salesperson
        report = await rt.sync(target, RunSettings(dry_run=True))

One `httpx.AsyncClient` serves every mailbox of the runtime (Graph's limits are per mailbox, and the Graph
client bounds its own concurrency per mailbox); NAV and the state store are opened on first use and closed
with the runtime. `graphsync.auth.connections.Connections` is the seam tests use to point Graph at the
sandbox in-process and the token caches at a temporary folder.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from types import TracebackType
from typing import Any

import httpx

from graphsync.auth.connections import Connections
from graphsync.config import Config
from graphsync.config.entities import EntityName
from graphsync.connectors.auth import AccessTokenSource
from graphsync.connectors.nav import NavConnector
from graphsync.connectors.outlook import Containers, OutlookMailbox
from graphsync.engine.binding import BoundEntity
from graphsync.engine.conflicts import resolve_now
from graphsync.engine.context import RunContext, bind_entities, open_run, user_fields
from graphsync.engine.entities import nav_table
from graphsync.engine.plan import Side
from graphsync.engine.report import Progress, RunReport, SyncOptions
from graphsync.engine.state import ContainersCursor, Lock, MailboxState, StateStore
from graphsync.engine.sync import run
from graphsync.errors import ConfigError, ContainerChangedError, GraphAuthError
from graphsync.graph import GraphMailbox, GraphMailboxOptions
from graphsync.graph.identity import MailboxIdentity, fetch_mailbox_identity
from graphsync.runtime.availability import runnable, say, say_once, unsyncable
from graphsync.runtime.dryrun import LookOnlyMailbox
from graphsync.runtime.graph import mailbox_options, network_transport
from graphsync.runtime.nav import open_nav
from graphsync.runtime.sandbox import AttachedSandbox, open_sandbox
from graphsync.runtime.stores import check_state_folder, open_store, store_exists

log = logging.getLogger("graphsync.runtime")

GRAPH_TIMEOUT = httpx.Timeout(60.0, connect=10.0)
APP_ONLY = "(app-only)"
"""`Runtime.tokens`'s key for the token source every app-only run shares."""


@dataclass(frozen=True)
class MailboxTarget:
    """A mailbox a run works on: who it is (asked of Graph), its NAV salesperson, and whether the run is
    app-only (``--user``) or as the signed-in person."""

    identity: MailboxIdentity
    salesperson: str
    user: str | None
    """The ``--user`` given (app-only), or None for the signed-in person."""

    @property
    def upn(self) -> str:
        return self.identity.upn


@dataclass(frozen=True)
class RunSettings:
    """What a person chooses for one run (the rest comes from the config)."""

    entities: frozenset[EntityName] | None = None
    dry_run: bool = False
    full: bool = False
    allow_mass_delete: bool = False
    progress: Progress | None = None
    should_stop: Callable[[], bool] | None = None
    """Asked by the run between chunks of items (a `graphsync.schedule.StopFlag`'s ``is_set``): True stops it at a
    point the next run resumes from (`SyncOptions.should_stop`)."""


class Runtime:
    """NAV, the state store and Graph for one config. ``nav`` and ``store`` may be given (tests, the demo);
    the runtime then does not close them. ``tokens`` are token sources to use instead of the config's, by
    ``--user`` (None: the signed-in person): the demo acts as its user without reading a keyring.

    With ``[graph] sandbox_data`` and no transport in ``connections``, the sandbox is found where ``base_url``
    points or opened in-process for the runtime's life (`graphsync.runtime.sandbox`)."""

    def __init__(
        self,
        config: Config,
        *,
        connections: Connections | None = None,
        nav: NavConnector | None = None,
        store: StateStore | None = None,
        tokens: Mapping[str | None, AccessTokenSource] | None = None,
    ) -> None:
        self.config = config
        self.connections = connections or Connections()
        self._nav = nav
        self._owns_nav = nav is None
        self._store = store
        self._owns_store = store is None
        self._http: httpx.AsyncClient | None = None
        self._network: httpx.AsyncBaseTransport | None = None
        self._sandbox: AttachedSandbox | None = None
        self._entities: dict[bool, tuple[BoundEntity, ...]] = {}
        self._tokens: dict[str | None, AccessTokenSource] = dict(tokens or {})

    async def __aenter__(self) -> Runtime:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        if self._http is not None:
            await self._http.aclose()
            self._http = None
        if self._network is not None:  # msgraph-core's wrapper around it does not close what it wraps
            await self._network.aclose()
            self._network = None
        if self._sandbox is not None:
            self._sandbox.close()
            self._sandbox = None
        if self._nav is not None and self._owns_nav:
            self._nav.close()
            self._nav = None
        if self._store is not None and self._owns_store:
            self._store.close()
            self._store = None

    # ------------------------------------------------------------------ parts

    @property
    def nav(self) -> NavConnector:
        if self._nav is None:
            self._nav = open_nav(self.config)
        return self._nav

    @property
    def store(self) -> StateStore:
        if self._store is None:
            self._store = open_store(self.config)
        return self._store

    @property
    def sandbox_data(self) -> Path | None:
        """The sandbox data file this runtime opened in-process once Graph was first reached (`http`); None:
        Graph is reached as the connections say, over the network or through their transport."""
        return self._sandbox.data if self._sandbox is not None else None

    @property
    def http(self) -> httpx.AsyncClient:
        """The client every Graph request of this runtime goes through (base URL: Graph's version root)."""
        if self._http is None:
            transport = self.connections.graph_transport
            if transport is None:
                self._sandbox = open_sandbox(self.config, self.connections)
                transport = self._sandbox.transport if self._sandbox is not None else None
            if transport is None:
                transport = self._network = network_transport(self.config.graph)
            self._http = httpx.AsyncClient(
                base_url=self.config.graph.base_url, transport=transport, timeout=GRAPH_TIMEOUT
            )
        return self._http

    def tokens(self, user: str | None) -> AccessTokenSource:
        """The token source for the signed-in person (None) or an app-only run for ``user`` (one given to the
        runtime for that ``user`` first). App-only runs share one: the app's token is the same whichever
        mailbox it opens, so a tenant-wide run asks Entra ID for one token, not one per mailbox."""
        if user in self._tokens:
            return self._tokens[user]
        key = None if user is None else APP_ONLY
        if key not in self._tokens:
            from graphsync.auth.factory import token_source

            self._tokens[key] = token_source(self.config, user=user, connections=self.connections)
        return self._tokens[key]

    async def target(self, user: str | None) -> MailboxTarget:
        """Who a run acts for, asked of Graph with a real token, and the NAV salesperson of that mailbox."""
        from graphsync.runtime.signin import salesperson_for

        identity = await self.target_identity(user)
        return MailboxTarget(identity=identity, salesperson=salesperson_for(self.config, identity, self.nav), user=user)

    async def target_identity(self, user: str | None) -> MailboxIdentity:
        """Who the mailbox of ``user`` (app-only) or of the signed-in person (None) is, asked of Graph."""
        with self._app_token_blamed(user):
            return await fetch_mailbox_identity(
                self.http, base_url=self.config.graph.base_url, tokens=self.tokens(user), user=user
            )

    def mailbox(
        self, target: MailboxTarget, *, store: StateStore | None = None, look_only: bool = False, **overrides: Any
    ) -> GraphMailbox:
        """The Graph client for ``target``'s mailbox, addressed by its UPN (so its state is kept under the
        mailbox's name even for a delegated run), with the containers remembered from earlier runs (in
        ``store``, default the runtime's). ``look_only``: for a dry run, containers are never created.
        ``overrides``: `GraphMailboxOptions` the config does not hold (a benchmark's `BatchConcurrency`)."""
        cfg = self.config
        options = mailbox_options(
            cfg.sync,
            graph=cfg.graph,
            user_fields=user_fields(self.entities()),
            create_containers=not look_only,
            **overrides,
        )
        return GraphMailbox(
            upn=target.upn,
            client=self.http,
            tokens=self.tokens(target.user),
            options=options,
            known=self._known_containers(store or self.store, target.upn, options),
        )

    def entities(self, *, disabled: bool = False) -> tuple[BoundEntity, ...]:
        """Every enabled entity of the config this NAV can sync, bound to NAV's table definitions: once per
        runtime, for the Graph client (the user-defined fields it reads), every run, the migrations and the
        field labels alike. An entity this NAV cannot sync (`graphsync.runtime.availability`: a page not
        published, meetings on Business Central online) is left out. ``disabled``: the entities the config
        switches off too (a rollback removes the user-defined fields of an entity switched off since).
        ConfigError when the entity config does not fit NAV."""
        bound = self._entities.get(disabled)
        if bound is None:
            config = self.config
            specs = config.entities
            if disabled:
                specs = replace(specs, entities=tuple(replace(s, enabled=True) for s in specs))
            chosen = runnable(specs, unsyncable(self.nav, specs))
            bound = self._entities[disabled] = bind_entities(chosen, self.nav, time_zone=config.sync.time_zone)
        return bound

    def field_labels(self) -> dict[EntityName, dict[str, str]]:
        """Per entity a run syncs, each field's id (its Outlook target, as plans and conflicts name it) -> the
        NAV field(s) it maps (``businessPhones[0]`` -> ``Phone No.``): how a person reads a NAV-side change."""
        return {e.name: {f.id: " + ".join(f.nav_fields) for f in e.map.fields} for e in self.entities()}

    # ------------------------------------------------------------------ runs

    def sync_options(self, target: MailboxTarget, settings: RunSettings) -> SyncOptions:
        """What a run of ``target`` is asked to do: the config's ``[sync]`` section and the person's choices."""
        sync = self.config.sync
        return SyncOptions(
            salesperson_code=target.salesperson,
            time_zone=sync.time_zone,
            mass_delete_share=sync.mass_delete_share,
            mass_delete_min=sync.mass_delete_min,
            dry_run=settings.dry_run,
            full=settings.full,
            allow_mass_delete=settings.allow_mass_delete,
            entities=settings.entities,
            progress=settings.progress,
            should_stop=settings.should_stop,
        )

    def context(
        self,
        target: MailboxTarget,
        settings: RunSettings,
        mailbox: OutlookMailbox,
        *,
        store: StateStore | None = None,
    ) -> RunContext:
        """The one context of a run of ``target`` through ``mailbox`` (made by `mailbox`), over ``store``
        (default the runtime's). NAV's first read is narrowed to the mailbox's own records where NAV can do it
        (`_scoped_nav`); where the mailbox's lock can be lost under the run (PostgreSQL), the run also stops
        at its next chunk once it was (`_stop_check`)."""
        state = (store or self.store).mailbox(target.upn)
        options = self.sync_options(target, settings)
        return open_run(
            nav=self._scoped_nav(target, state),
            mailbox=mailbox,
            state=state,
            entities=self.entities(),
            options=replace(options, should_stop=self._stop_check(target.upn, state.lock, options.should_stop)),
        )

    def _stop_check(self, upn: str, lock: Lock, asked: Callable[[], bool] | None) -> Callable[[], bool] | None:
        """What the run asks between chunks: a stop request, or, where a lock can be lost under a run, its
        mailbox's lock lost (a PostgreSQL lock session that died: another worker may take the mailbox over,
        so this run must write no more)."""
        if not lock.can_be_lost:
            return asked

        def should_stop() -> bool:
            if asked is not None and asked():
                return True
            if not lock.still_held():
                log.warning("mailbox %s: its lock was lost (the lock session ended); stopping this run", upn)
                return True
            return False

        return should_stop

    def _scoped_nav(self, target: MailboxTarget, state: MailboxState) -> NavConnector:
        """NAV for one run, its first read narrowed to the mailbox's own records where NAV can do it
        (`graphsync.runtime.scoped`)."""
        from graphsync.runtime.scoped import ScopedNav, pushable_scopes

        # The entities this NAV can sync: a table without a published page (to-dos on a NAV that shows none)
        # has no definition to narrow by.
        specs = runnable(self.config.entities, unsyncable(self.nav, self.config.entities))
        scopes = pushable_scopes(specs, target.salesperson, self.nav.table_def)
        if not scopes:
            return self.nav
        links = state.links
        names = {table: [s.name.value for s in specs if s.enabled and nav_table(s.name) is table] for table in scopes}
        return ScopedNav(self.nav, scopes, lambda table: not links.any(entities=names[table]))

    async def sync(
        self, target: MailboxTarget, settings: RunSettings = RunSettings(), *, mailbox: GraphMailbox | None = None
    ) -> RunReport:
        """One sync run of ``target``'s mailbox. Raises what `graphsync.engine.sync.run` raises (LockHeldError,
        MassDeleteError, Graph and NAV errors that stop a run), and ConfigError when the entity config does not
        fit NAV; item errors are in the report. An entity this NAV cannot sync is left out, said once per
        mailbox in the log (a dry run says it every time: it records nothing). ``mailbox``: a client made by
        `mailbox` for this target, kept open after the run (whose requests the caller counts, as the benchmarks
        do); by default one is made for the run and closed after it.

        A dry run writes nothing anywhere: no folder or list is created in Outlook (`LookOnlyMailbox`), and
        with no state store yet it plans against an empty one in memory instead of creating the file."""
        skipped = unsyncable(self.nav, self.config.entities)
        if settings.dry_run:
            if mailbox is not None:
                raise ValueError("a dry run makes its own look-only mailbox client")
            say(skipped)
            return await self._dry_run(target, settings)
        say_once(self.store.mailbox(target.upn), skipped)
        owned = mailbox is None
        mailbox = mailbox or self.mailbox(target)
        try:
            with self._app_token_blamed(target.user, target.upn):
                report = await run(self.context(target, settings, mailbox))
            # The engine provisioned at the start of the run; this answers from the client's memory.
            self._remember_containers(target.upn, mailbox.options, await mailbox.provision())
            return report
        finally:
            if owned:
                await mailbox.aclose()

    async def _dry_run(self, target: MailboxTarget, settings: RunSettings) -> RunReport:
        fresh = self._store is None and not store_exists(self.config)
        if fresh:
            check_state_folder(self.config)
        store = StateStore("sqlite://") if fresh else self.store  # "sqlite://": an empty store in memory
        mailbox = LookOnlyMailbox(self.mailbox(target, store=store, look_only=True))
        try:
            with self._app_token_blamed(target.user, target.upn):
                return await run(self.context(target, settings, mailbox, store=store))
        finally:
            await mailbox.aclose()
            if fresh:
                store.close()

    async def resolve_now(
        self, target: MailboxTarget, *, keep: Side, nav_keys: Sequence[str] | None = None
    ) -> RunReport:
        """Resolve conflicts keeping one side and apply the resolutions at once (a run reading no changes)."""
        mailbox = self.mailbox(target)
        try:
            with self._app_token_blamed(target.user, target.upn):
                return await resolve_now(self.context(target, RunSettings(), mailbox), keep=keep, nav_keys=nav_keys)
        finally:
            await mailbox.aclose()

    @contextmanager
    def _app_token_blamed(self, user: str | None, mailbox: str | None = None) -> Iterator[None]:
        """Marks Graph's 401 to an app's token as such, so that the advice names the app registration
        rather than a sign-in an app-only run never uses; and a lost container with its mailbox, so that the
        advice names the command that starts over."""
        try:
            yield
        except GraphAuthError as exc:
            if exc.status == 401 and user is not None and self.tokens(user).app_only:
                exc.app_only = True
            raise
        except ContainerChangedError as exc:
            exc.mailbox = exc.mailbox or mailbox
            raise

    # ------------------------------------------------------------------ remembered containers

    def _names(self, options: GraphMailboxOptions) -> list[str]:
        return [options.contact_folder, options.todo_list, options.calendar]

    def _known_containers(self, store: StateStore, upn: str, options: GraphMailboxOptions) -> Containers | None:
        """The container ids of the last run, when they were found under the names configured now: then a
        folder deleted or renamed in Outlook is reported instead of silently made again (every item would
        sync again as new). A config naming other containers starts from a look-up by name."""
        raw = store.mailbox(upn).cursors.get(ContainersCursor())
        if not raw:
            return None
        try:
            saved = json.loads(raw)
            if saved["names"] != self._names(options):
                return None
            return Containers(saved["contact_folder_id"], saved["todo_list_id"], saved["calendar_id"])
        except (ValueError, KeyError, TypeError):
            return None  # unreadable: a look-up by name is always safe

    def _remember_containers(self, upn: str, options: GraphMailboxOptions, containers: Containers) -> None:
        value = {
            "names": self._names(options),
            "contact_folder_id": containers.contact_folder_id,
            "todo_list_id": containers.todo_list_id,
            "calendar_id": containers.calendar_id,
        }
        self.store.mailbox(upn).cursors.set(ContainersCursor(), json.dumps(value))


def with_entities(settings: RunSettings, codes: Sequence[str]) -> RunSettings:
    """``settings`` restricted to the entities named by code (case-insensitive); ConfigError for a code
    that names none."""
    if not codes:
        return settings
    chosen: set[EntityName] = set()
    for code in codes:
        try:
            chosen.add(EntityName(code.upper()))
        except ValueError:
            raise ConfigError(
                file=None, key="--entity", expected="one of " + ", ".join(e.value for e in EntityName), got=code
            ) from None
    return replace(settings, entities=frozenset(chosen))
