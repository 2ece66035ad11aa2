#!/usr/bin/env python3
"""The tenant report: one CSV line per mailbox (scripts/README.md).

    python scripts/tenant_report.py [--out FILE] [--json]

Per mailbox: its NAV salesperson, linked items by entity, open conflicts, the last run's item errors, the last
run and its age. It only reads (the state store and NAV), so it has no ``--apply``. A thin layer over
`graphsync.runtime.migration`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from graphsync.cli import output
from graphsync.cli.scripting import ScriptCommand, config_option, load, run, write_text

if TYPE_CHECKING:
    from graphsync.runtime import Runtime
    from graphsync.runtime.migration import MailboxLine


@click.command(cls=ScriptCommand, context_settings={"help_option_names": ["-h", "--help"]})
@config_option
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("tenant-report.csv"),
    show_default=True,
    help="The CSV to write.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON too.")
@click.pass_context
def main(ctx: click.Context, config_path: Path, verbose: bool, out: Path, as_json: bool) -> None:
    """Write the tenant report: per mailbox, salesperson, links by entity, open conflicts, item errors, last run
    and its age.

    Exit code 0: written; 2: bad input.
    """
    from graphsync.runtime.migration import render_csv, report

    cfg = load(ctx, config_path, verbose, as_json=as_json)

    async def work(rt: Runtime) -> list[MailboxLine]:
        return report(rt)

    lines = run(cfg, work)
    write_text(out, render_csv(lines))
    if as_json:
        output.print_json(
            {"ok": True, "exit_code": 0, "csv": str(out), "mailboxes": [line.as_dict() for line in lines]}
        )
        ctx.exit(0)
    output.show(
        output.table(
            f"Tenant report (written to {out})",
            ("mailbox", "salesperson", "linked", "conflicts", "item errors", "last run", "age"),
            [
                (
                    line.mailbox,
                    line.salesperson,
                    line.linked,
                    line.open_conflicts,
                    line.item_errors,
                    line.last_run_status or "never",
                    line.age,
                )
                for line in lines
            ],
        )
    )
    ctx.exit(0)


if __name__ == "__main__":
    main(prog_name="tenant_report.py")
