"""Tenant-wide runs on one machine: many mailboxes synced concurrently in one process.

    async with Runtime(config, connections=...) as rt:
        mailboxes = tenant_mailboxes(config, rt.nav)                  # graphsync.runtime.mailboxes
        tenant = await run_tenant(rt, mailboxes, RunSettings(), concurrency=8, on_done=print)

Each mailbox is one ordinary run (`Runtime.sync`): its own lock in the state store, its own Graph client with
its own request budget (Outlook's limits are per app and mailbox), its own report. At most ``concurrency``
run at once, on one event loop: a run spends most of its time waiting for Graph (its request window, its
answers), which is when the others work. A mailbox's failure (Graph refusing the app that mailbox, a
salesperson NAV does not have, a contact folder deleted in Outlook, a bug) is that mailbox's outcome and
never stops the others; only a stop request (Ctrl-C, SIGTERM: ``settings.should_stop``) ends them all,
each at a point its next run resumes from, and leaves the mailboxes not started yet unstarted.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from enum import Enum

from graphsync.auth.salesperson import match_salesperson
from graphsync.connectors.nav import NavTable
from graphsync.engine.report import Progress, ProgressEvent, RunReport
from graphsync.errors import ConfigError, GraphsyncError, LockHeldError
from graphsync.runtime.mailboxes import TenantMailbox
from graphsync.runtime.wiring import MailboxTarget, RunSettings, Runtime

__all__ = [
    "DEFAULT_CONCURRENCY",
    "MailboxOutcome",
    "OutcomeStatus",
    "Progress",
    "ProgressEvent",
    "TenantReport",
    "run_tenant",
    "sync_mailbox",
    "target_of",
]
"""With the engine's progress types, which the CLI draws (it reaches the engine only through the runtime)."""

log = logging.getLogger("graphsync.tenant")

DEFAULT_CONCURRENCY = 16
"""Mailboxes synced at once by default. Chosen by `bench/bench_tenant.py` (bench/README.md, "tenant"): at
Graph's ceiling (16.7 writes per second per mailbox) 16 mailboxes ask about 270 writes per second, where the
benchmark's mailboxes still reach 0.95 of their summed ceilings on the project's two-core machine (and a
tenth of a core); more only pays where a machine has the CPU for it, and costs a little memory per mailbox."""


class OutcomeStatus(Enum):
    OK = "ok"
    """Finished with nothing left for a person."""
    ATTENTION = "attention"
    """Finished with conflicts or item errors."""
    STOPPED = "stopped"
    """Stopped early on request; the next run continues. Also a mailbox never started because of the stop."""
    LOCKED = "locked"
    """Skipped: another run holds the mailbox's lock (nothing was changed)."""
    FAILED = "failed"
    """The run stopped with an error (the mailbox's own: the others went on)."""


@dataclass(frozen=True)
class MailboxOutcome:
    mailbox: TenantMailbox
    status: OutcomeStatus
    salesperson: str | None
    """The salesperson the run synced (None when it failed before knowing)."""
    report: RunReport | None = None
    error: BaseException | None = None
    """Why the run failed or was skipped: a `GraphsyncError`, or any other exception (a bug, logged with
    its traceback)."""
    seconds: float = 0.0

    @property
    def upn(self) -> str:
        return self.mailbox.upn


@dataclass(frozen=True)
class TenantReport:
    outcomes: tuple[MailboxOutcome, ...]
    """One per mailbox, in the order the mailboxes were given."""
    seconds: float
    concurrency: int

    def count(self, status: OutcomeStatus) -> int:
        return sum(1 for o in self.outcomes if o.status is status)


def _status(report: RunReport) -> OutcomeStatus:
    if report.stopped:
        return OutcomeStatus.STOPPED
    return OutcomeStatus.OK if report.ok else OutcomeStatus.ATTENTION


