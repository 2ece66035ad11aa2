"""The HTTP path every graphsync request takes: msgraph-core's middleware over an injected
``httpx.AsyncClient``, with bodies kept as raw bytes.

What the SDK is used for: the middleware for redirects, user agent and Graph telemetry headers
(`GraphClientFactory` fits it into the client's transport), which acts on every request graphsync sends.

What it is not used for:
- typed models: the hot path (delta pages, $batch) costs milliseconds per item through them, so bodies
  stay bytes and graphsync parses JSON itself;
- the request adapter (`BaseGraphRequestAdapter`): it turns a `RequestInformation` into the same httpx
  request this module builds directly, with tracing spans and URL parsing around it that cost more CPU
  than the middleware itself (an initial load sends one $batch per 20 items). What it adds is done here:
  the bearer token of graphsync's `AccessTokenSource` and kiota's request options (so the middleware
  acts). The adapter also answers a Continuous Access Evaluation claims challenge (a 401 whose
  ``WWW-Authenticate`` carries ``claims="..."``) with one more attempt; graphsync declares no client
  capabilities (MSAL's ``client_capabilities=["CP1"]``), and Graph sends claims challenges only to
  applications that do, so a 401 is the answer as it stands (`errormap`: sign in again);
- retrying: kiota's RetryHandler re-sends POSTs on 429/503/504, and a re-sent create can make a second
  item. The middleware list is built without it, and every request also carries a RetryHandlerOption
  that switches retrying off, so that a client whose pipeline already holds a RetryHandler (one made by
  `GraphClientFactory.create_with_default_middleware`) cannot retry behind graphsync's back either.
  graphsync retries by its own `RetryPolicy`, and only where a repeat cannot duplicate anything.
"""

from __future__ import annotations

from collections.abc import Mapping

import httpx
from kiota_http.middleware import RedirectHandler, UserAgentHandler
from kiota_http.middleware.middleware import REQUEST_OPTIONS_KEY
from kiota_http.middleware.options import RetryHandlerOption
from msgraph_core import GraphClientFactory
from msgraph_core.middleware import AsyncGraphTransport, GraphTelemetryHandler

from graphsync.connectors.auth import AccessTokenSource

_NO_SDK_RETRY = RetryHandlerOption(delay=0, max_retries=0, should_retry=False)


def fit_pipeline(client: httpx.AsyncClient) -> httpx.AsyncClient:
    """Give ``client`` graphsync's middleware (once: a client shared by many mailboxes is fitted once).

    The client keeps its own transport underneath (a real connection pool, an ASGI app, a mock)."""
    if isinstance(client._transport, AsyncGraphTransport):  # the attribute msgraph-core itself replaces
        return client
    middleware = [RedirectHandler(), UserAgentHandler(), GraphTelemetryHandler()]
    fitted: httpx.AsyncClient = GraphClientFactory.create_with_custom_middleware(middleware, client=client)
    return fitted


class GraphPipeline:
    """Sends one request through the client (and so the SDK's middleware) and returns the raw `httpx.Response`."""

    def __init__(self, *, client: httpx.AsyncClient, tokens: AccessTokenSource) -> None:
        self._client = fit_pipeline(client)
        self._tokens = tokens
        self.base_url = str(client.base_url).rstrip("/")

    def absolute(self, url: str) -> str:
        """A path below the version root (``/me/contacts``) made absolute; absolute links stay as they are."""
        return url if url.startswith(("http://", "https://")) else f"{self.base_url}{url}"

    async def send(
        self, method: str, url: str, *, headers: Mapping[str, str] | None = None, content: bytes | None = None
    ) -> httpx.Response:
        """One attempt. Raises `httpx.TransportError` when no response arrived; every status is returned."""
        all_headers = {**(headers or {}), "Authorization": f"Bearer {await self._tokens.token()}"}
        # The SDK's middleware acts only on requests that carry kiota's request options (AsyncGraphTransport
        # sends the others straight to the transport): each carries them, with its RetryHandler switched off.
        extensions = {REQUEST_OPTIONS_KEY: {RetryHandlerOption.get_key(): _NO_SDK_RETRY}}
        request = self._client.build_request(
            method, self.absolute(url), headers=all_headers, content=content, extensions=extensions
        )
        return await self._client.send(request)
