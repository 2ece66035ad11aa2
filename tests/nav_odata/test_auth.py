"""The three sign-ins, against fakes that speak HTTP (respx): NTLM/Negotiate with a real NTLM server context,
Basic with a web service access key, OAuth2 client credentials through MSAL and a faked Entra ID."""

from __future__ import annotations

import base64
import urllib.parse
from pathlib import Path

import httpx
import pytest
import respx

from graphsync.config.odata import ODataAuth, ODataFlavour, ODataNavConfig
from graphsync.config.secrets import SecretRef, SecretSource
from graphsync.connectors.nav import NavTable
from graphsync.errors import ConfigError, NavAuthError, NavConnectionError
from graphsync.nav.odata.auth import BC_SCOPE, WindowsAuth
from graphsync.navservice.edmx import metadata_document
from graphsync.navservice.pages import Publication
from graphsync.runtime.odata import WINDOWS_LIMITS, connect, http_client
from tests.nav_odata.fake_root import mock_root

NAV = "https://nav.contoso.local:7048/NAV/ODataV4"
BC = "https://api.businesscentral.dynamics.com/v2.0/contoso.onmicrosoft.com/Production/ODataV4"
LOGIN = "https://login.microsoftonline.com"
METADATA = metadata_document(Publication())


class NtlmServer:
    """NAV's Windows authentication: 401 offering NTLM and Negotiate, then the challenge, then the answer
    checked by a real NTLM acceptor against a user file (spnego's NTLM_USER_FILE)."""

    def __init__(self, offer: tuple[str, ...] = ("Negotiate", "NTLM")) -> None:
        self.offer = offer
        self.context: object | None = None
        self.seen: list[str] = []
        self.accepted: str | None = None

    def __call__(self, request: httpx.Request) -> httpx.Response:
        import spnego

        header = request.headers.get("authorization", "")
        self.seen.append(header.split(" ", 1)[0] or "(none)")
        scheme, _, token = header.partition(" ")
        if not header:
            return httpx.Response(401, headers=[("WWW-Authenticate", s) for s in self.offer])
        if self.context is None:
            self.context = spnego.server(protocol="negotiate" if scheme == "Negotiate" else "ntlm")
            out = self.context.step(base64.b64decode(token))  # type: ignore[attr-defined]
            challenge = f"{scheme} {base64.b64encode(out).decode()}"
            return httpx.Response(401, headers={"WWW-Authenticate": challenge})
        try:
            self.context.step(base64.b64decode(token))  # type: ignore[attr-defined]
        except spnego.exceptions.SpnegoError:
            self.context = None
            return httpx.Response(401, headers=[("WWW-Authenticate", s) for s in self.offer])
        self.accepted = str(self.context.client_principal)  # type: ignore[attr-defined]
        self.context = None
        return httpx.Response(200, content=METADATA.encode(), headers={"Content-Type": "application/xml"})


