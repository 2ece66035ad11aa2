"""One function from a Graph error response (plain or inside a $batch) to graphsync's error tree."""

from __future__ import annotations

import email.utils
import json
import time
from collections.abc import Mapping
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

THROTTLE_STATUSES = frozenset({429, 503, 504})
# Codes Graph uses for a delta link that can no longer be followed (documented ones first; Outlook has
# also been seen answering with the "Invalid" spelling).
RESYNC_CODES = frozenset({"syncstatenotfound", "resyncrequired", "syncstateinvalid"})


def retry_after_seconds(headers: Mapping[str, str]) -> float | None:
    """``Retry-After`` as seconds (it may be a number or an HTTP date); None when absent or unreadable."""
    raw = next((v for k, v in headers.items() if k.lower() == "retry-after"), None)
    if raw is None:
        return None
    raw = raw.strip()
    try:
        return max(0.0, float(raw))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(raw)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _header(headers: Mapping[str, str], name: str) -> str | None:
    return next((v for k, v in headers.items() if k.lower() == name), None)


def error_from_response(
    status: int,
    headers: Mapping[str, str],
    body: bytes | Mapping[str, Any] | None,
    *,
    method: str | None = None,
    url: str | None = None,
) -> GraphError:
    """The `GraphError` subclass for an error answer. ``body`` is raw bytes (a plain response) or the
    already parsed JSON (a $batch item); anything unreadable still yields an error with the status."""
    parsed: Any = body
    if isinstance(body, bytes | bytearray):
        try:
            parsed = json.loads(body) if body else None
        except ValueError:
            parsed = None
    error = parsed.get("error") if isinstance(parsed, Mapping) else None
    error = error if isinstance(error, Mapping) else {}
    code = str(error.get("code") or "")
    message = str(error.get("message") or f"HTTP {status}")
    inner = error.get("innerError") or error.get("innererror") or {}
    request_id = _header(headers, "request-id") or (inner.get("request-id") if isinstance(inner, Mapping) else None)
    kw: dict[str, Any] = {"status": status, "code": code, "request_id": request_id, "method": method, "url": url}
    if status == 410 or code.lower() in RESYNC_CODES:
        return ResyncNeededError(message, **kw)
    if status in THROTTLE_STATUSES:
        return ThrottledError(message, retry_after=retry_after_seconds(headers), **kw)
    if status == 401:
        return GraphAuthError(message, **kw)
    if status == 403:
        return PermissionDeniedError(message, **kw)
    if status == 404:
        return NotFoundError(message, **kw)
    if status == 412:
        return PreconditionFailedError(message, **kw)
    return GraphError(message, **kw)


def malformed_response(status: int, detail: str, *, method: str | None, url: str | None) -> GraphError:
    """A success status whose body is not the JSON Graph promises (a proxy page, a cut-off body)."""
    return GraphError(
        f"the response is not valid Graph JSON: {detail}",
        status=status,
        code="malformedResponse",
        method=method,
        url=url,
    )


def transport_failure(exc: Exception, *, method: str, url: str) -> GraphError:
    """No response arrived (connect error, timeout, reset): status 0, the outcome of the request unknown."""
    return GraphError(
        f"no response from Microsoft Graph: {type(exc).__name__}: {exc}",
        status=0,
        code="noResponse",
        method=method,
        url=url,
    )
