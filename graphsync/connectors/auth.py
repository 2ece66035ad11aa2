"""Where the Graph client gets its access tokens. `graphsync.auth` implements this for delegated sign-in
(MSAL), app-only credentials (azure-identity) and the sandbox's token forms."""

from __future__ import annotations

from typing import Protocol, runtime_checkable


@runtime_checkable
class AccessTokenSource(Protocol):
    """Gives a valid bearer token for Microsoft Graph, refreshing it as needed.

    Raises `graphsync.errors.GraphAuthError` when no token can be had (not signed in, credentials rejected).
    """

    async def token(self) -> str: ...

    @property
    def app_only(self) -> bool:
        """True for application credentials (use ``/users/{upn}``, there is no ``/me``)."""
        ...
