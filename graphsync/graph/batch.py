"""JSON $batch, built by graphsync (the SDK's batch helpers reject relative URLs: msgraph-sdk-python
#1015, msgraph-sdk-python-core #1116).

`run_batched` sends any number of requests in batches of at most 20, gives each request its own answer,
re-sends the items that failed transiently after the longest ``Retry-After`` among them (or the policy's
backoff), and never lets one item's failure touch another's answer. Before re-sending requests whose
first outcome is unknown (no answer, or a 5xx that may have come after the work was done), it asks the
caller's ``settle`` hook, which is how a create is looked up by NAV key instead of being sent twice.

Each batch item is an Outlook request, and the session's `graphsync.graph.slots.MailboxSlots` keeps the
items running at once within Outlook's 4 per mailbox: a batch takes a slot for each item Outlook runs at
once (`BatchConcurrency`: up to 4 of independent items, 1 for a ``dependsOn`` chain). A chained batch's item
answered 424 never ran (an item before it failed) and is sent again without counting as an attempt.
"""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from graphsync.errors import GraphAuthError, GraphError, ThrottledError
from graphsync.frozen import quick_init
from graphsync.graph.errormap import error_from_response, malformed_response
from graphsync.graph.options import BatchConcurrency
from graphsync.graph.session import GraphSession, is_transient

MAX_BATCH = 20
OUTLOOK_PARALLEL_ITEMS = 4
"""Items of one batch without dependsOn that Outlook runs at once (throttling-limits.md, "Outlook service
limits for JSON batching")."""
FAILED_DEPENDENCY = 424


@quick_init
@dataclass(frozen=True)
class BatchRequest:
    """One request inside a batch; ``url`` is relative to the version root (``/me/contacts``)."""

    id: str
    method: str
    url: str
    headers: Mapping[str, str] = field(default_factory=dict)
    body: Any = None

    def as_json(self, depends_on: str | None = None) -> dict[str, Any]:
        item: dict[str, Any] = {"id": self.id, "method": self.method, "url": self.url}
        if depends_on is not None:
            item["dependsOn"] = [depends_on]
        headers = dict(self.headers)
        if self.body is not None:
            headers.setdefault("Content-Type", "application/json")
            item["body"] = self.body
        if headers:
            item["headers"] = headers
        return item


@quick_init
@dataclass(frozen=True)
class BatchAnswer:
    """One request's own answer: status, headers and parsed body. Status 0 means no answer arrived, so
    whether the request took effect is unknown."""

    id: str
    status: int
    headers: Mapping[str, str] = field(default_factory=dict)
    body: Any = None
    error: GraphError | None = None

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300 and self.error is None

    @property
    def outcome_unknown(self) -> bool:
        """No answer, or a server fault: the request may or may not have taken effect. A 429 is a refusal
        before any work, so it is known not to have happened."""
        return self.status == 0 or self.status >= 500


def _item_body(raw: Mapping[str, Any], headers: Mapping[str, str]) -> Any:
    body = raw.get("body")
    if not isinstance(body, str):
        return body  # JSON (an object, as Graph answers nearly every item), or none
    ctype = next((v for k, v in headers.items() if k.lower() == "content-type"), "")
    # Graph base64-encodes bodies that are not JSON; a JSON body that arrives as a string is the same.
    if "json" not in ctype.lower():
        try:
            return json.loads(base64.b64decode(body, validate=True))
        except ValueError:
            return body
    return body


def _answers_from(payload: Any, sent: Sequence[BatchRequest], method: str, url: str) -> dict[str, BatchAnswer]:
    if not isinstance(payload, Mapping) or not isinstance(payload.get("responses"), list):
        raise malformed_response(200, "a $batch answer without a 'responses' list", method=method, url=url)
    wanted = {r.id: r for r in sent}
    answers: dict[str, BatchAnswer] = {}
    for raw in payload["responses"]:
        # A dict tested first: the generic Mapping test (the ABC machinery) for every item of every batch.
        if not (type(raw) is dict or isinstance(raw, Mapping)) or str(raw.get("id")) not in wanted:
            continue  # an answer to something not asked is ignored, not trusted
        rid = str(raw["id"])
        try:
            status = int(raw.get("status", 0))
        except (TypeError, ValueError):
            status = 0
        headers = {str(k): str(v) for k, v in (raw.get("headers") or {}).items()}
        body = _item_body(raw, headers)
        req = wanted[rid]
        error = None
        if status >= 400 or status < 200:
            error = error_from_response(status, headers, body, method=req.method, url=req.url)
        answers[rid] = BatchAnswer(rid, status, headers, body, error)
    for rid, req in wanted.items():
        if rid not in answers:
            answers[rid] = BatchAnswer(
                rid,
                0,
                error=GraphError(
                    "the $batch answer left this request out", code="noResponse", method=req.method, url=req.url
                ),
            )
    return answers


def batch_body(requests: Sequence[BatchRequest], *, chained: bool) -> dict[str, Any]:
    """The $batch JSON; ``chained``: each item ``dependsOn`` the one before it."""
    if not chained:
        return {"requests": [r.as_json() for r in requests]}
    return {"requests": [r.as_json(requests[n - 1].id if n else None) for n, r in enumerate(requests)]}


