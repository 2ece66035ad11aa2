"""The HTTP path every graphsync request takes: msgraph-core's request adapter and middleware over an
injected ``httpx.AsyncClient``, with bodies kept as raw bytes.

What the SDK is used for: the request adapter (`BaseGraphRequestAdapter`), its bearer-token authentication
provider (fed by graphsync's `AccessTokenSource`, and answering Continuous Access Evaluation claims
challenges), and the middleware for redirects, user agent and Graph telemetry headers.

What it is not used for:
- typed models: the hot path (delta pages, $batch) costs milliseconds per item through them, so bodies
  stay bytes and graphsync parses JSON itself;
- retrying: kiota's RetryHandler re-sends POSTs on 429/503/504, and a re-sent create can make a second
  item. The middleware list is built without it, and every request also carries a RetryHandlerOption
  that switches retrying off, so that a client whose pipeline already holds a RetryHandler (one made by
  `GraphClientFactory.create_with_default_middleware`) cannot retry behind graphsync's back either.
  graphsync retries by its own `RetryPolicy`, and only where a repeat cannot duplicate anything.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx
from kiota_abstractions.authentication import AccessTokenProvider, AllowedHostsValidator
from kiota_abstractions.authentication.base_bearer_token_authentication_provider import (
    BaseBearerTokenAuthenticationProvider,
)
from kiota_abstractions.method import Method
from kiota_abstractions.request_information import RequestInformation
from kiota_http.middleware import RedirectHandler, UserAgentHandler
from kiota_http.middleware.options import RetryHandlerOption
from msgraph_core import GraphClientFactory
from msgraph_core.base_graph_request_adapter import BaseGraphRequestAdapter
from msgraph_core.middleware import AsyncGraphTransport, GraphTelemetryHandler

from graphsync.connectors.auth import AccessTokenSource

_NO_SDK_RETRY = RetryHandlerOption(delay=0, max_retries=0, should_retry=False)


class _TokenBridge(AccessTokenProvider):
    """kiota's token provider interface over graphsync's `AccessTokenSource`."""

    def __init__(self, source: AccessTokenSource) -> None:
        self._source = source
        self._hosts = AllowedHostsValidator([])  # empty: the client's base URL decides where requests go

    async def get_authorization_token(self, uri: str, additional_authentication_context: Any = None) -> str:
        return await self._source.token()

    def get_allowed_hosts_validator(self) -> Any:
        return self._hosts


def fit_pipeline(client: httpx.AsyncClient) -> httpx.AsyncClient:
    """Give ``client`` graphsync's middleware (once: a client shared by many mailboxes is fitted once).

    The client keeps its own transport underneath (a real connection pool, an ASGI app, a mock)."""
    if isinstance(client._transport, AsyncGraphTransport):  # the attribute msgraph-core itself replaces
        return client
    middleware = [RedirectHandler(), UserAgentHandler(), GraphTelemetryHandler()]
    fitted: httpx.AsyncClient = GraphClientFactory.create_with_custom_middleware(middleware, client=client)
    return fitted


class GraphPipeline:
    """Sends one request through the SDK's adapter and returns the raw `httpx.Response` (read, not parsed)."""

    def __init__(self, *, client: httpx.AsyncClient, tokens: AccessTokenSource) -> None:
        self._client = fit_pipeline(client)
        self._adapter = BaseGraphRequestAdapter(
            BaseBearerTokenAuthenticationProvider(_TokenBridge(tokens)), http_client=self._client
        )
        self.base_url = str(client.base_url).rstrip("/")

    def absolute(self, url: str) -> str:
        """A path below the version root (``/me/contacts``) made absolute; absolute links stay as they are."""
        return url if url.startswith(("http://", "https://")) else f"{self.base_url}{url}"

    async def send(
        self, method: str, url: str, *, headers: Mapping[str, str] | None = None, content: bytes | None = None
    ) -> httpx.Response:
        """One attempt. Raises `httpx.TransportError` when no response arrived; every status is returned."""
        info = RequestInformation(Method(method))
        info.url = self.absolute(url)
        for name, value in (headers or {}).items():
            info.headers.add(name, value)
        if content is not None:
            info.content = content
        info.add_request_options([_NO_SDK_RETRY])
        span = self._adapter.start_tracing_span(info, method)
        try:
            response: httpx.Response = await self._adapter.get_http_response_message(info, span)
        finally:
            span.end()
        return response
