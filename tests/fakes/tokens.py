"""The one token-source fake (`graphsync.connectors.auth.AccessTokenSource`) for tests that are not about
signing in; against the sandbox, tests use the sandbox's own token forms (`graphsync.auth.sandbox`).

``value`` is the bearer token handed out (``None``: a new one each time, ``token-1``, ``token-2``..., as a
source does after the old one was revoked); ``error`` is raised instead (no sign-in); ``issued`` counts the
tokens asked for.
"""

from __future__ import annotations

from graphsync.errors import GraphsyncError


class FakeTokens:
    def __init__(
        self, value: str | None = "test-token", *, app_only: bool = False, error: GraphsyncError | None = None
    ) -> None:
        self._value = value
        self.app_only = app_only
        self._error = error
        self.issued = 0

    async def token(self) -> str:
        self.issued += 1
        if self._error is not None:
            raise self._error
        return self._value if self._value is not None else f"token-{self.issued}"
