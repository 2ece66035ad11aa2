"""The ASGI app: ``/v1.0/...`` speaks Graph, ``/_sandbox/...`` is the control endpoint for tests.

The Graph side is a plain ASGI callable rather than Starlette request/response objects: it is on every
benchmark's hot path, and a dropped connection (a fault the sandbox injects) needs the raw ``send``.
"""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import parse_qsl, quote

import httpx
from starlette.applications import Starlette
from starlette.routing import Mount

from graphsync.errors import GraphError
from graphsync.sandbox.access import principal_for
from graphsync.sandbox.batch import normalize_query, run_batch, run_batch_timed
from graphsync.sandbox.control import ControlEndpoint
from graphsync.sandbox.limits import admit, draw_drop, draw_spike, release
from graphsync.sandbox.router import handle, resolve_mailbox, split_path
from graphsync.sandbox.state import DropWhen, Fault, SandboxState, fault_error
from graphsync.sandbox.wire import Call, Principal, Reply, bad_request, dumps, error_reply, fail

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

_log = logging.getLogger(__name__)

_BODY_METHODS = frozenset({"POST", "PATCH", "PUT"})


class DroppedConnection(httpx.RemoteProtocolError):
    """Raised after the response started, so that the server closes the connection mid-answer (uvicorn) or
    the in-process client sees the same transport error a real dropped connection gives (httpx)."""

    def __init__(self) -> None:
        super().__init__("the sandbox dropped the connection (injected fault)")


def create_app(state: SandboxState | None = None) -> Starlette:
    """The sandbox as an ASGI app over ``state`` (a fresh in-memory one if None); ``app.state.sandbox``
    is the state it serves."""
    sandbox = state if state is not None else SandboxState()
    routes = [
        Mount("/v1.0", app=GraphEndpoint(sandbox)),
        Mount("/_sandbox", app=ControlEndpoint(sandbox)),
        Mount("", app=_other_version),
    ]
    app = Starlette(routes=routes)
    app.state.sandbox = sandbox
    return app


def principal_of(state: SandboxState, headers: dict[str, str]) -> Principal:
    """Who the request's bearer token acts as (`graphsync.sandbox.access`); 401 when there is none to check."""
    value = headers.get("authorization", "")
    scheme, _, token = value.partition(" ")
    token = token.strip()
    if not value or scheme.lower() != "bearer" or not token:
        raise fail(401, "InvalidAuthenticationToken", "Access token is empty.")
    return principal_for(token, state.grants, state.mailboxes)