async def target_of(rt: Runtime, mailbox: TenantMailbox) -> MailboxTarget:
    """The mailbox's target for an app-only run: who it is, asked of Graph (which refuses a mailbox the app
    may not open), and its salesperson, which must exist in NAV."""
    probe = await rt.target_identity(mailbox.upn)
    code = mailbox.salesperson
    file = str(rt.config.file) if rt.config.file else None
    if code is None:
        code = match_salesperson(probe.upn, probe.mail, rt.nav, rt.config.mailboxes, config_file=file)
    elif rt.nav.get(NavTable.SALESPERSON, (code,)) is None:
        raise ConfigError(
            file=file,
            key=f"mailboxes.{mailbox.upn!r}",
            expected="the code of a salesperson that exists in NAV",
            got=code,
        )
    return MailboxTarget(identity=probe, salesperson=code, user=mailbox.upn)


async def sync_mailbox(
    rt: Runtime, mailbox: TenantMailbox, settings: RunSettings, *, progress: Progress | None = None
) -> MailboxOutcome:
    """One mailbox's run as an outcome: never raises for the mailbox's own failures (CancelledError,
    KeyboardInterrupt and SystemExit go through)."""
    started = time.monotonic()
    salesperson = mailbox.salesperson
    try:
        target = await target_of(rt, mailbox)
        salesperson = target.salesperson
        report = await rt.sync(target, replace(settings, progress=progress))
    except LockHeldError as exc:
        log.info("mailbox %s skipped: another run holds its lock (%s)", mailbox.upn, exc.holder)
        return MailboxOutcome(mailbox, OutcomeStatus.LOCKED, salesperson, error=exc, seconds=_since(started))
    except GraphsyncError as exc:
        log.warning("mailbox %s failed: %s", mailbox.upn, exc, extra={"gs_mailbox": mailbox.upn})
        return MailboxOutcome(mailbox, OutcomeStatus.FAILED, salesperson, error=exc, seconds=_since(started))
    except Exception as exc:  # a bug in one mailbox's run must not end the others' runs
        log.exception("mailbox %s failed unexpectedly", mailbox.upn, extra={"gs_mailbox": mailbox.upn})
        return MailboxOutcome(mailbox, OutcomeStatus.FAILED, salesperson, error=exc, seconds=_since(started))
    return MailboxOutcome(mailbox, _status(report), salesperson, report=report, seconds=_since(started))


def _since(started: float) -> float:
    return round(time.monotonic() - started, 3)


async def run_tenant(
    rt: Runtime,
    mailboxes: Sequence[TenantMailbox],
    settings: RunSettings | None = None,
    *,
    concurrency: int = DEFAULT_CONCURRENCY,
    on_start: Callable[[TenantMailbox], None] | None = None,
    on_done: Callable[[MailboxOutcome], None] | None = None,
    progress_for: Callable[[TenantMailbox], Progress | None] | None = None,
) -> TenantReport:
    """Sync ``mailboxes``, at most ``concurrency`` at once; ``on_done`` sees each outcome as it comes.
    ``progress_for`` gives each mailbox's run its progress callback (the CLI's bars)."""
    if concurrency < 1:
        raise ConfigError(file=None, key="--concurrency", expected="1 or more", got=concurrency)
    settings = settings or RunSettings()
    started = time.monotonic()
    gate = asyncio.Semaphore(concurrency)

    async def one(mailbox: TenantMailbox) -> MailboxOutcome:
        async with gate:
            if settings.should_stop is not None and settings.should_stop():
                outcome = MailboxOutcome(mailbox, OutcomeStatus.STOPPED, mailbox.salesperson)
            else:
                if on_start is not None:
                    on_start(mailbox)
                progress = progress_for(mailbox) if progress_for is not None else None
                outcome = await sync_mailbox(rt, mailbox, settings, progress=progress)
        if on_done is not None:
            on_done(outcome)
        return outcome

    outcomes = await asyncio.gather(*(one(m) for m in mailboxes))
    return TenantReport(tuple(outcomes), seconds=_since(started), concurrency=concurrency)
