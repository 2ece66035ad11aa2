"""``graphsync sync --all-mailboxes`` (or ``--user`` repeated): every mailbox of the tenant, concurrently.

The work is `graphsync.runtime.tenant.run_tenant`; this module prints a line per mailbox as it finishes,
draws a bar per running mailbox on a terminal, and prints the table (or the JSON) at the end. The exit code
is the worst of the mailboxes' (`messages.worst_exit_code`).
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import click
from rich.progress import Progress as RichProgress
from rich.progress import TaskID

from graphsync.cli import auth as cli_auth
from graphsync.cli import messages, output
from graphsync.cli.runs import entities_in_run, error_json, interrupted_code
from graphsync.config import Config, load_config
from graphsync.errors import ConfigError, GraphsyncError, NavError
from graphsync.schedule import StopFlag, Tick, parse_interval, run_every

if TYPE_CHECKING:  # the runtime loads the Graph SDK and SQLAlchemy: only a run pays for them
    from graphsync.runtime import RunSettings
    from graphsync.runtime.mailboxes import TenantMailbox
    from graphsync.runtime.overview import MailboxOverview, RunRecord
    from graphsync.runtime.tenant import MailboxOutcome, Progress, ProgressEvent, TenantReport


def outcome_exit_code(outcome: MailboxOutcome) -> int:
    from graphsync.runtime.tenant import OutcomeStatus

    if outcome.status is OutcomeStatus.ATTENTION:
        return messages.EXIT_ITEMS
    if outcome.status in (OutcomeStatus.OK, OutcomeStatus.STOPPED):
        return messages.EXIT_OK
    if isinstance(outcome.error, GraphsyncError):
        return messages.exit_code(outcome.error)
    return messages.EXIT_ITEMS


def outcome_message(outcome: MailboxOutcome) -> str:
    """Why a mailbox did not finish, in the words `graphsync sync --user` would have used."""
    error = outcome.error
    if error is None:
        return "not started: the run was asked to stop" if outcome.report is None else ""
    if isinstance(error, GraphsyncError):
        return messages.render(error)
    return messages.unexpected(error)


def _counts(outcome: MailboxOutcome) -> str:
    report = outcome.report
    if report is None:
        return ""
    return ", ".join(f"{k} {v}" for k, v in sorted(report.counts.items()) if v) or "nothing to do"


def outcome_line(outcome: MailboxOutcome) -> str:
    """The line printed as a mailbox finishes."""
    who = outcome.upn + (f" ({outcome.salesperson})" if outcome.salesperson else "")
    detail = _counts(outcome) if outcome.report is not None else outcome_message(outcome)
    return f"{who}: {outcome.status.value} in {outcome.seconds:.1f}s: {detail}"


def outcome_json(outcome: MailboxOutcome, entities: Sequence[Any] | None = None) -> dict[str, Any]:
    from graphsync.runtime.summary import report_json

    code = outcome_exit_code(outcome)
    base: dict[str, Any] = {
        "mailbox": outcome.upn,
        "salesperson": outcome.salesperson,
        "source": outcome.mailbox.source.value,
        "status": outcome.status.value,
        "seconds": outcome.seconds,
    }
    if outcome.report is not None:
        data = report_json(outcome.report, salesperson=outcome.salesperson or "", exit_code=code, entities=entities)
        return {**data, **base}
    error = outcome.error
    return {
        **base,
        "ok": error is None,
        "exit_code": code,
        "error": type(error).__name__ if error is not None else None,
        "message": outcome_message(outcome),
    }


def tenant_json(tenant: TenantReport, entities: Sequence[Any] | None = None) -> dict[str, Any]:
    from graphsync.runtime.tenant import OutcomeStatus

    code = messages.worst_exit_code(outcome_exit_code(o) for o in tenant.outcomes)
    return {
        "ok": code == messages.EXIT_OK,
        "exit_code": code,
        "concurrency": tenant.concurrency,
        "seconds": tenant.seconds,
        "summary": {s.value: tenant.count(s) for s in OutcomeStatus},
        "mailboxes": [outcome_json(o, entities) for o in tenant.outcomes],
    }


def _side(outcome: MailboxOutcome, side: str) -> str:
    report = outcome.report
    if report is None:
        return ""
    done: dict[str, int] = {}
    for counts in report.done.values():
        for key, value in counts.items():
            done[key] = done.get(key, 0) + value
    return "/".join(str(done.get(f"{side}_{op}", 0)) for op in ("create", "update", "delete"))


def tenant_table(tenant: TenantReport) -> list[object]:
    from graphsync.runtime.tenant import OutcomeStatus

    red = (OutcomeStatus.FAILED, OutcomeStatus.ATTENTION)
    rows = []
    for o in tenant.outcomes:
        report = o.report
        conflicts = report.counts.get("conflicts", 0) if report else ""
        errors = len(report.errors) if report else ""
        rows.append(
            (
                o.upn,
                o.salesperson or "",
                f"[red]{o.status.value}[/red]" if o.status in red else o.status.value,
                _side(o, "nav"),
                _side(o, "outlook"),
                f"[red]{conflicts}[/red]" if conflicts else str(conflicts),
                f"[red]{errors}[/red]" if errors else str(errors),
                f"{o.seconds:.1f}",
                outcome_message(o) if report is None else "",
            )
        )
    summary = ", ".join(f"{tenant.count(s)} {s.value}" for s in OutcomeStatus if tenant.count(s))
    title = (
        f"Tenant run: {len(tenant.outcomes)} mailboxes, {tenant.concurrency} at a time, "
        f"{tenant.seconds:.1f}s ({summary or 'none'})"
    )
    columns = ("mailbox", "salesperson", "status", "NAV c/u/d", "Outlook c/u/d", "conflicts", "errors", "s", "why")
    return [output.table(title, columns, rows)]


class TenantBars:
    """Rich progress on a terminal: one bar for the mailboxes done, one per mailbox running."""

    def __init__(self, progress: RichProgress, total: int) -> None:
        self._progress = progress
        self._overall = progress.add_task("mailboxes", total=total)
        self._running: dict[str, TaskID] = {}

    def start(self, mailbox: TenantMailbox) -> None:
        self._running[mailbox.upn] = self._progress.add_task(f"{mailbox.upn} starting", total=None)

    def for_mailbox(self, mailbox: TenantMailbox) -> Progress:
        def update(event: ProgressEvent) -> None:
            task = self._running.get(mailbox.upn)
            if task is not None:
                self._progress.update(
                    task,
                    description=f"{mailbox.upn} {event.phase} {event.kind}s",
                    completed=event.done,
                    total=event.total,
                )

        return update

    def done(self, outcome: MailboxOutcome) -> None:
        task = self._running.pop(outcome.upn, None)
        if task is not None:
            self._progress.remove_task(task)
        self._progress.advance(self._overall)


@contextmanager
def tenant_bars(total: int, *, enabled: bool) -> Iterator[TenantBars | None]:
    with output.progress_on_terminal(enabled=enabled, label_width=40) as progress:
        yield None if progress is None else TenantBars(progress, total)


async def _tenant(
    config: Config,
    users: Sequence[str],
    settings: RunSettings,
    *,
    concurrency: int,
    as_json: bool,
) -> TenantReport:
    from graphsync.runtime import Runtime
    from graphsync.runtime.mailboxes import tenant_mailboxes
    from graphsync.runtime.tenant import run_tenant

    async with Runtime(config, connections=cli_auth.connections()) as rt:
        mailboxes = tenant_mailboxes(config, rt.nav, users=users)
        if not mailboxes:
            raise ConfigError(
                file=str(config.file) if config.file else None,
                key="--all-mailboxes",
                expected="at least one mailbox: a NAV salesperson with an E-Mail, or a [mailboxes] entry",
                got="none",
            )
        # Lines as mailboxes finish: on stdout, or on stderr when stdout carries the JSON.
        err = as_json
        with tenant_bars(len(mailboxes), enabled=True) as bars:

            def done(outcome: MailboxOutcome) -> None:
                if bars is not None:
                    bars.done(outcome)
                click.echo(outcome_line(outcome), err=err)

            return await run_tenant(
                rt,
                mailboxes,
                settings,
                concurrency=concurrency,
                on_start=bars.start if bars is not None else None,
                on_done=done,
                progress_for=bars.for_mailbox if bars is not None else None,
            )


def tenant_once(
    config: Config,
    *,
    users: Sequence[str],
    settings: RunSettings,
    concurrency: int,
    as_json: bool,
    one_line: bool,
) -> tuple[int, bool]:
    """One tenant-wide run, printed; returns the worst exit code of its mailboxes, and whether a stop request
    cut any mailbox's run short (or left it unstarted)."""
    from graphsync.runtime.tenant import OutcomeStatus

    tenant = asyncio.run(_tenant(config, users, settings, concurrency=concurrency, as_json=as_json))

    entities = entities_in_run(config, settings)
    data = tenant_json(tenant, entities)
    if as_json:
        (output.print_json_line if one_line else output.print_json)(data)
    else:
        output.show(*tenant_table(tenant))
    return int(data["exit_code"]), tenant.count(OutcomeStatus.STOPPED) > 0


