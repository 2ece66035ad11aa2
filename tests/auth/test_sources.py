"""The token source factory, app-only credentials and the mailbox lookup."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from azure.core.credentials import AccessToken
from azure.core.exceptions import ServiceRequestError
from azure.identity import CertificateCredential, ClientSecretCredential

from graphsync.auth.app_only import AppOnlyTokenSource, app_credential, keyring_secret_name
from graphsync.auth.cache_location import KEYRING_SERVICE, CacheLocation
from graphsync.auth.cache_store import CacheChoice, open_store
from graphsync.auth.connections import Connections
from graphsync.auth.delegated import DelegatedTokenSource
from graphsync.auth.factory import token_source
from graphsync.auth.sandbox import SandboxTokenSource, sandbox_record
from graphsync.config import Config, parse_config
from graphsync.errors import ConfigError, GraphAuthError, KeyringUnavailableError, NotFoundError
from graphsync.graph.identity import fetch_mailbox_identity
from graphsync.sandbox import SandboxState, create_app
from tests.auth.conftest import MemoryKeyring
from tests.auth.fake_entra import CLIENT_ID, TENANT

MICROSOFT = f'[graph]\nkind = "microsoft"\ntenant_id = "{TENANT}"\nclient_id = "{CLIENT_ID}"\n'


def config(text: str, tmp_path: Path) -> Config:
    return parse_config(text, file=str(tmp_path / "g.toml"), base=tmp_path)


def connections(tmp_path: Path) -> Connections:
    return Connections(state_dir=tmp_path / "state")


async def test_sandbox_sources(tmp_path: Path, memory_keyring: MemoryKeyring) -> None:
    cfg = config('[graph]\nsandbox_user = "EH@contoso.com"\n', tmp_path)
    app = token_source(cfg, user="of@contoso.com", connections=connections(tmp_path))
    assert app.app_only and await app.token() == "sandbox-app"
    delegated = token_source(cfg, user=None, connections=connections(tmp_path))
    assert not delegated.app_only and await delegated.token() == "sandbox:eh@contoso.com"  # from the config
    location = connections(tmp_path).cache_location(cfg)
    open_store(location, choice=CacheChoice.KEYRING).save(sandbox_record("of@contoso.com"))
    assert await token_source(cfg, user=None, connections=connections(tmp_path)).token() == "sandbox:of@contoso.com"


async def test_sandbox_without_any_user_is_not_signed_in(tmp_path: Path, memory_keyring: MemoryKeyring) -> None:
    no_user = '[graph]\nsandbox_user = ""\n'  # an empty config acts as eh@contoso.com, as documented
    with pytest.raises(GraphAuthError) as caught:
        token_source(config(no_user, tmp_path), user=None, connections=connections(tmp_path))
    assert caught.value.code == "not_signed_in"
    default = token_source(config("", tmp_path), user=None, connections=connections(tmp_path))
    assert await default.token() == "sandbox:eh@contoso.com"


async def test_sandbox_without_keyring_uses_the_configured_user(tmp_path: Path, no_keyring: None) -> None:
    cfg = config('[graph]\nsandbox_user = "eh@contoso.com"\n', tmp_path)
    assert await token_source(cfg, user=None, connections=connections(tmp_path)).token() == "sandbox:eh@contoso.com"
    with pytest.raises(KeyringUnavailableError):
        token_source(config('[graph]\nsandbox_user = ""\n', tmp_path), user=None, connections=connections(tmp_path))


def test_microsoft_delegated_source_is_msal(tmp_path: Path, memory_keyring: MemoryKeyring) -> None:
    source = token_source(config(MICROSOFT, tmp_path), user=None, connections=connections(tmp_path))
    assert isinstance(source, DelegatedTokenSource) and not source.app_only


def test_app_credential_from_a_config_reference(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MY_SECRET", "s3cret")
    cfg = config(MICROSOFT + 'client_secret = "env:MY_SECRET"\n', tmp_path)
    assert isinstance(app_credential(cfg.graph), ClientSecretCredential)


def test_app_credential_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GRAPHSYNC_CLIENT_SECRET", "s3cret")
    source = token_source(config(MICROSOFT, tmp_path), user="eh@contoso.com", connections=connections(tmp_path))
    assert isinstance(source, AppOnlyTokenSource) and isinstance(source.credential, ClientSecretCredential)


def test_app_credential_from_the_keyring(
    tmp_path: Path, memory_keyring: MemoryKeyring, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GRAPHSYNC_CLIENT_SECRET", raising=False)
    monkeypatch.delenv("GRAPHSYNC_CERTIFICATE_PATH", raising=False)
    memory_keyring.set_password(KEYRING_SERVICE, keyring_secret_name(CLIENT_ID), "s3cret")
    assert isinstance(app_credential(config(MICROSOFT, tmp_path).graph), ClientSecretCredential)


def test_certificate_that_cannot_be_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GRAPHSYNC_CLIENT_SECRET", raising=False)
    monkeypatch.setenv("GRAPHSYNC_CERTIFICATE_PATH", str(tmp_path / "missing.pem"))
    with pytest.raises(ConfigError) as caught:
        app_credential(config(MICROSOFT, tmp_path).graph)
    assert caught.value.key == "graph.certificate_path"


def test_certificate_credential(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import datetime as dt

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "graphsync")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    pem = tmp_path / "app.pem"
    pem.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        + cert.public_bytes(serialization.Encoding.PEM)
    )
    monkeypatch.delenv("GRAPHSYNC_CLIENT_SECRET", raising=False)
    monkeypatch.setenv("GRAPHSYNC_CERTIFICATE_PATH", str(pem))
    assert isinstance(app_credential(config(MICROSOFT, tmp_path).graph), CertificateCredential)


async def test_app_only_network_failure() -> None:
    class Offline:
        def get_token(self, *scopes: str, **kw: Any) -> AccessToken:
            raise ServiceRequestError("Connection refused")

    with pytest.raises(GraphAuthError) as caught:
        await AppOnlyTokenSource(Offline()).token()
    assert caught.value.code == "noResponse"


async def test_fetch_mailbox_identity_errors() -> None:
    """Against the sandbox as Graph: a user it holds, one it does not (404, user-get.md), a token of a user
    it does not hold (401)."""
    graph = SandboxState()
    graph.seed_user("eh@contoso.com", display_name="Ester Henderson")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(graph))) as http:
        me = await fetch_mailbox_identity(
            http, base_url="http://sandbox/v1.0", tokens=SandboxTokenSource("eh@contoso.com"), user=None
        )
        assert (me.upn, me.mail, me.display_name) == ("eh@contoso.com", "eh@contoso.com", "Ester Henderson")
        with pytest.raises(NotFoundError):
            await fetch_mailbox_identity(
                http, base_url="http://sandbox/v1.0", tokens=SandboxTokenSource(None), user="nobody@contoso.com"
            )
        with pytest.raises(GraphAuthError) as caught:
            await fetch_mailbox_identity(
                http, base_url="http://sandbox/v1.0", tokens=SandboxTokenSource("x@contoso.com"), user=None
            )
        assert caught.value.status == 401


def test_cache_location_separates_authorities(tmp_path: Path) -> None:
    sandbox = Connections(state_dir=tmp_path).cache_location(config("", tmp_path))
    microsoft = Connections(state_dir=tmp_path).cache_location(config(MICROSOFT, tmp_path))
    assert isinstance(sandbox, CacheLocation) and sandbox.name != microsoft.name
    assert sandbox.file_stem != microsoft.file_stem


def test_package_names_load_on_first_use() -> None:
    import graphsync.auth as auth
    from graphsync.auth.factory import token_source as direct

    assert auth.token_source is direct
    assert sorted(auth.__all__) == sorted(auth._WHERE)
    with pytest.raises(AttributeError):
        _ = auth.no_such_name
