"""The one-shot migrations (`graphsync.migrate`) wired to a config: NAV, the state store and Graph through a
`Runtime`, per mailbox (the signed-in person's, ``--user UPN`` app-only) or tenant-wide (``--all-mailboxes``:
every mailbox concerned, app-only).

    async with Runtime(config) as rt:
        report = await addin_links(rt, Scope(user=None), apply=False)

Which mailboxes a tenant-wide run covers: the add-in's links go to the mailbox of each NAV user's salesperson
(User Setup, table 91); adoption proposes for every salesperson's mailbox (`graphsync.runtime.mailboxes`) and
adopts for the mailboxes the reviewed file names; a rollback covers every mailbox the state store knows. A
mailbox of a tenant-wide run that fails as a whole is reported and the others go on.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from graphsync.connectors.nav import NavTable
from graphsync.connectors.outlook import ItemKind
from graphsync.engine.report import ProgressEvent
from graphsync.errors import ConfigError, GraphsyncError, NavRefusedError, NotFoundError
from graphsync.graph.migration import GraphMigrationMailbox
from graphsync.migrate import state
from graphsync.migrate.addin import links as addin_links_module
from graphsync.migrate.addin.setup import ConfigGroup, SetupProposal, config_text, propose
from graphsync.migrate.addin.tables import AddinSetup, read_setup
from graphsync.migrate.adopt import adopt_reviewed, propose_adoptions
from graphsync.migrate.adopt.review import ReviewRow, read_review, write_review
from graphsync.migrate.context import MailboxContext
from graphsync.migrate.outcome import ROW_COLUMNS, MigrationReport, Result, Row, merge
from graphsync.migrate.report import MailboxLine, render_csv
from graphsync.migrate.rollback import RollbackMode, rollback
from graphsync.nav.schema import ADDIN_TABLES
from graphsync.nav.schema import table_def as nav_tables
from graphsync.runtime.mailboxes import mailbox_of, tenant_mailboxes
from graphsync.runtime.overview import MailboxOverview, tenant_overview
from graphsync.runtime.stores import store_exists
from graphsync.runtime.wiring import MailboxTarget, Runtime

Progress = Callable[[ProgressEvent], None]


@dataclass(frozen=True)
class Scope:
    """Which mailboxes: the signed-in person's (``user`` None), one app-only (``user``), or every one concerned
    (``all_mailboxes``, app-only)."""

    user: str | None = None
    all_mailboxes: bool = False

    def __post_init__(self) -> None:
        if self.user is not None and self.all_mailboxes:
            raise ConfigError(file=None, key="--user", expected="either --user UPN or --all-mailboxes", got=self.user)


@dataclass(frozen=True)
class Running:
    """How a run goes: dry run or not, progress, and the stop flag a terminal's Ctrl-C sets."""

    apply: bool = False
    progress: Progress | None = None
    should_stop: Callable[[], bool] | None = None


def _no_such_mailbox(upn: str | None) -> ConfigError:
    return ConfigError(
        file=None,
        key="--user",
        expected="a mailbox of this tenant (Microsoft Graph has no user with this name; check its spelling)",
        got=upn,
    )


async def _target(rt: Runtime, user: str | None) -> MailboxTarget:
    try:
        return await rt.target(user)
    except NotFoundError:
        raise _no_such_mailbox(user) from None


async def _identity_target(rt: Runtime, user: str | None) -> MailboxTarget:
    """A target without its salesperson (a rollback needs none: the salesperson may be gone from NAV)."""
    try:
        identity = await rt.target_identity(user)
    except NotFoundError:
        raise _no_such_mailbox(user) from None
    return MailboxTarget(identity=identity, salesperson="", user=user)


@asynccontextmanager
async def _outlook(rt: Runtime, target: MailboxTarget) -> AsyncIterator[GraphMigrationMailbox]:
    mailbox = rt.mailbox(target)
    try:
        yield GraphMigrationMailbox(mailbox)
    finally:
        await mailbox.aclose()


