"""The Celery app a config's ``[distributed]`` section describes, and sending tasks to it.

    app = celery_app(config)                         broker, result backend, queue, delivery guarantees
    ids = enqueue(app, config, mailboxes, settings)  one task per mailbox
    enqueue_tick(app, config, settings)              a tenant-wide run, listed by a worker

Delivery (Celery's own words for it): ``task_acks_late`` with ``task_reject_on_worker_lost``, so a task is
acknowledged only after it returns (its run recorded in the state store) and a worker that dies before gives
it back; ``worker_prefetch_multiplier = 1``, so a worker holds no more tasks than it runs. Redis gives an
unacknowledged task to another worker after ``visibility_timeout`` seconds (kombu's Redis transport sweeps
for them every ``unacked_restore_interval``); RabbitMQ as soon as the dead worker's connection closes.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Sequence
from typing import TYPE_CHECKING

from graphsync.config import Config
from graphsync.config.model import DistributedConfig
from graphsync.config.secrets import SecretRef
from graphsync.distributed.request import SYNC_TASK, TICK_TASK, SyncRequest, settings_message
from graphsync.errors import ConfigError
from graphsync.runtime.mailboxes import TenantMailbox
from graphsync.runtime.wiring import RunSettings

if TYPE_CHECKING:  # Celery takes a second to import: only commands of a cluster pay for it
    from celery import Celery


def distributed_config(config: Config) -> DistributedConfig:
    """The config's ``[distributed]`` section; ConfigError saying how to add one when there is none."""
    if config.distributed is None:
        raise ConfigError(
            file=str(config.file) if config.file else None,
            key="[distributed]",
            expected='a [distributed] section (broker_url = "redis://127.0.0.1:6379/0" is the default broker)',
        )
    return config.distributed


def with_password(url: str, password: SecretRef | None) -> str:
    """``url`` with the password the reference points to (resolved only now, never written anywhere)."""
    if password is None:
        return url
    parts = urllib.parse.urlsplit(url)
    user = urllib.parse.quote(parts.username or "", safe="")
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    netloc = f"{user}:{urllib.parse.quote(password.resolve(), safe='')}@{host}"
    if parts.port is not None:
        netloc += f":{parts.port}"
    return urllib.parse.urlunsplit(parts._replace(netloc=netloc))


def celery_app(config: Config) -> Celery:
    """A Celery app for ``config`` (ConfigError without ``[distributed]``), its tasks registered."""
    from celery import Celery
    from kombu import Queue

    cfg = distributed_config(config)
    app = Celery("graphsync", set_as_current=False)
    redis = cfg.broker_url.startswith(("redis://", "rediss://"))
    transport: dict[str, object] = {}
    if redis:
        transport = {
            "visibility_timeout": cfg.visibility_timeout,
            # The sweep that gives a dead worker's tasks to another: often enough for the timeout.
            "unacked_restore_interval": max(1, min(10, cfg.visibility_timeout // 4)),
            "unacked_restore_throttle": 1,
        }
        if cfg.key_prefix:
            transport["global_keyprefix"] = cfg.key_prefix
    app.conf.update(
        broker_url=with_password(cfg.broker_url, cfg.broker_password),
        broker_transport_options=transport,
        broker_connection_retry_on_startup=True,
        result_backend=with_password(cfg.result_backend, cfg.result_backend_password) if cfg.result_backend else None,
        result_backend_transport_options={"global_keyprefix": cfg.key_prefix} if cfg.key_prefix and redis else {},
        result_expires=86_400,
        task_default_queue=cfg.queue,
        task_queues=[Queue(cfg.queue, routing_key=cfg.queue)],
        task_default_routing_key=cfg.queue,
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        task_acks_on_failure_or_timeout=True,
        worker_prefetch_multiplier=1,
        worker_hijack_root_logger=False,
        worker_redirect_stdouts=False,
        # A lost broker connection does not cancel running syncs (a thread cannot be stopped from outside):
        # their tasks may be given to another worker, whose run then finds the mailbox locked and skips.
        worker_cancel_long_running_tasks_on_connection_loss=False,
        task_ignore_result=cfg.result_backend is None,
        enable_utc=True,
    )
    from graphsync.distributed.tasks import register

    register(app)
    return app


def enqueue(
    app: Celery, config: Config, mailboxes: Sequence[TenantMailbox], settings: RunSettings
) -> list[tuple[TenantMailbox, str]]:
    """One task per mailbox on the config's queue; the task ids, in the order given."""
    queue = distributed_config(config).queue
    sent = []
    for mailbox in mailboxes:
        result = app.send_task(SYNC_TASK, args=[SyncRequest.of(mailbox, settings).to_message()], queue=queue)
        sent.append((mailbox, str(result.id)))
    return sent


def enqueue_tick(app: Celery, config: Config, settings: RunSettings) -> str:
    """A tenant-wide run: a worker lists the mailboxes (NAV and [mailboxes]) and queues one task each."""
    result = app.send_task(TICK_TASK, args=[settings_message(settings)], queue=distributed_config(config).queue)
    return str(result.id)
