"""The checks `graphsync doctor` runs, as NAV's "Test Connection" did: NAV reachable, Graph reachable, the
signed-in identity, its salesperson, the permissions granted, the folder / calendar / list found, the state.

`diagnose` never changes anything: containers that are missing are reported (the first sync makes them),
not created. Each `Check` carries facts and, when it failed, the graphsync error; the CLI words the fix
(`graphsync.cli.messages`), except for what only doctor says (how NAV's pages are read, what they lack),
worded here. A check that needs an earlier one (a mailbox needs a sign-in) is skipped when
that one failed.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING, Any

import httpx

from graphsync.auth.connections import Connections
from graphsync.config import Config
from graphsync.config.entities import Direction, EntityName
from graphsync.connectors.auth import AccessTokenSource
from graphsync.connectors.nav import NavConnector, NavTable
from graphsync.errors import ConfigError, GraphError, GraphsyncError, StateError
from graphsync.graph.errormap import error_from_response
from graphsync.graph.identity import MailboxIdentity, fetch_mailbox_identity
from graphsync.runtime.wiring import Runtime

if TYPE_CHECKING:
    from graphsync.nav.odata.binding import MissingField
    from graphsync.nav.odata.connector import DeletionDetection

COMPLETE_CONTROL = "GraphsyncCompleted"
"""The to-do page's completion control (graphsync.nav.odata.catalogue.COMPLETE_CONTROL), named in advice."""


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


def odata_deletions(detection: DeletionDetection, *, change_log_service: str) -> str:
    """How the OData connector finds records deleted in NAV, and why (for ``graphsync doctor``)."""
    return {
        "change log": (
            f"from the Change Log Entries page {change_log_service!r} (Type of Change = Deletion after the last "
            "entry seen); make sure Change Log Setup logs deletions of this table"
        ),
        "key list": (
            f"by comparing NAV's keys with graphsync's links on every run, because no page is published as "
            f"{change_log_service!r}; publish Change Log Entries (page 595) under that name to read deletions instead"
        ),
        "hash comparison": (
            "by comparing every record with the previous run (NAV keeps no modified stamp for this table), "
            "which finds changes and deletions alike"
        ),
    }[detection.value]


def odata_missing_field(missing: MissingField, *, flavour: str) -> str:
    """What to do about a field graphsync maps (or needs) that the page it reads does not show."""
    f = missing.field
    how = (
        "with a page extension (a field() control in the page's layout; docs/odata.md, Business Central)"
        if flavour == "bc"
        else "in the page designer (docs/odata.md, NAV 2017/2018)"
    )
    effect = "graphsync cannot sync this table without it" if missing.essential else "it is not synced until then"
    return (
        f"{f.name} (field {f.no}, OData property {missing.prop}) is not on the page {missing.service!r}: {effect}; "
        f"add the field to the page published as {missing.service!r} {how}, or remove it from the field map"
    )


def todo_completion_asks(service: str) -> str:
    """A to-do page without the completion control: completing a task in To Do fails in NAV."""
    return (
        f"the to-do page {service!r} has no {COMPLETE_CONTROL} control, so a task completed in To Do cannot be "
        'completed in NAV (closing a to-do through a page asks "Do you want to register an Interaction Log '
        'Entry?", which a web-service session refuses); add the control as docs/odata.md describes'
    )


@dataclass(frozen=True)
class _Probe:
    name: str
    permission: str
    path: str


