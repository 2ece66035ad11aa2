"""The tasks, registered on a config's Celery app. Their work is `graphsync.distributed.worker`'s."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from graphsync.distributed.request import SYNC_TASK, TICK_TASK

if TYPE_CHECKING:
    from celery import Celery, Task


def register(app: Celery) -> None:
    from celery.exceptions import Reject

    @app.task(name=SYNC_TASK, bind=True, acks_late=True, reject_on_worker_lost=True)
    def sync_mailbox(task: Task, message: dict[str, Any]) -> dict[str, Any]:
        from graphsync.distributed.worker import context

        ctx = context()
        result = ctx.sync(message)
        if ctx.stopped_by_shutdown(result):
            # Stopped between chunks because this worker is going down: back to the queue, so that another
            # worker (or this one restarted) does the rest now rather than at the next tick.
            raise Reject(f"{result['mailbox']}: the worker is shutting down", requeue=True)
        return result

    @app.task(name=TICK_TASK, bind=True, acks_late=True, reject_on_worker_lost=True)
    def tenant_tick(task: Task, message: dict[str, Any]) -> dict[str, Any]:
        from graphsync.distributed.worker import context

        return context().tick(app, message)
