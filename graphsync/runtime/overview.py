"""The tenant at a glance (`graphsync status --all-mailboxes`): per mailbox its last run, how long ago it
finished, its counts, links, open conflicts and the last run's item errors. Reads the state store only."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from graphsync.engine.state import RunRecord, StateStore
from graphsync.engine.status import mailbox_status
from graphsync.runtime.mailboxes import MailboxSource, TenantMailbox

__all__ = ["MailboxOverview", "RunRecord", "tenant_overview"]


@dataclass(frozen=True)
class MailboxOverview:
    upn: str
    salesperson: str | None
    source: MailboxSource | None
    """Where the mailbox list has it from; None for a mailbox only the state store knows (a salesperson
    removed from NAV, a ``--user`` run of a mailbox not in the list)."""
    last_run: RunRecord | None
    """The most recent run, finished or not (a run going on now shows as ``running``)."""
    last_finished: RunRecord | None
    links: int
    open_conflicts: int
    unresolved_conflicts: int
    item_errors: int
    """Item errors of the last finished run."""

    def age(self, now: dt.datetime | None = None) -> dt.timedelta | None:
        """How long ago the last finished run ended; None when no run has finished."""
        if self.last_finished is None or self.last_finished.finished_at is None:
            return None
        try:
            finished = dt.datetime.fromisoformat(self.last_finished.finished_at)
        except ValueError:
            return None
        return max(dt.timedelta(0), (now or dt.datetime.now(dt.UTC)) - finished)


def tenant_overview(store: StateStore, mailboxes: Sequence[TenantMailbox]) -> list[MailboxOverview]:
    """One overview per mailbox of ``mailboxes`` (a mailbox never synced has no run), then one per mailbox
    only the store has runs of; sorted by address."""
    listed = {m.upn: m for m in mailboxes}
    found: list[MailboxOverview] = []
    for upn in sorted({*listed, *store.mailboxes()}):
        status = mailbox_status(store, upn, runs=5)
        mailbox = listed.get(upn)
        found.append(
            MailboxOverview(
                upn=upn,
                salesperson=mailbox.salesperson if mailbox else None,
                source=mailbox.source if mailbox else None,
                last_run=status.runs[0] if status.runs else None,
                last_finished=next((r for r in status.runs if r.finished_at is not None), None),
                links=sum(status.links.values()),
                open_conflicts=status.open_conflicts,
                unresolved_conflicts=status.unresolved_conflicts,
                item_errors=len(status.last_errors),
            )
        )
    return found
