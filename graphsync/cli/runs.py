"""What ``graphsync sync`` for one mailbox (`graphsync.cli.sync`) and for many (`graphsync.cli.tenant`) say
alike: the exit code after a stop by signal, a failed run as JSON, the entities a run covers."""

from __future__ import annotations

import signal
from typing import TYPE_CHECKING

from graphsync.cli import messages
from graphsync.config import Config
from graphsync.errors import GraphsyncError
from graphsync.schedule import StopFlag

if TYPE_CHECKING:
    from graphsync.config.entities import EntityName
    from graphsync.runtime import RunSettings


def interrupted_code(stop: StopFlag, *, cut_short: bool) -> int | None:
    """The exit code a stop by signal gives, None for none: Ctrl-C is 130 (the shell's 128 + SIGINT) however
    the work ended; SIGTERM is 143 when it cut a run short, and otherwise (a ``--every`` loop stopped between
    runs, as a service manager stops it) leaves the last run's code."""
    if stop.signal == signal.SIGINT:
        return stop.exit_code
    if stop.signal is not None and cut_short:
        return stop.exit_code
    return None


def error_json(exc: GraphsyncError) -> dict[str, object]:
    """A run that stopped with an error, for machines reading ``--json`` output."""
    return {
        "ok": False,
        "exit_code": messages.exit_code(exc),
        "error": type(exc).__name__,
        "message": messages.render(exc),
    }


def entities_in_run(config: Config, settings: RunSettings) -> list[EntityName]:
    """The entities a run with ``settings`` syncs (enabled, and chosen with ``--entity`` if any)."""
    return [s.name for s in config.entities if s.enabled and (settings.entities is None or s.name in settings.entities)]
