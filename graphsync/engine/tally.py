"""The report as a fold over a run's outcomes: what happened, counted per entity, side and operation, and
the items it happened to (in a dry run, over its decisions: what would happen).

A write counts only when it happened: a refused one is an item error of the side that refused it, never a
done write as well; a field a side refused is an item error of its own, and the update that went on without
it a done write. Items are listed up to a limit (conflicts always: a run's exit status depends on them),
so a run of any size keeps at most that many.
"""

from __future__ import annotations

from dataclasses import replace

from graphsync.config.entities import EntityName
from graphsync.engine.act import Outcome
from graphsync.engine.decide import Decision
from graphsync.engine.plan import NO_WRITE, ItemPlan, Op, Side
from graphsync.engine.report import ItemError, ItemFailure, PlannedItem

_KEYS = {(side, op): f"{side.value}_{op.value}" for side in Side for op in Op}
"""The count a side's operation adds to (``outlook_create``), by side and operation: counted for every item."""


class Tally:
    def __init__(self, *, limit: int) -> None:
        self.limit = limit
        self.items: list[PlannedItem] = []
        self.omitted = 0
        self.errors: list[ItemError] = []
        self.done: dict[EntityName, dict[str, int]] = {}
        self.resolved: list[str] = []

    @property
    def counts(self) -> dict[str, int]:
        """``done`` added up over the entities, with ``errors``."""
        total: dict[str, int] = {}
        for per_entity in self.done.values():
            for key, n in per_entity.items():
                total[key] = total.get(key, 0) + n
        total["errors"] = len(self.errors)
        return total

    def add(self, o: Outcome) -> None:
        """Count what acting on one decision did."""
        d = o.decision
        if o.failure is not None:
            for failure in (o.failure, *o.also):
                self._error(d, failure, nav_key=o.nav_key, outlook_id=o.outlook_id)
        plan = o.plan
        done_plan = plan
        if not (o.nav_done or plan.nav.op is Op.NONE) or not (o.outlook_done or plan.outlook.op is Op.NONE):
            # Part of the plan did not happen: the item is listed (and counted) with what did.
            done_plan = replace(
                plan, nav=plan.nav if o.nav_done else NO_WRITE, outlook=plan.outlook if o.outlook_done else NO_WRITE
            )
        if o.failure is None and d.resolution is not None and not plan.conflicts:
            self.resolved.append(o.nav_key or "")
        self._count(d, done_plan, nav_key=o.nav_key, outlook_id=o.outlook_id)

    def planned(self, d: Decision) -> None:
        """Count what a dry run would do for one decision."""
        if d.failure is not None:
            self._error(d, d.failure, nav_key=d.nav_key, outlook_id=d.outlook_id)
            return
        for failure in d.held:  # fields left out of the plan, which goes on without them
            self._error(d, failure, nav_key=d.nav_key, outlook_id=d.outlook_id)
        self._count(d, d.plan, nav_key=d.nav_key, outlook_id=d.outlook_id)

    def _error(self, d: Decision, failure: ItemFailure, *, nav_key: str | None, outlook_id: str | None) -> None:
        error = ItemError(
            d.entity.name, nav_key, outlook_id, failure.error, failure.message, failure.side, failure.op, d.title
        )
        self.errors.append(error)

    def _count(self, d: Decision, plan: ItemPlan, *, nav_key: str | None, outlook_id: str | None) -> None:
        if plan.is_noop:
            return
        done = self.done.setdefault(d.entity.name, {})
        if plan.nav.op is not Op.NONE:
            key = _KEYS[Side.NAV, plan.nav.op]
            done[key] = done.get(key, 0) + 1
        if plan.outlook.op is not Op.NONE:
            key = _KEYS[Side.OUTLOOK, plan.outlook.op]
            done[key] = done.get(key, 0) + 1
        if plan.conflicts:
            done["conflicts"] = done.get("conflicts", 0) + 1
        if plan.conflicts or len(self.items) < self.limit:
            self.items.append(PlannedItem(d.entity.name, nav_key, outlook_id, d.title, plan))
        else:
            self.omitted += 1
