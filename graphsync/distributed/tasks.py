"""The tasks, registered on a config's Celery app. Their work is `graphsync.distributed.worker`'s."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from graphsync.distributed.request import SYNC_TASK, TICK_TASK

if TYPE_CHECKING:
    from celery import Celery, Task

log = logging.getLogger("graphsync.worker")


def register(app: Celery) -> None:
    from celery.exceptions import Ignore, Reject

    @app.task(name=SYNC_TASK, bind=True, acks_late=True, reject_on_worker_lost=True)
    def sync_mailbox(task: Task, message: dict[str, Any]) -> dict[str, Any]:
        from graphsync.distributed.worker import context

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
        from graphsync.distributed.worker import context

        return context().tick(app, message)
