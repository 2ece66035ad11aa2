"""Running the NAV-style OData service on a real socket (tests, demos).

The connector is synchronous over `httpx.Client`, and httpx's synchronous client cannot call an ASGI app
in-process, so the service runs under uvicorn in a background thread on the loopback interface; the tests
then speak real HTTP to it, as they would to NAV.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn
from starlette.applications import Starlette

from graphsync.serving import serve_in_thread


@contextmanager
def serve(app: Starlette, *, host: str = "127.0.0.1", port: int = 0, startup_timeout: float = 10.0) -> Iterator[str]:
    """Serve ``app`` (from `graphsync.navservice.app.create_app`) in a background thread; yields the base URL
    ``http://127.0.0.1:PORT`` (a free port unless ``port`` is given). The server stops when the block ends."""
    # The app writes its own Date header (the company's clock).
    config = uvicorn.Config(
        app, host=host, port=port, log_level="warning", access_log=False, lifespan="off", date_header=False
    )
    with serve_in_thread(config, name="the NAV OData service", startup_timeout=startup_timeout) as url:
        yield url
