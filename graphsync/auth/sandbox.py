"""The sandbox's token forms: ``sandbox:<upn>`` acts as that user (delegated), ``sandbox-app`` as the app.

A sandbox "sign-in" is a record of which user to act as, kept in the same token cache store as a real MSAL
cache, so that ``login``, ``logout`` and ``whoami`` take the same path against the sandbox as against Entra ID.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from graphsync.errors import GraphAuthError

SANDBOX_APP_TOKEN = "sandbox-app"


def sandbox_user_token(upn: str) -> str:
    return f"sandbox:{upn}"


@dataclass(frozen=True)
class SandboxTokenSource:
    """``user`` None: the app-only token; otherwise the delegated token of that user principal name."""

    user: str | None

    async def token(self) -> str:
        return SANDBOX_APP_TOKEN if self.user is None else sandbox_user_token(self.user)

    @property
    def app_only(self) -> bool:
        return self.user is None


def sandbox_record(upn: str) -> str:
    """What a sandbox login stores: the user to act as."""
    return json.dumps({"kind": "sandbox", "user": upn.strip().lower()})


def read_sandbox_record(data: str) -> str:
    """The user a stored sandbox login acts as."""
    try:
        record = json.loads(data)
    except ValueError:
        record = None
    if isinstance(record, dict) and record.get("kind") == "sandbox" and isinstance(record.get("user"), str):
        return str(record["user"])
    raise GraphAuthError("the stored sandbox sign-in is not a sandbox record", code="token_cache_damaged")
