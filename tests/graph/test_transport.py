"""`AiohttpTransport` against real sockets on 127.0.0.1: what reaches the server byte for byte, what comes
back as the `httpx.Response`, how aiohttp's errors surface as httpx's, the environment's proxies, one
transport over successive event loops; `network_transport` and ``[graph] http`` choosing it.

The servers are `asyncio.start_server` raw-socket servers (`Server`), so a test controls every byte sent and
sees every byte received."""

from __future__ import annotations

import asyncio
import gc
import gzip
import socket
import warnings
from collections.abc import Awaitable, Callable
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

import httpx
import pytest

from graphsync.config import parse_config
from graphsync.config.model import Config, GraphConfig, GraphKind, HttpStack
from graphsync.errors import ConfigError
from graphsync.graph.transport import AiohttpTransport, env_needs_httpx
from graphsync.runtime.graph import network_transport
from tests.certs import ca_and_server_certificate

PROXY_VARIABLES = (
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
    "NO_PROXY",
    "REQUEST_METHOD",  # urllib ignores HTTP_PROXY under CGI
)


@pytest.fixture(autouse=True)
def no_proxy_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test starts without the machine's proxies (a test sets the ones it is about)."""
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)


# ---------------------------------------------------------------------------------------------- the servers


@dataclass
class Seen:
    """One request as it arrived: request line, header lines in order (as sent), body."""

    method: bytes
    target: bytes
    version: bytes
    headers: list[tuple[bytes, bytes]]
    body: bytes

    def header(self, name: bytes) -> list[bytes]:
        return [value for key, value in self.headers if key.lower() == name.lower()]


async def read_request(reader: asyncio.StreamReader) -> Seen | None:
    """The next request on a connection (Content-Length bodies only); None once the client closed it."""
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except (asyncio.IncompleteReadError, ConnectionError):
        return None
    request_line, *lines = head[:-4].split(b"\r\n")
    method, target, version = request_line.split(b" ", 2)
    headers = []
    for line in lines:
        name, _, value = line.partition(b":")
        headers.append((name, value.strip()))
    seen = Seen(method, target, version, headers, b"")
    assert not seen.header(b"transfer-encoding"), "the tests send Content-Length bodies"
    length = int((seen.header(b"content-length") or [b"0"])[0])
    seen.body = await reader.readexactly(length)
    return seen


def answer(
    status: int = 200,
    reason: bytes = b"OK",
    headers: list[tuple[bytes, bytes]] | None = None,
    body: bytes = b"",
    *,
    length: bool = True,
) -> bytes:
    """An HTTP/1.1 response's bytes; ``length``: add the body's Content-Length."""
    lines = [b"HTTP/1.1 %d %s" % (status, reason)]
    lines += [name + b": " + value for name, value in headers or []]
    if length:
        lines.append(b"Content-Length: %d" % len(body))
    return b"\r\n".join(lines) + b"\r\n\r\n" + body


