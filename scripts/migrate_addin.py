#!/usr/bin/env python3
"""From NAV's Outlook Synchronization add-in to graphsync (scripts/README.md, step by step).

    python scripts/migrate_addin.py config [--out DIR] [--apply]
    python scripts/migrate_addin.py links [--user UPN | --all-mailboxes] [--nav-user ID ...] [--apply]

``config`` turns the add-in's setup (NAV tables 5300-5305) into graphsync config files, one per group of NAV users
whose setup comes out the same. ``links`` turns the add-in's links (table 5302) into graphsync links. Both are dry
runs unless ``--apply`` is given. A thin layer over `graphsync.runtime.migration`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from graphsync.cli import output
from graphsync.cli.scripting import (
    ScriptGroup,
    config_option,
    finish,
    load,
    run,
    run_options,
    running,
    scope,
    scope_options,
)

if TYPE_CHECKING:
    from graphsync.runtime import Runtime
    from graphsync.runtime.migration import SetupProposal


@click.group(cls=ScriptGroup, context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Carry NAV's Outlook Synchronization add-in over to graphsync: its setup, then its links."""


@main.command()
@config_option
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder the config files go to (default: the config's own, so that its relative paths still hold); they "
    "are named graphsync.addin*.toml, never the config in use: review them, then put one in its place.",
)
@click.option("--apply", is_flag=True, help="Write the config files (default: show them, write nothing).")
@click.option("--json", "as_json", is_flag=True, help="Print the outcome as JSON.")
@click.pass_context
def config(
    ctx: click.Context, config_path: Path, verbose: bool, out_dir: Path | None, apply: bool, as_json: bool
) -> None:
    """Write graphsync config from the add-in's setup: entities, field maps (user-defined fields too),
    conditions and each user's directions.

    Exit code 0: written (or shown; what graphsync does differently is listed as notes); 2: bad input.
    """
    from graphsync.runtime.migration import addin_config, addin_config_files, write_config_files

    cfg = load(ctx, config_path, verbose, as_json=as_json)
    if out_dir is None:
        out_dir = cfg.file.parent if cfg.file is not None else Path.cwd()

    async def work(rt: Runtime) -> tuple[SetupProposal, dict[str, str]]:
        proposal = addin_config(rt)
        return proposal, addin_config_files(rt, proposal)

    proposal, files = run(cfg, work)
    written = write_config_files(out_dir, files) if apply else []
    code = 0
    if as_json:
        output.print_json(
            {
                "ok": True,
                "exit_code": code,
                "dry_run": not apply,
                "groups": [
                    {"file": str(out_dir / g.file_name), "users": list(g.users), "salespeople": list(g.salespeople)}
                    for g in proposal.groups
                ],
                "entities": {k: v.value for k, v in proposal.mapped.items()},
                "notes": [{"entity": n.entity, "user": n.user, "note": n.text} for n in proposal.notes],
                "written": [str(p) for p in written],
            }
        )
        ctx.exit(code)
    for group in proposal.groups:
        who = ", ".join(f"{u} ({s})" if s else u for u, s in zip(group.users, group.salespeople, strict=True))
        click.echo(f"# --- {out_dir / group.file_name}: {who}")
        click.echo(group.toml())
    if proposal.notes:
        output.show(
            output.table(
                "Not carried over (graphsync does these differently)",
                ("add-in entity", "user", "note"),
                [(n.entity, n.user, n.text) for n in proposal.notes],
            )
        )
    if apply:
        click.echo("written: " + ", ".join(str(p) for p in written))
        click.echo("next: review them, put the right one in place as the config, then run: migrate_addin.py links")
    else:
        click.echo(f"dry run: nothing written; --apply writes {len(files)} file(s) to {out_dir}")
    ctx.exit(code)


@main.command()
@config_option
@scope_options
@click.option(
    "--nav-user",
    "nav_users",
    multiple=True,
    metavar="ID",
    help="The NAV user whose links go to this mailbox (repeatable; default: User Setup's user of its salesperson).",
)
@run_options("addin-links.csv", "every link")
@click.pass_context
def links(
    ctx: click.Context,
    config_path: Path,
    verbose: bool,
    user: str | None,
    all_mailboxes: bool,
    nav_users: tuple[str, ...],
    apply: bool,
    as_json: bool,
    out: Path,
) -> None:
    """Link the items the add-in synchronized to their NAV records, so that graphsync's first run creates none
    of them again: translated from their MAPI entry ids (To Do tasks: by title and due date), checked, moved into
    graphsync's folder or list (copied: Graph cannot move them) or, for meetings, marked with graphsync's category
    in place, stamped with their NAV key and recorded with the values both sides hold.

    Exit code 0: done (or planned); 1: links that cannot be migrated (listed, with the reason); 2: bad input;
    3: sign-in or permission error; 4: a sync of the mailbox is running.
    """
    from graphsync.runtime.migration import addin_links

    cfg = load(ctx, config_path, verbose, as_json=as_json)
    where = scope(user, all_mailboxes)
    with running(apply=apply, as_json=as_json) as (how, _):
        report = run(cfg, lambda rt: addin_links(rt, where, how, nav_users=nav_users))
    ctx.exit(finish(report, out=out, as_json=as_json, title="Add-in links"))


if __name__ == "__main__":
    main(prog_name="migrate_addin.py")
