"""The tasks, registered on a config's Celery app. Their work is the running worker's (`TaskContext`, which
`graphsync.distributed.worker` installs while it runs): this module knows only what a task asks of it, so that
the app can register the tasks without importing the worker that imports the app."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, Protocol

from graphsync.distributed.request import SYNC_TASK, TICK_TASK

if TYPE_CHECKING:
    from celery import Celery, Task

log = logging.getLogger("graphsync.worker")


class TaskContext(Protocol):
    """What the tasks ask of the worker running them (`graphsync.distributed.worker.WorkerContext`)."""

    def sync(self, message: Any) -> dict[str, Any]: ...

    def stopped_by_shutdown(self, result: dict[str, Any]) -> bool: ...

    def tick(self, app: Celery, message: Any) -> dict[str, Any]: ...


_context: TaskContext | None = None


def install(ctx: TaskContext | None) -> None:
    """Make ``ctx`` the context of the tasks this process runs (None: no worker runs them any more)."""
    global _context
    _context = ctx


def context() -> TaskContext:
    if _context is None:
        raise RuntimeError("graphsync's tasks run in a worker started by `graphsync worker`")
    return _context


def register(app: Celery) -> None:
    from celery.exceptions import Ignore, Reject

    @app.task(name=SYNC_TASK, bind=True, acks_late=True, reject_on_worker_lost=True)
    def sync_mailbox(task: Task, message: dict[str, Any]) -> dict[str, Any]:
        ctx = context()
        result = ctx.sync(message)
        redelivered = bool((task.request.delivery_info or {}).get("redelivered"))
        if redelivered and result["status"] == "locked":
            # Given again (Redis's visibility timeout ran out) while a run holds the mailbox: almost surely this
            # very task's first delivery, still running. Its result must not be overwritten by a skip.
            log.info("mailbox %s: task given again while a run holds the mailbox; left to that run", result["mailbox"])
            raise Ignore()
        if ctx.stopped_by_shutdown(result):
            # Stopped between chunks because this worker is going down: back to the queue, so that another
            # worker (or this one restarted) does the rest now rather than at the next tick.
            raise Reject(f"{result['mailbox']}: the worker is shutting down", requeue=True)
        return result

    @app.task(name=TICK_TASK, bind=True, acks_late=True, reject_on_worker_lost=True)
    def tenant_tick(task: Task, message: dict[str, Any]) -> dict[str, Any]:
        return context().tick(app, message)
