"""A run's outcome per entity and side: what `graphsync sync` prints as a table and as JSON."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from graphsync.config.entities import EntityName
from graphsync.engine.plan import ItemPlan, Op, Side, SidePlan
from graphsync.engine.report import ItemError, RunReport
from graphsync.errors import NavRefusedError


@dataclass
class SideCounts:
    created: int = 0
    updated: int = 0
    deleted: int = 0
    errors: int = 0

    def as_dict(self) -> dict[str, int]:
        return {"created": self.created, "updated": self.updated, "deleted": self.deleted, "errors": self.errors}


@dataclass
class EntitySummary:
    entity: EntityName
    nav: SideCounts = field(default_factory=SideCounts)
    outlook: SideCounts = field(default_factory=SideCounts)
    conflicts: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {"nav": self.nav.as_dict(), "outlook": self.outlook.as_dict(), "conflicts": self.conflicts}


class Fix(Enum):
    """A way out of an item error that a command offers."""

    RESTORE = "restore"
    """NAV refused to delete a record whose Outlook item was deleted (a contact with open to-dos): settle what
    NAV names, or bring the item back to Outlook with ``graphsync state restore KEY``."""


def fix_for(error: ItemError) -> Fix | None:
    """The way out the CLI offers for ``error``: from the side that refused and the write it refused. A NAV rule
    refusing a delete (`NavRefusedError`, not a stale version or a lost connection, which the next run
    settles by itself) keeps a record whose Outlook item is gone."""
    if error.side is Side.NAV and error.op is Op.DELETE and error.nav_key and error.error == NavRefusedError.__name__:
        return Fix.RESTORE
    return None


def summarize(report: RunReport, entities: Iterable[EntityName] | None = None) -> list[EntitySummary]:
    """Counts per entity of ``entities`` (default: every entity), in entity order. An item whose write
    failed is counted as an error of the side that refused it (`ItemError.side`), not as done; its other
    write did not happen either, except a NAV write that succeeded before Outlook refused, which is counted
    as done. Counted over every item of the run, also those the report does not list (`RunReport.omitted`):
    the report's counts are a fold over the run's outcomes (`RunReport.done`)."""
    result = {name: EntitySummary(name) for name in EntityName}
    shown = set(EntityName if entities is None else entities)
    for err in report.errors:
        target = result[err.entity]
        (target.nav if err.side is Side.NAV else target.outlook).errors += 1
    for name, done in report.done.items():
        summary = result[name]
        for side, counts in ((Side.NAV, summary.nav), (Side.OUTLOOK, summary.outlook)):
            counts.created += done.get(f"{side.value}_create", 0)
            counts.updated += done.get(f"{side.value}_update", 0)
            counts.deleted += done.get(f"{side.value}_delete", 0)
        summary.conflicts += done.get("conflicts", 0)
    return [s for name, s in result.items() if name in shown]


def _side(plan: SidePlan) -> dict[str, Any] | None:
    if plan.op is Op.NONE:
        return None
    return {"op": plan.op.value, "changes": [{"field": c.field, "old": c.old, "new": c.new} for c in plan.changes]}


def _plan(plan: ItemPlan) -> dict[str, Any]:
    return {
        "nav": _side(plan.nav),
        "outlook": _side(plan.outlook),
        "conflicts": [{"field": c.field, "base": c.base, "nav": c.nav, "outlook": c.outlook} for c in plan.conflicts],
    }


def report_json(
    report: RunReport, *, salesperson: str, exit_code: int, entities: Iterable[EntityName] | None = None
) -> dict[str, Any]:
    """Everything a machine needs about a run, as plain JSON values."""
    return {
        "mailbox": report.mailbox,
        "salesperson": salesperson,
        "dry_run": report.dry_run,
        "run_id": report.run_id,
        "ok": report.ok,
        "stopped": report.stopped,
        "exit_code": exit_code,
        "entities": {s.entity.value: s.as_dict() for s in summarize(report, entities)},
        "items": [
            {
                "entity": i.entity.value,
                "nav_key": i.nav_key,
                "outlook_id": i.outlook_id,
                "title": i.title,
                **_plan(i.plan),
            }
            for i in report.items
        ],
        "items_omitted": report.omitted,
        "errors": [
            {
                "entity": e.entity.value,
                "side": e.side.value,
                "nav_key": e.nav_key,
                "outlook_id": e.outlook_id,
                "error": e.error,
                "message": e.message,
                "fix": _fix_json(fix_for(e), e),
            }
            for e in report.errors
        ],
    }


def _fix_json(fix: Fix | None, error: ItemError) -> dict[str, str] | None:
    if fix is Fix.RESTORE:
        return {"kind": fix.value, "command": f"graphsync state restore {error.nav_key}"}
    return None
