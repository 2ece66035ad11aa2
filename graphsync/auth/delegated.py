"""Per-user sign-in with MSAL (a public client: device code by default, or the system browser).

The MSAL token cache is loaded from a `TokenCacheStore` and written back whenever MSAL changed it (a new
sign-in, a refreshed token). A token is always asked for silently first; only ``login`` ever prompts.
The MSAL application is built lazily because building it already talks to Entra ID (tenant discovery), and
commands such as ``whoami`` or ``logout`` can answer from the cache alone.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import httpx
import msal
import msal.exceptions

from graphsync.auth.cache_store import TokenCacheStore
from graphsync.auth.log_redaction import redact_library_logs
from graphsync.auth.msal_http import MsalHttpClient, SignInUnreachable
from graphsync.auth.scopes import DEFAULT_AUTHORITY_HOST, DELEGATED_SCOPES
from graphsync.auth.token_memo import IssuedToken, TokenMemo
from graphsync.errors import ConfigError, GraphAuthError


class PublicClient(Protocol):
    """The part of `msal.PublicClientApplication` graphsync uses (tests may stand in for it here)."""

    def get_accounts(self, username: str | None = None) -> list[dict[str, Any]]: ...

    def acquire_token_silent(
        self, scopes: list[str], account: Mapping[str, Any] | None, **kwargs: Any
    ) -> dict[str, Any] | None: ...

    def initiate_device_flow(self, scopes: list[str] | None = None, **kwargs: Any) -> dict[str, Any]: ...

    def acquire_token_by_device_flow(self, flow: dict[str, Any], **kwargs: Any) -> dict[str, Any]: ...

    def acquire_token_interactive(self, scopes: list[str], **kwargs: Any) -> dict[str, Any]: ...

    def remove_account(self, account: Mapping[str, Any]) -> None: ...


AppFactory = Callable[[msal.SerializableTokenCache], PublicClient]


@dataclass(frozen=True)
class SignedInAccount:
    username: str
    """The account's user name as Entra ID gave it (its user principal name, usually)."""
    tenant_id: str
    home_account_id: str


@dataclass(frozen=True)
class DeviceCodePrompt:
    """What the person must do to finish a device-code sign-in (the code is single-use, not a secret)."""

    verification_uri: str
    user_code: str
    expires_in: int
    message: str


def sign_in_failure(result: Mapping[str, Any], *, default_code: str = "sign_in_failed") -> GraphAuthError:
    """The error for an MSAL result without a token. Entra's first line names the problem (AADSTS code);
    the rest (trace and correlation ids, timestamp) is noise for a person."""
    code = str(result.get("error") or default_code)
    description = str(result.get("error_description") or code).strip().splitlines()
    return GraphAuthError(description[0] if description else code, code=code)


