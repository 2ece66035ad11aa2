"""An httpx transport that sends Graph's requests over aiohttp's connection pool.

Why: a tenant-wide run spends most of its CPU per request, not per item, and httpx's own transport
(httpcore's pool, h11's pure-Python parser, anyio's stream wrappers) costs about 0.45 ms of CPU more per
$batch round trip than aiohttp's (its C parser and an asyncio protocol, no stream layers): a fifth of a
mailbox's CPU (bench/README.md, "tenant"). aiohttp already comes with the Graph SDK (kiota's Azure
authentication depends on it).

What stays httpx's: everything above the transport. Requests are still built and sent by an
`httpx.AsyncClient` (so msgraph-core's middleware, the injected-transport seam and every fake keep working),
answers are `httpx.Response` objects (httpx decodes their Content-Encoding), and a request that got no
answer raises an `httpx.TransportError` subclass, as httpx's transport does: `ConnectError` and
`ConnectTimeout` when no connection was made, `ReadTimeout`, `ReadError` or `RemoteProtocolError` when the
request may have reached Graph (graphsync treats every one as an unknown outcome, `errormap`).

What is kept as httpx does it: the CA bundle and ``SSL_CERT_FILE``/``SSL_CERT_DIR`` (`httpx.create_ssl_context`);
the proxies of ``HTTPS_PROXY``/``HTTP_PROXY``/``NO_PROXY``; timeouts per request (``connect``, ``read``, ``pool``
from the request's ``timeout`` extension; ``write`` bounds the whole send of a body, as aiohttp times no write);
one attempt per request (aiohttp would send a GET, PUT or DELETE again on its own); the URL byte for byte (a
delta link's token is sent as Graph wrote it); the headers as httpx wrote them (aiohttp adds none of its own but
``Content-Length: 0`` on a DELETE without a body, which RFC 9110 section 8.6 discourages and every server
accepts). What aiohttp cannot do, a SOCKS proxy or ``ALL_PROXY``, `env_needs_httpx` tells the runtime, which
then keeps httpx's transport.
"""

from __future__ import annotations

import asyncio
import io
import os
import ssl
import urllib.request

import aiohttp
import httpx
import yarl

KEEPALIVE_SECONDS = 5.0
"""How long an idle connection is kept (httpx's default): Graph's front ends close idle connections, and a
request sent on one being closed gets no answer."""
LARGE_BODY = 1 << 20
"""Bodies longer than this go to aiohttp as a stream (a Graph request is at most 4 MB; a $batch of 20 creates
is tens of KB)."""
MAX_HEADER_BYTES = 64 * 1024
MAX_CONNECTIONS = 100
"""Connections open at once over all hosts (httpx's default); a tenant run's requests wait for one beyond it."""


def env_needs_httpx(environ: os._Environ[str] | dict[str, str] | None = None) -> str | None:
    """Why this environment's proxy settings need httpx's own transport (aiohttp reads only HTTP(S)_PROXY
    with an http:// or https:// proxy), or None when aiohttp's serves them."""
    env = os.environ if environ is None else environ
    for name in ("ALL_PROXY", "all_proxy"):
        if env.get(name):
            return f"{name} is set"
    for name in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy"):
        value = env.get(name, "")
        if value and not value.lower().startswith(("http://", "https://")):
            return f"{name} names a {value.split(':', 1)[0]} proxy"
    return None


