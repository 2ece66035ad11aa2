"""`Runtime`: the connected parts of a run, built from a `Config`, and the run itself.

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
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from types import TracebackType

import httpx

from graphsync.auth.connections import Connections
from graphsync.auth.mailbox import MailboxIdentity, fetch_mailbox_identity
from graphsync.config import Config
from graphsync.config.entities import EntityName
from graphsync.connectors.auth import AccessTokenSource
from graphsync.connectors.nav import NavConnector
from graphsync.connectors.outlook import Containers
from graphsync.engine.binding import user_field_names
from graphsync.engine.conflicts import resolve_now
from graphsync.engine.plan import Side
from graphsync.engine.report import Progress, RunReport, SyncOptions
from graphsync.engine.state import ContainersCursor, StateStore
from graphsync.engine.sync import run_sync
from graphsync.errors import ConfigError, GraphAuthError
from graphsync.graph import GraphMailbox, GraphMailboxOptions
from graphsync.runtime.nav import open_nav
from graphsync.runtime.state import open_store

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
    the runtime then does not close them."""

    def __init__(
        self,
        config: Config,
        *,
        connections: Connections | None = None,
        nav: NavConnector | None = None,
        store: StateStore | None = None,
    ) -> None:
        self.config = config
        self.connections = connections or Connections()
        self._nav = nav
        self._owns_nav = nav is None
        self._store = store
        self._owns_store = store is None
        self._http: httpx.AsyncClient | None = None
        self._tokens: dict[str | None, AccessTokenSource] = {}

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
    def http(self) -> httpx.AsyncClient:
        """The client every Graph request of this runtime goes through (base URL: Graph's version root)."""
        if self._http is None:
            self._http = httpx.AsyncClient(
                base_url=self.config.graph.base_url,
                transport=self.connections.graph_transport,
                timeout=GRAPH_TIMEOUT,
            )
        return self._http

    def tokens(self, user: str | None) -> AccessTokenSource:
        """The token source for the signed-in person (None) or an app-only run for ``user``. App-only runs
        share one: the app's token is the same whichever mailbox it opens, so a tenant-wide run asks Entra
        ID for one token, not one per mailbox."""
        key = None if user is None else APP_ONLY
        if key not in self._tokens:
            from graphsync.auth.factory import token_source

            self._tokens[key] = token_source(self.config, user=user, connections=self.connections)
        return self._tokens[key]

    async def target(self, user: str | None) -> MailboxTarget:
        """Who a run acts for, asked of Graph with a real token, and the NAV salesperson of that mailbox."""
        from graphsync.auth.session import salesperson_for

        identity = await self.target_identity(user)
        return MailboxTarget(identity=identity, salesperson=salesperson_for(self.config, identity, self.nav), user=user)

    async def target_identity(self, user: str | None) -> MailboxIdentity:
        """Who the mailbox of ``user`` (app-only) or of the signed-in person (None) is, asked of Graph."""
        with self._app_token_blamed(user):
            return await fetch_mailbox_identity(
                self.http, base_url=self.config.graph.base_url, tokens=self.tokens(user), user=user
            )

    def mailbox(self, target: MailboxTarget) -> GraphMailbox:
        """The Graph client for ``target``'s mailbox, addressed by its UPN (so its state is kept under the
        mailbox's name even for a delegated run), with the containers remembered from earlier runs."""
        cfg = self.config
        names = user_field_names(cfg.entities, self.nav, time_zone=cfg.sync.time_zone)
        options = GraphMailboxOptions.from_config(cfg.sync, graph=cfg.graph, user_fields=names)
        return GraphMailbox(
            upn=target.upn,
            client=self.http,
            tokens=self.tokens(target.user),
            options=options,
            known=self._known_containers(target.upn, options),
        )

    # ------------------------------------------------------------------ runs

    def sync_options(self, target: MailboxTarget, settings: RunSettings) -> SyncOptions:
        return SyncOptions.from_config(
            self.config,
            salesperson_code=target.salesperson,
            dry_run=settings.dry_run,
            full=settings.full,
            allow_mass_delete=settings.allow_mass_delete,
            entities=settings.entities,
            progress=settings.progress,
            should_stop=self._stop_check(target.upn, settings.should_stop),
        )

    def _stop_check(self, upn: str, asked: Callable[[], bool] | None) -> Callable[[], bool] | None:
        """What the run asks between chunks: a stop request, or, where a lock can be lost under a run, its
        mailbox's lock lost (a PostgreSQL lock session that died: another worker may take the mailbox over,
        so this run must write no more)."""
        lock = self.store.mailbox(upn).lock
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

    async def sync(self, target: MailboxTarget, settings: RunSettings = RunSettings()) -> RunReport:
        """One sync run of ``target``'s mailbox. Raises what `run_sync` raises (LockHeldError, MassDeleteError,
        ConfigError, Graph and NAV errors that stop a run); item errors are in the report."""
        mailbox = self.mailbox(target)
        try:
            with self._app_token_blamed(target.user):
                report = await run_sync(
                    nav=self._scoped_nav(target),
                    mailbox=mailbox,
                    store=self.store,
                    entities=self.config.entities,
                    options=self.sync_options(target, settings),
                )
            if not settings.dry_run:
                # The engine provisioned at the start of the run; this answers from the client's memory.
                self._remember_containers(target.upn, mailbox.options, await mailbox.provision())
            return report
        finally:
            await mailbox.aclose()

    def _scoped_nav(self, target: MailboxTarget) -> NavConnector:
        """NAV for one run, its first read narrowed to the mailbox's own records where NAV can do it
        (`graphsync.runtime.scoped`)."""
        from graphsync.runtime.scoped import ScopedNav, pushable_scopes

        scopes = pushable_scopes(self.config.entities, target.salesperson, self.nav.table_def)
        if not scopes:
            return self.nav
        links = self.store.mailbox(target.upn).links
        names = {
            table: [s.name.value for s in self.config.entities if s.enabled and s.table is table] for table in scopes
        }
        return ScopedNav(self.nav, scopes, lambda table: not links.any(entities=names[table]))

    async def resolve_now(
        self, target: MailboxTarget, *, keep: Side, nav_keys: Sequence[str] | None = None
    ) -> RunReport:
        """Resolve conflicts keeping one side and apply the resolutions at once (a run reading no changes)."""
        mailbox = self.mailbox(target)
        try:
            with self._app_token_blamed(target.user):
                return await resolve_now(
                    nav=self.nav,
                    mailbox=mailbox,
                    store=self.store,
                    entities=self.config.entities,
                    options=self.sync_options(target, RunSettings()),
                    keep=keep,
                    nav_keys=nav_keys,
                )
        finally:
            await mailbox.aclose()

    @contextmanager
    def _app_token_blamed(self, user: str | None) -> Iterator[None]:
        """Marks Graph's 401 to an app's token as such, so that the advice names the app registration
        rather than a sign-in an app-only run never uses."""
        try:
            yield
        except GraphAuthError as exc:
            if exc.status == 401 and user is not None and self.tokens(user).app_only:
                exc.app_only = True
            raise

    # ------------------------------------------------------------------ remembered containers

    def _names(self, options: GraphMailboxOptions) -> list[str]:
        return [options.contact_folder, options.todo_list, options.calendar]

    def _known_containers(self, upn: str, options: GraphMailboxOptions) -> Containers | None:
        """The container ids of the last run, when they were found under the names configured now: then a
        folder deleted or renamed in Outlook is reported instead of silently made again (every item would
        sync again as new). A config naming other containers starts from a look-up by name."""
        raw = self.store.mailbox(upn).cursors.get(ContainersCursor())
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
