"""What a run was asked to do and what it did: options in, report out (frozen values)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Protocol

from graphsync.config.entities import EntityName
from graphsync.engine.plan import ItemPlan, Op, Side
from graphsync.errors import GraphsyncError, NavValidationError
from graphsync.frozen import quick_init


class Phase:
    READ = "read"
    PLAN = "plan"
    APPLY = "apply"


@dataclass(frozen=True)
class ProgressEvent:
    phase: str
    """`Phase.READ`, `Phase.PLAN` or `Phase.APPLY`."""
    kind: str
    """The Outlook item kind being worked on (``contact``, ``event``, ``task``)."""
    done: int
    total: int | None = None


class Progress(Protocol):
    """Called as a run advances (a CLI draws a progress bar with it). Must not raise."""

    def __call__(self, event: ProgressEvent) -> None: ...


@dataclass(frozen=True)
class SyncOptions:
    salesperson_code: str
    """The NAV salesperson the mailbox belongs to (``@owner`` in conditions; new to-dos are theirs)."""
    time_zone: str = "UTC"
    dry_run: bool = False
    """Plan only: nothing is written to NAV, Outlook or the state store."""
    full: bool = False
    """Ignore delta links and watermarks: read everything and reconcile by NAV key."""
    allow_mass_delete: bool = False
    entities: frozenset[EntityName] | None = None
    """Only these entities (None: every enabled one). A partial run never advances shared cursors."""
    mass_delete_share: float = 0.2
    mass_delete_min: int = 10
    only_pending: bool = False
    """Read no changes: only re-examine items waiting for it (resolved conflicts, failed writes)."""
    batch_size: int = 100
    """Items applied together: their NAV writes, one hand-over of Outlook writes to the Graph client (which
    sends them in $batch requests, several at a time) and one state store transaction recording them."""
    spool_buffer: int = 5_000
    """Values (records, Outlook items, links, plans) a run holds in memory before it spools them to a
    temporary file (`graphsync.engine.spool`): bounds a large run's memory; a small run never spools."""
    report_limit: int = 1_000
    """Items listed in the report at most (conflicts are always listed); ``counts`` cover every item."""
    progress: Progress | None = None
    should_stop: Callable[[], bool] | None = None
    """Asked before each item kind is read and applied and before each chunk of items is applied (the schedule's
    `StopFlag.is_set`): when it answers True the run stops there. What was written is recorded; the cursors
    of a kind not written in full stay where they were, so the next run picks up the rest."""

    def stop_requested(self) -> bool:
        """Whether ``should_stop`` asks the run to stop now (False when there is none)."""
        return self.should_stop is not None and self.should_stop()


@quick_init
@dataclass(frozen=True)
class PlannedItem:
    entity: EntityName
    nav_key: str | None
    outlook_id: str | None
    title: str
    """Something a person recognises the item by (name, subject)."""
    plan: ItemPlan


@dataclass(frozen=True)
class ItemFailure:
    """Why an item's writes did not happen: the side whose value or answer was at fault, and the error."""

    side: Side
    error: str
    """The exception class name (``NavRefusedError``)."""
    message: str
    op: Op | None = None
    """The write the side refused; None when no write was tried (a value that could not be converted)."""

    @classmethod
    def of(cls, exc: GraphsyncError, side: Side, op: Op | None = None) -> ItemFailure:
        message = str(getattr(exc, "message", None) or str(exc))
        field = getattr(exc, "field", None)
        if isinstance(exc, NavValidationError) and field and field not in message:
            # NAV's words for a bad value (a length, an option) do not name the field; the item error's entity
            # and key name the record.
            message = f"{field}: {message}"
        return cls(side, type(exc).__name__, message, op)


@dataclass(frozen=True)
class ItemError:
    entity: EntityName
    nav_key: str | None
    outlook_id: str | None
    error: str
    """The exception class name (``NavRefusedError``)."""
    message: str
    side: Side
    """The side that refused the item's write, or whose value could not be converted."""
    op: Op | None = None
    """The write that side refused (``Op.DELETE``: NAV kept a record whose Outlook item was deleted); None when
    no write was tried (a value that could not be converted)."""
    title: str = ""
    """Something a person recognises the item by (name, subject), as `PlannedItem.title`: a failed item is not
    listed among what the run did."""


@dataclass(frozen=True)
class RunReport:
    mailbox: str
    dry_run: bool
    run_id: int | None
    items: tuple[PlannedItem, ...]
    """Items something was (or, in a dry run, would be) done to, and every item in conflict: at most
    `SyncOptions.report_limit` of the former (``omitted`` counts the rest; ``counts`` and ``done`` cover all)."""
    errors: tuple[ItemError, ...] = ()
    counts: Mapping[str, int] = field(default_factory=dict)
    """What the run did (in a dry run: would do), added up over every entity: writes by side and operation
    (``nav_create``), ``conflicts`` and ``errors``."""
    omitted: int = 0
    """Items done (or planned) but not listed in ``items``, beyond `SyncOptions.report_limit`."""
    done: Mapping[EntityName, Mapping[str, int]] = field(default_factory=dict)
    """Per entity, the writes done (in a dry run: planned) by side and operation (``nav_create``,
    ``outlook_update``...) and ``conflicts``, over every item, listed or not. A write that did not happen is
    not counted: a refused one is an error, and a failed NAV write stops the item; a failed Outlook write
    comes after the item's NAV write, which counts. An update made without the values a side refused (the
    item's error names them) counts as done, with the fields it wrote. ``counts`` adds these up over the
    entities, with ``errors``."""
    resolved: tuple[str, ...] = ()
    """NAV keys of the conflicts whose resolution this run applied (`SyncOptions.only_pending` runs)."""
    stopped: bool = False
    """The run stopped early (`SyncOptions.should_stop`): ``items`` are what was done before it stopped; the
    next run does the rest."""

    @property
    def conflicts(self) -> tuple[PlannedItem, ...]:
        return tuple(i for i in self.items if i.plan.conflicts)

    @property
    def ok(self) -> bool:
        """No item errors and no open conflicts (the CLI's exit code 0)."""
        return not self.errors and not any(i.plan.conflicts for i in self.items)
