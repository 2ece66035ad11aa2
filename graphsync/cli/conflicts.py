"""``graphsync conflicts list | show KEY | resolve KEY... --keep nav|outlook``.

A conflict is named by its NAV key as graphsync stores it (``5050:CT100006``). ``resolve`` records the
decision; the next sync applies it (or at once with ``--now``).
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

import click

from graphsync.cli import auth as cli_auth
from graphsync.cli import messages, output
from graphsync.cli.context import cli_config
from graphsync.config import Config
from graphsync.engine.plan import Side
from graphsync.errors import ConfigError
from graphsync.runtime.state import chosen_mailboxes, existing_store

if TYPE_CHECKING:  # the engine's runner and the state store load SQLAlchemy and the Graph SDK
    from graphsync.engine.conflicts import Conflict
    from graphsync.engine.report import RunReport
    from graphsync.engine.state import StateStore


def _store(config: Config) -> StateStore:
    store = existing_store(config)
    if store is None:
        raise ConfigError(
            file=None,
            key="state.path",
            expected=f"a state store made by a sync at {config.state.location} (run: graphsync sync)",
            got=None,
        )
    return store


def conflict_json(mailbox: str, c: Conflict) -> dict[str, Any]:
    return {
        "mailbox": mailbox,
        "entity": c.entity.value,
        "nav_key": c.nav_key,
        "outlook_id": c.outlook_id,
        "resolution": c.resolution.value if c.resolution else None,
        "detected_at": c.detected_at,
        "fields": [{"field": f.field, "base": f.base, "nav": f.nav, "outlook": f.outlook} for f in c.fields],
    }


@click.group()
def conflicts() -> None:
    """Review and resolve fields changed differently in NAV and in Outlook since the last sync."""


@conflicts.command("list")
@click.option("--user", metavar="UPN", help="Only this mailbox (default: every mailbox synced with this config).")
@click.option("--json", "as_json", is_flag=True, help="Print the conflicts as JSON.")
@click.pass_context
def list_command(ctx: click.Context, user: str | None, as_json: bool) -> None:
    """List open conflicts: the item, the fields in conflict, and any decision waiting for the next sync."""
    from graphsync.engine.conflicts import list_conflicts

    config = cli_config(ctx)
    store = existing_store(config)
    found: list[tuple[str, Conflict]] = []
    if store is not None:
        with store:
            for mailbox in chosen_mailboxes(store, user, one=False):
                found.extend((mailbox, c) for c in list_conflicts(store, mailbox))
    if as_json:
        output.print_json([conflict_json(m, c) for m, c in found])
        return
    if not found:
        click.echo("No open conflicts.")
        return
    output.show(
        output.table(
            "Open conflicts (graphsync conflicts show KEY)",
            ("key", "entity", "mailbox", "fields", "decision", "detected"),
            [
                (
                    c.nav_key,
                    c.entity.value,
                    m,
                    f"[red]{', '.join(f.field for f in c.fields)}[/red]",
                    f"keep {c.resolution.value} (next sync)" if c.resolution else "waiting",
                    c.detected_at,
                )
                for m, c in found
            ],
        )
    )


@conflicts.command("show")
@click.argument("key")
@click.option("--user", metavar="UPN", help="The mailbox (needed when several are synced with this config).")
@click.option("--json", "as_json", is_flag=True, help="Print the conflict as JSON.")
@click.pass_context
def show_command(ctx: click.Context, key: str, user: str | None, as_json: bool) -> None:
    """Show every mapped field of one item, NAV's value beside Outlook's; conflicting fields in red."""
    from graphsync.engine.conflicts import show_conflict

    config = cli_config(ctx)
    with _store(config) as store:
        mailboxes = chosen_mailboxes(store, user, one=True)
        if not mailboxes:
            raise ConfigError(file=None, key="KEY", expected="the key of an open conflict (none yet)", got=key)
        mailbox = mailboxes[0]
        conflict = show_conflict(store, mailbox, key)
        link = store.mailbox(mailbox).links.get(key)
    base = dict(link.base) if link else {}
    if as_json:
        output.print_json({**conflict_json(mailbox, conflict), "synced": base})
        return
    differing = {f.field: f for f in conflict.fields}
    rows: list[tuple[object, ...]] = []
    for name in [*base, *(f for f in differing if f not in base)]:
        diff = differing.get(name)
        if diff is not None:
            rows.append((f"[red]{name}[/red]", f"[red]{diff.nav}[/red]", f"[red]{diff.outlook}[/red]", diff.base))
        else:
            rows.append((name, base[name], base[name], base[name]))
    decision = f"keep {conflict.resolution.value} at the next sync" if conflict.resolution else "waiting"
    output.show(
        output.table(
            f"{conflict.entity.value} {conflict.nav_key}{_title(base)} (mailbox {mailbox}; decision: {decision})",
            ("field", "NAV", "Outlook", "last synced"),
            rows,
        ),
        f"Resolve: graphsync conflicts resolve {conflict.nav_key} --keep nav|outlook",
    )


def _title(synced: dict[str, str | None]) -> str:
    """The name a person knows the item by, as last synced (contacts, events, tasks)."""
    for name in ("displayName", "subject", "title"):
        if synced.get(name):
            return f" {synced[name]!r}"
    return ""


@conflicts.command("resolve")
@click.argument("keys", nargs=-1, metavar="[KEY]...")
@click.option("--keep", type=click.Choice([s.value for s in Side]), required=True, help="The side whose values win.")
@click.option("--all", "resolve_all", is_flag=True, help="Every open conflict of the mailbox.")
@click.option("--now", is_flag=True, help="Apply the decisions at once instead of at the next sync.")
@click.option("--user", metavar="UPN", help="The mailbox (needed when several are synced with this config).")
@click.pass_context
def resolve_command(
    ctx: click.Context, keys: tuple[str, ...], keep: str, resolve_all: bool, now: bool, user: str | None
) -> None:
    """Resolve conflicts keeping NAV's or Outlook's values: the chosen side's value of each conflicting
    field is copied to the other side at the next sync (or now, with --now)."""
    if bool(keys) == resolve_all:
        raise ConfigError(file=None, key="KEY", expected="conflict keys, or --all (one of the two)", got=list(keys))
    from graphsync.engine.conflicts import resolve

    config = cli_config(ctx)
    side = Side(keep)
    with _store(config) as store:
        mailboxes = chosen_mailboxes(store, user, one=True)
        if not mailboxes:
            click.echo("No open conflicts.")
            return
        mailbox = mailboxes[0]
        if now:
            chosen = None if resolve_all else list(keys)
            report = asyncio.run(_resolve_now(config, store, mailbox, user, side, chosen))
            resolved = [i.nav_key for i in report.items]
            click.echo(f"Applied: kept {side.value}'s values for {len(resolved)} item(s) of {mailbox}.")
            if not report.ok:
                click.echo(
                    f"{len(report.conflicts)} conflict(s) and {len(report.errors)} item error(s) remain "
                    "(graphsync status)."
                )
                ctx.exit(messages.EXIT_ITEMS)
            return
        done = resolve(store, mailbox, keep=side, nav_keys=None if resolve_all else list(keys))
    if not done:
        click.echo("No open conflicts.")
        return
    click.echo(f"Keeping {side.value}'s values for {', '.join(done)}; the next sync applies them (graphsync sync).")


async def _resolve_now(
    config: Config, store: StateStore, mailbox: str, user: str | None, keep: Side, keys: list[str] | None
) -> RunReport:
    """As ``sync`` runs: app-only for ``--user``, else as the signed-in person, who must own the mailbox."""
    from graphsync.runtime import Runtime

    async with Runtime(config, connections=cli_auth.connections(), store=store) as rt:
        target = await rt.target(user)
        if target.upn != mailbox:
            raise ConfigError(
                file=None,
                key="--now",
                expected=f"a sign-in as {mailbox}, whose conflicts these are (or --user {mailbox}, app-only)",
                got=target.upn,
            )
        return await rt.resolve_now(target, keep=keep, nav_keys=keys)