def _context(rt: Runtime, target: MailboxTarget) -> MailboxContext:
    return MailboxContext.build(rt.config, rt.nav, rt.entities(), mailbox=target.upn, owner=target.salesperson)


async def _each(
    script: str,
    rt: Runtime,
    scope: Scope,
    mailboxes: Sequence[str],
    run: Callable[[str | None], Awaitable[MigrationReport]],
    running: Running,
) -> MigrationReport:
    """``run`` for the scope's mailbox, or for each of ``mailboxes`` (tenant-wide: a failure is reported and the
    next mailbox goes on)."""
    if not scope.all_mailboxes:
        return await run(scope.user)
    parts: list[MigrationReport] = []
    for upn in mailboxes:
        if running.should_stop is not None and running.should_stop():
            parts.append(MigrationReport(script, not running.apply, (), (), stopped=True))
            break
        try:
            parts.append(await run(upn))
        except GraphsyncError as exc:
            parts.append(MigrationReport(script, not running.apply, (upn,), (), failures=((upn, exc),)))
    return merge(script, not running.apply, parts)


# --------------------------------------------------------------------------- from the add-in


def addin_setup(rt: Runtime) -> AddinSetup:
    """The add-in's tables. Over OData, a table whose page is not published (or, on Business Central, which has
    no such table) is a setup error naming the page to publish (`graphsync.nav.odata.addin_pages`)."""
    file = str(rt.config.file) if rt.config.file else None
    try:
        return read_setup(rt.nav)
    except ConfigError as exc:
        if exc.file is not None or not exc.key.startswith("nav.odata"):
            raise
        raise ConfigError(file=file, key=exc.key, expected=exc.expected, got=exc.got) from None
    except NavRefusedError as exc:
        if exc.table is None or exc.table not in {*ADDIN_TABLES, NavTable.USER_SETUP}:
            raise
        raise ConfigError(
            file=file,
            key="nav.odata",
            expected="the add-in's tables published as web services (docs/migrate.md, 'Reading the add-in's tables "
            "over OData', lists the pages)",
            got=exc.message,
        ) from None


def addin_config(rt: Runtime) -> SetupProposal:
    """The add-in's setup as graphsync config (reads NAV only). Its field numbers are named by NAV's own table
    definitions, not by the connection's: a connection over OData reads only the fields the current config
    maps, and the add-in's setup may map others (the config proposed then maps them; ``graphsync doctor`` says
    which a published page still lacks)."""
    return propose(addin_setup(rt), nav_tables)


def addin_config_files(rt: Runtime, proposal: SetupProposal) -> dict[str, str]:
    """File name -> text of each config the proposal makes, on the current config file's other sections."""
    base = rt.config.file.read_text(encoding="utf-8") if rt.config.file and rt.config.file.exists() else None
    return {group.file_name: config_text(base, group) for group in proposal.groups}


