"""Nothing secret in any output, through the real credential code paths.

`graphsync login` and `graphsync sync` run as real subprocesses (verbose, text and JSON logs) with
``graph.kind = "microsoft"`` and NAV reached over OData, so that every secret is really resolved and really
sent: MSAL's device-code sign-in and refresh-token grant (delegated), azure-identity's client-secret grant
(app-only ``--user``), MSAL's client-credentials grant for Business Central, and NAV's Basic (web service
access key) and Windows (NTLM) sign-ins. Microsoft Entra ID is faked over HTTPS: the subprocess reaches
``login.microsoftonline.com`` through a CONNECT proxy (``HTTPS_PROXY``) that ends the tunnel itself with a
certificate from a test CA the subprocess trusts (``SSL_CERT_FILE`` for httpx, ``REQUESTS_CA_BUNDLE`` for
azure-core). Graph is the sandbox behind a gate that accepts only the access tokens Entra issued; NAV is
the NAV-style OData service behind Basic, Bearer or NTLM.

Every run's stdout and stderr, and every file the runs left behind (bar the token cache the person asked
for in plain text), are searched for each secret and the forms it travels in (base64 in a Basic header,
percent-encoded in a form body). Failure paths are run too (Graph 401, ``invalid_client``, ``invalid_grant``,
NAV 401), since error messages are where request headers and bodies are usually echoed.
"""

from __future__ import annotations

import base64
import json
import random
import shutil
import socket
import socketserver
import ssl
import string
import subprocess
import sys
import threading
import time
import urllib.parse
from collections.abc import Awaitable, Callable, Iterator, Mapping, MutableMapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from graphsync.auth.scopes import APP_ONLY_SCOPE, DELEGATED_SCOPES
from graphsync.nav.embedded import EmbeddedNav
from graphsync.nav.odata.auth import BC_SCOPE
from graphsync.navservice.app import create_app as navservice_app
from graphsync.sandbox import SandboxState
from graphsync.sandbox import create_app as sandbox_app
from graphsync.serving import serve_in_thread
from tests.certs import ca_and_server_certificate
from tests.reliability.harness import USER, subprocess_env

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]

ENTRA_HOST = "login.microsoftonline.com"
TENANT_ID = "11111111-2222-3333-4444-555555555555"
GRAPH_APP = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
BC_APP = "bbbbbbbb-cccc-dddd-eeee-ffffffffffff"
NAV_USER = "GRAPHSYNC"
COMPANY = "CRONUS UK Ltd."

_rng = random.Random(20261203)


def _opaque(prefix: str) -> str:
    """A token or secret nothing else in a run could contain by chance. Opaque rather than JWT-shaped (as
    Microsoft-account tokens are): graphsync's log filter masks JWT shapes, and the test must not lean on it."""
    return prefix + "".join(_rng.choices(string.ascii_letters + string.digits, k=32))


# Every value below is really resolved by graphsync and sent to a fake that checks it.
GRAPH_SECRET = _opaque("GraphAppSecret~") + "+/="
"""The app registration's client secret (app-only runs), with the characters form and base64 encodings change."""
WRONG_GRAPH_SECRET = _opaque("WrongGraphSecret~")
BC_SECRET = _opaque("BcClientSecret~") + "+/="
WRONG_BC_SECRET = _opaque("WrongBcSecret~")
NAV_KEY = _opaque("NavWebServiceKey+") + "/=="
"""NAV's web service access key: the Basic password."""
WRONG_NAV_KEY = _opaque("WrongNavKey+")
WINDOWS_PASSWORD = _opaque("WindowsPassw0rd!")
DEVICE_CODE = _opaque("DeviceCode.")
REFRESH_TOKENS = [_opaque("RefreshToken."), _opaque("RefreshToken.")]
DELEGATED_TOKENS = [_opaque("EwDelegatedAccess."), _opaque("EwDelegatedAccess.")]
APP_TOKEN = _opaque("EwAppOnlyAccess.")
BC_TOKEN = _opaque("EwBusinessCentral.")

