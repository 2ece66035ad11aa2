"""What the migration scripts in scripts/ share with the CLI: options, the config, errors as messages and exit
codes, progress bars, and printing a `graphsync.runtime.migration.MigrationReport` (table, summary, CSV, JSON).

The scripts are thin: each parses its options, calls `graphsync.runtime.migration` and prints through here.
"""

from __future__ import annotations

import asyncio
import csv
import io
import logging
import os
from collections.abc import Callable, Coroutine, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from graphsync.cli import auth as cli_auth
from graphsync.cli import messages, output
from graphsync.cli.context import DEFAULT_CONFIG
from graphsync.cli.main import GraphsyncGroup
from graphsync.config import Config, load_config, parse_config
from graphsync.errors import GraphsyncError
from graphsync.logs import LogFormat, configure_logging
from graphsync.schedule import StopFlag, stop_on_signals

if TYPE_CHECKING:
    from graphsync.runtime.migration import MigrationReport, Running, Scope
    from graphsync.runtime.wiring import Runtime

T = TypeVar("T")
SHOWN_ROWS = 200
"""Rows a terminal gets; the CSV always has all of them."""


class ScriptCommand(click.Command):
    """A click command that turns graphsync's exceptions into one clear line and the CLI's exit code."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except GraphsyncError as exc:
            if ctx.meta.get("graphsync.json"):
                output.print_json(
                    {
                        "ok": False,
                        "exit_code": messages.exit_code(exc),
                        "error": type(exc).__name__,
                        "message": messages.render(exc),
                    }
                )
            click.echo(f"error: {messages.render(exc)}", err=True)
            ctx.exit(messages.exit_code(exc))


class ScriptGroup(GraphsyncGroup):
    command_class = ScriptCommand


def run_options(out: str, what: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """``--apply``, ``--json`` and ``--out FILE`` (default ``out``: the CSV of what is planned or done)."""

    def decorate(f: Callable[..., Any]) -> Callable[..., Any]:
        f = click.option(
            "--out",
            type=click.Path(dir_okay=False, path_type=Path),
            default=Path(out),
            show_default=True,
            help=f"CSV of {what}: what is planned (dry run) or what was done.",
        )(f)
        f = click.option("--json", "as_json", is_flag=True, help="Print the outcome as JSON.")(f)
        return click.option("--apply", is_flag=True, help="Do it (default: plan only, change nothing).")(f)

    return decorate


def config_option(f: Callable[..., Any]) -> Callable[..., Any]:
    f = click.option("-v", "--verbose", is_flag=True, help="Log debug detail (secrets are still never logged).")(f)
    return click.option(
        "--config",
        "config_path",
        type=click.Path(dir_okay=False, path_type=Path),
        default=lambda: os.environ.get("GRAPHSYNC_CONFIG", DEFAULT_CONFIG),
        show_default="$GRAPHSYNC_CONFIG or ./graphsync.toml",
        help="The graphsync config file.",
    )(f)


def scope_options(f: Callable[..., Any]) -> Callable[..., Any]:
    f = click.option(
        "--all-mailboxes", is_flag=True, help="Every mailbox concerned, with app-only credentials (tenant-wide)."
    )(f)
    return click.option("--user", metavar="UPN", help="This mailbox, with app-only credentials.")(f)


def load(ctx: click.Context, config_path: Path, verbose: bool, *, as_json: bool = False) -> Config:
    """The config (the embedded defaults when none is named and ./graphsync.toml does not exist), with logging
    set up as the CLI sets it."""
    ctx.meta["graphsync.json"] = as_json
    handler = configure_logging(fmt=LogFormat.TEXT, verbose=verbose or logging.getLogger().level == logging.DEBUG)
    ctx.call_on_close(lambda: logging.getLogger().removeHandler(handler))
    named = config_path != Path(DEFAULT_CONFIG)
    if named or config_path.exists():
        return load_config(config_path)
    return parse_config("", file=None, base=Path.cwd())


def scope(user: str | None, all_mailboxes: bool) -> Scope:
    from graphsync.runtime.migration import Scope

    return Scope(user=user, all_mailboxes=all_mailboxes)


def run(config: Config, work: Callable[[Runtime], Coroutine[Any, Any, T]]) -> T:
    """``work`` with a runtime over ``config`` (its connections as the CLI's: tests point them at fakes)."""
    from graphsync.runtime.wiring import Runtime

    async def main() -> T:
        async with Runtime(config, connections=cli_auth.connections()) as rt:
            return await work(rt)

    return asyncio.run(main())


@contextmanager
def running(*, apply: bool, as_json: bool) -> Iterator[tuple[Running, StopFlag]]:
    """How the run goes: progress bars on a terminal, and Ctrl-C or SIGTERM stopping it between chunks."""
    from graphsync.runtime.migration import Running

    stop = StopFlag()
    with stop_on_signals(stop), output.progress_bars(enabled=not as_json) as bars:
        yield Running(apply=apply, progress=bars, should_stop=stop.is_set), stop


def rows_csv(report: MigrationReport) -> str:
    from graphsync.runtime.migration import ROW_COLUMNS

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(ROW_COLUMNS)
    for row in report.rows:
        writer.writerow(row.as_dict()[c] for c in ROW_COLUMNS)
    return out.getvalue()


def write_text(path: Path, text: str) -> None:
    """Write a file only once complete (a killed run leaves the previous one)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


def exit_code(report: MigrationReport) -> int:
    if report.failures:
        return max(messages.exit_code(exc) for _, exc in report.failures)
    return messages.EXIT_OK if report.ok else messages.EXIT_ITEMS


def finish(report: MigrationReport, *, out: Path, as_json: bool, title: str) -> int:
    """Write the rows to ``out``, print the report, and return the exit code."""
    write_text(out, rows_csv(report))
    code = exit_code(report)
    if as_json:
        data = report.as_dict()
        data["exit_code"] = code
        data["csv"] = str(out)
        data["failures"] = [
            {"mailbox": m, "error": type(e).__name__, "message": messages.render(e)} for m, e in report.failures
        ]
        output.print_json(data)
        return code
    what = "Dry run (nothing changed; --apply acts)" if report.dry_run else "Done"
    shown = report.rows[:SHOWN_ROWS]
    renderables: list[object] = []
    if shown:
        renderables.append(
            output.table(
                f"{title}: {what}",
                ("mailbox", "entity", "key", "item", "action", "result", "detail"),
                [(r.mailbox, r.entity, r.nav_key, r.title, r.action, r.result.value, r.detail) for r in shown],
            )
        )
    counts = ", ".join(f"{k} {v}" for k, v in report.counts.items() if v) or "nothing to do"
    mailboxes = ", ".join(report.mailboxes) or "none"
    renderables.append(f"{title}: {what}. Mailboxes: {mailboxes}. {counts}. Every row: {out}")
    if len(report.rows) > SHOWN_ROWS:
        renderables.append(f"... and {len(report.rows) - SHOWN_ROWS:,} more rows in {out}")
    for mailbox, exc in report.failures:
        renderables.append(f"[red]{mailbox}: {messages.render(exc)}[/red]")
    if report.stopped:
        renderables.append("stopped early; run the same command again to go on from here")
    output.show(*renderables)
    return code
