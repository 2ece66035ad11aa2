"""What a run was asked to do and what it did: options in, report out (frozen values)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from graphsync.config.entities import EntityName
from graphsync.config.model import Config
from graphsync.engine.plan import ItemPlan


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
    category: str = "Dynamics NAV"
    """The Outlook category of graphsync's events: an event a person gives it becomes a NAV meeting."""
    window_past_days: int | None = 30
    window_future_days: int | None = 365
    """Meetings dated outside this window (days before and after today) are neither created in Outlook nor,
    once linked, changed or deleted there: old meetings must not send invitations, and an aged meeting is
    not a deleted one. None: no limit on that side."""
    progress: Progress | None = None
    should_stop: Callable[[], bool] | None = None
    """Asked before each item kind is read and applied and before each chunk of items is applied (the schedule's
    `StopFlag.is_set`): when it answers True the run stops there. What was written is recorded; the cursors
    of a kind not written in full stay where they were, so the next run picks up the rest."""

    def stop_requested(self) -> bool:
        """Whether ``should_stop`` asks the run to stop now (False when there is none)."""
        return self.should_stop is not None and self.should_stop()

    @classmethod
    def from_config(cls, config: Config, *, salesperson_code: str, **overrides: Any) -> SyncOptions:
        """Options from the ``[sync]`` config section, with run-specific overrides (``dry_run=True``...)."""
        sync = config.sync
        values: dict[str, Any] = {
            "salesperson_code": salesperson_code,
            "time_zone": sync.time_zone,
            "mass_delete_share": sync.mass_delete_share,
            "mass_delete_min": sync.mass_delete_min,
            "category": sync.category,
            "window_past_days": sync.window_past_days,
            "window_future_days": sync.window_future_days,
        }
        values.update(overrides)
        return cls(**values)


@dataclass(frozen=True)
class PlannedItem:
    entity: EntityName
    nav_key: str | None
    outlook_id: str | None
    title: str
    """Something a person recognises the item by (name, subject)."""
    plan: ItemPlan


@dataclass(frozen=True)
class ItemError:
    entity: EntityName
    nav_key: str | None
    outlook_id: str | None
    error: str
    """The exception class name (``NavRefusedError``)."""
    message: str


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
    omitted: int = 0
    """Items done (or planned) but not listed in ``items``, beyond `SyncOptions.report_limit`."""
    done: Mapping[EntityName, Mapping[str, int]] = field(default_factory=dict)
    """Per entity, the writes done (in a dry run: planned) by side and operation (``nav_create``,
    ``outlook_update``...) and ``conflicts``, over every item, listed or not. A write not done because the
    item failed first is not counted: a failed NAV write stops the item; a failed Outlook write comes after
    the item's NAV write, which counts."""
    stopped: bool = False
    """The run stopped early (`SyncOptions.should_stop`): ``items`` are what was done before it stopped; the
    next run does the rest."""

    @property
    def conflicts(self) -> tuple[PlannedItem, ...]:
        return tuple(i for i in self.items if i.plan.conflicts)

    @property
    def ok(self) -> bool:
        """No item errors and no open conflicts (the CLI's exit code 0)."""
        return not self.errors and not self.conflicts
