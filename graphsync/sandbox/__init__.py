"""A local server that speaks Microsoft Graph v1.0 for exactly the resources graphsync uses.

    from graphsync.sandbox import create_app, SandboxState, serve

`create_app(state)` is the ASGI app (mount it in-process with ``httpx.ASGITransport``); `serve(state)` runs
it with uvicorn on a free loopback port and yields the base URL. `SandboxState` holds the users and their
mailboxes (``SandboxState.seeded("eh@contoso.com")``: as in a tenant, a request never creates a user), the
tokens it accepts, and the limit and fault settings tests and benchmarks turn on. docs/sandbox.md describes
what is served.
"""

from graphsync.sandbox.access import APP_TOKEN, USER_TOKEN_PREFIX
from graphsync.sandbox.app import create_app
from graphsync.sandbox.server import serve
from graphsync.sandbox.state import (
    DropWhen,
    Fault,
    Faults,
    InjectedFaults,
    Limits,
    MeetingRequest,
    MeetingRequestReason,
    SandboxState,
)

__all__ = [
    "APP_TOKEN",
    "USER_TOKEN_PREFIX",
    "DropWhen",
    "Fault",
    "Faults",
    "InjectedFaults",
    "Limits",
    "MeetingRequest",
    "MeetingRequestReason",
    "SandboxState",
    "create_app",
    "serve",
]
