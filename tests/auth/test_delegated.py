from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from graphsync.auth.cache_store import CacheChoice, CacheLocation, TokenCacheStore, open_store
from graphsync.auth.delegated import DelegatedSignIn, DelegatedTokenSource, DeviceCodePrompt
from graphsync.errors import ConfigError, GraphAuthError
from tests.auth.conftest import MemoryKeyring
from tests.auth.fake_entra import CLIENT_ID, TENANT, FakeEntra


@pytest.fixture
def store(memory_keyring: MemoryKeyring, tmp_path: Path) -> TokenCacheStore:
    return open_store(CacheLocation(name="microsoft:t:c", directory=tmp_path), choice=CacheChoice.KEYRING)


def sign_in(entra: FakeEntra, store: TokenCacheStore, tenant: str = TENANT) -> DelegatedSignIn:
    return DelegatedSignIn(tenant_id=tenant, client_id=CLIENT_ID, store=store, http=entra.client())


def test_device_code_sign_in_prompts_then_persists_the_cache(
    store: TokenCacheStore, memory_keyring: MemoryKeyring
) -> None:
    entra = FakeEntra()
    prompts: list[DeviceCodePrompt] = []
    account = sign_in(entra, store).sign_in_with_device_code(prompts.append)
    assert account.username == "ester.henderson@contoso.com"
    assert [p.user_code for p in prompts] == ["GSYNC123"]
    assert prompts[0].verification_uri == "https://microsoft.com/devicelogin"
    assert entra.grants.count("urn:ietf:params:oauth:grant-type:device_code") == 2  # pending, then approved
    # A new process (a new DelegatedSignIn) finds the account in the keyring without any network.
    offline = FakeEntra(reachable=False)
    assert sign_in(offline, store).account() == account
    assert len(memory_keyring.entries) >= 2  # the cache did not fit one Windows-sized entry


async def test_token_is_silent_from_the_cache(store: TokenCacheStore) -> None:
    entra = FakeEntra()
    sign_in(entra, store).sign_in_with_device_code(lambda _: None)
    later = FakeEntra()
    source = DelegatedTokenSource(sign_in(later, store))
    assert source.app_only is False
    assert await source.token() == entra.issued[-1]
    assert later.grants == []  # the cached access token was still valid: Entra was not asked


async def test_expired_access_token_is_refreshed_and_saved(store: TokenCacheStore) -> None:
    entra = FakeEntra()
    first = sign_in(entra, store)
    first.sign_in_with_device_code(lambda _: None)
    cache = first._loaded_cache()  # age every access token: the next call must use the refresh token
    for token in list(cache.search(cache.CredentialType.ACCESS_TOKEN)):
        cache.modify(cache.CredentialType.ACCESS_TOKEN, token, {"expires_on": "1", "refresh_on": "1"})
    store.save(cache.serialize())
    later = FakeEntra()
    assert await DelegatedTokenSource(sign_in(later, store)).token() == "ACCESS-TOKEN-SECRET-1"
    assert later.grants == ["refresh_token"]
    assert "ACCESS-TOKEN-SECRET-1" in (store.load() or "")  # the refreshed token was persisted


async def test_revoked_refresh_token_is_an_auth_error(store: TokenCacheStore) -> None:
    entra = FakeEntra()
    first = sign_in(entra, store)
    first.sign_in_with_device_code(lambda _: None)
    cache = first._loaded_cache()
    for token in list(cache.search(cache.CredentialType.ACCESS_TOKEN)):
        cache.remove_at(token)
    store.save(cache.serialize())
    with pytest.raises(GraphAuthError) as caught:
        await DelegatedTokenSource(sign_in(FakeEntra(refresh_revoked=True), store)).token()
    assert caught.value.code in {"invalid_grant", "not_signed_in"}


async def test_not_signed_in(store: TokenCacheStore) -> None:
    with pytest.raises(GraphAuthError) as caught:
        await DelegatedTokenSource(sign_in(FakeEntra(), store)).token()
    assert caught.value.code == "not_signed_in"


def test_declined_sign_in_stores_nothing(store: TokenCacheStore) -> None:
    with pytest.raises(GraphAuthError) as caught:
        sign_in(FakeEntra(device_outcome="authorization_declined"), store).sign_in_with_device_code(lambda _: None)
    assert caught.value.code == "authorization_declined"
    assert caught.value.message == "AADSTS70000: The user declined the sign-in."  # Entra's first line only
    assert sign_in(FakeEntra(), store).account() is None


def test_unknown_tenant_is_a_config_error(store: TokenCacheStore) -> None:
    with pytest.raises(ConfigError) as caught:
        sign_in(FakeEntra(), store, tenant="nosuch.example").sign_in_with_device_code(lambda _: None)
    assert caught.value.key == "graph.tenant_id"


def test_entra_unreachable(store: TokenCacheStore) -> None:
    with pytest.raises(GraphAuthError) as caught:
        sign_in(FakeEntra(reachable=False), store).sign_in_with_device_code(lambda _: None)
    assert caught.value.code == "noResponse"


def test_a_new_sign_in_replaces_the_previous_account(store: TokenCacheStore) -> None:
    sign_in(FakeEntra(), store).sign_in_with_device_code(lambda _: None)
    other = FakeEntra(username="otis.falls@contoso.com", object_id="99999999-0000-0000-0000-000000000002")
    account = sign_in(other, store).sign_in_with_device_code(lambda _: None)
    assert account.username == "otis.falls@contoso.com"
    assert sign_in(FakeEntra(reachable=False), store).account() == account


def test_sign_out_removes_the_cache(store: TokenCacheStore) -> None:
    session = sign_in(FakeEntra(), store)
    session.sign_in_with_device_code(lambda _: None)
    assert session.sign_out() is True
    assert store.load() is None
    assert session.sign_out() is False


class BrowserApp:
    """Stands in for msal.PublicClientApplication at its public boundary: the browser flow cannot run here."""

    def __init__(self, result: dict[str, Any]) -> None:
        self.result = result
        self.calls: list[dict[str, Any]] = []

    def get_accounts(self, username: str | None = None) -> list[dict[str, Any]]:
        return []

    def acquire_token_interactive(self, scopes: list[str], **kwargs: Any) -> dict[str, Any]:
        self.calls.append({"scopes": scopes, **kwargs})
        return self.result


def test_browser_sign_in_failure_is_reported(store: TokenCacheStore) -> None:
    app = BrowserApp({"error": "access_denied", "error_description": "AADSTS65004: User declined to consent."})
    session = DelegatedSignIn(
        tenant_id=TENANT,
        client_id=CLIENT_ID,
        store=store,
        app_factory=lambda cache: app,  # type: ignore[arg-type,return-value]
    )
    with pytest.raises(GraphAuthError) as caught:
        session.sign_in_with_browser()
    assert caught.value.code == "access_denied"
    assert app.calls[0]["prompt"] == "select_account"
    assert any(s.endswith("Contacts.ReadWrite") for s in app.calls[0]["scopes"])
