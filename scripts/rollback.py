#!/usr/bin/env python3
"""Remove graphsync from a mailbox or the whole tenant (scripts/README.md).

    python scripts/rollback.py --mode delete|keep [--user UPN | --all-mailboxes] [--apply]

``delete``: delete every item graphsync created (found by its stamp) and keep the others without graphsync's
stamps; ``keep``: keep every item, without the stamps. Then forget the mailbox's sync state. Items a person made
and graphsync adopted are never deleted. A dry run unless ``--apply`` is given. A thin layer over
`graphsync.runtime.migration`.
"""

from __future__ import annotations

from pathlib import Path

import click

from graphsync.cli.scripting import (
    ScriptCommand,
    config_option,
    finish,
    load,
    run,
    run_options,
    running,
    scope,
    scope_options,
)


@click.command(cls=ScriptCommand, context_settings={"help_option_names": ["-h", "--help"]})
@config_option
@scope_options
@click.option(
    "--mode",
    type=click.Choice(["delete", "keep"]),
    required=True,
    help="delete: delete what graphsync created, unstamp the rest; keep: keep everything, unstamped.",
)
@run_options("rollback.csv", "every item")
@click.pass_context
def main(
    ctx: click.Context,
    config_path: Path,
    verbose: bool,
    user: str | None,
    all_mailboxes: bool,
    mode: str,
    apply: bool,
    as_json: bool,
    out: Path,
) -> None:
    """Remove graphsync from the mailbox (tenant-wide: from every mailbox the state store knows).

    Exit code 0: done (or planned); 1: items that could not be done (run again); 2: bad input; 3: sign-in or
    permission error; 4: a sync of the mailbox is running.
    """
    from graphsync.runtime.migration import RollbackMode, remove

    cfg = load(ctx, config_path, verbose, as_json=as_json)
    where = scope(user, all_mailboxes)
    with running(apply=apply, as_json=as_json) as (how, _):
        report = run(cfg, lambda rt: remove(rt, where, how, mode=RollbackMode(mode)))
    ctx.exit(finish(report, out=out, as_json=as_json, title=f"Rollback ({mode})"))


if __name__ == "__main__":
    main(prog_name="rollback.py")
