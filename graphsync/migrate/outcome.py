"""What a migration planned or did, one row per item, and the run's summary (what the scripts print, write as
CSV and give as JSON)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from enum import Enum
from typing import Any

from graphsync.errors import GraphsyncError


class Result(Enum):
    PLANNED = "planned"
    """Dry run: what ``--apply`` would do."""
    DONE = "done"
    ALREADY = "already done"
    """Nothing left to do for it (an earlier run did it)."""
    PROBLEM = "problem"
    """It cannot be done as things are; the detail says why and what to do."""
    ERROR = "error"
    """Graph or NAV refused a write; running again tries again."""


@dataclass(frozen=True)
class Row:
    mailbox: str
    entity: str
    nav_key: str
    title: str
    outlook_id: str
    action: str
    result: Result
    detail: str = ""

    def as_dict(self) -> dict[str, str]:
        data = asdict(self)
        data["result"] = self.result.value
        return data


ROW_COLUMNS = ("mailbox", "entity", "nav_key", "title", "outlook_id", "action", "result", "detail")


@dataclass(frozen=True)
class MigrationReport:
    """One script run over one or more mailboxes."""

    script: str
    dry_run: bool
    mailboxes: tuple[str, ...]
    rows: tuple[Row, ...]
    stopped: bool = False
    extra: dict[str, Any] = field(default_factory=dict)
    failures: tuple[tuple[str, GraphsyncError], ...] = ()
    """Mailboxes of a tenant-wide run that could not be done at all, with the error (the others went on)."""

    @property
    def counts(self) -> dict[str, int]:
        tally = Counter(r.result.value for r in self.rows)
        return {r.value: tally.get(r.value, 0) for r in Result}

    @property
    def ok(self) -> bool:
        """No problem and no error: exit code 0 (else 1, as a sync with item errors)."""
        counts = self.counts
        return counts[Result.PROBLEM.value] == 0 and counts[Result.ERROR.value] == 0 and not self.failures

    @property
    def nothing_to_do(self) -> bool:
        return all(r.result in (Result.ALREADY,) for r in self.rows)

    def as_dict(self) -> dict[str, Any]:
        return {
            "script": self.script,
            "dry_run": self.dry_run,
            "mailboxes": list(self.mailboxes),
            "ok": self.ok,
            "stopped": self.stopped,
            "counts": self.counts,
            "rows": [r.as_dict() for r in self.rows],
            **self.extra,
        }


def merge(script: str, dry_run: bool, parts: Iterable[MigrationReport]) -> MigrationReport:
    """Several mailboxes' reports as one (a tenant-wide run)."""
    reports: Sequence[MigrationReport] = list(parts)
    return MigrationReport(
        script=script,
        dry_run=dry_run,
        mailboxes=tuple(m for r in reports for m in r.mailboxes),
        rows=tuple(row for r in reports for row in r.rows),
        stopped=any(r.stopped for r in reports),
        failures=tuple(f for r in reports for f in r.failures),
    )
