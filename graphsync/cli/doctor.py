"""``graphsync doctor``: test the connection as NAV's "Test Connection" did, one line per check, each ok or
the fix to apply. The checks are `graphsync.runtime.doctor.diagnose`."""

from __future__ import annotations

import asyncio

import click

from graphsync.cli import auth as cli_auth
from graphsync.cli import messages, output
from graphsync.cli.context import cli_config


@click.command()
@click.option("--user", metavar="UPN", help="Check an app-only run for this mailbox instead of the signed-in user.")
@click.option("--json", "as_json", is_flag=True, help="Print the checks as JSON.")
@click.pass_context
def doctor(ctx: click.Context, user: str | None, as_json: bool) -> None:
    """Check NAV, Graph, the sign-in, the salesperson, the permissions, the folders and the state store.

    Exit code 0 when every check passes; otherwise the exit code of the most serious failure (2 config,
    3 sign-in or permission, 1 anything else).
    """
    from graphsync.runtime.doctor import CheckStatus, diagnose

    marks = {
        CheckStatus.OK: "[green]ok[/green]",
        CheckStatus.NOTE: "[yellow]note[/yellow]",
        CheckStatus.FAILED: "[red]FAILED[/red]",
        CheckStatus.SKIPPED: "[dim]skipped[/dim]",
    }
    config = cli_config(ctx)
    checks = asyncio.run(diagnose(config, user=user, connections=cli_auth.connections()))
    failed = [c for c in checks if c.status is CheckStatus.FAILED]
    if as_json:
        output.print_json(
            [
                {
                    "check": c.name,
                    "status": c.status.value,
                    "detail": c.detail,
                    "fix": messages.render(c.error) if c.error else None,
                }
                for c in checks
            ]
        )
    else:
        rows = []
        for c in checks:
            detail = c.detail if c.error is None else f"{c.detail}: {messages.render(c.error)}"
            rows.append((c.name, marks[c.status], detail))
        output.show(output.table(None, ("check", "result", "detail"), rows))
        click.echo("All checks passed." if not failed else f"{len(failed)} check(s) failed; apply the fixes above.")
    codes = [messages.exit_code(c.error) for c in failed if c.error is not None]
    # Configuration first, then sign-in: fixing those makes the later checks meaningful.
    for code in (messages.EXIT_USAGE, messages.EXIT_AUTH, messages.EXIT_ITEMS):
        if code in codes:
            ctx.exit(code)
    ctx.exit(messages.EXIT_ITEMS if failed else messages.EXIT_OK)
