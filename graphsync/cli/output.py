"""Shared rendering for the commands: rich consoles, tables, progress bars and JSON.

Tables and progress go through rich, which degrades to plain text when the output is not a terminal
(a pipe, a log file, the test runner). Progress is drawn on stderr, only on a terminal, so that stdout
stays the command's result (a table, or JSON for machines).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

if TYPE_CHECKING:
    from graphsync.runtime import ProgressEvent

PIPE_WIDTH = 200
"""Columns used when the output is not a terminal: a pipe or a file has no width, and folding a table at
80 columns would make it hard to read and to grep."""


def console(*, err: bool = False) -> Console:
    """A console on the current stdout (or stderr); made per use so that a test runner's streams are used."""
    stream = sys.stderr if err else sys.stdout
    probe = Console(file=stream)
    return Console(file=stream, width=None if probe.is_terminal else PIPE_WIDTH, highlight=False)


def print_json(data: Any) -> None:
    """One JSON document on stdout (dates and enums as their text)."""
    click.echo(json.dumps(data, indent=2, default=str, ensure_ascii=False))


def print_json_line(data: Any) -> None:
    """One JSON object on one line (a scheduled run prints one per run)."""
    click.echo(json.dumps(data, default=str, ensure_ascii=False))


def table(title: str | None, columns: Sequence[str], rows: Sequence[Sequence[object]]) -> Table:
    """A table with the given header; ``None`` cells print as empty."""
    t = Table(title=title, title_justify="left", show_lines=False)
    for column in columns:
        t.add_column(column)
    for row in rows:
        t.add_row(*("" if cell is None else cell if isinstance(cell, str) else str(cell) for cell in row))
    return t


def show(*renderables: object, err: bool = False) -> None:
    out = console(err=err)
    for r in renderables:
        out.print(r)


class ProgressBars:
    """A `graphsync.engine.report.Progress` that draws one bar per phase and item kind."""

    def __init__(self, progress: Progress) -> None:
        self._progress = progress
        self._tasks: dict[tuple[str, str], TaskID] = {}

    def __call__(self, event: ProgressEvent) -> None:
        key = (event.phase, event.kind)
        task = self._tasks.get(key)
        description = f"{event.phase} {event.kind}s"
        if task is None:
            task = self._progress.add_task(description, total=event.total)
            self._tasks[key] = task
        self._progress.update(task, completed=event.done, total=event.total)


@contextmanager
def progress_bars(*, enabled: bool) -> Iterator[ProgressBars | None]:
    """Progress bars on stderr while the block runs, when ``enabled`` and stderr is a terminal; else None."""
    out = console(err=True)
    if not enabled or not out.is_terminal:
        yield None
        return
    with Progress(
        TextColumn("{task.description:<16}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=out,
        transient=True,
    ) as progress:
        yield ProgressBars(progress)