def write_config_files(out_dir: Path, files: dict[str, str]) -> list[Path]:
    """Write the files (each only once complete; an existing one is replaced)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in files.items():
        path = out_dir / name
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)
        written.append(path)
    return written


async def addin_links(rt: Runtime, scope: Scope, running: Running, *, nav_users: Sequence[str] = ()) -> MigrationReport:
    """Migrate the add-in's links into the scope's mailboxes (``nav_users``: whose links, for one mailbox)."""
    if nav_users and scope.all_mailboxes:
        raise ConfigError(
            file=None, key="--nav-user", expected="one mailbox (--user or signed in), not --all-mailboxes"
        )
    setup = addin_setup(rt)
    groups = {user: group for group in propose(setup, nav_tables).groups for user in group.users}
    unplaced: list[Row] = []
    mailboxes: dict[str, list[str]] = {}
    if scope.all_mailboxes:
        for user in sorted({link.user_id for link in setup.links}):
            code = setup.salesperson_of(user)
            upn = mailbox_of(code, rt.nav, rt.config.mailboxes) if code else None
            if upn is None:
                why = "has no salesperson in User Setup" if not code else f"'s salesperson {code} has no mailbox"
                unplaced.append(
                    Row(
                        "",
                        "",
                        "",
                        user,
                        "",
                        "find the mailbox",
                        Result.PROBLEM,
                        f"NAV user {user} {why}: its links "
                        "are not migrated; run for its mailbox with --user UPN --nav-user USER",
                    )
                )
                continue
            mailboxes.setdefault(upn, []).append(user)

    async def one(user: str | None) -> MigrationReport:
        target = await _target(rt, user)
        users = list(nav_users) or mailboxes.get(target.upn) or setup.users_of(target.salesperson)
        if not users:
            raise ConfigError(
                file=None,
                key="--nav-user",
                expected=f"the NAV user whose add-in links go to {target.upn} (no User Setup line names salesperson "
                f"{target.salesperson})",
                got=None,
            )
        ctx = _context(rt, target)
        skipped: list[Row] = []
        if not nav_users:  # named explicitly: the person chose this config for them
            for user_id in list(users):
                differs = _setup_differs(rt, groups.get(user_id))
                if differs:
                    users.remove(user_id)
                    file = groups[user_id].file_name
                    skipped.append(
                        Row(
                            target.upn,
                            "",
                            "",
                            user_id,
                            "",
                            "check the config",
                            Result.PROBLEM,
                            f"NAV user {user_id}'s add-in setup is not this config's ({differs}): its links are not "
                            f"migrated with it; run with --config {file} (migrate_addin.py config writes it), or name "
                            "the user with --nav-user to migrate them with this config",
                        )
                    )
        async with _outlook(rt, target) as outlook:
            done = await addin_links_module.migrate_links(
                ctx,
                setup,
                users,
                outlook,
                rt.store,
                apply=running.apply,
                progress=running.progress,
                should_stop=running.should_stop,
            )
        return merge(done.script, done.dry_run, [done, MigrationReport(done.script, done.dry_run, (), tuple(skipped))])

    report = await _each("addin-links", rt, scope, sorted(mailboxes), one, running)
    if unplaced:
        report = merge(
            report.script, report.dry_run, [report, MigrationReport(report.script, report.dry_run, (), tuple(unplaced))]
        )
    return report


def _setup_differs(rt: Runtime, group: ConfigGroup | None) -> str:
    """How the config in use differs from a user's add-in setup in what entities sync and which way ("" when it
    does not, or the user has no setup of their own)."""
    if group is None:
        return ""
    wanted = {e.name: e for e in group.entities}
    out = []
    for spec in rt.config.entities:
        setting = wanted.get(spec.name)
        if setting is None:
            continue
        if setting.enabled != spec.enabled:
            out.append(f"{spec.name.value} {'enabled' if setting.enabled else 'disabled'} in the add-in")
        elif setting.enabled and setting.direction is not spec.direction:
            out.append(f"{spec.name.value} {setting.direction.value} in the add-in")
    return "; ".join(out)


# --------------------------------------------------------------------------- adopting what is there


async def adoption_proposal(rt: Runtime, scope: Scope, running: Running) -> tuple[list[ReviewRow], MigrationReport]:
    """The rows to review for the scope's mailboxes (reads only)."""
    rows: list[ReviewRow] = []

    async def one(user: str | None) -> MigrationReport:
        target = await _target(rt, user)
        async with _outlook(rt, target) as outlook:
            found = await propose_adoptions(_context(rt, target), outlook, rt.store)
        rows.extend(found)
        return MigrationReport("adopt-propose", True, (target.upn,), ())

    # The mailboxes `graphsync sync --all-mailboxes` syncs.
    mailboxes = [m.upn for m in tenant_mailboxes(rt.config, rt.nav)]
    report = await _each("adopt-propose", rt, scope, mailboxes, one, running)
    return rows, report