class AiohttpTransport(httpx.AsyncBaseTransport):
    """Sends each request on a pooled aiohttp connection and answers with the whole `httpx.Response`.

    One pool per event loop: an aiohttp session belongs to the loop it was made in, and the CLI runs each
    command in a loop of its own (`asyncio.run`). The pool is made on the first request, inside the loop."""

    def __init__(self, *, verify: ssl.SSLContext | bool = True, trust_env: bool = True) -> None:
        self._verify = verify
        self._trust_env = trust_env
        self._ssl: ssl.SSLContext | None = None  # made for the first https:// request: loading the CA bundle
        # costs tens of milliseconds, which a run against the sandbox (http://) never needs.
        # The environment's proxies read once, as httpx's client reads them: aiohttp's own trust_env reads
        # them (and ~/.netrc) again for every request, in a thread, which doubled a request's CPU.
        self._proxies = _env_proxies() if trust_env else {}
        self._proxy_of: dict[tuple[str, str], str | None] = {}
        self._session: aiohttp.ClientSession | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._timeouts: dict[tuple[float | None, ...], aiohttp.ClientTimeout] = {}

    def _pool(self) -> aiohttp.ClientSession:
        loop = asyncio.get_running_loop()
        if self._session is None or self._loop is not loop or self._session.closed:
            connector = aiohttp.TCPConnector(
                limit=MAX_CONNECTIONS, limit_per_host=0, keepalive_timeout=KEEPALIVE_SECONDS
            )
            self._session = aiohttp.ClientSession(
                connector=connector,
                auto_decompress=False,  # httpx.Response decodes Content-Encoding
                skip_auto_headers=("Accept", "Accept-Encoding", "User-Agent", "Content-Type"),
                timeout=aiohttp.ClientTimeout(total=None),
                cookie_jar=aiohttp.DummyCookieJar(),  # cookies are the client's: httpx keeps them and sends them
                # header lines as long as httpx's transport takes (h11 reads up to 100 KB of headers; aiohttp's
                # default refuses a line over 8 KB)
                max_line_size=MAX_HEADER_BYTES,
                max_field_size=MAX_HEADER_BYTES,
            )
            # aiohttp sends a GET, PUT or DELETE a second time, unasked, when the first got no answer: Graph
            # would see two requests where graphsync counted one against the mailbox's budget, and a failed
            # second attempt would report "never connected" for a request that was sent. httpx's transport
            # sends once; so does this one (aiohttp has no public switch; tests pin the behaviour).
            self._session._retry_connection = False
            self._loop = loop
        return self._session

    def _timeout(self, request: httpx.Request) -> aiohttp.ClientTimeout:
        given = request.extensions.get("timeout", {})
        connect, read, pool = given.get("connect"), given.get("read"), given.get("pool")
        key = (connect, read, pool)
        if key not in self._timeouts:
            waited = None if connect is None or pool is None else connect + pool
            self._timeouts[key] = aiohttp.ClientTimeout(
                total=None, connect=waited, sock_connect=connect, sock_read=read
            )
        return self._timeouts[key]

    def _tls(self) -> ssl.SSLContext:
        if self._ssl is None:
            self._ssl = httpx.create_ssl_context(verify=self._verify, trust_env=self._trust_env)
        return self._ssl

    def _proxy(self, url: httpx.URL) -> str | None:
        key = (url.scheme, url.host)
        if key not in self._proxy_of:
            proxy = self._proxies.get(url.scheme)
            bypass = proxy is not None and _bypassed(url.host, self._proxies.get("no", ""))
            self._proxy_of[key] = None if bypass else proxy
        return self._proxy_of[key]

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        session = self._pool()
        body = await request.aread()
        try:
            # aiohttp has no write timeout (its read timeout starts once the body is written): a body stalled
            # by a peer that stopped reading would wait for ever. The send is bounded as a whole instead.
            async with asyncio.timeout(self._send_bound(request, body)):
                answer = await session.request(
                    request.method,
                    yarl.URL(str(request.url), encoded=True),
                    headers=[(name.decode("latin-1"), value.decode("latin-1")) for name, value in request.headers.raw],
                    # over 1 MiB as a stream: aiohttp warns that a large bytes body blocks the loop while copied
                    data=(io.BytesIO(body) if len(body) > LARGE_BODY else body) if body else None,
                    allow_redirects=False,  # redirects are the client's (msgraph-core's RedirectHandler)
                    timeout=self._timeout(request),
                    proxy=self._proxy(request.url),
                    ssl=self._tls() if request.url.scheme == "https" else True,
                )
            try:
                content = await answer.read()
            finally:
                answer.release()
        except aiohttp.ClientError as exc:
            raise _as_httpx(exc, request) from exc
        except TimeoutError as exc:  # the send's bound (aiohttp's own timeouts are ClientErrors)
            raise httpx.WriteTimeout(f"no answer within the request's timeouts: {exc!r}", request=request) from exc
        return httpx.Response(
            answer.status,
            headers=list(answer.raw_headers),  # as received: a stream adds none (content= would)
            stream=httpx.ByteStream(content),
            extensions={
                "http_version": _version(answer.version),
                "reason_phrase": (answer.reason or "").encode("latin-1", "replace"),
            },
            request=request,
        )

    def _send_bound(self, request: httpx.Request, body: bytes) -> float | None:
        """How long a request with a body may take until its answer's headers: its pool, connect, write and read
        timeouts together (each phase at its longest), so that only a stalled write reaches it (a slow answer
        meets the read timeout first). None, no bound, when the write or the read may take for ever."""
        given = request.extensions.get("timeout", {})
        if not body or given.get("write") is None or given.get("read") is None:
            return None
        return sum(given.get(name) or 0.0 for name in ("pool", "connect", "write", "read"))

    async def aclose(self) -> None:
        if self._session is not None and not self._session.closed and self._loop is asyncio.get_running_loop():
            await self._session.close()
        self._session = None