@pytest.fixture
def ntlm_users(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    users = tmp_path / "ntlm_users"
    users.write_text("CONTOSO:nav.sync:S3cret!\n", encoding="utf-8")
    monkeypatch.setenv("NTLM_USER_FILE", str(users))


@respx.mock
def test_ntlm_handshake_negotiate_challenge_authenticate(ntlm_users: None) -> None:
    server = NtlmServer()
    respx.get(f"{NAV}/$metadata").mock(side_effect=server)
    with httpx.Client(auth=WindowsAuth("CONTOSO\\nav.sync", "S3cret!")) as client:
        response = client.get(f"{NAV}/$metadata")
    assert response.status_code == 200
    assert server.seen == ["(none)", "NTLM", "NTLM"]  # NTLM preferred when both are offered
    assert server.accepted == "CONTOSO\\nav.sync"


@respx.mock
def test_negotiate_alone_is_answered_with_negotiate(ntlm_users: None) -> None:
    server = NtlmServer(offer=("Negotiate",))
    respx.get(f"{NAV}/$metadata").mock(side_effect=server)
    with httpx.Client(auth=WindowsAuth("CONTOSO\\nav.sync", "S3cret!")) as client:
        assert client.get(f"{NAV}/$metadata").status_code == 200
    assert server.seen == ["(none)", "Negotiate", "Negotiate"]


@respx.mock
def test_wrong_windows_password_is_an_auth_error_naming_the_offer(
    ntlm_users: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    respx.get(f"{NAV}/$metadata").mock(side_effect=NtlmServer())
    monkeypatch.setenv("NAV_PASSWORD", "wrong")
    cfg = ODataNavConfig(
        base_url=NAV,
        company="CRONUS UK Ltd.",
        auth=ODataAuth.WINDOWS,
        username="CONTOSO\\nav.sync",
        password=SecretRef(SecretSource.ENV, "NAV_PASSWORD"),
    )
    with pytest.raises(NavAuthError) as err:
        connect(cfg)
    assert "401" in err.value.message and "NTLM" in err.value.message


def test_windows_client_keeps_one_pooled_connection(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NAV_PASSWORD", "S3cret!")
    cfg = ODataNavConfig(
        base_url=NAV,
        company="CRONUS UK Ltd.",
        auth=ODataAuth.WINDOWS,
        username="CONTOSO\\nav.sync",
        password=SecretRef(SecretSource.ENV, "NAV_PASSWORD"),
    )
    with http_client(cfg) as client:
        assert isinstance(client.auth, WindowsAuth)
        pool = client._transport._pool  # type: ignore[attr-defined]
        assert pool._max_connections == WINDOWS_LIMITS.max_connections == 1


@respx.mock
def test_basic_sends_the_web_service_access_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NAV_KEY", "Wsk0123456789abcdef")
    route = mock_root(respx, NAV)
    cfg = ODataNavConfig(
        base_url=NAV,
        company="CRONUS UK Ltd.",
        auth=ODataAuth.BASIC,
        username="NAVSYNC",
        password=SecretRef(SecretSource.ENV, "NAV_KEY"),
    )
    connect(cfg).close()
    sent = route.calls.last.request.headers["authorization"]
    assert sent == "Basic " + base64.b64encode(b"NAVSYNC:Wsk0123456789abcdef").decode()


@respx.mock
def test_basic_refused_is_an_auth_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NAV_KEY", "stale-key")
    respx.get(f"{NAV}/$metadata").mock(return_value=httpx.Response(401, headers={"WWW-Authenticate": 'Basic realm=""'}))
    cfg = ODataNavConfig(
        base_url=NAV,
        company="CRONUS UK Ltd.",
        auth=ODataAuth.BASIC,
        username="NAVSYNC",
        password=SecretRef(SecretSource.ENV, "NAV_KEY"),
    )
    with pytest.raises(NavAuthError) as err:
        connect(cfg)
    assert "Basic" in err.value.message


def test_a_missing_secret_is_a_config_error_naming_the_reference(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NAV_KEY", raising=False)
    cfg = ODataNavConfig(
        base_url=NAV,
        company="CRONUS UK Ltd.",
        auth=ODataAuth.BASIC,
        username="NAVSYNC",
        password=SecretRef(SecretSource.ENV, "NAV_KEY"),
    )
    with pytest.raises(ConfigError) as err:
        connect(cfg)
    assert "NAV_KEY" in str(err.value)


# ------------------------------------------------------------------ OAuth2 client credentials (BC online)


def _entra(tokens: list[str], *, refuse: bool = False) -> None:
    tenant = "contoso.onmicrosoft.com"
    respx.get(f"{LOGIN}/{tenant}/v2.0/.well-known/openid-configuration").mock(
        return_value=httpx.Response(
            200,
            json={
                "issuer": f"{LOGIN}/tid/v2.0",
                "authorization_endpoint": f"{LOGIN}/tid/oauth2/v2.0/authorize",
                "token_endpoint": f"{LOGIN}/tid/oauth2/v2.0/token",
            },
        )
    )
    respx.get(url__startswith=f"{LOGIN}/common/discovery/instance").mock(
        return_value=httpx.Response(
            200,
            json={
                "tenant_discovery_endpoint": f"{LOGIN}/{tenant}/v2.0/.well-known/openid-configuration",
                "metadata": [
                    {"preferred_network": "login.microsoftonline.com", "aliases": ["login.microsoftonline.com"]}
                ],
            },
        )
    )

    def token(request: httpx.Request) -> httpx.Response:
        form = dict(urllib.parse.parse_qsl(request.content.decode()))
        assert form["grant_type"] == "client_credentials"
        assert form["scope"] == BC_SCOPE
        if refuse or form.get("client_secret") != "app-secret":
            return httpx.Response(
                401,
                json={
                    "error": "invalid_client",
                    "error_description": "AADSTS7000215: Invalid client secret provided.\r\nTrace ID: 1",
                },
            )
        tokens.append(f"BC-TOKEN-{len(tokens) + 1}")
        return httpx.Response(200, json={"token_type": "Bearer", "expires_in": 3599, "access_token": tokens[-1]})

    respx.post(f"{LOGIN}/tid/oauth2/v2.0/token").mock(side_effect=token)


def _bc_config(monkeypatch: pytest.MonkeyPatch, secret: str = "app-secret") -> ODataNavConfig:
    monkeypatch.setenv("BC_SECRET", secret)
    return ODataNavConfig(
        base_url=BC,
        company="CRONUS UK Ltd.",
        flavour=ODataFlavour.BC,
        auth=ODataAuth.OAUTH,
        tenant_id="contoso.onmicrosoft.com",
        client_id="aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee",
        client_secret=SecretRef(SecretSource.ENV, "BC_SECRET"),
    )


@respx.mock
def test_oauth_client_credentials_token_is_sent_and_reused(monkeypatch: pytest.MonkeyPatch) -> None:
    tokens: list[str] = []
    _entra(tokens)
    metadata = mock_root(respx, BC)
    entities = respx.get(url__startswith=f"{BC}/Company(").mock(return_value=httpx.Response(200, json={"value": []}))
    nav = connect(_bc_config(monkeypatch))
    try:
        assert list(nav.keys(NavTable.SALESPERSON)) == []
    finally:
        nav.close()
    assert tokens == ["BC-TOKEN-1"]  # one token for both requests: MSAL keeps it until it expires
    assert metadata.calls.last.request.headers["authorization"] == "Bearer BC-TOKEN-1"
    assert entities.calls.last.request.headers["authorization"] == "Bearer BC-TOKEN-1"
    assert "Company('CRONUS%20UK%20Ltd.')/SalespersonPurchaserCard" in str(entities.calls.last.request.url)


@respx.mock
def test_oauth_refused_secret_is_an_auth_error_with_entras_words(monkeypatch: pytest.MonkeyPatch) -> None:
    _entra([], refuse=True)
    respx.get(f"{BC}/$metadata").mock(return_value=httpx.Response(200, content=METADATA.encode()))
    with pytest.raises(NavAuthError) as err:
        connect(_bc_config(monkeypatch, secret="wrong"))
    assert "invalid_client" in err.value.message and "AADSTS7000215" in err.value.message
    assert "Trace ID" not in err.value.message


@respx.mock
def test_entra_unreachable_is_a_connection_error(monkeypatch: pytest.MonkeyPatch) -> None:
    respx.route(host="login.microsoftonline.com").mock(side_effect=httpx.ConnectError("refused"))
    with pytest.raises((NavConnectionError, NavAuthError)):
        connect(_bc_config(monkeypatch))
