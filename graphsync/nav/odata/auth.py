"""How the OData connector proves who it is: three `httpx.Auth` flows.

- Windows (NAV's default credential type): NTLM or Negotiate. The server answers the first request with
  ``401`` and ``WWW-Authenticate: NTLM`` (or ``Negotiate``); the client sends its negotiate token, the server
  its challenge in another 401, the client the response. NTLM authenticates a *connection*, so the client
  that uses this flow keeps exactly one pooled connection (`factory.windows_limits`).
- Basic: NavUserPassword with the user's web service access key as the password (NAV, BC on-premises).
- OAuth2 client credentials (Business Central online): a token for ``.default`` of the Business Central API
  from Entra ID through MSAL, which keeps it until it expires.

A refused handshake leaves the final 401 for `graphsync.nav.odata.errors` to report (NavAuthError).
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Generator
from typing import Any, Protocol

import httpx

from graphsync.errors import NavAuthError, NavConnectionError

BC_SCOPE = "https://api.businesscentral.dynamics.com/.default"
AUTHORITY_HOST = "https://login.microsoftonline.com"


class SecurityContext(Protocol):
    """The part of a `spnego` client context the handshake uses."""

    def step(self, in_token: bytes | None = None) -> bytes | None: ...


ContextFactory = Callable[[str, str], SecurityContext]
"""(protocol ``ntlm`` | ``negotiate``, host) -> a fresh client context holding the credentials."""


def spnego_contexts(username: str, password: str) -> ContextFactory:
    def make(protocol: str, host: str) -> SecurityContext:
        import spnego

        context: SecurityContext = spnego.client(username, password, hostname=host, service="HTTP", protocol=protocol)
        return context

    return make


def _offered(response: httpx.Response) -> str | None:
    """The scheme to answer with: NTLM when offered (it needs no domain controller from here), else Negotiate."""
    schemes = [h.split(" ", 1)[0].strip().lower() for h in response.headers.get_list("www-authenticate")]
    schemes = [s for part in schemes for s in part.split(",")]
    if "ntlm" in schemes:
        return "NTLM"
    if "negotiate" in schemes:
        return "Negotiate"
    return None


def _challenge(response: httpx.Response, scheme: str) -> bytes | None:
    for header in response.headers.get_list("www-authenticate"):
        for part in header.split(","):
            name, _, token = part.strip().partition(" ")
            if name.lower() == scheme.lower() and token.strip():
                try:
                    return base64.b64decode(token.strip())
                except ValueError:
                    return None
    return None


class WindowsAuth(httpx.Auth):
    """NTLM / Negotiate challenge-response, started when the server answers 401 and offers either."""

    requires_request_body = True

    def __init__(self, username: str, password: str, *, contexts: ContextFactory | None = None) -> None:
        self.username = username
        self._contexts = contexts or spnego_contexts(username, password)

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        response = yield request
        if response.status_code != 401:
            return
        scheme = _offered(response)
        if scheme is None:
            return  # the server wants something else; its 401 is reported with what it offered
        try:
            context = self._contexts(scheme.lower(), request.url.host)
            token = context.step()
        except Exception as exc:  # spnego raises its own tree, and OSError for missing system libraries
            raise NavAuthError(f"cannot start a {scheme} sign-in as {self.username}: {exc}") from None
        request.headers["Authorization"] = f"{scheme} {base64.b64encode(token or b'').decode()}"
        response = yield request
        if response.status_code != 401:
            return
        challenge = _challenge(response, scheme)
        if challenge is None:
            return  # the negotiate message was refused outright
        try:
            answer = context.step(challenge)
        except Exception as exc:
            raise NavAuthError(f"the server's {scheme} challenge could not be answered: {exc}") from None
        request.headers["Authorization"] = f"{scheme} {base64.b64encode(answer or b'').decode()}"
        yield request


class ConfidentialClient(Protocol):
    """The part of `msal.ConfidentialClientApplication` used here."""

    def acquire_token_for_client(self, scopes: list[str], **kwargs: Any) -> dict[str, Any] | None: ...


def first_line(text: object) -> str:
    """The first line of an error's text (MSAL's descriptions run to several, with trace ids)."""
    return str(text).strip().splitlines()[0] if str(text).strip() else ""


class ClientCredentialsAuth(httpx.Auth):
    """A bearer token for the Business Central API from the client credentials grant."""

    def __init__(self, app: ConfidentialClient, *, scope: str = BC_SCOPE) -> None:
        self._app = app
        self._scope = scope

    def token(self) -> str:
        try:
            result = self._app.acquire_token_for_client(scopes=[self._scope])
        except OSError as exc:
            raise NavConnectionError(f"cannot reach Entra ID to sign in for Business Central: {exc}") from None
        if result and isinstance(result.get("access_token"), str):
            return str(result["access_token"])
        result = result or {}
        raise NavAuthError(
            f"Entra ID refused the client credentials for Business Central: {result.get('error', 'no token')}: "
            f"{first_line(result.get('error_description', ''))}"
        )

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = f"Bearer {self.token()}"
        yield request
