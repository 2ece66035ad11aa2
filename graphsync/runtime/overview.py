"""The tenant at a glance: per mailbox its last run, how long ago it finished, its counts, links by entity,
open conflicts and the last run's item errors. Reads the state store only. The one source of these facts for
`graphsync status --all-mailboxes` and for the migrations' tenant report (`graphsync.runtime.migration.report`,
scripts/tenant_report.py).

    tenant_overview(store, tenant_mailboxes(config, nav))   -> [MailboxOverview, ...], by address
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from graphsync.engine.state import RunRecord, StateStore
from graphsync.engine.status import mailbox_status
from graphsync.runtime.mailboxes import MailboxSource, TenantMailbox

__all__ = ["MailboxOverview", "RunRecord", "tenant_overview"]

RECENT_RUNS = 20
"""How many of a mailbox's latest runs are searched for its last finished one (runs still going, or left
unfinished by a crash, come before it)."""


@dataclass(frozen=True)
class MailboxOverview:
    upn: str
    salesperson: str | None
    source: MailboxSource | None
    """Where the mailbox list has it from; None for a mailbox only the state store knows (a salesperson
    removed from NAV, a ``--user`` run of a mailbox not in the list, a migration's links)."""
    last_run: RunRecord | None = None
    """The most recent run, finished or not (a run going on now shows as ``running``)."""
    last_finished: RunRecord | None = None
    """The most recent run that finished (not a dry run: it changes nothing)."""
    links: Mapping[str, int] = field(default_factory=dict)
    """Linked items by entity name."""
    open_conflicts: int = 0
    """Conflicts recorded (resolved ones wait for the next run to apply them)."""
    unresolved_conflicts: int = 0
    """Conflicts nobody has resolved yet."""
    item_errors: int = 0
    """Item errors of the last finished run."""

    @property
    def linked(self) -> int:
        return sum(self.links.values())

    def age(self, now: dt.datetime | None = None) -> dt.timedelta | None:
        """How long ago the last finished run ended; None when no run has finished."""
        finished = self.finished_at
        if finished is None:
            return None
        return max(dt.timedelta(0), (now or dt.datetime.now(dt.UTC)) - finished)

    @property
    def finished_at(self) -> dt.datetime | None:
        """When the last finished run ended; None when none has (or its time is unreadable)."""
        if self.last_finished is None or self.last_finished.finished_at is None:
            return None
        try:
            return dt.datetime.fromisoformat(self.last_finished.finished_at)
        except ValueError:
            return None


def tenant_overview(store: StateStore | None, mailboxes: Sequence[TenantMailbox]) -> list[MailboxOverview]:
    """One overview per mailbox of ``mailboxes`` (a mailbox never synced has no run), then one per mailbox
    only the store knows (runs or links); sorted by address. ``store`` None: no run has made one yet."""
    listed = {m.upn: m for m in mailboxes}
    known = [] if store is None else [*store.mailboxes(), *store.linked_mailboxes()]
    found: list[MailboxOverview] = []
    for upn in sorted({*listed, *known}):
        mailbox = listed.get(upn)
        salesperson, source = (mailbox.salesperson, mailbox.source) if mailbox else (None, None)
        if store is None:
            found.append(MailboxOverview(upn, salesperson, source))
            continue
        status = mailbox_status(store, upn, runs=RECENT_RUNS)
        found.append(
            MailboxOverview(
                upn=upn,
                salesperson=salesperson,
                source=source,
                last_run=status.runs[0] if status.runs else None,
                last_finished=status.last_finished,
                links=dict(status.links),
                open_conflicts=status.open_conflicts,
                unresolved_conflicts=status.unresolved_conflicts,
                item_errors=len(status.last_errors),
            )
        )
    return found
