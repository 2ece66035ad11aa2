"""``graphsync status``: recent runs, links per entity, open conflicts and the last run's item errors.

Reads the state store only (no NAV, no Graph), so it answers while a run is going and without a network.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import click
from rich.markup import escape

from graphsync.cli import messages, output
from graphsync.cli.context import cli_config
from graphsync.errors import ConfigError
from graphsync.runtime.stores import chosen_mailboxes, existing_store

if TYPE_CHECKING:  # the state store loads SQLAlchemy: only a store that exists pays for it
    from graphsync.runtime import MailboxStatus


def status_json(s: MailboxStatus) -> dict[str, Any]:
    return {
        "mailbox": s.mailbox,
        "runs": [
            {
                "id": r.id,
                "started_at": r.started_at,
                "finished_at": r.finished_at,
                "status": r.status,
                "dry_run": r.dry_run,
                "counts": dict(r.counts),
            }
            for r in s.runs
        ],
        "links": dict(s.links),
        "open_conflicts": s.open_conflicts,
        "unresolved_conflicts": s.unresolved_conflicts,
        "last_errors": [
            {
                "entity": e.entity,
                "nav_key": e.nav_key,
                "outlook_id": e.outlook_id,
                "error": e.error,
                "message": e.message,
            }
            for e in s.last_errors
        ],
        "schema_version": s.schema_version,
    }


_SIDES = {"nav": "NAV", "outlook": "Outlook"}
_DONE = {"create": "created", "update": "updated", "delete": "deleted"}


def _counts(counts: dict[str, Any]) -> str:
    """A run's counts as a person says them: ``Outlook 15 created, NAV 1 updated, 1 conflict``."""
    said = []
    for key, value in sorted(counts.items(), key=lambda kv: (kv[0] in ("conflicts", "errors"), kv[0])):
        if not value:
            continue
        side, _, op = key.partition("_")
        if side in _SIDES and op in _DONE:
            said.append(f"{_SIDES[side]} {value} {_DONE[op]}")
        elif key in ("conflicts", "errors"):
            noun = "conflict" if key == "conflicts" else "item error"
            said.append(f"{value} {noun}{'s' if value != 1 else ''}")
        else:
            said.append(f"{key} {value}")
    return ", ".join(said) or "no changes"


def _with_note(message: str) -> str:
    """The message as stored (NAV's or Graph's words, not markup) and, where it helps, what to do."""
    note = messages.item_error_note(message)
    return escape(f"{message}\n{note}" if note else message)


def _print(s: MailboxStatus, *, now: dt.datetime | None = None) -> None:
    """For people: times as ages (``2 min ago``) and durations; ``--json`` keeps the ISO times."""
    renderables: list[object] = [
        output.table(
            f"Mailbox {s.mailbox}: recent runs",
            ("run", "started", "took", "status", "changes"),
            [
                (
                    r.id,
                    output.ago(r.started_at, now=now),
                    output.took(r.started_at, r.finished_at) or "(running, or killed)",
                    f"[red]{r.status}[/red]" if r.status in ("failed", "attention") else r.status,
                    _counts(dict(r.counts)),
                )
                for r in s.runs
            ],
        ),
        output.table("Links", ("entity", "linked items"), sorted(s.links.items())),
    ]
    conflicts = f"{s.open_conflicts} open, {s.unresolved_conflicts} waiting for a decision"
    if s.open_conflicts:
        conflicts += " (graphsync conflicts list)"
    renderables.append(f"Conflicts: {conflicts}")
    if s.last_errors:
        renderables.append(
            output.table(
                "Item errors of the last run",
                ("entity", "item", "error", "message"),
                [(e.entity, e.nav_key or e.outlook_id, e.error, _with_note(e.message)) for e in s.last_errors],
            )
        )
    else:
        renderables.append("Item errors of the last run: none")
    output.show(*renderables)


@click.command()
@click.option("--user", metavar="UPN", help="Only this mailbox (default: every mailbox synced with this config).")
@click.option(
    "--all-mailboxes",
    is_flag=True,
    help="The tenant at a glance: every mailbox to sync (NAV and [mailboxes]), its last run, age, conflicts, errors.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the status as JSON.")
@click.pass_context
def status(ctx: click.Context, user: str | None, all_mailboxes: bool, as_json: bool) -> None:
    """Show the last runs, link counts, open conflicts and item errors, per mailbox."""
    from graphsync.runtime import mailbox_status

    config = cli_config(ctx)
    if all_mailboxes:
        from graphsync.cli.tenant import tenant_status

        if user is not None:
            raise ConfigError(file=None, key="--all-mailboxes", expected="either --all-mailboxes or --user, not both")
        tenant_status(config, as_json=as_json)
        return
    store = existing_store(config)
    if store is None:
        if as_json:
            output.print_json({"state": config.state.location, "mailboxes": []})
        else:
            where = config.state.location
            click.echo(f"No sync has run yet: there is no state store at {where} (run: graphsync sync).")
        return
    with store:
        statuses = [mailbox_status(store, m) for m in chosen_mailboxes(store, user, one=False)]
    if as_json:
        output.print_json({"state": config.state.location, "mailboxes": [status_json(s) for s in statuses]})
        return
    if not statuses:
        click.echo(f"No sync has run yet with the state store {config.state.location} (run: graphsync sync).")
    for s in statuses:
        _print(s)