async def send_batch(session: GraphSession, requests: Sequence[BatchRequest]) -> dict[str, BatchAnswer]:
    """One $batch POST, one attempt. A failure of the batch as a whole becomes every item's answer."""
    if not 0 < len(requests) <= MAX_BATCH:
        raise GraphError(f"a $batch holds 1 to {MAX_BATCH} requests, not {len(requests)}", code="badBatch")
    session.note_batch(len(requests))
    url = "/$batch"
    chained = session.batches is BatchConcurrency.CHAINED
    # The Outlook requests it runs at once: one along a dependsOn chain, else up to four of its items.
    slots = 1 if chained else min(len(requests), OUTLOOK_PARALLEL_ITEMS)
    try:
        # Graph counts each request inside the batch against the mailbox's window, so the budget does too.
        status, headers, payload = await session.send(
            "POST", url, body=batch_body(requests, chained=chained), cost=len(requests), slots=slots
        )
        if status < 400:
            return _answers_from(payload, requests, "POST", url)
        outer = error_from_response(status, headers, payload, method="POST", url=url)
    except GraphAuthError:
        raise  # no token: nothing was sent, and every other request of the mailbox would fail the same way
    except GraphError as exc:
        # No answer, or a success status with a body that is not a batch answer: the items' fate is unknown.
        outer, status = exc, 0
    return {r.id: BatchAnswer(r.id, status, {}, None, outer) for r in requests}


Settle = Callable[[list[BatchRequest]], Awaitable[dict[str, BatchAnswer]]]


async def run_batched(
    session: GraphSession,
    requests: Sequence[BatchRequest],
    *,
    batch_size: int = MAX_BATCH,
    settle: Settle | None = None,
) -> dict[str, BatchAnswer]:
    """Every request's final answer, by id. ``settle`` receives the requests about to be re-sent whose
    previous outcome is unknown and returns answers for those it could settle otherwise (they are then
    not re-sent)."""
    final: dict[str, BatchAnswer] = {}
    pending = list(requests)
    attempt = 0
    chained = session.batches is BatchConcurrency.CHAINED
    while pending:
        if chained:
            answers = await _send_in_lanes(session, pending, batch_size)
        else:
            chunks = [pending[i : i + batch_size] for i in range(0, len(pending), batch_size)]
            results = await asyncio.gather(*(send_batch(session, chunk) for chunk in chunks))
            answers = {rid: a for result in results for rid, a in result.items()}
        again: list[BatchRequest] = []
        unrun: list[BatchRequest] = []
        for req in pending:
            answer = answers[req.id]
            if answer.status == 429:
                session.note_throttled()
            if chained and answer.status == FAILED_DEPENDENCY:
                unrun.append(req)  # an item before it in the chain failed: it never ran
            elif answer.ok or answer.error is None or not is_transient(answer.error):
                final[req.id] = answer
            else:
                again.append(req)
        if again:
            attempt += 1
            if not await session.wait_before_retry(attempt, _round_signal([answers[r.id] for r in again])):
                final.update({r.id: answers[r.id] for r in again})
                again = []
            unknown = [r for r in again if answers[r.id].outcome_unknown]
            if settle is not None and unknown:
                settled = await settle(unknown)
                final.update(settled)
                again = [r for r in again if r.id not in settled]
        # Each chain's failed item got its own answer, so every round settles at least one request.
        order = {r.id: n for n, r in enumerate(requests)}
        pending = sorted(again + unrun, key=lambda r: order[r.id])
    return final


LANE_MINIMUM = 5
"""Requests below which another chained lane is not worth its own batch."""


async def _send_in_lanes(
    session: GraphSession, requests: Sequence[BatchRequest], batch_size: int
) -> dict[str, BatchAnswer]:
    """Chained batches: the requests shared out over as many lanes as the mailbox has slots (at most one
    per `LANE_MINIMUM` requests), each lane sending its share as chained batches of at most ``batch_size``, one
    after another, so that the lanes finish together instead of the last batch running alone."""
    lanes = max(1, min(session.slot_capacity, len(requests) // LANE_MINIMUM))
    share = -(-len(requests) // lanes)
    answers: dict[str, BatchAnswer] = {}

    async def lane(part: Sequence[BatchRequest]) -> None:
        size = -(-len(part) // -(-len(part) // batch_size))  # equal batches, none over batch_size
        for start in range(0, len(part), size):
            answers.update(await send_batch(session, part[start : start + size]))

    await asyncio.gather(*(lane(requests[n : n + share]) for n in range(0, len(requests), share)))
    return answers


def _round_signal(failed: Sequence[BatchAnswer]) -> GraphError:
    """The error the policy waits on for a round: the longest Retry-After any item asked for, since
    coming back before it would only be throttled again; without any, the first failure (backoff)."""
    waits = [a.error.retry_after for a in failed if isinstance(a.error, ThrottledError) and a.error.retry_after]
    if waits:
        return ThrottledError("batch items throttled", retry_after=max(waits), status=429)
    first = failed[0].error
    return first if first is not None else GraphError("batch item failed")
