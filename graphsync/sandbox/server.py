"""Running the sandbox on a real socket: `serve` for tests and the demo, `run` for the CLI."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn

from graphsync.sandbox.app import DroppedConnection, create_app
from graphsync.sandbox.state import SandboxState
from graphsync.serving import serve_in_thread

LOOPBACK = frozenset({"127.0.0.1", "::1", "localhost"})


class _HideDroppedConnections(logging.Filter):
    """An injected dropped connection is not a server error worth a traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        return not isinstance(exc, DroppedConnection)


_HIDE_DROPS = _HideDroppedConnections()


def _config(state: SandboxState, host: str, port: int, log_level: str) -> uvicorn.Config:
    logger = logging.getLogger("uvicorn.error")
    if _HIDE_DROPS not in logger.filters:
        logger.addFilter(_HIDE_DROPS)
    return uvicorn.Config(
        create_app(state), host=host, port=port, log_level=log_level, access_log=False, lifespan="off"
    )


@contextmanager
def serve(
    state: SandboxState | None = None, *, host: str = "127.0.0.1", port: int = 0, startup_timeout: float = 10.0
) -> Iterator[str]:
    """Run the sandbox with uvicorn in a background thread; yields its base URL (``http://127.0.0.1:PORT``,
    a free port unless ``port`` is given). The server stops when the block ends."""
    config = _config(state or SandboxState(), host, port, "warning")
    with serve_in_thread(config, name="the sandbox server", startup_timeout=startup_timeout) as url:
        yield url


def run(state: SandboxState, *, host: str, port: int) -> None:
    """Serve in the foreground until interrupted (the CLI's ``graphsync sandbox serve``)."""
    uvicorn.Server(_config(state, host, port, "info")).run()
