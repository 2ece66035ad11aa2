"""``graphsync conflicts list | show KEY | resolve KEY... --keep nav|outlook``.

A conflict is named by its NAV key as graphsync stores it (``5050:CT100006``). ``resolve`` records the
decision; the next sync applies it (or at once with ``--now``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import click

from graphsync.cli import auth as cli_auth
from graphsync.cli import messages, output
from graphsync.cli.context import cli_config
from graphsync.config import Config
from graphsync.errors import ConfigError
from graphsync.runtime import Side
from graphsync.runtime.stores import chosen_mailboxes, existing_store

if TYPE_CHECKING:  # the engine's runner and the state store load SQLAlchemy and the Graph SDK
    from graphsync.runtime import Conflict, RunReport, StateStore


def _store(config: Config, keys: Sequence[str]) -> StateStore | None:
    """The state store, or None when no sync has made one: then there are no conflicts, and a KEY named
    cannot be one (exit 2, saying why)."""
    store = existing_store(config)
    if store is None and keys:
        raise ConfigError(
            file=None,
            key="KEY",
            expected=f"the key of an open conflict; there are none: no sync has run yet with this config (no state "
            f"store at {config.state.location}; run: graphsync sync)",
            got=keys[0],
        )
    return store


def _mailbox(store: StateStore, user: str | None, keys: Sequence[str]) -> str | None:
    """The mailbox whose conflicts are meant: ``--user``'s; else the only mailbox synced; else the only one
    with an open conflict for every KEY given. None when no mailbox was synced yet. ConfigError asking for
    ``--user`` only when that leaves a choice a person must make."""
    known = chosen_mailboxes(store, user, one=False)
    if len(known) <= 1:
        return known[0] if known else None
    if keys:
        having = [m for m in known if all(store.mailbox(m).conflicts.all(nav_key=k) for k in keys)]
        if len(having) == 1:
            return having[0]
        if not having:
            unknown = next(k for k in keys if not any(store.mailbox(m).conflicts.all(nav_key=k) for m in known))
            raise ConfigError(
                file=None, key="KEY", expected="the key of an open conflict (graphsync conflicts list)", got=unknown
            )
    return chosen_mailboxes(store, user, one=True)[0]


def _check_keys(store: StateStore, mailbox: str, keys: Sequence[str]) -> None:
    open_keys = {c.nav_key for c in store.mailbox(mailbox).conflicts.all()}
    for key in keys:
        if key not in open_keys:
            raise ConfigError(
                file=None,
                key="KEY",
                expected=f"the key of an open conflict of {mailbox} (graphsync conflicts list)",
                got=key,
            )


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
    from graphsync.runtime import list_conflicts

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
                    output.ago(c.detected_at),  # --json keeps the ISO time
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
    from graphsync.runtime import show_conflict

    config = cli_config(ctx)
    store = _store(config, [key])
    assert store is not None  # _store refuses a KEY without a store
    with store:
        mailbox = _mailbox(store, user, [key])
        if mailbox is None:
            raise ConfigError(file=None, key="KEY", expected="the key of an open conflict (none yet)", got=key)
        _check_keys(store, mailbox, [key])
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
    from graphsync.runtime import resolve

    config = cli_config(ctx)
    side = Side(keep)
    store = _store(config, keys)
    if store is None:
        click.echo("No open conflicts: no sync has run yet with this config.")
        return
    with store:
        mailbox = _mailbox(store, user, keys)
        if mailbox is None:
            click.echo("No open conflicts.")
            return
        _check_keys(store, mailbox, keys)
        if now:
            chosen = None if resolve_all else list(keys)
            if resolve_all and not store.mailbox(mailbox).conflicts.all():
                click.echo("No open conflicts.")
                return
            report = asyncio.run(_resolve_now(config, store, mailbox, user, side, chosen))
            resolved = report.resolved
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