class DelegatedSignIn:
    """Sign-in as a person through one app registration, the token cache persisted in ``store``."""

    def __init__(
        self,
        *,
        tenant_id: str,
        client_id: str,
        store: TokenCacheStore,
        http: httpx.Client | None = None,
        authority_host: str = DEFAULT_AUTHORITY_HOST,
        scopes: Sequence[str] = DELEGATED_SCOPES,
        app_factory: AppFactory | None = None,
    ) -> None:
        self.tenant_id = tenant_id
        self.client_id = client_id
        self.store = store
        self.scopes = list(scopes)
        self._authority = f"https://{authority_host}/{tenant_id}"
        self._http = http
        self._app_factory = app_factory or self._msal_app
        self._cache: msal.SerializableTokenCache | None = None
        self._app: PublicClient | None = None

    # ------------------------------------------------------------------ the cache

    def _loaded_cache(self) -> msal.SerializableTokenCache:
        if self._cache is None:
            cache = msal.SerializableTokenCache()
            data = self.store.load()
            if data:
                try:
                    cache.deserialize(data)
                except ValueError:
                    raise GraphAuthError(
                        "the stored token cache is not an MSAL cache", code="token_cache_damaged"
                    ) from None
            self._cache = cache
        return self._cache

    def _persist(self) -> None:
        cache = self._loaded_cache()
        if cache.has_state_changed:
            self.store.save(cache.serialize())
            cache.has_state_changed = False

    def account(self) -> SignedInAccount | None:
        """The signed-in account, read from the cache alone (no network)."""
        accounts = list(self._loaded_cache().search(msal.TokenCache.CredentialType.ACCOUNT))
        if not accounts:
            return None
        return _account(accounts[0])

    # ------------------------------------------------------------------ MSAL

    def _msal_app(self, cache: msal.SerializableTokenCache) -> PublicClient:
        http = self._http if self._http is not None else httpx.Client(timeout=30.0)
        return msal.PublicClientApplication(
            self.client_id, authority=self._authority, token_cache=cache, http_client=MsalHttpClient(http)
        )

    def _application(self) -> PublicClient:
        if self._app is None:
            redact_library_logs("msal")
            try:
                self._app = self._app_factory(self._loaded_cache())
            except SignInUnreachable as exc:
                raise GraphAuthError(str(exc), code="noResponse", method="GET", url=exc.url) from None
            except ValueError:
                # MSAL's tenant discovery answers ValueError for a tenant Entra ID does not know.
                raise ConfigError(
                    file=None,
                    key="graph.tenant_id",
                    expected="a tenant id or verified domain that Microsoft Entra ID knows",
                    got=self.tenant_id,
                ) from None
        return self._app

    def _call(self, operation: Callable[[PublicClient], Any]) -> Any:
        app = self._application()
        try:
            return operation(app)
        except SignInUnreachable as exc:
            raise GraphAuthError(str(exc), code="noResponse", method="POST", url=exc.url) from None
        except msal.exceptions.MsalServiceError as exc:
            # Raised when Entra answers an error where MSAL expected metadata (instance discovery).
            raise GraphAuthError(str(exc), code=str(exc.error or "sign_in_failed")) from None
        finally:
            self._persist()

    # ------------------------------------------------------------------ tokens

    def acquire(self) -> IssuedToken:
        """An access token without prompting: cached, or refreshed with the refresh token."""
        accounts = list(self._loaded_cache().search(msal.TokenCache.CredentialType.ACCOUNT))
        if not accounts:
            raise GraphAuthError(
                f"no account is signed in for app {self.client_id} in tenant {self.tenant_id}", code="not_signed_in"
            )
        result = self._call(lambda a: a.acquire_token_silent(self.scopes, account=next(iter(a.get_accounts()), None)))
        if not result:
            raise GraphAuthError("the stored sign-in has expired or was revoked", code="not_signed_in")
        if "access_token" not in result:
            raise sign_in_failure(result)
        return IssuedToken(str(result["access_token"]), time.time() + float(result.get("expires_in", 0)))

    # ------------------------------------------------------------------ sign-in and out

    def sign_in_with_device_code(self, on_prompt: Callable[[DeviceCodePrompt], None]) -> SignedInAccount:
        flow = self._call(lambda a: a.initiate_device_flow(scopes=self.scopes))
        if "user_code" not in flow:
            raise sign_in_failure(flow, default_code="device_flow_refused")
        on_prompt(
            DeviceCodePrompt(
                verification_uri=str(flow.get("verification_uri", "")),
                user_code=str(flow["user_code"]),
                expires_in=int(flow.get("expires_in", 0)),
                message=str(flow.get("message", "")),
            )
        )
        result = self._call(lambda a: a.acquire_token_by_device_flow(flow))
        return self._signed_in(result)

    def sign_in_with_browser(self) -> SignedInAccount:
        import msal.oauth2cli.authcode  # noqa: F401  (its logger must exist before the filter is put on it)

        redact_library_logs("msal")
        result = self._call(lambda a: a.acquire_token_interactive(self.scopes, prompt="select_account"))
        return self._signed_in(result)

    def _signed_in(self, result: Mapping[str, Any]) -> SignedInAccount:
        if "access_token" not in result:
            raise sign_in_failure(result)
        claims = result.get("id_token_claims") or {}
        username = str(claims.get("preferred_username") or "")

        def keep_only_this_account(app: PublicClient) -> None:
            # One person per cache: a new sign-in replaces whoever was signed in before.
            for other in app.get_accounts():
                if username and str(other.get("username", "")).lower() != username.lower():
                    app.remove_account(other)

        self._call(keep_only_this_account)
        signed_in = self.account()
        if signed_in is None:
            raise GraphAuthError("Entra ID returned a token but no account", code="sign_in_failed")
        return signed_in

    def sign_out(self) -> bool:
        """Forget the sign-in: the stored cache is removed. True when there was one."""
        self._cache = None
        self._app = None
        return self.store.clear()


def _account(raw: Mapping[str, Any]) -> SignedInAccount:
    return SignedInAccount(
        username=str(raw.get("username", "")),
        tenant_id=str(raw.get("realm", "")),
        home_account_id=str(raw.get("home_account_id", "")),
    )


class DelegatedTokenSource:
    """`AccessTokenSource` over a `DelegatedSignIn`. MSAL blocks, so it runs in a worker thread, one call at a
    time (the cache is written after each), and only when the kept token is about to expire."""

    def __init__(self, sign_in: DelegatedSignIn) -> None:
        self.sign_in = sign_in
        self._memo = TokenMemo(sign_in.acquire)

    async def token(self) -> str:
        return await self._memo.token()

    @property
    def app_only(self) -> bool:
        return False
