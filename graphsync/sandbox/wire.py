"""The sandbox's internal request and reply, and Graph's error JSON.

Handlers work on `Call` (a parsed request) and return `Reply`; the ASGI layer and `$batch` both translate to
and from these, so a batch item runs exactly the code a plain request runs. Errors are raised as
`graphsync.errors.GraphError` (the same tree graphsync's client raises) and turned into Graph's shape here.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from graphsync.errors import (
    GraphAuthError,
    GraphError,
    NotFoundError,
    PermissionDeniedError,
    PreconditionFailedError,
    ResyncNeededError,
    ThrottledError,
)

JSON_CONTENT_TYPE = "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8"


@dataclass(frozen=True)
class Principal:
    """Who is calling: a delegated user (``upn`` set) or the app itself (``upn`` None), with the permissions its
    token carries (`graphsync.sandbox.access`)."""

    upn: str | None
    permissions: frozenset[str] = frozenset()

    @property
    def app_only(self) -> bool:
        return self.upn is None


@dataclass
class Call:
    """One Graph request, already split: path segments after ``/v1.0``, query parameters (names as sent),
    headers with lower-case names, the JSON body (None when there is none)."""

    method: str
    segments: list[str]
    query: dict[str, str]
    headers: dict[str, str]
    body: Any
    principal: Principal
    base_url: str
    raw_path: str = ""

    def header(self, name: str) -> str | None:
        return self.headers.get(name)


@dataclass
class Reply:
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


def now_utc() -> datetime:
    return datetime.now(UTC)


def iso_z(moment: datetime) -> str:
    """Graph's timestamp form for createdDateTime and friends: ``2024-05-01T10:20:30.1234567Z``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f") + "0Z"


def error_body(code: str, message: str, request_id: str) -> dict[str, Any]:
    return {
        "error": {
            "code": code,
            "message": message,
            "innerError": {
                "date": now_utc().strftime("%Y-%m-%dT%H:%M:%S"),
                "request-id": request_id,
                "client-request-id": request_id,
            },
        }
    }


def error_reply(exc: GraphError, request_id: str | None = None) -> Reply:
    rid = request_id or str(uuid.uuid4())
    headers = {"Content-Type": "application/json", "request-id": rid}
    if isinstance(exc, ThrottledError) and exc.retry_after is not None:
        headers["Retry-After"] = str(max(1, round(exc.retry_after)))
    return Reply(exc.status, error_body(exc.code, exc.message, rid), headers)


def fail(status: int, code: str, message: str) -> GraphError:
    """The GraphError to raise for an HTTP error the sandbox answers with (see `graphsync.errors`)."""
    kinds: dict[int, type[GraphError]] = {
        401: GraphAuthError,
        403: PermissionDeniedError,
        404: NotFoundError,
        410: ResyncNeededError,
        412: PreconditionFailedError,
    }
    return kinds.get(status, GraphError)(message, status=status, code=code)


def bad_request(message: str, code: str = "BadRequest") -> GraphError:
    return fail(400, code, message)


def not_found(message: str = "The specified object was not found in the store.") -> GraphError:
    return fail(404, "ErrorItemNotFound", message)


def unknown_user(id_or_upn: str) -> GraphError:
    """Exchange's answer for a mailbox of a user the tenant does not hold (graphsync.sandbox.access)."""
    return fail(404, "ErrorInvalidUser", f"The requested user '{id_or_upn}' is invalid.")


def throttled(
    message: str, retry_after: float | None, status: int = 429, code: str = "ApplicationThrottled"
) -> ThrottledError:
    """A 429/503/504 answer; ``retry_after`` None sends no Retry-After header."""
    return ThrottledError(message, retry_after=retry_after, status=status, code=code)


def dumps(body: Any) -> bytes:
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()