def tenant_sync(
    ctx: click.Context,
    config: Config,
    *,
    users: Sequence[str],
    settings: RunSettings,
    concurrency: int,
    as_json: bool,
    every: str | None,
    max_runs: int | None,
    stop: StopFlag,
) -> int:
    """``sync --all-mailboxes`` / ``--user`` repeated, once or every interval; returns the exit code (stopped
    by a signal: 130 or 143, as `graphsync.cli.runs.interrupted_code` says for one mailbox)."""
    if every is None:
        if max_runs is not None:
            raise ConfigError(file=None, key="--max-runs", expected="--every as well", got=max_runs)
        code, cut_short = tenant_once(
            config, users=users, settings=settings, concurrency=concurrency, as_json=as_json, one_line=False
        )
        if stop.is_set():
            click.echo(f"stopped ({stop.reason}); the next run continues from here", err=True)
        return interrupted_code(stop, cut_short=cut_short) or code
    interval = parse_interval(every)
    last = {"code": 0}
    cut = [False]

    def job() -> int:
        # The config and the mailboxes are read again each tick: a salesperson added in NAV is synced from
        # the next tick on, and a broken config edit fails that tick (with back-off) until it is fixed.
        current = load_config(config.file) if config.file else config
        last["code"], cut[0] = tenant_once(
            current, users=users, settings=settings, concurrency=concurrency, as_json=as_json, one_line=True
        )
        # One mailbox's failure is that mailbox's line; it must not slow the schedule of every other one.
        return messages.EXIT_OK if last["code"] == messages.EXIT_OK else messages.EXIT_ITEMS

    def on_tick(tick: Tick) -> None:
        if tick.error is not None:  # the tick could not run at all (NAV unreachable, a broken config)
            click.echo(f"run {tick.number} failed: {messages.render(tick.error)}", err=True)
            if as_json:
                output.print_json_line(error_json(tick.error))
            last["code"] = messages.exit_code(tick.error)
        # Quiet while all is well: the wait is said only when it is not the interval (a back-off after failures).
        more = not stop.is_set() and (max_runs is None or tick.number < max_runs)
        if more and tick.next_wait != interval:
            click.echo(f"next run in {tick.next_wait} (waiting longer after failures)", err=True)

    click.echo(f"syncing every mailbox every {interval}; stop with Ctrl-C", err=True)
    run_every(job, interval=interval, stop=stop, max_ticks=max_runs, on_tick=on_tick)
    if stop.is_set():
        click.echo(f"stopped ({stop.reason})", err=True)
    return interrupted_code(stop, cut_short=cut[0]) or last["code"]


