"""``graphsync sync``: one run, or one run per interval (``--every 15m``), printing what changed.

The work is `graphsync.runtime.Runtime.sync`; this module parses options, draws progress and prints
(`graphsync.cli.run_output`: one line per changed item and a summary, nothing when nothing changed). A run
stopped by Ctrl-C or SIGTERM exits 130 or 143, the shell's codes for a process those signals stopped.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from typing import TYPE_CHECKING

import click

from graphsync.cli import auth as cli_auth
from graphsync.cli import messages, output, run_output
from graphsync.cli.context import cli_config
from graphsync.cli.runs import entities_in_run, error_json, interrupted_code
from graphsync.config import Config, load_config
from graphsync.config.entities import EntityName as _EntityName
from graphsync.errors import ConfigError, GraphsyncError
from graphsync.schedule import StopFlag, Tick, TickOutcome, parse_interval, run_every, stop_on_signals

if TYPE_CHECKING:  # the runtime loads the Graph SDK and SQLAlchemy: only a run pays for them
    from graphsync.config.entities import EntityName
    from graphsync.runtime import MailboxTarget, Progress, RunReport, RunSettings

log = logging.getLogger("graphsync.cli.sync")


Labels = dict["EntityName", dict[str, str]]


async def _run(config: Config, user: str | None, settings: RunSettings) -> tuple[MailboxTarget, RunReport, Labels]:
    from graphsync.runtime import Runtime

    async with Runtime(config, connections=cli_auth.connections()) as rt:
        target = await rt.target(user)
        report = await rt.sync(target, settings)
        return target, report, rt.field_labels()


def run_once(
    config: Config, *, user: str | None, settings: RunSettings, as_json: bool, one_line: bool
) -> tuple[int, bool]:
    """One run, printed; returns the exit code (0 clean, 1 conflicts or item errors) and whether the run
    stopped early (asked to, between chunks)."""
    from graphsync.runtime.summary import report_json

    with output.progress_bars(enabled=not as_json) as bars:
        progress: Progress | None = bars
        target, report, labels = asyncio.run(_run(config, user, replace(settings, progress=progress)))
    code = messages.EXIT_OK if report.ok else messages.EXIT_ITEMS
    shown = entities_in_run(config, settings)
    # For logs and schedulers (--log-format json); a person at the terminal reads the lines printed below, so
    # with text logs the line is debug detail (-v) instead of a repeat of them.
    log.log(
        logging.INFO if logging_as_json() else logging.DEBUG,
        "sync of %s %s%s: %s",
        report.mailbox,
        "stopped early" if report.stopped else "finished",
        " (dry run)" if report.dry_run else "",
        ", ".join(f"{k} {v}" for k, v in sorted(report.counts.items()) if v) or "nothing to do",
        extra={"gs_mailbox": report.mailbox, "gs_run_id": report.run_id, "gs_counts": dict(report.counts)},
    )
    if as_json:
        data = report_json(report, salesperson=target.salesperson, exit_code=code, entities=shown)
        (output.print_json_line if one_line else output.print_json)(data)
    else:
        run_output.show(run_output.render(report, target, shown, labels=labels))
    return code, report.stopped


def logging_as_json() -> bool:
    ctx = click.get_current_context(silent=True)
    obj = ctx.find_root().obj if ctx is not None else None
    return isinstance(obj, dict) and obj.get("log_format") == "json"


_ENTITY_HELP = "Only this entity (repeatable): " + ", ".join(e.value for e in _EntityName) + "."


@click.command()
@click.option("--entity", "entities", multiple=True, metavar="CODE", help=_ENTITY_HELP)
@click.option(
    "--user",
    "users",
    multiple=True,
    metavar="UPN",
    help="Sync this mailbox with app-only credentials, not the signed-in user (repeatable: several mailboxes).",
)
@click.option(
    "--all-mailboxes",
    is_flag=True,
    help="Sync every salesperson's mailbox (NAV E-Mail) and every [mailboxes] entry, app-only, concurrently.",
)
@click.option(
    "--concurrency",
    type=click.IntRange(min=1),
    metavar="N",
    help="With --all-mailboxes or several --user: mailboxes synced at once (default 16).",
)
@click.option("--dry-run", is_flag=True, help="Show what would change; write nothing anywhere.")
@click.option("--full", is_flag=True, help="Read everything on both sides, not only the changes since the last run.")
@click.option(
    "--allow-mass-delete", is_flag=True, help="Let this run delete more linked items than the mass-delete guard allows."
)
@click.option(
    "--every", metavar="INTERVAL", help="Keep running: one sync per interval (90s, 15m, 1h30m) until Ctrl-C or SIGTERM."
)
@click.option("--max-runs", type=click.IntRange(min=1), metavar="N", help="With --every: stop after N runs.")
@click.option("--json", "as_json", is_flag=True, help="Print the outcome as JSON (with --every: one line per run).")
@click.pass_context
def sync(
    ctx: click.Context,
    entities: tuple[str, ...],
    users: tuple[str, ...],
    all_mailboxes: bool,
    concurrency: int | None,
    dry_run: bool,
    full: bool,
    allow_mass_delete: bool,
    every: str | None,
    max_runs: int | None,
    as_json: bool,
) -> None:
    """Sync NAV and Outlook now: both directions, field by field, with a summary per entity.

    Exit code 0: clean; 1: finished with conflicts or item errors; 2: usage or config error; 3: sign-in or
    permission error; 4: another run holds the lock.
    """
    from graphsync.runtime import RunSettings
    from graphsync.runtime.wiring import with_entities

    config = cli_config(ctx)
    # Ctrl-C and SIGTERM set the flag; the run checks it between chunks and stops where the next run resumes.
    stop = StopFlag()
    settings = with_entities(
        RunSettings(dry_run=dry_run, full=full, allow_mass_delete=allow_mass_delete, should_stop=stop.is_set),
        list(entities),
    )
    if all_mailboxes or len(users) > 1:
        ctx.exit(_tenant(ctx, config, users, all_mailboxes, concurrency, settings, every, max_runs, as_json, stop))
    if concurrency is not None:
        raise ConfigError(file=None, key="--concurrency", expected="--all-mailboxes or several --user", got=concurrency)
    user = users[0] if users else None
    if every is None:
        if max_runs is not None:
            raise ConfigError(file=None, key="--max-runs", expected="--every as well", got=max_runs)
        try:
            with stop_on_signals(stop):
                code, cut_short = run_once(config, user=user, settings=settings, as_json=as_json, one_line=False)
        except GraphsyncError as exc:
            if as_json:
                output.print_json(error_json(exc))
            raise  # the group prints the message and exits with the error's code
        if stop.is_set():
            click.echo(f"stopped ({stop.reason}); the next run continues from here", err=True)
        ctx.exit(interrupted_code(stop, cut_short=cut_short) or code)
    interval = parse_interval(every)
    cut = [False]

    def job() -> int:
        # Read the config again each tick: an edit (graphsync fields add) takes effect without a restart, and a
        # broken edit fails that tick (with back-off) until it is fixed.
        current = load_config(config.file) if config.file else config
        code, cut[0] = run_once(current, user=user, settings=settings, as_json=as_json, one_line=True)
        return code

    def on_tick(tick: Tick) -> None:
        if tick.outcome is TickOutcome.SKIPPED_LOCKED:
            click.echo(f"run {tick.number} skipped: another run holds the lock", err=True)
        elif tick.error is not None:
            click.echo(f"run {tick.number} failed: {messages.render(tick.error)}", err=True)
            if as_json:
                output.print_json_line(error_json(tick.error))
        # Quiet while all is well: the wait is said only when it is not the interval (a back-off after failures).
        more = not stop.is_set() and (max_runs is None or tick.number < max_runs)
        if more and tick.next_wait != interval:
            click.echo(f"next run in {tick.next_wait} (waiting longer after failures)", err=True)

    with stop_on_signals(stop):
        click.echo(f"syncing every {interval}; stop with Ctrl-C", err=True)
        code = run_every(job, interval=interval, stop=stop, max_ticks=max_runs, on_tick=on_tick)
    if stop.is_set():
        click.echo(f"stopped ({stop.reason})", err=True)
    ctx.exit(interrupted_code(stop, cut_short=cut[0]) or code)


def _tenant(
    ctx: click.Context,
    config: Config,
    users: tuple[str, ...],
    all_mailboxes: bool,
    concurrency: int | None,
    settings: RunSettings,
    every: str | None,
    max_runs: int | None,
    as_json: bool,
    stop: StopFlag,
) -> int:
    """Several mailboxes (`graphsync.cli.tenant`)."""
    from graphsync.cli.tenant import tenant_sync
    from graphsync.runtime.tenant import DEFAULT_CONCURRENCY

    if all_mailboxes and users:
        raise ConfigError(file=None, key="--all-mailboxes", expected="either --all-mailboxes or --user, not both")
    with stop_on_signals(stop):
        return tenant_sync(
            ctx,
            config,
            users=users,
            settings=settings,
            concurrency=concurrency or DEFAULT_CONCURRENCY,
            as_json=as_json,
            every=every,
            max_runs=max_runs,
            stop=stop,
        )
