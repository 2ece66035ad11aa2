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
  graphsync retries by its own `RetryPolicy`, and only where a repeat cannot duplicate anything;
- the client's own send loop (`httpx.AsyncClient.send`): a request goes to the client's transport for its URL
  (its proxy mount, else its transport, which the SDK's middleware wraps) as the client would send it (its
  default headers, its timeout, its cookies and event hooks), without the auth and redirect loops graphsync
  does not use (the middleware follows redirects) or a cookie jar read for every answer where Graph sets none:
  that loop cost a third of a request's CPU (bench/README.md, "tenant").
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache

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


@lru_cache(maxsize=256)
def _parsed(url: str) -> httpx.URL:
    """``url`` parsed once: most requests go to a few URLs (``/$batch`` above all), and httpx parses a URL
    given as text for every request it builds, which cost more than the rest of the request object."""
    return httpx.URL(url)


class GraphPipeline:
    """Sends one request through the client (and so the SDK's middleware) and returns the raw `httpx.Response`."""

    def __init__(self, *, client: httpx.AsyncClient, tokens: AccessTokenSource) -> None:
        self._client = fit_pipeline(client)
        self._tokens = tokens
        self.base_url = str(client.base_url).rstrip("/")
        # Read once: building them from the client's `httpx.Headers` and `httpx.Timeout` for every request
        # cost more than the rest of its request. (`multi_items` names them in lower case.)
        self._default_headers = dict(client.headers.multi_items())
        self._timeout = client.timeout.as_dict()

    def absolute(self, url: str) -> str:
        """A path below the version root (``/me/contacts``) made absolute; absolute links stay as they are."""
        return url if url.startswith(("http://", "https://")) else f"{self.base_url}{url}"

    async def send(
        self, method: str, url: str, *, headers: Mapping[str, str] | None = None, content: bytes | None = None
    ) -> httpx.Response:
        """One attempt. Raises `httpx.TransportError` when no response arrived; every status is returned."""
        client = self._client
        defaults = self._default_headers
        if headers:
            # A header given replaces the client's of that name, in whatever case each is written (as httpx's
            # merge does), instead of going out twice.
            given = {name.lower() for name in headers}
            defaults = {name: value for name, value in defaults.items() if name not in given}
        all_headers = {**defaults, **(headers or {}), "Authorization": f"Bearer {await self._tokens.token()}"}
        # The SDK's middleware acts only on requests that carry kiota's request options (AsyncGraphTransport
        # sends the others straight to the transport): each carries them, with its RetryHandler switched off.
        extensions = {REQUEST_OPTIONS_KEY: {RetryHandlerOption.get_key(): _NO_SDK_RETRY}, "timeout": self._timeout}
        request = httpx.Request(
            method, _parsed(self.absolute(url)), headers=all_headers, content=content, extensions=extensions
        )
        cookies = client.cookies
        if cookies:
            cookies.set_cookie_header(request)
        for hook in client.event_hooks["request"]:
            await hook(request)
        # httpx's own choice of transport for a URL (a proxy mount or the client's), which has no public name.
        transport = client._transport_for_url(request.url)
        response = await transport.handle_async_request(request)
        response.request = request
        try:
            await response.aread()
        finally:
            await response.aclose()
        if "set-cookie" in response.headers:
            cookies.extract_cookies(response)
        for hook in client.event_hooks["response"]:
            await hook(response)
        return response