def _age(delta: dt.timedelta | None) -> str:
    if delta is None:
        return ""
    seconds = int(delta.total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def tenant_status(config: Config, *, as_json: bool) -> None:
    """``graphsync status --all-mailboxes``: the tenant's mailboxes (from NAV and [mailboxes]) with the last
    run of each. When NAV cannot be read, the mailboxes the state store knows, with a note saying so."""
    from graphsync.runtime.mailboxes import tenant_mailboxes
    from graphsync.runtime.nav import open_nav
    from graphsync.runtime.overview import tenant_overview
    from graphsync.runtime.stores import existing_store

    note = ""
    try:
        nav = open_nav(config)
        try:
            mailboxes = tenant_mailboxes(config, nav)
        finally:
            nav.close()
    except NavError as exc:
        mailboxes = []
        note = f"NAV could not be read ({messages.render(exc)}): only the mailboxes already synced are shown"
    store = existing_store(config)
    if store is None:
        overview = tenant_overview(None, mailboxes)
    else:
        with store:
            overview = tenant_overview(store, mailboxes)
    now = dt.datetime.now(dt.UTC)
    if as_json:
        output.print_json(
            {
                "state": config.state.location,
                "note": note or None,
                "mailboxes": [_overview_json(o, now) for o in overview],
            }
        )
        return
    rows = []
    for o in overview:
        last, done = o.last_run, o.last_finished
        status = last.status if last else "never synced"
        rows.append(
            (
                o.upn,
                o.salesperson or "",
                o.source.value if o.source else "state store only",
                f"[red]{status}[/red]" if status in ("failed", "attention", "interrupted") else status,
                done.finished_at if done else "",
                _age(o.age(now)),
                _run_counts(done),
                o.linked,
                f"[red]{o.open_conflicts}[/red]" if o.open_conflicts else "0",
                f"[red]{o.item_errors}[/red]" if o.item_errors else "0",
            )
        )
    columns = ("mailbox", "salesperson", "from", "last run", "finished", "age", "changes", "links", "conflicts")
    title = f"Tenant: {len(overview)} mailboxes, state {config.state.location}"
    shown: list[object] = [output.table(title, (*columns, "errors"), rows)]
    if note:
        shown.append(note)
    output.show(*shown)


def _run_counts(run: RunRecord | None) -> str:
    if run is None:
        return ""
    return ", ".join(f"{k} {v}" for k, v in sorted(run.counts.items()) if v) or "no changes"


def _overview_json(o: MailboxOverview, now: dt.datetime) -> dict[str, Any]:
    def run(r: RunRecord | None) -> dict[str, Any] | None:
        if r is None:
            return None
        return {
            "id": r.id,
            "started_at": r.started_at,
            "finished_at": r.finished_at,
            "status": r.status,
            "counts": dict(r.counts),
        }

    age = o.age(now)
    return {
        "mailbox": o.upn,
        "salesperson": o.salesperson,
        "source": o.source.value if o.source else None,
        "last_run": run(o.last_run),
        "last_finished_run": run(o.last_finished),
        "age_seconds": None if age is None else int(age.total_seconds()),
        "links": o.linked,
        "links_by_entity": dict(o.links),
        "open_conflicts": o.open_conflicts,
        "unresolved_conflicts": o.unresolved_conflicts,
        "item_errors": o.item_errors,
    }
