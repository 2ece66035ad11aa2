"""A Graph that knows users and answers ``/me`` and ``/users/{upn}`` for the tokens it accepts, through
`httpx.MockTransport` (the sandbox's own app stands in for it where the tests need the real thing)."""

from __future__ import annotations

import urllib.parse
from dataclasses import dataclass, field

import httpx


@dataclass
class FakeGraph:
    users: dict[str, str] = field(default_factory=lambda: {"eh@contoso.com": "Ester Henderson"})
    tokens: dict[str, str] = field(default_factory=dict)
    """Delegated bearer tokens accepted, token -> user; ``sandbox:<upn>`` is accepted for known users."""
    app_token: str = "sandbox-app"
    users_readable_by_app: bool = True
    seen_tokens: list[str] = field(default_factory=list)

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def _who(self, token: str) -> str | None:
        if token in self.tokens:
            return self.tokens[token]
        if token.startswith("sandbox:") and token[8:] in self.users:
            return token[8:]
        return None

    def handle(self, request: httpx.Request) -> httpx.Response:
        token = request.headers.get("authorization", "").removeprefix("Bearer ")
        self.seen_tokens.append(token)
        parts = [urllib.parse.unquote(p) for p in request.url.path.split("/") if p]
        if parts[:1] != ["v1.0"]:
            return httpx.Response(404)
        if parts[1:] == ["me"]:
            upn = self._who(token)
            if upn is None:
                return self._error(401, "InvalidAuthenticationToken", "Access token validation failure.")
            return self._user(upn)
        if parts[1:2] == ["users"] and len(parts) == 3:
            if token != self.app_token and self._who(token) is None:
                return self._error(401, "InvalidAuthenticationToken", "Access token validation failure.")
            if token == self.app_token and not self.users_readable_by_app:
                return self._error(403, "Authorization_RequestDenied", "Insufficient privileges.")
            if parts[2].lower() not in self.users:
                return self._error(404, "Request_ResourceNotFound", f"'{parts[2]}' does not exist.")
            return self._user(parts[2].lower())
        return httpx.Response(404)

    def _user(self, upn: str) -> httpx.Response:
        return httpx.Response(200, json={"userPrincipalName": upn, "mail": upn, "displayName": self.users[upn]})

    def _error(self, status: int, code: str, message: str) -> httpx.Response:
        return httpx.Response(status, json={"error": {"code": code, "message": message}}, headers={"request-id": "r1"})
