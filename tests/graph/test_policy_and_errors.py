"""The retry policy's arithmetic and the mapping of Graph error answers onto graphsync's error tree."""

from __future__ import annotations

import asyncio
import json
import random

import httpx
import pytest

from graphsync.connectors.outlook import ItemKind
from graphsync.errors import (
    ConfigError,
    GraphAuthError,
    GraphError,
    NotFoundError,
    PermissionDeniedError,
    PreconditionFailedError,
    ResyncNeededError,
    ThrottledError,
)
from graphsync.graph import BatchConcurrency, GraphMailbox, GraphMailboxOptions, RetryPolicy
from graphsync.graph.errormap import error_from_response, retry_after_seconds
from tests.fakes.tokens import FakeTokens
from tests.graph.conftest import BASE


def test_policy_honours_retry_after_as_a_floor() -> None:
    policy = RetryPolicy(jitter=0.5)
    rng = random.Random(3)
    for _ in range(20):
        wait = policy.delay(1, 7.0, rng)
        assert wait is not None and 7.0 <= wait <= 7.0 * 1.05


def test_policy_backs_off_exponentially_up_to_the_cap_then_gives_up() -> None:
    policy = RetryPolicy(max_attempts=8, base_delay=1, max_delay=10, jitter=0)
    rng = random.Random(0)
    assert [policy.delay(a, None, rng) for a in range(1, 8)] == [1, 2, 4, 8, 10, 10, 10]
    assert policy.delay(8, None, rng) is None


def test_policy_refuses_to_wait_past_give_up_after() -> None:
    assert RetryPolicy(give_up_after=60).delay(1, 61.0, random.Random(0)) is None


def test_nonsense_options_are_config_errors() -> None:
    with pytest.raises(ConfigError) as err:
        RetryPolicy(max_attempts=0)
    assert err.value.key == "retry.max_attempts"
    with pytest.raises(ConfigError):
        GraphMailboxOptions(batch_size=21)
    with pytest.raises(ConfigError):
        GraphMailboxOptions(contact_folder=" ")


@pytest.mark.parametrize(
    ("status", "code", "kind"),
    [
        (401, "InvalidAuthenticationToken", GraphAuthError),
        (403, "ErrorAccessDenied", PermissionDeniedError),
        (404, "ErrorItemNotFound", NotFoundError),
        (412, "ErrorIrresolvableConflict", PreconditionFailedError),
        (410, "", ResyncNeededError),
        (400, "SyncStateNotFound", ResyncNeededError),
        (400, "resyncRequired", ResyncNeededError),
        (429, "ApplicationThrottled", ThrottledError),
        (503, "ServiceUnavailable", ThrottledError),
        (504, "GatewayTimeout", ThrottledError),
        (400, "ErrorInvalidProperty", GraphError),
    ],
)
def test_error_mapping(status: int, code: str, kind: type[GraphError]) -> None:
    body = {"error": {"code": code, "message": "msg", "innerError": {"request-id": "body-rid"}}}
    err = error_from_response(status, {"Retry-After": "3"}, body, method="GET", url="/me/x")
    assert type(err) is kind
    assert (err.status, err.code, err.message, err.request_id) == (status, code, "msg", "body-rid")
    if isinstance(err, ThrottledError):
        assert err.retry_after == 3.0


def test_error_mapping_reads_raw_and_broken_bodies_and_the_header_request_id() -> None:
    err = error_from_response(500, {"request-id": "hdr"}, b"<html>oops</html>")
    assert (err.status, err.code, err.request_id, err.message) == (500, "", "hdr", "HTTP 500")
    assert retry_after_seconds({"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"}) == 0.0
    assert retry_after_seconds({"Retry-After": "soon"}) is None


@pytest.mark.parametrize("batches", list(BatchConcurrency))
async def test_at_most_four_outlook_requests_in_flight_per_mailbox(batches: BatchConcurrency) -> None:
    """concepts/throttling-limits.md, "Outlook service limits for JSON batching": Outlook runs up to 4 items of
    a batch without dependsOn at once, one of a dependsOn chain; with several batches in flight for one
    mailbox, either one batch's 4 items run or up to 4 chained batches. Counted here as Outlook counts them."""
    outlook = http = peak_outlook = peak_http = 0

    async def handler(request: httpx.Request) -> httpx.Response:
        nonlocal outlook, http, peak_outlook, peak_http
        items = json.loads(request.content)["requests"] if request.url.path.endswith("$batch") else []
        chained = all(i.get("dependsOn") == [items[n - 1]["id"]] for n, i in enumerate(items) if n)
        running = 1 if not items or chained else min(4, len(items))
        outlook += running
        http += 1
        peak_outlook, peak_http = max(peak_outlook, outlook), max(peak_http, http)
        await asyncio.sleep(0.005)
        outlook -= running
        http -= 1
        if request.url.path.endswith("/contactFolders"):
            return httpx.Response(200, json={"value": [{"id": "F", "displayName": "Dynamics NAV"}]})
        if request.url.path.endswith("/todo/lists"):
            return httpx.Response(200, json={"value": [{"id": "L", "displayName": "Dynamics NAV"}]})
        return httpx.Response(200, json={"responses": [{"id": i["id"], "status": 404, "body": {}} for i in items]})

    box = GraphMailbox(
        upn=None,
        client=httpx.AsyncClient(transport=httpx.MockTransport(handler), base_url=BASE),
        tokens=FakeTokens(),
        options=GraphMailboxOptions(max_in_flight=4, batches=batches),
    )
    got = await box.get_many(ItemKind.CONTACT, [f"id{n}" for n in range(400)])
    assert got == [None] * 400
    assert box.stats.batches == 20 and peak_outlook == 4
    assert peak_http == (1 if batches is BatchConcurrency.ONE_AT_A_TIME else 4)