def _probes(app_only: bool, *, mailbox_zone: bool) -> tuple[_Probe, ...]:
    """``mailbox_zone``: To Do's dates are days in the mailbox's time zone, read from its settings (unless the
    config sets ``[sync] time_zone``), which needs MailboxSettings.Read."""
    tasks = "Tasks.ReadWrite.All" if app_only else "Tasks.ReadWrite"
    zone = (_Probe("mailbox time zone", "MailboxSettings.Read", "mailboxSettings/timeZone"),) if mailbox_zone else ()
    return (
        _Probe("contacts", "Contacts.ReadWrite", "contactFolders?$top=1"),
        _Probe("calendar", "Calendars.ReadWrite", "calendar"),
        _Probe("To Do", tasks, "todo/lists?$top=1"),
        *zone,
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
            mailbox_zone = not config.sync.time_zone_configured
            permitted = await _permission_checks(graph, app_only, checks, mailbox_zone=mailbox_zone)
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
        tables = [nav.table_def(t) for t in (NavTable.CONTACT, NavTable.SALESPERSON)]
    except GraphsyncError as exc:
        checks.append(Check("NAV", CheckStatus.FAILED, "not reachable", exc))
        return None
    try:
        tables.append(nav.table_def(NavTable.TODO))
    except GraphsyncError:
        pass  # a to-do page that is not published (or lacks what the engine needs) is its own check below
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
        for t in status():
            zone = nav.stamp_zone(t.table) if hasattr(nav, "stamp_zone") else None
            stamp = _STAMPS.get(t.stamp.value, t.stamp.value) + (f" ({zone.value})" if zone is not None else "")
            checks.append(
                Check(
                    f"NAV {t.table.name.lower()}",
                    CheckStatus.OK,
                    f"page {t.service!r}, changes by {stamp}; deletions "
                    + odata_deletions(t.deletions, change_log_service=odata.services.change_log),
                )
            )
        checks.extend(_published_checks(rt, nav))
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


def _published_checks(rt: Runtime, nav: Any) -> list[Check]:
    """What the published pages lack for the enabled entities: per page, each mapped field it does not show
    and what to add; pages not published; meetings on Business Central online; a to-do page whose tasks
    cannot be completed from To Do. Each is a failed check naming the fix."""
    from graphsync.runtime.availability import unsyncable

    odata = rt.config.nav.odata
    assert odata is not None
    flavour = odata.flavour.value
    checks = []
    by_page: dict[str, list[str]] = {}
    for missing in nav.missing_fields():
        by_page.setdefault(missing.service, []).append(odata_missing_field(missing, flavour=flavour))
    for service, fixes in by_page.items():
        checks.append(Check(f"NAV page {service!r}", CheckStatus.FAILED, "; ".join(fixes)))
    for u in unsyncable(nav, rt.config.entities):
        checks.append(Check(f"NAV {u.entity.value}", CheckStatus.FAILED, u.reason))
    entities = rt.config.entities
    tasks = [
        s for s in entities if s.enabled and s.name is EntityName.TASK and s.direction is not Direction.NAV_TO_OUTLOOK
    ]
    todos = nav.unpublished().get(NavTable.TODO) is None
    if tasks and todos and not nav.completes_without_dialog:
        checks.append(Check("NAV to-do completion", CheckStatus.FAILED, todo_completion_asks(odata.services.todos)))
    return checks


async def _graph_checks(rt: Runtime, user: str | None, checks: list[Check]) -> MailboxIdentity | None:
    base = rt.config.graph.base_url
    try:
        await rt.http.get(f"{base}/")
    except GraphsyncError as exc:  # the config's sandbox file is open in another process
        checks.append(Check("Graph", CheckStatus.FAILED, "the sandbox cannot be opened", exc))
        checks.append(Check("sign-in", CheckStatus.SKIPPED, "needs Graph"))
        return None
    except httpx.TransportError as exc:
        error = GraphError(f"no response: {type(exc).__name__}", code="noResponse", method="GET", url=f"{base}/")
        checks.append(Check("Graph", CheckStatus.FAILED, f"{base} does not answer", error))
        checks.append(Check("sign-in", CheckStatus.SKIPPED, "needs Graph"))
        return None
    opened = rt.sandbox_data
    if opened is not None:
        checks.append(Check("Graph", CheckStatus.OK, f"no sandbox served at {base}: opened {opened} in this command"))
    else:
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
    from graphsync.runtime.signin import salesperson_for

    try:
        code = salesperson_for(config, identity, nav)
    except GraphsyncError as exc:
        return Check("salesperson", CheckStatus.FAILED, f"no NAV salesperson for {identity.upn}", exc)
    return Check("salesperson", CheckStatus.OK, f"{identity.upn} is NAV salesperson {code}")


async def _permission_checks(graph: _Graph, app_only: bool, checks: list[Check], *, mailbox_zone: bool) -> bool:
    ok = True
    for probe in _probes(app_only, mailbox_zone=mailbox_zone):
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
    from graphsync.runtime.stores import check_state_folder, existing_store

    try:
        check_state_folder(config)
        store = existing_store(config)
    except ConfigError as exc:
        return Check("state store", CheckStatus.FAILED, f"{config.state.location} cannot be made", exc)
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
