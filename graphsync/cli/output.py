"""Shared rendering for the commands: rich consoles, tables, progress bars and JSON.

Tables and progress go through rich, which degrades to plain text when the output is not a terminal
(a pipe, a log file, the test runner). Progress is drawn on stderr, only on a terminal, so that stdout
stays the command's result (a table, or JSON for machines).
"""

from __future__ import annotations

import datetime as dt
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


def _parse(iso: str) -> dt.datetime | None:
    try:
        when = dt.datetime.fromisoformat(iso)
    except (TypeError, ValueError):
        return None
    return when if when.tzinfo is not None else when.replace(tzinfo=dt.UTC)


def ago(iso: str | None, *, now: dt.datetime | None = None) -> str:
    """``2 min ago``, ``3 h ago``, ``5 days ago`` for a stored ISO time (the exact time stays in ``--json``);
    a time more than a month back is shown as its date, one that does not parse as it is."""
    if not iso:
        return ""
    when = _parse(iso)
    if when is None:
        return iso
    seconds = ((now or dt.datetime.now(dt.UTC)) - when).total_seconds()
    if seconds < -60:
        return when.astimezone().strftime("%Y-%m-%d %H:%M")  # a clock that moved: say when, not "in the future"
    if seconds < 10:
        return "just now"
    if seconds < 60:
        return f"{int(seconds)} s ago"
    if seconds < 3600:
        return f"{int(seconds // 60)} min ago"
    if seconds < 86400:
        return f"{int(seconds // 3600)} h ago"
    if seconds < 31 * 86400:
        days = int(seconds // 86400)
        return f"{days} day{'s' if days != 1 else ''} ago"
    return when.astimezone().strftime("%Y-%m-%d")


def took(start: str | None, end: str | None) -> str:
    """How long from ``start`` to ``end`` (``0.4 s``, ``2 min 5 s``); empty when either is unknown."""
    a, b = _parse(start or ""), _parse(end or "")
    if a is None or b is None:
        return ""
    seconds = max(0.0, (b - a).total_seconds())
    if seconds < 10:
        return f"{seconds:.1f} s"
    if seconds < 60:
        return f"{int(seconds)} s"
    minutes, rest = divmod(int(seconds), 60)
    if minutes < 60:
        return f"{minutes} min {rest} s"
    return f"{minutes // 60} h {minutes % 60} min"


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
def progress_on_terminal(*, enabled: bool, label_width: int) -> Iterator[Progress | None]:
    """A rich `Progress` on stderr (a bar per task, labelled in ``label_width`` characters) while the block
    runs, when ``enabled`` and stderr is a terminal; else None."""
    out = console(err=True)
    if not enabled or not out.is_terminal:
        yield None
        return
    with Progress(
        TextColumn(f"{{task.description:<{label_width}}}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=out,
        transient=True,
    ) as progress:
        yield progress


@contextmanager
def progress_bars(*, enabled: bool) -> Iterator[ProgressBars | None]:
    """Progress bars on stderr while the block runs, when ``enabled`` and stderr is a terminal; else None."""
    with progress_on_terminal(enabled=enabled, label_width=16) as progress:
        yield None if progress is None else ProgressBars(progress)
