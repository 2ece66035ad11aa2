"""The checks `graphsync doctor` runs, as NAV's "Test Connection" did: NAV reachable, Graph reachable, the
signed-in identity, its salesperson, the permissions granted, the folder / calendar / list found, the state.

`diagnose` never changes anything: containers that are missing are reported (the first sync makes them),
not created. Each `Check` carries facts and, when it failed, the graphsync error; the CLI words the fix
(`graphsync.cli.messages`). A check that needs an earlier one (a mailbox needs a sign-in) is skipped when
that one failed.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any

import httpx

from graphsync.auth.connections import Connections
from graphsync.auth.mailbox import MailboxIdentity, fetch_mailbox_identity
from graphsync.config import Config
from graphsync.connectors.auth import AccessTokenSource
from graphsync.connectors.nav import NavConnector, NavTable
from graphsync.errors import GraphError, GraphsyncError, StateError
from graphsync.graph.errormap import error_from_response
from graphsync.runtime.session import Runtime


class CheckStatus(Enum):
    OK = "ok"
    NOTE = "note"
    """Works, with something worth knowing (a folder the first sync will create)."""
    FAILED = "failed"
    SKIPPED = "skipped"


@dataclass(frozen=True)
class Check:
    name: str
    status: CheckStatus
    detail: str
    error: GraphsyncError | None = None

    @property
    def ok(self) -> bool:
        return self.status in (CheckStatus.OK, CheckStatus.NOTE)


@dataclass(frozen=True)
class _Probe:
    name: str
    permission: str
    path: str


def _probes(app_only: bool) -> tuple[_Probe, ...]:
    tasks = "Tasks.ReadWrite.All" if app_only else "Tasks.ReadWrite"
    return (
        _Probe("contacts", "Contacts.ReadWrite", "contactFolders?$top=1"),
        _Probe("calendar", "Calendars.ReadWrite", "calendar"),
        _Probe("To Do", tasks, "todo/lists?$top=1"),
    )


class _Graph:
    """Plain GETs with the run's token, errors mapped to graphsync's tree."""

    def __init__(self, http: httpx.AsyncClient, base_url: str, tokens: AccessTokenSource, upn: str) -> None:
        self._http = http
        self._root = f"{base_url}/users/{urllib.parse.quote(upn)}"
        self._tokens = tokens

    async def get(self, path: str) -> Any:
        url = path if path.startswith("http") else f"{self._root}/{path}"
        headers = {"Authorization": f"Bearer {await self._tokens.token()}", "Accept": "application/json"}
        try:
            response = await self._http.get(url, headers=headers)
        except httpx.TransportError as exc:
            raise GraphError(f"no response: {type(exc).__name__}", code="noResponse", method="GET", url=url) from None
        if response.status_code >= 400:
            raise error_from_response(response.status_code, response.headers, response.content, method="GET", url=url)
        return response.json()

    async def find_by_name(self, collection: str, name_property: str, name: str) -> str | None:
        url: str | None = collection
        seen: set[str] = set()
        while url and url not in seen:
            seen.add(url)
            page = await self.get(url)
            for entry in page.get("value", []) if isinstance(page, Mapping) else []:
                if str(entry.get(name_property, "")).casefold() == name.casefold():
                    return str(entry["id"])
            nxt = page.get("@odata.nextLink") if isinstance(page, Mapping) else None
            url = nxt if isinstance(nxt, str) else None
        return None


async def diagnose(config: Config, *, user: str | None = None, connections: Connections | None = None) -> list[Check]:
    """Every check, in order (see the module docstring)."""
    checks: list[Check] = [
        Check("config", CheckStatus.OK, str(config.file) if config.file else "none found: the embedded defaults")
    ]
    async with Runtime(config, connections=connections) as rt:
        nav = _nav_checks(rt, checks)
        identity = await _graph_checks(rt, user, checks)
        if nav is not None and identity is not None:
            checks.append(_salesperson_check(config, identity, nav))
        else:
            checks.append(Check("salesperson", CheckStatus.SKIPPED, "needs NAV and the mailbox"))
        if identity is not None:
            graph = _Graph(rt.http, config.graph.base_url, rt.tokens(user), identity.upn)
            app_only = rt.tokens(user).app_only
            permitted = await _permission_checks(graph, app_only, checks)
            if permitted:
                await _container_checks(config, graph, checks)
            else:
                checks.append(Check("containers", CheckStatus.SKIPPED, "needs the permissions above"))
        else:
            for name in ("permissions", "containers"):
                checks.append(Check(name, CheckStatus.SKIPPED, "needs a signed-in mailbox"))
        checks.append(_state_check(config))
    return checks


_STAMPS = {
    "none": "comparing every record with the previous run",
    "date and time": "Last Date/Time Modified",
    "datetime": "SystemModifiedAt",
}


def _nav_checks(rt: Runtime, checks: list[Check]) -> NavConnector | None:
    try:
        nav = rt.nav
        tables = [nav.table_def(t) for t in (NavTable.CONTACT, NavTable.SALESPERSON, NavTable.TODO)]
    except GraphsyncError as exc:
        checks.append(Check("NAV", CheckStatus.FAILED, "not reachable", exc))
        return None
    company = getattr(nav, "company_name", "")
    where = getattr(nav, "path", "")
    checks.append(
        Check(
            "NAV",
            CheckStatus.OK,
            f"{'company ' + repr(company) + ' ' if company else ''}{'at ' + str(where) + ', ' if where else ''}"
            f"tables {', '.join(f'{t.no} {t.name}' for t in tables)}",
        )
    )
    status = getattr(nav, "status", None)
    odata = rt.config.nav.odata
    if callable(status) and odata is not None:
        # NAV over OData: say per page how changes and deletions are read, and why (issue: NAV's own setup
        # decides it, so the person must be able to see it).
        from graphsync.cli.messages import odata_deletions

        for t in status():
            checks.append(
                Check(
                    f"NAV {t.table.name.lower()}",
                    CheckStatus.OK,
                    f"page {t.service!r}, changes by {_STAMPS.get(t.stamp.value, t.stamp.value)}; deletions "
                    + odata_deletions(t.deletions, change_log_service=odata.services.change_log),
                )
            )
        return nav
    tracked = getattr(nav, "deletions_tracked", None)
    if callable(tracked):
        untracked = [t.name for t in tables if not tracked(NavTable(t.no))]
        if untracked:
            checks.append(
                Check(
                    "NAV change log",
                    CheckStatus.NOTE,
                    f"deletions in {', '.join(untracked)} are not logged: each run compares every key instead "
                    "(slower); log the key field in Change Log Setup",
                )
            )
        else:
            checks.append(Check("NAV change log", CheckStatus.OK, "insertions, changes and deletions are logged"))
    return nav


async def _graph_checks(rt: Runtime, user: str | None, checks: list[Check]) -> MailboxIdentity | None:
    base = rt.config.graph.base_url
    try:
        await rt.http.get(f"{base}/")
    except httpx.TransportError as exc:
        error = GraphError(f"no response: {type(exc).__name__}", code="noResponse", method="GET", url=f"{base}/")
        checks.append(Check("Graph", CheckStatus.FAILED, f"{base} does not answer", error))
        checks.append(Check("sign-in", CheckStatus.SKIPPED, "needs Graph"))
        return None
    checks.append(Check("Graph", CheckStatus.OK, f"{base} answers"))
    try:
        tokens = rt.tokens(user)
        identity = await fetch_mailbox_identity(rt.http, base_url=base, tokens=tokens, user=user)
    except GraphsyncError as exc:
        checks.append(Check("sign-in", CheckStatus.FAILED, "no usable sign-in", exc))
        return None
    how = f"app-only for {user}" if user else "signed in as"
    mail = f", primary address {identity.mail}" if identity.mail else ""
    checks.append(Check("sign-in", CheckStatus.OK, f"{how} {identity.upn}{mail}"))
    return identity


def _salesperson_check(config: Config, identity: MailboxIdentity, nav: NavConnector) -> Check:
    from graphsync.auth.session import salesperson_for

    try:
        code = salesperson_for(config, identity, nav)
    except GraphsyncError as exc:
        return Check("salesperson", CheckStatus.FAILED, f"no NAV salesperson for {identity.upn}", exc)
    return Check("salesperson", CheckStatus.OK, f"{identity.upn} is NAV salesperson {code}")


async def _permission_checks(graph: _Graph, app_only: bool, checks: list[Check]) -> bool:
    ok = True
    for probe in _probes(app_only):
        try:
            await graph.get(probe.path)
        except GraphsyncError as exc:
            checks.append(Check(f"permission {probe.permission}", CheckStatus.FAILED, f"{probe.name} refused", exc))
            ok = False
            continue
        checks.append(Check(f"permission {probe.permission}", CheckStatus.OK, f"{probe.name} readable"))
    return ok


async def _container_checks(config: Config, graph: _Graph, checks: list[Check]) -> None:
    sync = config.sync
    wanted = [
        ("contact folder", "contactFolders", "displayName", sync.contact_folder),
        ("To Do list", "todo/lists", "displayName", sync.todo_list),
    ]
    if sync.calendar:
        wanted.append(("calendar", "calendars", "name", sync.calendar))
    else:
        checks.append(Check("calendar", CheckStatus.OK, "meetings go to the primary calendar"))
    for label, collection, prop, name in wanted:
        try:
            found = await graph.find_by_name(collection, prop, name)
        except GraphsyncError as exc:
            checks.append(Check(label, CheckStatus.FAILED, f"{name!r} could not be looked up", exc))
            continue
        if found is None:
            checks.append(Check(label, CheckStatus.NOTE, f"{name!r} not found: the first sync creates it"))
        else:
            checks.append(Check(label, CheckStatus.OK, f"{name!r} found"))


def _state_check(config: Config) -> Check:
    from graphsync.runtime.state import existing_store

    try:
        store = existing_store(config)
    except StateError as exc:
        return Check("state store", CheckStatus.FAILED, f"{config.state.location} is unusable", exc)
    if store is None:
        return Check(
            "state store", CheckStatus.NOTE, f"{config.state.location} does not exist yet: the first sync makes it"
        )
    with store:
        mailboxes = store.mailboxes()
        version = store.schema_version
    return Check(
        "state store",
        CheckStatus.OK,
        f"{config.state.location}, schema {version}, mailboxes synced: {', '.join(mailboxes) or 'none yet'}",
    )
