"""Status of a mailbox's sync: recent runs, links per entity, open conflicts, the last run's item errors."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from graphsync.engine.state import ItemErrorRecord, RunRecord, StateStore


@dataclass(frozen=True)
class MailboxStatus:
    mailbox: str
    runs: tuple[RunRecord, ...]
    """Most recent first."""
    links: Mapping[str, int]
    """Linked items per entity name."""
    open_conflicts: int
    unresolved_conflicts: int
    last_errors: tuple[ItemErrorRecord, ...]
    """Item errors of ``last_finished``."""
    schema_version: int
    last_finished: RunRecord | None = None
    """The most recent run of ``runs`` that finished (not a dry run: it changes nothing)."""


def mailbox_status(store: StateStore, mailbox: str, *, runs: int = 10) -> MailboxStatus:
    state = store.mailbox(mailbox)
    recent = tuple(state.runs.recent(limit=runs))
    finished = next((r for r in recent if r.finished_at is not None and not r.dry_run), None)
    conflicts = state.conflicts.all()
    return MailboxStatus(
        mailbox=mailbox,
        runs=recent,
        links=state.links.count(),
        open_conflicts=len(conflicts),
        unresolved_conflicts=sum(1 for c in conflicts if c.resolution is None),
        last_errors=tuple(state.runs.item_errors(finished.id)) if finished else (),
        schema_version=store.schema_version,
        last_finished=finished,
    )