async def adopt(rt: Runtime, scope: Scope, running: Running, rows: Sequence[ReviewRow]) -> MigrationReport:
    """Adopt what the reviewed rows say, for the scope's mailboxes."""

    async def one(user: str | None) -> MigrationReport:
        target = await _target(rt, user)
        async with _outlook(rt, target) as outlook:
            return await adopt_reviewed(
                _context(rt, target),
                outlook,
                rt.store,
                rows,
                apply=running.apply,
                progress=running.progress,
                should_stop=running.should_stop,
            )

    mailboxes = sorted({r.mailbox for r in rows if r.adopt})
    return await _each("adopt", rt, scope, mailboxes, one, running)


# --------------------------------------------------------------------------- rollback


def _user_fields(rt: Runtime) -> dict[ItemKind, tuple[str, ...]]:
    """Every user-defined field name the config's entities use, by item kind (enabled or not: a field of an
    entity switched off since may still be on items)."""
    out: dict[ItemKind, list[str]] = {}
    for bound in rt.entities(disabled=True):
        names = out.setdefault(bound.kind, [])
        names.extend(n for n in bound.map.user_fields if n not in names)
    return {kind: tuple(names) for kind, names in out.items()}


async def remove(rt: Runtime, scope: Scope, running: Running, *, mode: RollbackMode) -> MigrationReport:
    """Remove graphsync from the scope's mailboxes (tenant-wide: every mailbox the state store knows)."""
    fields = _user_fields(rt)

    async def one(user: str | None) -> MigrationReport:
        target = await _identity_target(rt, user)
        async with _outlook(rt, target) as outlook:
            return await rollback(
                target.upn,
                outlook,
                rt.store,
                mode=mode,
                user_fields=dict(fields),
                apply=running.apply,
                progress=running.progress,
                should_stop=running.should_stop,
            )

    return await _each("rollback", rt, scope, state.known_mailboxes(rt.store), one, running)


# --------------------------------------------------------------------------- the tenant report


def report(rt: Runtime, *, now: dt.datetime | None = None) -> list[MailboxLine]:
    """The tenant report's lines (the state store and NAV only): every mailbox a tenant-wide sync covers and
    every one the state store knows, with `graphsync status --all-mailboxes`'s facts of each."""
    mailboxes = tenant_mailboxes(rt.config, rt.nav)
    # Nothing synced here yet: a report must not make a state store.
    store = rt.store if store_exists(rt.config) else None
    return report_lines(tenant_overview(store, mailboxes), now=now)


def report_lines(overviews: Sequence[MailboxOverview], *, now: dt.datetime | None = None) -> list[MailboxLine]:
    """The tenant report's line of each mailbox overview; ages as of ``now`` (default: now)."""
    moment = now or dt.datetime.now(dt.UTC)
    lines = []
    for o in overviews:
        finished, age = o.finished_at, o.age(moment)
        lines.append(
            MailboxLine(
                o.upn,
                o.salesperson or "",
                o.links,
                o.unresolved_conflicts,
                o.item_errors,
                finished.astimezone(dt.UTC).isoformat(timespec="seconds") if finished else "",
                o.last_finished.status if o.last_finished is not None else "",
                None if age is None else int(age.total_seconds()),
            )
        )
    return lines


# The migrations' values and file formats are handed on to the scripts and the CLI, which reach the migrations
# only through the runtime.
__all__ = [
    "ROW_COLUMNS",
    "MailboxLine",
    "MigrationReport",
    "RollbackMode",
    "Running",
    "Scope",
    "SetupProposal",
    "addin_config",
    "addin_config_files",
    "addin_links",
    "adopt",
    "adoption_proposal",
    "read_review",
    "remove",
    "render_csv",
    "report",
    "report_lines",
    "write_config_files",
    "write_review",
]
