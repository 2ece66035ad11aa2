"""The tenant report's line and file format: per mailbox, its salesperson, its linked items by entity, open
conflicts, the last run's item errors, and the last run with its age. For a partner's hand-over and for audits; it
reads, and changes nothing.

Mailboxes: every one the state store knows (links or runs) and every one a tenant-wide sync covers (so that one
never synced shows, with no run). The facts are `graphsync status --all-mailboxes`'s (`graphsync.runtime.overview`,
which `graphsync.runtime.migration.report` turns into lines), from the state store and NAV alone: no Graph request
is made.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass

from graphsync.config.entities import EntityName

COLUMNS = (
    "mailbox",
    "salesperson",
    *(e.value for e in EntityName),
    "linked",
    "open_conflicts",
    "item_errors",
    "last_run",
    "last_run_status",
    "last_run_age",
    "last_run_age_seconds",
)


@dataclass(frozen=True)
class MailboxLine:
    mailbox: str
    salesperson: str
    links: Mapping[str, int]
    open_conflicts: int
    item_errors: int
    last_run: str
    """When the last (not dry) run finished, ISO 8601 UTC; empty: never."""
    last_run_status: str
    age_seconds: int | None

    @property
    def linked(self) -> int:
        return sum(self.links.values())

    @property
    def age(self) -> str:
        return human_age(self.age_seconds)

    def values(self) -> list[str]:
        return [
            self.mailbox,
            self.salesperson,
            *(str(self.links.get(e.value, 0)) for e in EntityName),
            str(self.linked),
            str(self.open_conflicts),
            str(self.item_errors),
            self.last_run,
            self.last_run_status,
            self.age,
            "" if self.age_seconds is None else str(self.age_seconds),
        ]

    def as_dict(self) -> dict[str, object]:
        return {
            "mailbox": self.mailbox,
            "salesperson": self.salesperson,
            "links": dict(self.links),
            "linked": self.linked,
            "open_conflicts": self.open_conflicts,
            "item_errors": self.item_errors,
            "last_run": self.last_run or None,
            "last_run_status": self.last_run_status or None,
            "last_run_age": self.age,
            "last_run_age_seconds": self.age_seconds,
        }


def human_age(seconds: int | None) -> str:
    if seconds is None:
        return "never"
    days, rest = divmod(max(seconds, 0), 86_400)
    hours, rest = divmod(rest, 3_600)
    minutes = rest // 60
    if days:
        return f"{days}d {hours}h"
    if hours:
        return f"{hours}h {minutes}m"
    return f"{minutes}m" if minutes else f"{rest}s"


def render_csv(lines: list[MailboxLine]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for line in lines:
        writer.writerow(line.values())
    return out.getvalue()
