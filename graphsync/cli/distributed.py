"""``graphsync worker``, ``graphsync enqueue`` and ``graphsync beat``: tenant-wide runs on a Celery cluster.

The work is `graphsync.distributed`; these commands parse options, start it and print. Each needs the
config's ``[distributed]`` section (exit code 2 without one).
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import click

from graphsync.cli import auth as cli_auth
from graphsync.cli import messages, output
from graphsync.cli.context import cli_config
from graphsync.config.entities import EntityName
from graphsync.errors import ConfigError, GraphsyncError
from graphsync.schedule import parse_interval

if TYPE_CHECKING:
    from celery.result import AsyncResult

    from graphsync.runtime import RunSettings

_ENTITY_HELP = "Only this entity (repeatable): " + ", ".join(e.value for e in EntityName) + "."


def describe(exc: BaseException) -> tuple[int, str]:
    """An error's exit code and message, as `graphsync sync` would print them."""
    if isinstance(exc, GraphsyncError):
        return messages.exit_code(exc), messages.render(exc)
    return messages.EXIT_ITEMS, messages.unexpected(exc)


def _settings(entities: tuple[str, ...], dry_run: bool, full: bool, allow_mass_delete: bool) -> RunSettings:
    from graphsync.runtime import RunSettings
    from graphsync.runtime.wiring import with_entities

    return with_entities(RunSettings(dry_run=dry_run, full=full, allow_mass_delete=allow_mass_delete), list(entities))


def _run_options(command: Any) -> Any:
    for option in reversed(
        (
            click.option("--entity", "entities", multiple=True, metavar="CODE", help=_ENTITY_HELP),
            click.option("--dry-run", is_flag=True, help="Plan only: the runs write nothing anywhere."),
            click.option("--full", is_flag=True, help="Read everything on both sides, not only the changes."),
            click.option("--allow-mass-delete", is_flag=True, help="Let the runs pass the mass-delete guard."),
        )
    ):
        command = option(command)
    return command


@click.command()
@click.option(
    "--concurrency",
    type=click.IntRange(min=1),
    default=16,
    show_default=True,
    metavar="N",
    help="Mailboxes this worker syncs at once (threads of one process: run one worker per core).",
)
@click.option("--name", metavar="NAME", help="The worker's node name (default graphsync-PID@HOST).")
@click.pass_context
def worker(ctx: click.Context, concurrency: int, name: str | None) -> None:
    """Run a Celery worker that syncs the mailboxes queued by enqueue and beat, until SIGTERM or Ctrl-C.

    A warm shutdown stops the running syncs between chunks and gives their tasks back to the queue.
    """
    from graphsync.distributed.worker import run_worker

    config = cli_config(ctx)
    ctx.exit(
        run_worker(config, concurrency=concurrency, name=name, connections=cli_auth.connections(), describe=describe)
    )


@click.command()
@click.option("--all-mailboxes", is_flag=True, help="Every salesperson's mailbox (NAV E-Mail) and [mailboxes] entry.")
@click.option("--user", "users", multiple=True, metavar="UPN", help="This mailbox (repeatable).")
@_run_options
@click.option("--wait", is_flag=True, help="Wait for the runs and print each as it finishes (needs result_backend).")
@click.option("--timeout", type=click.FloatRange(min=1), metavar="SECONDS", help="With --wait: give up after this.")
@click.option("--json", "as_json", is_flag=True, help="Print the queued tasks (with --wait: the outcomes) as JSON.")
@click.pass_context
def enqueue(
    ctx: click.Context,
    all_mailboxes: bool,
    users: tuple[str, ...],
    entities: tuple[str, ...],
    dry_run: bool,
    full: bool,
    allow_mass_delete: bool,
    wait: bool,
    timeout: float | None,
    as_json: bool,
) -> None:
    """Queue one sync task per mailbox for the cluster's workers.

    Exit code with --wait: the worst of the mailboxes' (as sync --all-mailboxes).
    """
    from graphsync.distributed.app import celery_app, distributed_config, enqueue
    from graphsync.runtime.mailboxes import tenant_mailboxes
    from graphsync.runtime.nav import open_nav

    config = cli_config(ctx)
    if all_mailboxes == bool(users):
        raise ConfigError(
            file=None, key="--all-mailboxes", expected="either --all-mailboxes or --user UPN (repeatable)"
        )
    if timeout is not None and not wait:
        raise ConfigError(file=None, key="--timeout", expected="--wait as well", got=timeout)
    if wait and distributed_config(config).result_backend is None:
        raise ConfigError(
            file=str(config.file) if config.file else None,
            key="distributed.result_backend",
            expected="a result backend to wait for the runs (e.g. redis://127.0.0.1:6379/1)",
        )
    settings = _settings(entities, dry_run, full, allow_mass_delete)
    nav = open_nav(config)
    try:
        mailboxes = tenant_mailboxes(config, nav, users=users)
    finally:
        nav.close()
    app = celery_app(config)
    sent = enqueue(app, config, mailboxes, settings)
    if not wait:
        if as_json:
            output.print_json({"queued": [{"mailbox": m.upn, "task_id": task} for m, task in sent]})
        else:
            for mailbox, task in sent:
                click.echo(f"queued {mailbox.upn}: task {task}")
        return
    ctx.exit(_wait(app, sent, timeout=timeout, as_json=as_json))