Handler = Callable[["Server", asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


def answer_each(reply: bytes) -> Handler:
    """A handler answering every request of a connection with ``reply`` (keep-alive)."""

    async def handle(server: Server, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while (seen := await read_request(reader)) is not None:
            server.requests.append(seen)
            writer.write(reply)
            await writer.drain()

    return handle


class Server:
    """A TCP server on 127.0.0.1 (ephemeral port) running ``handler`` for each connection; counts the
    connections and keeps the requests the handler records."""

    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.connections = 0
        self.requests: list[Seen] = []
        self.port = 0
        self._server: asyncio.Server | None = None
        self._writers: list[asyncio.StreamWriter] = []
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def __aenter__(self) -> Server:
        self._server = await asyncio.start_server(self._connected, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def _connected(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        self._writers.append(writer)
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        try:
            await self.handler(self, reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()
            with suppress(ConnectionError):
                await writer.wait_closed()

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        assert self._server is not None
        self._server.close()
        for writer in self._writers:  # a handler still reading sees the end of its connection and returns
            writer.close()
        if self._tasks:
            await asyncio.wait(self._tasks, timeout=2)
        await self._server.wait_closed()


def free_port() -> int:
    """A port on 127.0.0.1 nobody listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# ------------------------------------------------------------------------------------ requests and answers

DELTA_PATH = "/v1.0/me/messages/delta?$deltatoken=a%2Bb%3D&x=%27y%27"


async def test_a_get_reaches_the_server_as_httpx_wrote_it_and_its_answer_comes_back_whole() -> None:
    reply = answer(
        201,
        b"Created It",  # not the standard phrase, which httpx would make up by itself
        [
            (b"Content-Type", b"application/json"),
            (b"X-Request-Id", b"r-1"),
            (b"Set-Cookie", b"a=1"),
            (b"Set-Cookie", b"b=2"),
        ],
        b'{"value": []}',
    )
    async with (
        Server(answer_each(reply)) as server,
        httpx.AsyncClient(transport=AiohttpTransport(), headers={"Authorization": "Bearer t0ken"}) as client,
    ):
        request = client.build_request("GET", server.url + DELTA_PATH)
        response = await client.send(request)

    [seen] = server.requests
    assert seen.method == b"GET"
    assert seen.target == DELTA_PATH.encode()  # not re-quoted: the delta token as Graph wrote it
    assert seen.version == b"HTTP/1.1"
    # exactly the headers httpx wrote, in its order and case; none added or replaced by aiohttp
    assert seen.headers == list(request.headers.raw)
    assert seen.header(b"authorization") == [b"Bearer t0ken"]
    assert seen.header(b"user-agent") == [f"python-httpx/{httpx.__version__}".encode()]
    assert seen.header(b"accept") == [b"*/*"]
    assert seen.body == b""

    assert response.status_code == 201
    assert response.reason_phrase == "Created It"
    assert response.http_version == "HTTP/1.1"
    assert response.headers["x-request-id"] == "r-1"
    assert response.headers.get_list("set-cookie") == ["a=1", "b=2"]
    assert response.json() == {"value": []}
    assert response.request is request


@pytest.mark.parametrize("content_type", ["application/json", None])
async def test_a_post_body_arrives_intact_with_httpx_content_headers(content_type: str | None) -> None:
    body = b'{"subject": "caf\xc3\xa9"}\x00\xff\r\n\r\nGET / HTTP/1.1\r\n'  # any bytes, even a request's
    async with (
        Server(answer_each(answer(202, b"Accepted", body=b"done"))) as server,
        httpx.AsyncClient(transport=AiohttpTransport(), headers={"Authorization": "Bearer t0ken"}) as client,
    ):
        headers = {"Content-Type": content_type} if content_type else {}
        request = client.build_request("POST", server.url + "/v1.0/$batch?a=%20b", content=body, headers=headers)
        response = await client.send(request)

    [seen] = server.requests
    assert (seen.method, seen.target) == (b"POST", b"/v1.0/$batch?a=%20b")
    assert seen.headers == list(request.headers.raw)
    assert seen.header(b"content-type") == ([content_type.encode()] if content_type else [])  # none guessed
    assert seen.header(b"content-length") == [str(len(body)).encode()]
    assert seen.header(b"authorization") == [b"Bearer t0ken"]
    assert seen.body == body
    assert response.status_code == 202 and response.content == b"done"


@pytest.mark.parametrize("method", ["GET", "DELETE"])
async def test_a_request_without_a_body_gets_no_content_headers_from_aiohttp_but_a_deletes_length(method: str) -> None:
    """The same request through aiohttp's transport and httpx's own: the same request line and headers, but for
    the one header aiohttp insists on, ``Content-Length: 0`` on a bodiless method other than GET, HEAD, OPTIONS or
    TRACE (RFC 9110 section 8.6 says a client SHOULD NOT send it there, and every server must accept it)."""
    sent: list[httpx.Request] = []
    async with Server(answer_each(answer(204, b"No Content", length=False))) as server:
        for transport in (AiohttpTransport(), httpx.AsyncHTTPTransport()):
            async with httpx.AsyncClient(transport=transport) as client:
                sent.append(client.build_request(method, server.url + "/v1.0/me/events/1"))
                assert (await client.send(sent[-1])).status_code == 204

    through_aiohttp, through_httpx = server.requests
    assert through_httpx.headers == list(sent[1].headers.raw)  # httpx's own sends what it built...
    assert through_aiohttp.method == through_httpx.method == method.encode()
    assert through_httpx.header(b"content-length") == []
    added = [] if method == "GET" else [(b"Content-Length", b"0")]
    assert through_aiohttp.headers == list(sent[0].headers.raw) + added  # ...and aiohttp's the same, but that


async def test_a_chunked_body_is_joined_and_its_headers_stay_as_received() -> None:
    chunks = [b"first,", b"second,", b"x" * 5000]
    body = b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for chunk in chunks) + b"0\r\n\r\n"
    reply = answer(200, b"OK", [(b"Transfer-Encoding", b"chunked")], body, length=False)
    async with Server(answer_each(reply)) as server, httpx.AsyncClient(transport=AiohttpTransport()) as client:
        response = await client.get(server.url + "/chunked")
    assert response.status_code == 200
    assert response.content == b"".join(chunks)
    assert response.headers.get_list("transfer-encoding") == ["chunked"]
    assert "content-length" not in response.headers  # none made up for a body read whole


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
async def test_a_gzip_body_is_decoded_by_httpx(chunked: bool) -> None:
    text = b'{"value": [' + b'{"id": "AAMk"},' * 200 + b"{}]}"
    packed = gzip.compress(text)
    if chunked:
        halves = [packed[: len(packed) // 2], packed[len(packed) // 2 :]]
        wire = b"".join(b"%x\r\n%s\r\n" % (len(half), half) for half in halves) + b"0\r\n\r\n"
        headers = [(b"Content-Encoding", b"gzip"), (b"Transfer-Encoding", b"chunked")]
        reply = answer(200, b"OK", headers, wire, length=False)
    else:
        reply = answer(200, b"OK", [(b"Content-Encoding", b"gzip")], packed)
    async with Server(answer_each(reply)) as server, httpx.AsyncClient(transport=AiohttpTransport()) as client:
        response = await client.get(server.url + "/gzip")
    assert response.headers["content-encoding"] == "gzip"
    assert response.content == text
    assert response.json()["value"][0] == {"id": "AAMk"}


async def test_sequential_requests_reuse_one_connection() -> None:
    async with (
        Server(answer_each(answer(body=b"hi"))) as server,
        httpx.AsyncClient(transport=AiohttpTransport()) as client,
    ):
        for n in range(3):
            response = await client.get(f"{server.url}/n/{n}")
            assert response.content == b"hi"
    assert [seen.target for seen in server.requests] == [b"/n/0", b"/n/1", b"/n/2"]
    assert server.connections == 1


# ----------------------------------------------------------------------------------------------- errors


async def test_a_refused_connection_is_a_connect_error() -> None:
    async with httpx.AsyncClient(transport=AiohttpTransport()) as client:
        with pytest.raises(httpx.ConnectError) as caught:
            await client.get(f"http://127.0.0.1:{free_port()}/v1.0/me")
    assert isinstance(caught.value, httpx.TransportError)
    assert caught.value.request.url.path == "/v1.0/me"


async def test_a_server_that_never_answers_is_a_read_timeout() -> None:
    async def hang(server: Server, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        server.requests.append(await read_request(reader) or Seen(b"", b"", b"", [], b""))
        await reader.read()  # until the client gives up and closes

    async with Server(hang) as server, httpx.AsyncClient(transport=AiohttpTransport()) as client:
        started = asyncio.get_running_loop().time()
        with pytest.raises(httpx.ReadTimeout):
            async with asyncio.timeout(3):  # a transport without the read timeout fails here, not hangs
                await client.get(server.url + "/slow", timeout=httpx.Timeout(5, read=0.2))
        waited = asyncio.get_running_loop().time() - started
    assert 0.15 < waited < 2.0  # the read timeout, not the 5 s connect/pool ones
    assert [seen.target for seen in server.requests] == [b"/slow"]


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE", "PATCH", "POST"])
async def test_a_connection_closed_without_an_answer_is_a_remote_protocol_error_after_one_attempt(method: str) -> None:
    """aiohttp on its own sends a GET, PUT or DELETE again when the first attempt got no answer: Graph would see
    two requests where the budget counted one, and a refused second attempt would say "never connected"."""

    async def close(server: Server, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        seen = await read_request(reader)
        assert seen is not None
        server.requests.append(seen)  # and the connection is closed without a word

    async with Server(close) as server, httpx.AsyncClient(transport=AiohttpTransport()) as client:
        with pytest.raises(httpx.RemoteProtocolError) as caught:
            await client.request(method, server.url + "/v1.0/me/contacts/1", content=b"{}" if method != "GET" else None)
    # an unknown outcome (the request arrived), never mistaken for "not sent"
    assert not isinstance(caught.value, httpx.ConnectError)
    assert len(server.requests) == 1  # not sent again by aiohttp behind the client's back


async def test_a_body_the_server_never_reads_is_a_write_timeout() -> None:
    """aiohttp times no write (its read timeout starts once the body is sent): a peer that stopped reading would
    hold the request for ever. The transport bounds the send by the request's timeouts together."""

    async def read_head_only(server: Server, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        await asyncio.sleep(30)

    body = b"x" * (32 << 20)  # far more than the socket buffers take
    async with Server(read_head_only) as server, httpx.AsyncClient(transport=AiohttpTransport()) as client:
        started = asyncio.get_running_loop().time()
        with pytest.raises(httpx.WriteTimeout):
            async with asyncio.timeout(10):  # without the bound this test fails here instead of hanging
                await client.post(server.url + "/v1.0/$batch", content=body, timeout=httpx.Timeout(0.3))
        waited = asyncio.get_running_loop().time() - started
    assert 0.3 < waited < 5.0  # pool + connect + write + read: 1.2 s


@pytest.mark.parametrize(
    "reply",
    [b"HTTP/1.1 abc Nope\r\nContent-Length: 0\r\n\r\n", b"SMTP ready\r\n\r\n", b"HTTP/1.1 200 OK\r\nBroken\r\n\r\n"],
    ids=["status-not-a-number", "not-http", "header-without-colon"],
)
async def test_a_malformed_answer_is_a_remote_protocol_error(reply: bytes) -> None:
    async with Server(answer_each(reply)) as server, httpx.AsyncClient(transport=AiohttpTransport()) as client:
        with pytest.raises(httpx.RemoteProtocolError) as caught:
            await client.get(server.url + "/bad")
    assert isinstance(caught.value, httpx.TransportError)
    assert not isinstance(caught.value, httpx.ConnectError)


# ---------------------------------------------------------------------------------------------- proxies


async def proxy_handler(server: Server, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """A forward proxy that answers every request itself, naming the request line it got."""
    while (seen := await read_request(reader)) is not None:
        server.requests.append(seen)
        writer.write(answer(body=b"via proxy " + seen.target))
        await writer.drain()


async def test_http_proxy_carries_the_request_in_absolute_form(monkeypatch: pytest.MonkeyPatch) -> None:
    async with Server(proxy_handler) as proxy:
        monkeypatch.setenv("HTTP_PROXY", proxy.url)
        async with httpx.AsyncClient(transport=AiohttpTransport()) as client:
            response = await client.get("http://example.invalid:8080" + DELTA_PATH)

    [seen] = proxy.requests
    assert seen.method == b"GET"
    assert seen.target == b"http://example.invalid:8080" + DELTA_PATH.encode()
    assert seen.header(b"host") == [b"example.invalid:8080"]
    assert response.status_code == 200
    assert response.content == b"via proxy http://example.invalid:8080" + DELTA_PATH.encode()


async def test_no_proxy_hosts_are_reached_directly(monkeypatch: pytest.MonkeyPatch) -> None:
    async with Server(proxy_handler) as proxy, Server(answer_each(answer(body=b"direct"))) as target:
        monkeypatch.setenv("HTTP_PROXY", proxy.url)
        monkeypatch.setenv("NO_PROXY", "localhost,127.0.0.1,example.invalid")
        async with httpx.AsyncClient(transport=AiohttpTransport()) as client:
            response = await client.get(target.url + "/direct")
            with pytest.raises(httpx.ConnectError):  # example.invalid is not looked up through the proxy
                await client.get("http://example.invalid/direct")

    assert response.content == b"direct"
    assert [seen.target for seen in target.requests] == [b"/direct"]
    assert proxy.requests == [] and proxy.connections == 0


async def test_the_proxy_is_read_when_the_transport_is_made(monkeypatch: pytest.MonkeyPatch) -> None:
    async with Server(proxy_handler) as proxy, Server(answer_each(answer(body=b"direct"))) as target:
        transport = AiohttpTransport()
        monkeypatch.setenv("HTTP_PROXY", proxy.url)  # too late for this transport, as for an httpx client
        async with httpx.AsyncClient(transport=transport) as client:
            assert (await client.get(target.url + "/x")).content == b"direct"
        async with httpx.AsyncClient(transport=AiohttpTransport(trust_env=False)) as client:
            assert (await client.get(target.url + "/y")).content == b"direct"
    assert proxy.connections == 0


def test_env_needs_httpx_only_for_what_aiohttp_cannot_do() -> None:
    assert env_needs_httpx({}) is None
    assert env_needs_httpx({"HTTPS_PROXY": "http://p:3128"}) is None
    assert env_needs_httpx({"https_proxy": "https://p:3128", "HTTP_PROXY": "HTTP://p:3128", "NO_PROXY": "x"}) is None
    assert env_needs_httpx({"ALL_PROXY": "http://p:3128"}) == "ALL_PROXY is set"
    assert env_needs_httpx({"all_proxy": "http://p:3128"}) == "all_proxy is set"
    assert env_needs_httpx({"ALL_PROXY": ""}) is None
    assert env_needs_httpx({"HTTPS_PROXY": "socks5://p:1080"}) == "HTTPS_PROXY names a socks5 proxy"
    assert env_needs_httpx({"http_proxy": "socks5h://p:1080"}) == "http_proxy names a socks5h proxy"


def test_env_needs_httpx_reads_the_process_environment_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    assert env_needs_httpx() is None
    monkeypatch.setenv("HTTPS_PROXY", "socks5://p:1080")
    assert env_needs_httpx() == "HTTPS_PROXY names a socks5 proxy"


# ------------------------------------------------------------------------------------ event loops, closing


def test_one_transport_serves_successive_event_loops_and_closes_cleanly() -> None:
    transport = AiohttpTransport()
    sessions: list[object] = []

    async def run(n: int) -> bytes:
        async with Server(answer_each(answer(body=b"loop %d" % n))) as server:
            client = httpx.AsyncClient(transport=transport)
            response = await client.get(server.url + "/")
            sessions.append(transport._session)
            await transport.aclose()  # as the runtime does, in the loop that made the pool
            assert transport._session is None
            return response.content

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert asyncio.run(run(1)) == b"loop 1"
        assert asyncio.run(run(2)) == b"loop 2"
        assert sessions[0] is not sessions[1]  # a new pool for the new loop
        assert all(getattr(session, "closed", False) for session in sessions)
        sessions.clear()
        gc.collect()
    unclosed = [str(w.message) for w in caught if issubclass(w.category, ResourceWarning)]
    assert unclosed == []


def test_a_pool_left_open_by_an_ended_loop_is_replaced() -> None:
    transport = AiohttpTransport()

    async def run(n: int, close: bool) -> bytes:
        async with Server(answer_each(answer(body=b"loop %d" % n))) as server:
            response = await httpx.AsyncClient(transport=transport).get(server.url + "/")
            if close:
                await transport.aclose()
            return response.content

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)  # the first loop's pool is left unclosed on purpose
        assert asyncio.run(run(1, close=False)) == b"loop 1"
        assert asyncio.run(run(2, close=True)) == b"loop 2"
        gc.collect()


# ------------------------------------------------------------------------------- choosing it, configuring it


def graph_config(http: HttpStack) -> GraphConfig:
    return GraphConfig(kind=GraphKind.SANDBOX, base_url="http://127.0.0.1:8765/v1.0", http=http)


def test_network_transport_is_aiohttps_by_default_and_httpx_own_on_request() -> None:
    assert isinstance(network_transport(graph_config(HttpStack.AIOHTTP)), AiohttpTransport)
    assert network_transport(graph_config(HttpStack.HTTPX)) is None


@pytest.mark.parametrize(
    ("name", "value"), [("ALL_PROXY", "http://p:3128"), ("HTTPS_PROXY", "socks5://p:1080")], ids=["all", "socks"]
)
def test_network_transport_stands_down_for_proxies_aiohttp_cannot_use(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)
    assert network_transport(graph_config(HttpStack.AIOHTTP)) is None


def test_network_transport_keeps_aiohttp_for_an_http_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://p:3128")
    assert isinstance(network_transport(graph_config(HttpStack.AIOHTTP)), AiohttpTransport)


def parse(text: str) -> Config:
    return parse_config(text, file="g.toml", base=Path("/cfg"))


def test_config_http_defaults_to_aiohttp_and_accepts_httpx() -> None:
    assert parse("").graph.http is HttpStack.AIOHTTP
    assert parse('[graph]\nhttp = "httpx"\n').graph.http is HttpStack.HTTPX
    assert parse('[graph]\nhttp = "aiohttp"\n').graph.http is HttpStack.AIOHTTP


def test_config_http_rejects_an_unknown_stack_naming_key_and_choices() -> None:
    with pytest.raises(ConfigError) as caught:
        parse('[graph]\nhttp = "bogus"\n')
    assert caught.value.file == "g.toml"
    assert caught.value.key == "graph.http"
    assert "'aiohttp'" in caught.value.expected and "'httpx'" in caught.value.expected
    assert caught.value.got == "bogus"
    assert "graph.http" in str(caught.value) and "bogus" in str(caught.value)


async def test_the_runtime_sends_graph_requests_through_aiohttp_and_closes_its_pool() -> None:
    """A runtime with no transport given reaches Graph over the network through `AiohttpTransport`, and closes it
    with the runtime (msgraph-core's wrapper around a client's transport never closes what it wraps)."""
    from graphsync.runtime import Runtime

    async with Server(answer_each(answer(200, b"OK", body=b'{"value": []}'))) as server:
        config = parse(f'[graph]\nbase_url = "{server.url}/v1.0"\n')
        rt = Runtime(config)
        try:
            response = await rt.http.get("/me/contactFolders")
            transport = rt._network
            assert isinstance(transport, AiohttpTransport)
            assert response.json() == {"value": []}
        finally:
            await rt.aclose()
        assert transport._session is None
    [seen] = server.requests
    assert seen.target == b"/v1.0/me/contactFolders"


async def test_cookies_are_the_clients_alone() -> None:
    """httpx's client keeps the cookies an answer sets and decides what is sent; a jar in the transport would
    send a cookie the client has dropped. (By a host name: aiohttp's own jar keeps no cookie of an IP address.)"""
    reply = answer(200, b"OK", [(b"Set-Cookie", b"affinity=abc; Path=/")], b"{}")
    async with Server(answer_each(reply)) as server, httpx.AsyncClient(transport=AiohttpTransport()) as client:
        url = f"http://localhost:{server.port}/v1.0/me"
        await client.get(url)
        await client.get(url)
        client.cookies.clear()
        await client.get(url)
    assert [seen.header(b"cookie") for seen in server.requests] == [[], [b"affinity=abc"], []]


async def test_a_long_header_line_is_read_as_httpx_reads_it() -> None:
    """aiohttp's default refuses a header line over 8 KB, which httpx's transport reads."""
    long = b"x" * 20_000
    async with (
        Server(answer_each(answer(200, b"OK", [(b"X-Long", long)], b"{}"))) as server,
        httpx.AsyncClient(transport=AiohttpTransport()) as client,
    ):
        response = await client.get(server.url + "/v1.0/me")
    assert response.headers["x-long"] == long.decode()


async def test_a_request_without_a_read_timeout_waits_for_a_slow_answer() -> None:
    """The bound on sending a body ends with the read timeout: with none, a slow answer is waited for."""

    async def slow(server: Server, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        seen = await read_request(reader)
        assert seen is not None
        server.requests.append(seen)
        await asyncio.sleep(1.0)  # more than pool + connect + write
        writer.write(answer(200, b"OK", body=b"{}"))
        await writer.drain()

    async with Server(slow) as server, httpx.AsyncClient(transport=AiohttpTransport()) as client:
        response = await client.post(server.url + "/v1.0/$batch", content=b"{}", timeout=httpx.Timeout(0.2, read=None))
    assert response.status_code == 200


async def test_tls_is_verified_as_httpx_verifies_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A certificate no trusted authority signed is refused as never connected (the request was not sent); the
    same one is accepted once its authority is trusted through SSL_CERT_FILE, as httpx's transport reads it."""
    import ssl

    ca_file, cert_file, key_file = ca_and_server_certificate(tmp_path, "localhost")
    served = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    served.load_cert_chain(cert_file, key_file)
    requests: list[bytes] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with suppress(ConnectionError, asyncio.IncompleteReadError, ssl.SSLError):
            requests.append(await reader.readuntil(b"\r\n\r\n"))
            writer.write(answer(200, b"OK", body=b"{}"))
            await writer.drain()
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0, ssl=served)
    url = f"https://localhost:{server.sockets[0].getsockname()[1]}/v1.0/me"
    try:
        monkeypatch.delenv("SSL_CERT_FILE", raising=False)
        monkeypatch.delenv("SSL_CERT_DIR", raising=False)
        async with httpx.AsyncClient(transport=AiohttpTransport()) as client:
            with pytest.raises(httpx.ConnectError) as caught:
                await client.get(url)
        assert "CERTIFICATE_VERIFY_FAILED" in str(caught.value)
        assert requests == []

        monkeypatch.setenv("SSL_CERT_FILE", str(ca_file))
        async with httpx.AsyncClient(transport=AiohttpTransport()) as client:
            response = await client.get(url)
        assert response.status_code == 200 and response.json() == {}
        assert len(requests) == 1
    finally:
        server.close()
        await server.wait_closed()


async def test_a_socks_proxy_gets_httpx_transport_which_can_use_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """With a SOCKS proxy in the environment the runtime takes httpx's transport, and httpx can make it (it
    refuses to start a client for a SOCKS proxy without its socks extra, which graphsync depends on)."""
    from graphsync.runtime import Runtime

    monkeypatch.setenv("HTTPS_PROXY", "socks5://127.0.0.1:1080")
    rt = Runtime(parse('[graph]\nbase_url = "https://graph.example.test/v1.0"\n'))
    try:
        assert isinstance(rt.http, httpx.AsyncClient)
        assert rt._network is None
    finally:
        await rt.aclose()