SECRET_ENV = {
    "GRAPHSYNC_TEST_GRAPH_SECRET": GRAPH_SECRET,
    "GRAPHSYNC_TEST_BC_SECRET": BC_SECRET,
    "GRAPHSYNC_TEST_NAV_KEY": NAV_KEY,
}


def forms(secret: str) -> set[str]:
    """``secret`` as it may appear in output: itself, percent-encoded (a form body, a query), base64."""
    raw = secret.encode()
    return {
        secret,
        urllib.parse.quote(secret, safe=""),
        urllib.parse.quote_plus(secret),
        base64.b64encode(raw).decode(),
        base64.urlsafe_b64encode(raw).decode().rstrip("="),
    }


def basic_header(user: str, password: str) -> str:
    return base64.b64encode(f"{user}:{password}".encode()).decode()


ALL_SECRETS: dict[str, set[str]] = {
    name: forms(value)
    for name, value in {
        "graph client secret": GRAPH_SECRET,
        "wrong graph client secret": WRONG_GRAPH_SECRET,
        "BC client secret": BC_SECRET,
        "wrong BC client secret": WRONG_BC_SECRET,
        "NAV web service key": NAV_KEY,
        "wrong NAV web service key": WRONG_NAV_KEY,
        "Windows password": WINDOWS_PASSWORD,
        "device code": DEVICE_CODE,
        "refresh token 1": REFRESH_TOKENS[0],
        "refresh token 2": REFRESH_TOKENS[1],
        "delegated access token 1": DELEGATED_TOKENS[0],
        "delegated access token 2": DELEGATED_TOKENS[1],
        "app-only access token": APP_TOKEN,
        "BC access token": BC_TOKEN,
    }.items()
}
ALL_SECRETS["NAV Basic header"] = {basic_header(NAV_USER, NAV_KEY), basic_header(NAV_USER, WRONG_NAV_KEY)}


# --------------------------------------------------------------------------- a fake Entra ID


