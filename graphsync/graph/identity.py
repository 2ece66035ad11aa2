"""Who a token acts for: the mailbox's user principal name and primary address, read from Graph."""

from __future__ import annotations

import json
import urllib.parse
from dataclasses import dataclass

import httpx

from graphsync.connectors.auth import AccessTokenSource
from graphsync.errors import GraphAuthError, MailboxNotFoundError, NotFoundError, PermissionDeniedError
from graphsync.graph.errormap import error_from_response


@dataclass(frozen=True)
class MailboxIdentity:
    upn: str
    mail: str | None
    """The primary SMTP address; None when the app-only token may not read the user (no User.Read.All)."""
    display_name: str = ""


async def fetch_mailbox_identity(
    http: httpx.AsyncClient, *, base_url: str, tokens: AccessTokenSource, user: str | None
) -> MailboxIdentity:
    """``/me`` for a delegated token, ``/users/{user}`` for app-only. Graph's errors are raised as the
    graphsync error tree; no answer at all is a GraphAuthError (code ``noResponse``): the sign-in could
    not be checked."""
    path = "/me" if user is None else f"/users/{urllib.parse.quote(user)}"
    url = f"{base_url}{path}?$select=userPrincipalName,mail,displayName"
    token = await tokens.token()
    try:
        response = await http.get(url, headers={"Authorization": f"Bearer {token}", "Accept": "application/json"})
    except httpx.TransportError as exc:
        raise GraphAuthError(
            f"no response from Microsoft Graph: {type(exc).__name__}: {exc}", code="noResponse", method="GET", url=url
        ) from None
    if response.status_code >= 400:
        error = error_from_response(response.status_code, response.headers, response.content, method="GET", url=url)
        if user is not None and isinstance(error, PermissionDeniedError):
            # Application permissions for mail, calendar and tasks do not include reading users
            # (User.Read.All); the mailbox is still usable by its UPN.
            return MailboxIdentity(upn=user.lower(), mail=None)
        if user is not None and isinstance(error, NotFoundError):
            # user-get.md: "If a user with the ID doesn't exist, this method returns a 404": the name given is
            # no user of the tenant, which the person can fix, rather than an item that went missing.
            raise MailboxNotFoundError(
                error.message,
                mailbox=user,
                status=error.status,
                code=error.code,
                request_id=error.request_id,
                method="GET",
                url=url,
            ) from None
        raise error
    try:
        body = json.loads(response.content)
        upn = str(body["userPrincipalName"])
    except (ValueError, KeyError, TypeError):
        raise GraphAuthError(f"{url} did not answer with a user", code="malformed", url=url) from None
    mail = body.get("mail")
    return MailboxIdentity(
        upn=upn.lower(), mail=str(mail).lower() if mail else None, display_name=str(body.get("displayName") or "")
    )
