"""`graphsync worker` and `graphsync beat`: a Celery worker that runs mailbox syncs, and the schedule.

A worker runs tasks in threads (Celery's ``threads`` pool), ``concurrency`` at a time. Each thread keeps
one `Runtime` (NAV connection, state store, Graph client) and one event loop for its whole life, so a task
costs a mailbox's run and not a new connection to everything; the config file is read again when it
changes. A run is the same `graphsync.runtime.tenant.sync_mailbox` as ``sync --all-mailboxes`` runs: its
own lock, request budget and report. One worker process uses at most one core (Python's interpreter
lock): run one worker per core (``systemctl enable graphsync-worker@1 graphsync-worker@2``, docs/deployment.md).

A warm shutdown (SIGTERM, Ctrl-C) asks the running syncs to stop between chunks, where their next run
resumes, and gives their tasks back to the queue (another worker, or this one restarted, finishes them).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import os
import socket
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from graphsync.auth.connections import Connections
from graphsync.config import Config, load_config
from graphsync.distributed import tasks
from graphsync.distributed.app import celery_app, distributed_config, enqueue, enqueue_tick
from graphsync.distributed.request import TICK_TASK, SyncRequest, settings_message, settings_of
from graphsync.runtime.mailboxes import tenant_mailboxes
from graphsync.runtime.tenant import MailboxOutcome, OutcomeStatus, sync_mailbox
from graphsync.runtime.wiring import RunSettings, Runtime
from graphsync.schedule import StopFlag

if TYPE_CHECKING:
    from celery import Celery

log = logging.getLogger("graphsync.worker")

ITEM_ERRORS_SHOWN = 10
"""Item errors a task's result lists (all of them are in the state store's run history)."""

Describe = Callable[[BaseException], tuple[int, str]]
"""An error -> (exit code, message): the CLI's words for it (`graphsync.cli.messages`)."""


def _undescribed(exc: BaseException) -> tuple[int, str]:
    return 1, str(exc)


@dataclass
class _Thread:
    loop: asyncio.AbstractEventLoop
    runtime: Runtime
    config: Config


class WorkerContext:
    """What a worker's tasks share: the config (read again when its file changes), a `Runtime` and event
    loop per pool thread, the stop flag a warm shutdown sets, and how errors are described."""

    def __init__(
        self,
        config: Config,
        *,
        connections: Connections | None = None,
        describe: Describe = _undescribed,
        name: str = "",
    ) -> None:
        self._config = config
        self._stamp = _stamp(config.file)
        self._connections = connections or Connections()
        self.describe = describe
        self.name = name or f"pid {os.getpid()} on {socket.gethostname()}"
        self.stop = StopFlag()
        self._local = threading.local()
        self._threads: list[_Thread] = []
        self._lock = threading.Lock()

    def config(self) -> Config:
        """The config, read again if its file changed since (a broken edit raises ConfigError)."""
        file = self._config.file
        stamp = _stamp(file)
        if file is not None and stamp != self._stamp:
            with self._lock:
                if stamp != self._stamp:
                    self._config = load_config(file)
                    self._stamp = stamp
                    log.info("config %s read again", file)
        return self._config

    def _thread(self) -> _Thread:
        config = self.config()
        current: _Thread | None = getattr(self._local, "state", None)
        if current is not None and current.config is config:
            return current
        if current is not None:  # the config changed: this thread's connections follow it
            current.loop.run_until_complete(current.runtime.aclose())
            loop = current.loop
        else:
            loop = asyncio.new_event_loop()
        state = _Thread(loop, Runtime(config, connections=self._connections), config)
        self._local.state = state
        with self._lock:
            self._threads = [t for t in self._threads if t is not current] + [state]
        return state

    # ------------------------------------------------------------------ tasks

    def sync(self, message: Any) -> dict[str, Any]:
        """One mailbox's run; its outcome as JSON. Never raises for the mailbox's own failures."""
        try:
            request = SyncRequest.from_message(message)
            state = self._thread()
        except Exception as exc:  # a malformed task, a config edit that broke the file
            code, text = self.describe(exc)
            log.error("task refused: %s", text)
            return {"mailbox": _mailbox_of(message), "status": "failed", "exit_code": code, "message": text}
        settings = replace(request.settings(), should_stop=self.stop.is_set)
        outcome = state.loop.run_until_complete(sync_mailbox(state.runtime, request.mailbox, settings))
        result = self.result(outcome)
        log.info(
            "mailbox %s: %s in %.1fs%s",
            outcome.upn,
            outcome.status.value,
            outcome.seconds,
            f": {result['message']}" if result["message"] else "",
            extra={"gs_mailbox": outcome.upn, "gs_status": outcome.status.value},
        )
        return result

    def stopped_by_shutdown(self, result: dict[str, Any]) -> bool:
        return result.get("status") == OutcomeStatus.STOPPED.value and self.stop.is_set()

    def result(self, outcome: MailboxOutcome) -> dict[str, Any]:
        report = outcome.report
        if outcome.error is not None:
            code, text = self.describe(outcome.error)
        else:
            code, text = (0 if outcome.status is not OutcomeStatus.ATTENTION else 1), ""
        return {
            "mailbox": outcome.upn,
            "salesperson": outcome.salesperson,
            "status": outcome.status.value,
            "exit_code": code,
            "message": text,
            "counts": dict(report.counts) if report else {},
            "run_id": report.run_id if report else None,
            "item_errors": [
                {"entity": e.entity.value, "nav_key": e.nav_key, "outlook_id": e.outlook_id, "message": e.message}
                for e in (report.errors[:ITEM_ERRORS_SHOWN] if report else ())
            ],
            "seconds": outcome.seconds,
            "worker": self.name,
        }

    def tick(self, app: Celery, message: Any) -> dict[str, Any]:
        """A tenant-wide run: the mailboxes listed now (NAV and [mailboxes]), one task each."""
        settings = settings_of(message)
        state = self._thread()
        mailboxes = tenant_mailboxes(state.config, state.runtime.nav)
        sent = enqueue(app, state.config, mailboxes, settings)
        log.info("tenant run: %d mailboxes queued", len(sent))
        return {"queued": [mailbox.upn for mailbox, _ in sent]}

    def close(self) -> None:
        """Close every thread's runtime (called when the worker has stopped: no task runs any more)."""
        with self._lock:
            threads, self._threads = self._threads, []
        for state in threads:
            try:
                state.loop.run_until_complete(state.runtime.aclose())
            finally:
                state.loop.close()