def _version(version: aiohttp.HttpVersion | None) -> bytes:
    return b"HTTP/1.1" if version is None else f"HTTP/{version.major}.{version.minor}".encode()


def _env_proxies() -> dict[str, str]:
    """``HTTP_PROXY``, ``HTTPS_PROXY`` (either case) and ``NO_PROXY`` (key ``no``), as urllib reads them."""
    found = urllib.request.getproxies_environment()
    return {scheme: url for scheme, url in found.items() if scheme in ("http", "https", "no")}


def _bypassed(host: str, no_proxy: str) -> bool:
    """Whether ``NO_PROXY`` names ``host``: ``*``, the host itself, or a domain above it (``example.com`` and
    ``.example.com`` both cover ``example.com`` and ``graph.example.com``; a port is ignored), as curl and Python's
    urllib read it (httpx's own transport reads ``.example.com`` as the subdomains only)."""
    host = host.lower().rstrip(".")
    for entry in (part.strip().lower() for part in no_proxy.split(",")):
        domain = entry.lstrip(".").split(":", 1)[0]
        if entry == "*" or (domain and (host == domain or host.endswith("." + domain))):
            return True
    return False


def _as_httpx(exc: aiohttp.ClientError, request: httpx.Request) -> httpx.TransportError:
    """The httpx error of the same meaning, so that callers see one exception family whatever the transport."""
    text = f"{type(exc).__name__}: {exc}"
    kind: type[httpx.TransportError]
    if isinstance(exc, aiohttp.ConnectionTimeoutError):
        kind = httpx.ConnectTimeout
    elif isinstance(exc, aiohttp.ServerTimeoutError):
        kind = httpx.ReadTimeout
    elif isinstance(exc, (aiohttp.ClientConnectorError, aiohttp.ClientSSLError, aiohttp.ClientHttpProxyError)):
        # not connected, TLS refused, or the proxy refused the tunnel: the request was never sent
        kind = httpx.ConnectError
    elif isinstance(exc, (aiohttp.InvalidURL, aiohttp.NonHttpUrlClientError)):
        kind = httpx.UnsupportedProtocol
    elif isinstance(exc, (aiohttp.ServerDisconnectedError, aiohttp.ClientPayloadError, aiohttp.ClientResponseError)):
        kind = httpx.RemoteProtocolError
    elif isinstance(exc, aiohttp.ClientOSError):
        kind = httpx.ReadError
    else:
        kind = httpx.TransportError
    return kind(text, request=request)
