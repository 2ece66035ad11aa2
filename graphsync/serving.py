"""Running an ASGI app under uvicorn in a background thread, for the sandbox and the NAV OData service.

Tests, the demo and benchmarks need these servers on a real loopback socket (httpx's synchronous client
cannot call an ASGI app in-process, and kill -9 tests need a server outside the killed process).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn


@contextmanager
def serve_in_thread(config: uvicorn.Config, *, name: str, startup_timeout: float = 10.0) -> Iterator[str]:
    """Start ``config``'s server in a daemon thread and yield ``http://HOST:PORT`` (the port actually bound,
    so port 0 picks a free one). The server stops when the block ends. RuntimeError names ``name`` when the
    server does not come up in time (port taken, bad host)."""
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name=name, daemon=True)
    thread.start()
    deadline = time.monotonic() + startup_timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            thread.join(timeout=5)
            raise RuntimeError(f"{name} did not start on {config.host}:{config.port}")
        time.sleep(0.01)
    bound = server.servers[0].sockets[0].getsockname()
    host = config.host
    try:
        yield f"http://{host if ':' not in host else f'[{host}]'}:{bound[1]}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
