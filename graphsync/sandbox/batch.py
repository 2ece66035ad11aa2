"""``POST /v1.0/$batch`` (concepts/json-batching.md): up to 20 requests with relative URLs, run through the
same handlers and limits as plain requests, ``dependsOn`` honoured (a dependent of a failed request gets
424), each with its own status, headers and body.

Every item is an Outlook request of its own (concepts/throttling-limits.md, "Outlook service limits for
JSON batching"): Outlook runs up to four items of one batch at a time when they do not depend on each
other, and one after another along ``dependsOn``. Each item goes through the mailbox's limits as it starts
(`graphsync.sandbox.limits.admit`): it holds one of the mailbox's concurrent slots while it runs, and an
item that finds no free slot, or no room in the mailbox's window, is answered 429 with ``Retry-After``
inside the batch (concepts/throttling.md, "Throttling and batching": "Requests in a batch are evaluated
individually against throttling limits and if any request exceeds the limits, it fails with a status of
429"; json-batching.md, "Batch size limitations", says the same).

`run_batch_timed` runs items that take time (the sandbox's ``latency``) concurrently as Outlook does;
`run_batch` runs them one after another when they take none, which is the same outcome (no item can
overlap another that takes no time) without a task per item on the sandbox's default, fastest path.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from graphsync.errors import GraphError
from graphsync.sandbox.router import split_path
from graphsync.sandbox.wire import Call, Reply, bad_request, error_reply, fail

MAX_REQUESTS = 20
PARALLEL_ITEMS = 4
"""Items of one batch Outlook runs at the same time (throttling-limits.md, "Outlook service limits for JSON
batching": "Outlook ... runs up to four requests of the batch in parallel")."""

RunOne = Callable[[Call], Reply]
RunOneTimed = Callable[[Call], Awaitable[Reply]]


def run_batch(outer: Call, run_one: RunOne) -> Reply:
    """Answer a batch; ``run_one`` handles one request exactly as if it came alone."""
    requests = _validate(outer.body)
    by_id = {str(r["id"]).lower(): r for r in requests}
    results: dict[str, Reply] = {}

    def run(request: dict[str, Any]) -> Reply:
        key = str(request["id"]).lower()
        done = results.get(key)
        if done is not None:
            return done
        failed = False
        for parent in request.get("dependsOn") or []:
            if run(by_id[str(parent).lower()]).status >= 400:
                failed = True
        if failed:
            reply = error_reply(fail(424, "FailedDependency", "The request it depends on failed."))
        else:
            try:
                reply = run_one(_item_call(outer, request))
            except GraphError as exc:
                reply = error_reply(exc)
        results[key] = reply
        return reply

    return _answer(requests, [run(request) for request in requests])


async def run_batch_timed(outer: Call, run_one: RunOneTimed) -> Reply:
    """Answer a batch whose items take time: up to `PARALLEL_ITEMS` of them at once, each after the items it
    depends on; ``run_one`` handles one request as if it came alone (limits, latency, handler)."""
    requests = _validate(outer.body)
    done = {str(r["id"]).lower(): asyncio.Event() for r in requests}
    results: dict[str, Reply] = {}
    running = asyncio.Semaphore(PARALLEL_ITEMS)

    async def run(request: dict[str, Any]) -> None:
        key = str(request["id"]).lower()
        failed = False
        for parent in request.get("dependsOn") or []:
            parent_key = str(parent).lower()
            await done[parent_key].wait()
            failed = failed or results[parent_key].status >= 400
        if failed:
            reply = error_reply(fail(424, "FailedDependency", "The request it depends on failed."))
        else:
            async with running:
                try:
                    reply = await run_one(_item_call(outer, request))
                except GraphError as exc:
                    reply = error_reply(exc)
        results[key] = reply
        done[key].set()

    await asyncio.gather(*(run(request) for request in requests))
    return _answer(requests, [results[str(r["id"]).lower()] for r in requests])


def _answer(requests: list[dict[str, Any]], replies: list[Reply]) -> Reply:
    responses = []
    for request, reply in zip(requests, replies, strict=True):
        entry: dict[str, Any] = {"id": str(request["id"]), "status": reply.status, "headers": reply.headers}
        if reply.body is not None:
            entry["body"] = reply.body
        responses.append(entry)
    return Reply(200, {"responses": responses}, {"Content-Type": "application/json"})


def _validate(body: Any) -> list[dict[str, Any]]:
    """The batch's requests, or 400 for the whole batch when it is malformed (nothing runs)."""
    requests = body.get("requests") if isinstance(body, dict) else None
    if not isinstance(requests, list) or not requests:
        raise bad_request("The batch request body must be a JSON object with a non-empty 'requests' array.")
    if len(requests) > MAX_REQUESTS:
        raise bad_request(
            f"Number of batch request steps exceeds the maximum of {MAX_REQUESTS} ({len(requests)} given)."
        )
    seen: set[str] = set()
    for request in requests:
        if not isinstance(request, dict) or not all(isinstance(request.get(k), str) for k in ("id", "method", "url")):
            raise bad_request("Each batch request needs string 'id', 'method' and 'url' properties.")
        key = request["id"].lower()
        if key in seen:
            raise bad_request(f"Batch request id '{request['id']}' is used twice; ids must be unique.")
        seen.add(key)
        headers = request.get("headers") or {}
        if not isinstance(headers, dict):
            raise bad_request(f"Batch request '{request['id']}': 'headers' must be a JSON object.")
        if "body" in request and "content-type" not in {str(h).lower() for h in headers}:
            raise bad_request(f"Write request id : {request['id']} does not contain Content-Type header or body.")
    for request in requests:
        depends = request.get("dependsOn") or []
        if not isinstance(depends, list) or any(str(d).lower() not in seen for d in depends):
            raise bad_request(f"Batch request '{request['id']}' depends on an id that is not in the batch.")
    _refuse_cycles(requests)
    return requests


def _refuse_cycles(requests: list[dict[str, Any]]) -> None:
    graph = {r["id"].lower(): [str(d).lower() for d in r.get("dependsOn") or []] for r in requests}
    state: dict[str, int] = {}

    def visit(node: str) -> None:
        if state.get(node) == 1:
            raise bad_request("The batch's dependsOn references form a cycle.")
        if state.get(node) == 2:
            return
        state[node] = 1
        for parent in graph[node]:
            visit(parent)
        state[node] = 2

    for node in graph:
        visit(node)


def _item_call(outer: Call, request: dict[str, Any]) -> Call:
    url = request["url"]
    if "://" in url:
        raise bad_request(f"Batch request '{request['id']}': the url must be relative (like /me/contacts), got {url}.")
    parts = urlsplit(url if url.startswith("/") else "/" + url)
    segments = split_path(parts.path)
    if segments and segments[0].lower() == "v1.0":
        raise bad_request(f"Batch request '{request['id']}': the url must not repeat the version, got {url}.")
    if segments and segments[0] == "$batch":
        raise bad_request("A batch cannot contain another batch.")
    headers = {str(k).lower(): str(v) for k, v in (request.get("headers") or {}).items()}
    return Call(
        method=request["method"].upper(),
        segments=segments,
        query=normalize_query(parse_qsl(parts.query, keep_blank_values=True)),
        headers=headers,
        body=request.get("body"),
        principal=outer.principal,
        base_url=outer.base_url,
    )


_ODATA_OPTIONS = {"select", "top", "skip", "filter", "expand", "orderby", "skiptoken", "deltatoken", "count"}
_NAMED = {"startdatetime": "startDateTime", "enddatetime": "endDateTime"}


def normalize_query(pairs: list[tuple[str, str]]) -> dict[str, str]:
    """Query parameters by name; OData options given without their ``$`` get it (Graph accepts both)."""
    out: dict[str, str] = {}
    for name, value in pairs:
        if name.lower() in _ODATA_OPTIONS:
            name = "$" + name.lower()
        elif name.startswith("$"):
            name = name.lower()
        else:
            # Graph reads parameter names in any case (event-delta.md writes startdatetime).
            name = _NAMED.get(name.lower(), name)
        out[name] = value
    return out