class GraphEndpoint:
    def __init__(self, state: SandboxState) -> None:
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        state = self.state
        raw = await _read_body(receive)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        request_id = headers.get("client-request-id") or str(uuid.uuid4())
        drop = draw_drop(state)
        targeted = state.take_fault(scope["method"], _graph_path(scope["path"]), http=True) if state.targeted else None
        if targeted is not None and targeted.status is None:
            drop = drop or targeted.when
        if drop is DropWhen.BEFORE_HANDLING:
            await _drop(send)
        spike = draw_spike(state)
        if spike:
            await asyncio.sleep(spike)
        try:
            if targeted is not None and targeted.status is not None and targeted.when is DropWhen.BEFORE_HANDLING:
                raise fault_error(targeted)
            reply = await self._respond(scope, headers, raw)
            if targeted is not None and targeted.status is not None:
                raise fault_error(targeted)  # the work is done; the answer is an error
        except GraphError as exc:
            reply = error_reply(exc, request_id)
        except Exception:
            # A sandbox bug must still answer in Graph's shape (as Graph's own 500s do), and be visible.
            _log.exception("sandbox error on %s %s", scope["method"], scope["path"])
            reply = error_reply(GraphError("An internal server error occurred.", status=500, code="generalException"))
        finally:
            if state.persistence is not None:
                state.persistence.commit()
        if drop is DropWhen.AFTER_HANDLING:
            await _drop(send)
        reply.headers["request-id"] = request_id
        reply.headers["client-request-id"] = request_id
        if reply.status == 401:
            reply.headers["WWW-Authenticate"] = 'Bearer realm="", authorization_uri="https://login.microsoftonline.com"'
        content = b"" if reply.body is None else dumps(reply.body)
        await send(
            {
                "type": "http.response.start",
                "status": reply.status,
                "headers": [(k.encode("latin-1"), v.encode("latin-1")) for k, v in reply.headers.items()],
            }
        )
        await send({"type": "http.response.body", "body": content})

    async def _respond(self, scope: Scope, headers: dict[str, str], raw: bytes) -> Reply:
        state = self.state
        method = scope["method"].upper()
        # The undecoded path, so that an encoded '/' inside an id does not split it.
        raw_path = scope.get("raw_path")
        path = raw_path.decode("latin-1") if raw_path else quote(scope["path"])
        rest = path[5:] if path.startswith("/v1.0") else path
        principal = principal_of(state, headers)
        body: Any = None
        if raw and method in _BODY_METHODS:
            try:
                body = json.loads(raw)
            except (ValueError, UnicodeDecodeError):
                raise bad_request(
                    "Unable to read JSON request payload. Please ensure Content-Type header is set and payload is "
                    "of valid JSON format."
                ) from None
        call = Call(
            method=method,
            segments=split_path(rest),
            query=normalize_query(_query_pairs(scope)),
            headers=headers,
            body=body,
            principal=principal,
            base_url=_base_url(scope, headers),
        )
        if call.segments == ["$batch"]:
            if method != "POST":
                raise fail(405, "Request_BadRequest", "Specified HTTP method is not allowed for the request target.")
            state.batch_requests += 1
            if state.faults.latency:
                # The batch's own round trip, then each item's time as Outlook works on it.
                await asyncio.sleep(state.faults.latency)
                return await run_batch_timed(call, self._run_item)
            return run_batch(call, self._run_now)
        mailbox, segments = resolve_mailbox(state, call)
        admit(state, mailbox, method)
        try:
            if state.faults.latency:
                await asyncio.sleep(state.faults.latency)
            return handle(state, call, mailbox, segments)
        finally:
            release(mailbox)

    def _run_now(self, call: Call) -> Reply:
        """One batch item that takes no time: the same path through faults, limits and handlers."""
        targeted = self._item_fault(call)
        mailbox, segments = resolve_mailbox(self.state, call)
        admit(self.state, mailbox, call.method)
        try:
            reply = handle(self.state, call, mailbox, segments)
        finally:
            release(mailbox)
        if targeted is not None:
            raise fault_error(targeted)
        return reply

    async def _run_item(self, call: Call) -> Reply:
        """One batch item that takes the latency, like a request of its own: it holds one of the mailbox's
        concurrent slots for that time (a 429 inside the batch when none is free)."""
        targeted = self._item_fault(call)
        mailbox, segments = resolve_mailbox(self.state, call)
        admit(self.state, mailbox, call.method)
        try:
            await asyncio.sleep(self.state.faults.latency)
            reply = handle(self.state, call, mailbox, segments)
        finally:
            release(mailbox)
        if targeted is not None:
            raise fault_error(targeted)
        return reply

    def _item_fault(self, call: Call) -> Fault | None:
        """The targeted fault a batch item meets: raised at once when it fails the item before the work, else
        returned to fail it after."""
        if not self.state.targeted:
            return None
        targeted = self.state.take_fault(call.method, "/" + "/".join(call.segments), http=False)
        if targeted is not None and targeted.when is DropWhen.BEFORE_HANDLING:
            raise fault_error(targeted)
        return targeted


async def _other_version(scope: Scope, receive: Receive, send: Send) -> None:
    """Anything outside /v1.0 (``/beta``, a typo): Graph's answer for a version it does not serve."""
    if scope["type"] != "http":
        return
    first = scope["path"].strip("/").split("/")[0]
    reply = error_reply(bad_request(f"Invalid version: {first}. The sandbox serves v1.0 only (/v1.0/...)."))
    headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in reply.headers.items()]
    await send({"type": "http.response.start", "status": reply.status, "headers": headers})
    await send({"type": "http.response.body", "body": dumps(reply.body)})


async def _drop(send: Send) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"100")]})
    raise DroppedConnection()


async def _read_body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            break
    return b"".join(chunks)


def _graph_path(path: str) -> str:
    """A request's path as targeted faults match it: after ``/v1.0``."""
    return path[5:] if path.startswith("/v1.0") else path


def _query_pairs(scope: Scope) -> list[tuple[str, str]]:
    text = scope.get("query_string", b"").decode("latin-1")
    return parse_qsl(text, keep_blank_values=True) if text else []


def _base_url(scope: Scope, headers: dict[str, str]) -> str:
    host = headers.get("host")
    if not host:
        server = scope.get("server") or ("127.0.0.1", 80)
        host = f"{server[0]}:{server[1]}"
    return f"{scope.get('scheme', 'http')}://{host}"