def _stamp(file: Path | None) -> float | None:
    try:
        return None if file is None else file.stat().st_mtime
    except OSError:
        return None


def _mailbox_of(message: Any) -> str | None:
    return str(message.get("mailbox")) if isinstance(message, dict) else None


def run_worker(
    config: Config,
    *,
    concurrency: int,
    name: str | None = None,
    connections: Connections | None = None,
    describe: Describe = _undescribed,
    loglevel: str = "INFO",
) -> int:
    """Run a Celery worker on the config's queue until it is stopped; its exit code."""
    from celery import signals

    cfg = distributed_config(config)
    app = celery_app(config)
    node = name or f"graphsync-{os.getpid()}@{socket.gethostname()}"
    ctx = WorkerContext(config, connections=connections, describe=describe, name=node)
    tasks.install(ctx)

    def shutting_down(**_: Any) -> None:
        ctx.stop.set("the worker is shutting down")

    signals.worker_shutting_down.connect(shutting_down, weak=False)
    worker = app.Worker(
        pool="threads",
        concurrency=concurrency,
        hostname=node,
        queues=[cfg.queue],
        loglevel=loglevel,
        quiet=True,
        without_gossip=True,
        without_mingle=True,
        without_heartbeat=True,
    )
    log.info(
        "worker %s: queue %s, %d mailboxes at a time, state %s", node, cfg.queue, concurrency, config.state.location
    )
    try:
        worker.start()
    finally:
        signals.worker_shutting_down.disconnect(shutting_down)
        ctx.close()
        tasks.install(None)
    return int(worker.exitcode or 0)


def run_beat(config: Config, *, every: dt.timedelta, settings: RunSettings, schedule: Path | None = None) -> None:
    """Celery beat: a tenant-wide run now and then every ``every`` (each a `TICK_TASK` a worker turns into
    one task per mailbox), until stopped. Run one beat per cluster: a second one doubles the ticks (harmless:
    the mailbox locks skip the repeats, but wasteful)."""
    cfg = distributed_config(config)
    app = celery_app(config)
    app.conf.beat_schedule = {
        "graphsync-tenant": {
            "task": TICK_TASK,
            "schedule": every.total_seconds(),
            "args": [settings_message(settings)],
            "options": {"queue": cfg.queue},
        }
    }
    path = schedule or Path(tempfile.gettempdir()) / f"graphsync-beat-{cfg.queue}"
    first = enqueue_tick(app, config, settings)  # as `sync --every` does: the first run at once
    log.info("beat: a tenant-wide run every %s on queue %s (first: task %s)", every, cfg.queue, first)
    app.Beat(schedule=str(path), loglevel="INFO", quiet=True).run()