def _b64json(data: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


@dataclass
class FakeEntra:
    """Entra ID's endpoints MSAL and azure-identity use: instance and tenant discovery, device authorization,
    and the token endpoint for the device-code, refresh-token and client-credentials grants. It checks the
    secrets it is sent, so a run that succeeds proves the real value travelled."""

    refresh_revoked: bool = False
    reachable: bool = True
    """False: the proxy answers 502 to CONNECT, as one that cannot reach Entra ID does."""
    grants: list[str] = field(default_factory=list)
    secrets_received: list[str] = field(default_factory=list)
    refresh_tokens_received: list[str] = field(default_factory=list)
    _delegated_issued: int = 0

    def answer(self, method: str, path: str, body: bytes) -> tuple[int, dict[str, object]]:
        base = f"https://{ENTRA_HOST}/{TENANT_ID}"
        if path.startswith("/common/discovery/instance"):
            return 200, {
                "tenant_discovery_endpoint": f"https://{ENTRA_HOST}/{TENANT_ID}/v2.0/.well-known/openid-configuration",
                "metadata": [
                    {"preferred_network": ENTRA_HOST, "preferred_cache": "login.windows.net", "aliases": [ENTRA_HOST]}
                ],
            }
        if path.startswith(f"/{TENANT_ID}/v2.0/.well-known/openid-configuration"):
            return 200, {
                "issuer": f"{base}/v2.0",
                "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
                "token_endpoint": f"{base}/oauth2/v2.0/token",
                "device_authorization_endpoint": f"{base}/oauth2/v2.0/devicecode",
            }
        form = {k: v[0] for k, v in urllib.parse.parse_qs(body.decode()).items()}
        if method == "POST" and path == f"/{TENANT_ID}/oauth2/v2.0/devicecode":
            return 200, {
                "device_code": DEVICE_CODE,
                "user_code": "GSYNC123",
                "verification_uri": "https://microsoft.com/devicelogin",
                "expires_in": 900,
                "interval": 0,
                "message": "To sign in, enter the code GSYNC123 at https://microsoft.com/devicelogin.",
            }
        if method == "POST" and path == f"/{TENANT_ID}/oauth2/v2.0/token":
            return self._token(form)
        return 404, {"error": "not_found", "error_description": f"no such endpoint {path}"}

    def _token(self, form: dict[str, str]) -> tuple[int, dict[str, object]]:
        grant = form.get("grant_type", "")
        self.grants.append(grant)
        client = form.get("client_id", "")
        if grant == "client_credentials":
            self.secrets_received.append(form.get("client_secret", ""))
            expected, token, scope = {
                GRAPH_APP: (GRAPH_SECRET, APP_TOKEN, APP_ONLY_SCOPE),
                BC_APP: (BC_SECRET, BC_TOKEN, BC_SCOPE),
            }.get(client, ("", "", ""))
            if not expected or form.get("client_secret") != expected:
                # Entra's answer to a wrong secret: 401 invalid_client, a description naming the app, not the secret.
                return _oauth_error(
                    401, "invalid_client", f"AADSTS7000215: Invalid client secret provided for app '{client}'."
                )
            assert scope in form.get("scope", ""), form.get("scope")
            return 200, {"token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599, "access_token": token}
        if client != GRAPH_APP:
            return _oauth_error(400, "unauthorized_client", "AADSTS700016: Application not found in the directory")
        if grant == "urn:ietf:params:oauth:grant-type:device_code":
            if form.get("device_code") != DEVICE_CODE:
                return _oauth_error(400, "invalid_grant", "AADSTS70019: the device code is not known")
            return self._delegated()
        if grant == "refresh_token":
            self.refresh_tokens_received.append(form.get("refresh_token", ""))
            if self.refresh_revoked or form.get("refresh_token") not in REFRESH_TOKENS:
                return _oauth_error(400, "invalid_grant", "AADSTS50173: The provided grant has expired.")
            return self._delegated()
        return _oauth_error(400, "unsupported_grant_type", f"AADSTS70003: grant {grant!r} is not supported")

    def _delegated(self) -> tuple[int, dict[str, object]]:
        n = min(self._delegated_issued, len(DELEGATED_TOKENS) - 1)
        self._delegated_issued += 1
        now = int(time.time())
        oid = "99999999-0000-0000-0000-000000000001"
        claims = {
            "aud": GRAPH_APP,
            "iss": f"https://{ENTRA_HOST}/{TENANT_ID}/v2.0",
            "iat": now,
            "exp": now + 3600,
            "oid": oid,
            "tid": TENANT_ID,
            "sub": "subject",
            "preferred_username": USER,
            "name": "Ester Henderson",
        }
        return 200, {
            "token_type": "Bearer",
            "scope": " ".join(DELEGATED_SCOPES),  # what was granted: MSAL finds the token by it next time
            "expires_in": 3600,
            "ext_expires_in": 3600,
            "access_token": DELEGATED_TOKENS[n],
            "refresh_token": REFRESH_TOKENS[n],
            "id_token": ".".join([_b64json({"alg": "none", "typ": "JWT"}), _b64json(claims), ""]),
            "client_info": _b64json({"uid": oid, "utid": TENANT_ID}),
        }


def _oauth_error(status: int, code: str, description: str) -> tuple[int, dict[str, object]]:
    trace = "\r\nTrace ID: 0000\r\nCorrelation ID: 0000\r\nTimestamp: 2026-12-03 00:00:00Z"
    return status, {"error": code, "error_description": description + trace, "error_codes": [7000215]}


# --------------------------------------------------------------------------- Entra ID over HTTPS, via a proxy


class _EntraHandler(BaseHTTPRequestHandler):
    """One TLS connection's requests (kept alive), answered by the server's FakeEntra."""

    protocol_version = "HTTP/1.1"
    server: _EntraProxy

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        status, payload = self.server.entra.answer(self.command, self.path, body)
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = _answer

    def log_message(self, format: str, *args: Any) -> None:
        pass  # the test process's stderr is not what is being searched; keep it quiet


class _Tunnel(socketserver.BaseRequestHandler):
    """``CONNECT login.microsoftonline.com:443``: answered 200, then the tunnel is ended here with TLS."""

    server: _EntraProxy

    def handle(self) -> None:
        sock: socket.socket = self.request
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = sock.recv(1)  # byte by byte: nothing after the headers may be read before TLS starts
            if not chunk:
                return
            head += chunk
        method, target = head.split(b" ", 2)[:2]
        if method != b"CONNECT" or target.decode() != f"{ENTRA_HOST}:443":
            sock.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
            return
        if not self.server.entra.reachable:
            sock.sendall(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
            return
        sock.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
        try:
            tls = self.server.tls.wrap_socket(sock, server_side=True)
        except (ssl.SSLError, OSError):
            return  # a client that does not trust the test CA: its own error says so
        try:
            _EntraHandler(tls, self.client_address, self.server)
        except (ssl.SSLError, OSError):
            pass
        finally:
            tls.close()


class _EntraProxy(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, entra: FakeEntra, tls: ssl.SSLContext) -> None:
        super().__init__(("127.0.0.1", 0), _Tunnel)
        self.entra = entra
        self.tls = tls


@contextmanager
def entra_over_https(entra: FakeEntra, folder: Path) -> Iterator[tuple[str, Path]]:
    """The proxy's URL (for ``HTTPS_PROXY``) and the CA file to trust."""
    ca, cert, key = ca_and_server_certificate(folder, ENTRA_HOST)
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(cert, key)
    proxy = _EntraProxy(entra, tls)
    thread = threading.Thread(target=proxy.serve_forever, name="fake-entra-proxy", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{proxy.server_address[1]}", ca
    finally:
        proxy.shutdown()
        proxy.server_close()
        thread.join(timeout=10)


# --------------------------------------------------------------------------- Graph and NAV behind their sign-ins


async def _refuse(send: Send, status: int, headers: list[tuple[bytes, bytes]], body: Mapping[str, object]) -> None:
    data = json.dumps(body).encode()
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": data})


class GraphGate:
    """Graph as Microsoft serves it: only the access tokens Entra issued are accepted (delegated ones act as
    the signed-in user, the app-only one as the app); each is swapped for the sandbox's own token form."""

    def __init__(self, app: Callable[[Scope, Receive, Send], Awaitable[None]]) -> None:
        self.app = app
        self.refuse_all = False
        self.tokens_seen: set[str] = set()
        self.as_sandbox = {token: f"sandbox:{USER}" for token in DELEGATED_TOKENS} | {APP_TOKEN: "sandbox-app"}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = [(k, v) for k, v in scope["headers"] if k != b"authorization"]
        auth = dict(scope["headers"]).get(b"authorization", b"").decode("latin-1")
        scheme, _, token = auth.partition(" ")
        sandbox_token = self.as_sandbox.get(token) if scheme.lower() == "bearer" else None
        if sandbox_token is None or self.refuse_all:
            # Graph's 401: the token is named by its problem, never echoed.
            await _refuse(
                send,
                401,
                [
                    (b"content-type", b"application/json"),
                    (b"www-authenticate", b'Bearer realm="", authorization_uri="https://login.microsoftonline.com"'),
                ],
                {"error": {"code": "InvalidAuthenticationToken", "message": "Lifetime validation failed."}},
            )
            return
        self.tokens_seen.add(token)
        scope = dict(scope, headers=[*headers, (b"authorization", f"Bearer {sandbox_token}".encode())])
        await self.app(scope, receive, send)


class NavGate:
    """NAV's sign-in in front of the NAV-style OData service: ``basic`` (the service checks the web service
    access key itself), ``oauth`` (Business Central: the Entra token for the BC API), ``windows`` (offers
    NTLM, takes the client's negotiate message, and refuses it)."""

    def __init__(self, nav: EmbeddedNav) -> None:
        self.app = navservice_app(nav)
        self.mode = "basic"
        self.authorizations: list[str] = []

    @property
    def service(self) -> Any:
        return self.app.state.service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        auth = dict(scope["headers"]).get(b"authorization", b"").decode("latin-1")
        self.authorizations.append(auth.partition(" ")[0])
        self.service.credentials = (NAV_USER, NAV_KEY) if self.mode == "basic" else None
        denied = {"error": {"code": "Unauthorized", "message": "The credentials provided are incorrect."}}
        json_type = (b"content-type", b"application/json")
        if self.mode == "oauth" and auth != f"Bearer {BC_TOKEN}":
            await _refuse(send, 401, [json_type, (b"www-authenticate", b"Bearer")], denied)
            return
        if self.mode == "windows":
            # The negotiate message carries no password; the server refuses it instead of challenging.
            await _refuse(send, 401, [json_type, (b"www-authenticate", b"NTLM")], denied)
            return
        await self.app(scope, receive, send)


@contextmanager
def served(app: Any, name: str) -> Iterator[str]:
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="critical", access_log=False, lifespan="off")
    with serve_in_thread(config, name=name) as url:
        yield url


# --------------------------------------------------------------------------- the world and its runs


@dataclass
class Run:
    args: tuple[str, ...]
    code: int
    stdout: str
    stderr: str

    @property
    def error(self) -> str:
        """The message the run ended with."""
        return next((line for line in reversed(self.stderr.splitlines()) if line.startswith("error: ")), "")


@dataclass
class RealAuthWorld:
    root: Path
    entra: FakeEntra
    graph: GraphGate
    nav: NavGate
    graph_url: str
    nav_url: str
    env: dict[str, str]
    runs: list[Run] = field(default_factory=list)

    @property
    def config(self) -> Path:
        return self.root / "graphsync.toml"

    def write_config(self, *, nav_auth: str) -> None:
        odata = {
            "basic": f'auth = "basic"\nusername = "{NAV_USER}"\npassword = "env:GRAPHSYNC_TEST_NAV_KEY"\n',
            "windows": 'auth = "windows"\nusername = "CONTOSO\\\\graphsync"\npassword = "env:GRAPHSYNC_TEST_WIN_PW"\n',
            "oauth": (
                f'auth = "oauth"\ntenant_id = "{TENANT_ID}"\nclient_id = "{BC_APP}"\n'
                'client_secret = "env:GRAPHSYNC_TEST_BC_SECRET"\n'
            ),
        }[nav_auth]
        self.nav.mode = nav_auth
        self.config.write_text(
            '[nav]\nkind = "odata"\n\n'
            f'[nav.odata]\nbase_url = "{self.nav_url}/NAV/ODataV4"\ncompany = "{COMPANY}"\n{odata}\n'
            f'[graph]\nkind = "microsoft"\nbase_url = "{self.graph_url}/v1.0"\n'
            f'tenant_id = "{TENANT_ID}"\nclient_id = "{GRAPH_APP}"\n'
            'client_secret = "env:GRAPHSYNC_TEST_GRAPH_SECRET"\n\n'
            '[state]\npath = "state.sqlite"\n',
            encoding="utf-8",
        )

    def run(self, *args: str, expect: int, **env: str) -> Run:
        proc = subprocess.run(
            [sys.executable, "-m", "graphsync", "--config", str(self.config), *args],
            cwd=self.root,
            env={**self.env, **env},
            capture_output=True,
            text=True,
            timeout=120,
        )
        run = Run(args, proc.returncode, proc.stdout, proc.stderr)
        self.runs.append(run)
        assert run.code == expect, (args, run.code, run.stdout[-3000:], run.stderr[-3000:])
        return run

    def token_cache(self) -> Path:
        (path,) = (self.root / "tokens").glob("*.insecure-plaintext.json")
        return path

    def expire_access_tokens(self) -> None:
        """Make the cached access token stale, so the next run must use the refresh token."""
        path = self.token_cache()
        cache = json.loads(path.read_text(encoding="utf-8"))
        for entry in cache.get("AccessToken", {}).values():
            entry["expires_on"] = entry["extended_expires_on"] = str(int(time.time()) - 60)
            entry.pop("refresh_on", None)
        path.write_text(json.dumps(cache), encoding="utf-8")

    def leaks(self) -> list[str]:
        """Every secret found in any run's output or in any file left in the world's folder (the plain-text
        token cache, which holds tokens by the person's explicit choice, aside)."""
        cache = self.token_cache() if (self.root / "tokens").exists() else None
        return find_leaks(self.runs, [p for p in sorted(self.root.rglob("*")) if p.is_file() and p != cache])


def find_leaks(runs: list[Run], files: list[Path]) -> list[str]:
    """Where each secret (in any of its forms) occurs: in a run's stdout or stderr, or in a file."""
    places = [
        (f"run {i} ({' '.join(r.args)}) {name}", text)
        for i, r in enumerate(runs, 1)
        for name, text in (("stdout", r.stdout), ("stderr", r.stderr))
    ]
    places += [(str(path), path.read_bytes().decode("latin-1")) for path in files]
    return [
        f"{secret} in {where}"
        for secret, variants in ALL_SECRETS.items()
        for where, text in places
        if any(v in text for v in variants)
    ]


@pytest.fixture
def world(tmp_path: Path, company: Path) -> Iterator[RealAuthWorld]:
    shutil.copyfile(company, tmp_path / "nav-served.sqlite")
    entra = FakeEntra()
    graph = GraphGate(sandbox_app(SandboxState.seeded(USER)))
    certs = tmp_path.parent / f"{tmp_path.name}-certs"  # outside the world's folder, whose files are searched
    certs.mkdir()
    with (
        EmbeddedNav(tmp_path / "nav-served.sqlite", user_id="ODATA") as nav_db,
        served(graph, "graph behind its sign-in") as graph_url,
        entra_over_https(entra, certs) as (proxy, ca),
    ):
        nav = NavGate(nav_db)
        with served(nav, "NAV OData behind its sign-in") as nav_url:
            env = subprocess_env(tmp_path, **SECRET_ENV, GRAPHSYNC_TEST_WIN_PW=WINDOWS_PASSWORD)
            for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY"):
                env.pop(name, None)
                env.pop(name.lower(), None)
            env |= {
                "HTTPS_PROXY": proxy,  # only https goes through it: Entra ID; Graph and NAV are plain http here
                "NO_PROXY": "127.0.0.1,localhost",
                "SSL_CERT_FILE": str(ca),
                "REQUESTS_CA_BUNDLE": str(ca),
            }
            yield RealAuthWorld(tmp_path, entra, graph, nav, graph_url, nav_url, env)


# --------------------------------------------------------------------------- the tests


def test_delegated_sign_in_refresh_and_nav_basic_leak_nothing(world: RealAuthWorld) -> None:
    world.write_config(nav_auth="basic")
    login = world.run("-v", "login", "--insecure-plaintext-token-cache", expect=0)
    assert f"Signed in as {USER}" in login.stdout
    assert "urn:ietf:params:oauth:grant-type:device_code" in world.entra.grants
    # Signed in: a sync at debug level (JSON logs, JSON report), the access token taken from the cache.
    first = world.run("--log-format", "json", "-v", "sync", "--json", expect=0)
    assert json.loads(first.stdout)["ok"] is True, first.stdout
    assert world.entra.grants == ["urn:ietf:params:oauth:grant-type:device_code"]
    assert world.graph.tokens_seen == {DELEGATED_TOKENS[0]}
    # The access token expired: MSAL refreshes it with the refresh token (text logs this time).
    world.expire_access_tokens()
    world.run("-v", "sync", expect=0)
    assert world.entra.refresh_tokens_received == [REFRESH_TOKENS[0]]
    assert DELEGATED_TOKENS[1] in world.graph.tokens_seen
    assert world.nav.authorizations.count("Basic") > 10  # NAV was read and written with the access key

    # Failures, where messages tend to echo what was sent.
    world.graph.refuse_all = True  # Graph rejects the token
    assert "Lifetime validation failed" in world.run("--log-format", "json", "-v", "sync", expect=3).error
    assert "Lifetime validation failed" in world.run("-v", "sync", expect=3).error
    world.graph.refuse_all = False
    refused = world.run("-v", "sync", expect=3, GRAPHSYNC_TEST_NAV_KEY=WRONG_NAV_KEY)  # NAV refuses the key
    assert "401 Unauthorized" in refused.error
    world.entra.reachable = False  # the token expired, and Entra ID cannot be reached to refresh it
    world.expire_access_tokens()
    assert "no response from https://login.microsoftonline.com" in world.run("-v", "sync", expect=3).error
    world.entra.reachable = True
    world.entra.refresh_revoked = True  # Entra refuses the refresh token (invalid_grant)
    assert "revoked" in world.run("--log-format", "json", "-v", "sync", expect=3).error
    assert world.entra.refresh_tokens_received[-1] == REFRESH_TOKENS[1]

    everything = "\n".join(r.stdout + r.stderr for r in world.runs)
    assert "login.microsoftonline.com" in everything  # the libraries' debug logs were there to search
    assert "sync of eh@contoso.com finished" in everything
    assert world.leaks() == []


def test_app_only_client_secret_and_business_central_oauth_leak_nothing(world: RealAuthWorld) -> None:
    world.write_config(nav_auth="oauth")
    first = world.run("--log-format", "json", "-v", "sync", "--user", USER, "--json", expect=0)
    assert json.loads(first.stdout)["ok"] is True, first.stdout
    world.run("-v", "sync", "--user", USER, expect=0)
    assert GRAPH_SECRET in world.entra.secrets_received and BC_SECRET in world.entra.secrets_received
    assert APP_TOKEN in world.graph.tokens_seen
    assert "Bearer" in world.nav.authorizations

    world.graph.refuse_all = True  # Graph rejects the app's token
    assert "Lifetime validation failed" in world.run("-v", "sync", "--user", USER, expect=3).error
    world.graph.refuse_all = False
    # Entra refuses a wrong client secret (invalid_client), for Graph and for Business Central; the refusal is
    # reported by its code.
    graph_refused = world.run(
        "--log-format", "json", "-v", "sync", "--user", USER, expect=3, GRAPHSYNC_TEST_GRAPH_SECRET=WRONG_GRAPH_SECRET
    )
    assert "AADSTS7000215" in graph_refused.error and GRAPH_APP in graph_refused.error
    bc_refused = world.run("-v", "sync", "--user", USER, expect=3, GRAPHSYNC_TEST_BC_SECRET=WRONG_BC_SECRET)
    assert "AADSTS7000215" in bc_refused.error and BC_APP in bc_refused.error
    assert WRONG_GRAPH_SECRET in world.entra.secrets_received and WRONG_BC_SECRET in world.entra.secrets_received

    everything = "\n".join(r.stdout + r.stderr for r in world.runs)
    assert "login.microsoftonline.com" in everything  # the libraries' debug logs were there to search
    assert world.leaks() == []


def test_nav_windows_sign_in_refused_leaks_nothing(world: RealAuthWorld) -> None:
    world.write_config(nav_auth="windows")
    world.run("--log-format", "json", "-v", "sync", "--user", USER, expect=3)
    refused = world.run("-v", "sync", "--user", USER, expect=3)
    assert "401 Unauthorized" in refused.error and "NTLM" in refused.error
    assert "NTLM" in world.nav.authorizations  # the handshake was really started, from the password
    assert world.leaks() == []


@pytest.mark.parametrize(
    ("secret", "form"), [(name, form) for name, variants in ALL_SECRETS.items() for form in sorted(variants)]
)
def test_the_search_finds_every_secret_in_every_form(tmp_path: Path, secret: str, form: str) -> None:
    """The search the tests above end with can fail: each form of each secret is found in whichever run's
    output or file holds it, among runs that share their arguments."""
    quiet = Run(("-v", "sync"), 0, "sync of eh@contoso.com finished", "")
    leaked = Run(("-v", "sync"), 3, "", f"error: rejected {form} (debug)")
    assert find_leaks([quiet, leaked, quiet], []) == [f"{secret} in run 2 (-v sync) stderr"]
    spool = tmp_path / "state.sqlite"
    spool.write_bytes(b"\x00SQLite" + form.encode() + b"\x00")
    assert find_leaks([quiet], [spool]) == [f"{secret} in {spool}"]
