"""`graphsync demo`: the seed's walkthrough, offline, printed as a person would follow it."""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import click
from rich.console import Console
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table

from graphsync.cli import messages
from graphsync.errors import ConfigError

if TYPE_CHECKING:
    from graphsync.demo.steps import Step


def _render(console: Console, number: int, step: Step) -> None:
    body = Table.grid(padding=(0, 1))
    body.add_column(style="bold")
    body.add_column()
    for line in step.did:
        body.add_row("did", escape(line))
    for where, what in step.seen:
        body.add_row("see", f"[cyan]{escape(where)}[/cyan]: {escape(what)}")
    if step.report is not None:
        counts = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in step.report.counts.items() if v)
        body.add_row("sync", counts or "nothing to do")
    console.print(Panel(body, title=f"[bold]{number}. {escape(step.title)}[/bold]", title_align="left"))
    if step.conflict is not None:
        table = Table(title=f"conflict {step.conflict.nav_key} ({step.conflict.entity.value})")
        for column in ("field", "last synced", "NAV", "Outlook"):
            table.add_column(column, overflow="fold")  # values whole, folded, never cut in a narrow terminal
        for diff in step.conflict.fields:
            table.add_row(diff.field, diff.base or "", diff.nav, diff.outlook, style="red")
        console.print(table)


@click.command()
@click.option(
    "--dir",
    "workdir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Work in this folder (kept afterwards, to go on with) instead of a temporary one.",
)
@click.option("--force", is_flag=True, help="With --dir: start over in a folder that holds a demo already.")
def demo(workdir: Path | None, force: bool) -> None:
    """Run the walkthrough offline: embedded CRONUS company + Graph sandbox, no config, no network.

    A meeting to-do becomes an Outlook event; the event moved in Outlook moves the to-do; a phone number
    changed on both sides becomes a conflict, resolved keeping NAV; Territory Code added as a
    user-defined field travels both ways. Each step checks its outcome; exit 0 when all held.
    """
    # Imported here: the demo pulls in the engine, the sandbox and the Graph client, which every other
    # command (and --help) would otherwise pay for at start-up.
    from graphsync.demo import run_demo

    if force and workdir is None:
        raise ConfigError(file=None, key="--force", expected="--dir FOLDER as well (a temporary folder is always new)")
    console = Console()
    temporary = workdir is None
    folder = Path(tempfile.mkdtemp(prefix="graphsync-demo-")) if workdir is None else workdir
    counter = iter(range(1, 100))
    try:
        asyncio.run(
            run_demo(
                folder,
                show=lambda step: _render(console, next(counter), step),
                force=force,
                leave_conflict=not temporary,
            )
        )
    finally:
        if temporary:
            shutil.rmtree(folder, ignore_errors=True)
    console.print("[bold green]Demo complete[/bold green]: every step did what it should.")
    if not temporary:
        for line in messages.demo_folder_kept(folder):
            console.print(escape(line), soft_wrap=True)  # whole lines: they hold commands to copy
