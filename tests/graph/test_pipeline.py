"""What every request gets on its way out: the bearer token and the SDK's middleware headers; and that a
401 is the answer, sent once (graphsync declares no client capabilities, so Graph sends it no claims
challenge to answer, and a second attempt with the same token would only be refused again)."""

from __future__ import annotations

import httpx
import pytest

from graphsync.graph.pipeline import GraphPipeline
from tests.fakes.tokens import FakeTokens

CHALLENGE = 'Bearer authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", '
CHALLENGE += 'error="insufficient_claims", claims="eyJhY2Nlc3NfdG9rZW4iOnsibmJmIjp7ImVzc2VudGlhbCI6dHJ1ZX19fQ=="'


def _pipeline(handler: httpx.MockTransport, tokens: FakeTokens) -> GraphPipeline:
    # Graph's own host (the transport is a mock): the telemetry middleware only marks requests to Graph.
    client = httpx.AsyncClient(transport=handler, base_url="https://graph.microsoft.com/v1.0")
    return GraphPipeline(client=client, tokens=tokens)


async def test_a_request_carries_the_token_and_the_sdk_middleware_headers() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={})

    tokens = FakeTokens(None)  # a new token each time
    response = await _pipeline(httpx.MockTransport(handler), tokens).send(
        "POST", "/$batch", headers={"Content-Type": "application/json"}, content=b"{}"
    )
    assert response.status_code == 200
    [request] = seen
    assert str(request.url) == "https://graph.microsoft.com/v1.0/$batch"
    assert request.headers["Authorization"] == "Bearer token-1"
    assert request.headers["Content-Type"] == "application/json"
    assert request.content == b"{}"
    # Added by msgraph-core's telemetry and kiota's user agent middleware, which act only on requests that
    # carry kiota's request options.
    assert "graph-python-core" in request.headers["SdkVersion"]
    assert request.headers["client-request-id"]
    assert "kiota-python" in request.headers["User-Agent"]


@pytest.mark.parametrize(
    "www_authenticate",
    [CHALLENGE, 'Bearer realm="", error="invalid_token"', ""],
    ids=["claims challenge", "no claims", "no header"],
)
async def test_a_401_is_the_answer_sent_once(www_authenticate: str) -> None:
    sent: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        headers = {"WWW-Authenticate": www_authenticate} if www_authenticate else {}
        return httpx.Response(401, headers=headers, json={"error": {"code": "InvalidAuthenticationToken"}})

    tokens = FakeTokens(None)  # a new token each time
    response = await _pipeline(httpx.MockTransport(handler), tokens).send("POST", "/$batch", content=b"{}")
    assert response.status_code == 401
    assert len(sent) == 1 and tokens.issued == 1


async def test_a_request_goes_as_the_client_would_send_it() -> None:
    """The pipeline sends to the client's transport itself (not through `AsyncClient.send`): the client's
    default headers, timeout, cookies and event hooks still apply, and a transport mounted for the URL (a
    proxy) is the one used."""
    seen: list[httpx.Request] = []
    hooked: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, headers={"Set-Cookie": "affinity=abc; Path=/"}, json={})

    def unused(request: httpx.Request) -> httpx.Response:
        raise AssertionError(f"sent to the client's own transport, not the one mounted for {request.url}")

    async def on_request(request: httpx.Request) -> None:
        hooked.append(f"request {request.method}")

    async def on_response(response: httpx.Response) -> None:
        hooked.append(f"response {response.status_code} {response.json()}")

    client = httpx.AsyncClient(
        transport=httpx.MockTransport(unused),
        mounts={"https://graph.microsoft.com": httpx.MockTransport(handler)},
        base_url="https://graph.microsoft.com/v1.0",
        headers={"X-Client": "ours"},
        timeout=httpx.Timeout(7.0, connect=3.0),
        event_hooks={"request": [on_request], "response": [on_response]},
    )
    pipeline = GraphPipeline(client=client, tokens=FakeTokens(None))
    first = await pipeline.send("GET", "/me")
    await pipeline.send("GET", "https://graph.microsoft.com/v1.0/me/contacts", headers={"ACCEPT": "text/plain"})
    assert first.request is seen[0] and first.json() == {}
    assert [r.headers["X-Client"] for r in seen] == ["ours", "ours"]
    # A header given replaces the client's default of that name, whatever the case: sent once.
    assert seen[0].headers.get_list("Accept") == ["*/*"] and seen[1].headers.get_list("Accept") == ["text/plain"]
    assert seen[0].extensions["timeout"] == {"connect": 3.0, "read": 7.0, "write": 7.0, "pool": 7.0}
    assert "cookie" not in seen[0].headers and seen[1].headers["cookie"] == "affinity=abc"
    assert hooked == ["request GET", "response 200 {}"] * 2
