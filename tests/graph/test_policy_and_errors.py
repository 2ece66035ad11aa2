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
from graphsync.graph import GraphMailbox, GraphMailboxOptions, RetryPolicy
from graphsync.graph.errormap import error_from_response, retry_after_seconds
from tests.fakes.tokens import FakeTokens
from tests.graph.fake_graph import BASE


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


async def test_at_most_max_in_flight_requests_per_mailbox() -> None:
    in_flight = 0
    peak = 0

    async def handler(request: httpx.Request) -> httpx.Response:
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        await asyncio.sleep(0.005)
        in_flight -= 1
        if request.url.path.endswith("/contactFolders"):
            return httpx.Response(200, json={"value": [{"id": "F", "displayName": "Dynamics NAV"}]})
        if request.url.path.endswith("/todo/lists"):
            return httpx.Response(200, json={"value": [{"id": "L", "displayName": "Dynamics NAV"}]})
        items = json.loads(request.content)["requests"]
        return httpx.Response(200, json={"responses": [{"id": i["id"], "status": 404, "body": {}} for i in items]})

    box = GraphMailbox(
        upn=None,
        client=httpx.AsyncClient(transport=httpx.MockTransport(handler), base_url=BASE),
        tokens=FakeTokens(),
        options=GraphMailboxOptions(max_in_flight=4),
    )
    got = await box.get_many(ItemKind.CONTACT, [f"id{n}" for n in range(400)])
    assert got == [None] * 400
    assert box.stats.batches == 20 and peak == 4
