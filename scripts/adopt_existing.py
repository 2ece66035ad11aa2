#!/usr/bin/env python3
"""Adopt the Outlook items a mailbox already holds instead of creating copies (scripts/README.md).

    python scripts/adopt_existing.py [--user UPN | --all-mailboxes] [--proposal FILE]
    python scripts/adopt_existing.py --reviewed FILE [--user UPN | --all-mailboxes] [--apply]

The first call matches contacts (any folder), meetings and To Do tasks to NAV records and writes the matches for
review (matched, ambiguous, unmatched, with the evidence). The second call, with the reviewed file, adopts what it
says: a dry run unless ``--apply`` is given. A thin layer over `graphsync.runtime.migration`.
"""

from __future__ import annotations

from pathlib import Path

import click

from graphsync.cli import output
from graphsync.cli.scripting import (
    ScriptCommand,
    config_option,
    exit_code,
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
    "--proposal",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("adoption-review.csv"),
    show_default=True,
    help="Where the first call writes the matches to review.",
)
@click.option(
    "--reviewed",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="The reviewed file: adopt what it says (its rows with adopt = yes).",
)
@run_options("adoption.csv", "every reviewed row to adopt (with --reviewed)")
@click.pass_context
def main(
    ctx: click.Context,
    config_path: Path,
    verbose: bool,
    user: str | None,
    all_mailboxes: bool,
    proposal: Path,
    reviewed: Path | None,
    apply: bool,
    as_json: bool,
    out: Path,
) -> None:
    """Match what is already in Outlook to NAV records (contacts by e-mail, then name and company; meetings by
    subject, start and attendees; tasks by title and due date) for a person to review, then adopt the reviewed
    matches as the add-in's links are migrated.

    Exit code 0: done (or written for review); 1: rows that cannot be adopted; 2: bad input (a reviewed file
    edited wrongly, a mailbox that does not exist); 3: sign-in or permission error; 4: a sync is running.
    """
    from graphsync.runtime.migration import adopt, adoption_proposal, read_review, write_review

    cfg = load(ctx, config_path, verbose, as_json=as_json)
    where = scope(user, all_mailboxes)
    if reviewed is None:
        if apply:
            raise click.UsageError("--apply adopts a reviewed file: give it with --reviewed FILE")
        with running(apply=False, as_json=as_json) as (how, _):
            rows, report = run(cfg, lambda rt: adoption_proposal(rt, where, how))
        write_review(proposal, rows)
        counts: dict[str, int] = {}
        for r in rows:
            counts[r.status] = counts.get(r.status, 0) + 1
        code = exit_code(report)
        if as_json:
            output.print_json(
                {
                    "ok": code == 0,
                    "exit_code": code,
                    "proposal": str(proposal),
                    "mailboxes": list(report.mailboxes),
                    "counts": counts,
                }
            )
        else:
            output.show(
                output.table(
                    f"Proposed adoptions (written to {proposal})",
                    ("mailbox", "status", "entity", "NAV", "Outlook", "folder", "evidence", "adopt"),
                    [
                        (
                            r.mailbox,
                            r.status,
                            r.entity,
                            f"{r.nav_name} ({r.nav_key})" if r.nav_key else "",
                            r.outlook_name,
                            r.outlook_folder,
                            r.evidence,
                            "yes" if r.adopt else "no",
                        )
                        for r in rows[:200]
                    ],
                ),
                ", ".join(f"{k} {v}" for k, v in sorted(counts.items())) or "nothing to adopt",
                f"next: review {proposal} (set adopt to yes or no), then run with --reviewed {proposal}",
            )
        ctx.exit(code)
    rows = read_review(reviewed)
    with running(apply=apply, as_json=as_json) as (how, _):
        report = run(cfg, lambda rt: adopt(rt, where, how, rows))
    ctx.exit(finish(report, out=out, as_json=as_json, title="Adoption"))


if __name__ == "__main__":
    main(prog_name="adopt_existing.py")