def _wait(app: Any, sent: list[tuple[Any, str]], *, timeout: float | None, as_json: bool) -> int:
    pending: dict[str, AsyncResult] = {task: app.AsyncResult(task) for _, task in sent}
    results: dict[str, dict[str, Any]] = {}
    deadline = None if timeout is None else time.monotonic() + timeout
    while pending:
        for task, result in list(pending.items()):
            if result.ready():
                del pending[task]
                value = result.result if result.successful() else None
                results[task] = value if isinstance(value, dict) else _task_failed(result)
                click.echo(_line(results[task]), err=as_json)
        if pending:
            if deadline is not None and time.monotonic() > deadline:
                break
            time.sleep(0.2)
    rows = []
    for mailbox, task in sent:
        r = results.get(task) or {
            "mailbox": mailbox.upn,
            "status": "waiting",
            "exit_code": 1,
            "message": "no result yet",
        }
        rows.append({**r, "task_id": task})
    code = messages.worst_exit_code(int(r.get("exit_code", 1)) for r in rows)
    if as_json:
        output.print_json({"ok": code == 0, "exit_code": code, "mailboxes": rows})
    else:
        columns = ("mailbox", "salesperson", "status", "changes", "s", "worker", "why")
        table = [
            (
                r.get("mailbox"),
                r.get("salesperson") or "",
                r.get("status"),
                ", ".join(f"{k} {v}" for k, v in sorted((r.get("counts") or {}).items()) if v),
                r.get("seconds", ""),
                r.get("worker", ""),
                r.get("message", ""),
            )
            for r in rows
        ]
        output.show(output.table(f"Cluster run: {len(rows)} mailboxes", columns, table))
    return code


def _task_failed(result: AsyncResult) -> dict[str, Any]:
    return {"mailbox": None, "status": "failed", "exit_code": 1, "message": f"the task failed: {result.result!r}"}


def _line(result: dict[str, Any]) -> str:
    who = str(result.get("mailbox")) + (f" ({result['salesperson']})" if result.get("salesperson") else "")
    counts = ", ".join(f"{k} {v}" for k, v in sorted((result.get("counts") or {}).items()) if v) or "nothing to do"
    detail = result.get("message") or counts
    return f"{who}: {result.get('status')} on {result.get('worker', '?')}: {detail}"


@click.command()
@click.option("--every", metavar="INTERVAL", required=True, help="A tenant-wide run per interval (90s, 15m, 1h30m).")
@_run_options
@click.option(
    "--schedule-file",
    type=click.Path(dir_okay=False),
    metavar="PATH",
    help="Where beat keeps its schedule (default: graphsync-beat-QUEUE in the temporary folder).",
)
@click.pass_context
def beat(
    ctx: click.Context,
    every: str,
    entities: tuple[str, ...],
    dry_run: bool,
    full: bool,
    allow_mass_delete: bool,
    schedule_file: str | None,
) -> None:
    """Run Celery beat: a tenant-wide run at once and then every interval, until SIGTERM or Ctrl-C.

    Each run is a task a worker turns into one task per mailbox (listed then: a salesperson added in NAV is
    synced from the next run on). A mailbox still syncing from the last run is skipped, and says so.
    Run one beat per cluster.
    """
    from pathlib import Path

    from graphsync.distributed.worker import run_beat

    config = cli_config(ctx)
    interval = parse_interval(every)
    run_beat(
        config,
        every=interval,
        settings=_settings(entities, dry_run, full, allow_mass_delete),
        schedule=Path(schedule_file) if schedule_file else None,
    )
