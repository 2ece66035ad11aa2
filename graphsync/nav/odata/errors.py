"""NAV's answers that are not data, turned into `graphsync.errors.NavError` subclasses.

NAV's OData error body is ``{"error": {"code": "...", "message": "..."}}``; the message is what a NAV user
would have read in the client and is passed on verbatim. NAV gives a rule's refusal and a bad value the
same status (400) and often the same code, so the kind is told from the operation: a refused DELETE is a
rule (NavRefusedError), a refused POST or PATCH a value (NavValidationError). Anything that is not OData
(an HTML page from IIS or a proxy, an empty 502) is a NavConnectionError naming the status and the page.
A validation that asked a question NAV cannot put to a web-service session (error code
Application_CallbackNotAllowed, MicrosoftDocs dynamics365smb-devitpro-pb dev-itpro/webservices/
dynamics-error-codes.md) is a NavDialogError.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping

import httpx

from graphsync.connectors.nav import NavKey
from graphsync.errors import (
    NavAuthError,
    NavConcurrencyError,
    NavConnectionError,
    NavDialogError,
    NavError,
    NavNotFoundError,
    NavRefusedError,
    NavValidationError,
)

CONCURRENCY_WORDING = ("another user has already changed the record", "another user has modified the record")
DUPLICATE_CODES = ("Internal_EntityWithSameKeyExists",)
CALLBACK_CODE = "Application_CallbackNotAllowed"
CALLBACK_WORDING = "attempted to issue a client callback"
_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)
_TAGS = re.compile(r"<[^>]+>")


def nav_error_body(response: httpx.Response) -> tuple[str, str] | None:
    """(code, message) of NAV's OData error JSON, or None when the body is not one."""
    try:
        body = json.loads(response.content)
    except (ValueError, UnicodeDecodeError):
        return None
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict) or not isinstance(error.get("message"), str):
        return None
    return str(error.get("code") or ""), error["message"]


def describe_page(response: httpx.Response) -> str:
    """A short description of a body that is not OData: an HTML page's title, or the start of the text."""
    text = response.text if response.content else ""
    found = _TITLE.search(text)
    if found:
        return " ".join(found.group(1).split())
    plain = " ".join(_TAGS.sub(" ", text).split())
    return plain[:200] if plain else "an empty body"


def error_for(
    response: httpx.Response,
    *,
    method: str,
    table: int | None = None,
    key: NavKey | None = None,
    fields: Mapping[str, object] | None = None,
) -> NavError:
    """The NavError for an unsuccessful response to ``method``; ``fields`` are the values a write sent (a
    single one names the field NAV's message refers to)."""
    status = response.status_code
    parsed = nav_error_body(response)
    try:
        url = str(response.request.url)
    except RuntimeError:  # a response built without its request (tests)
        url = "NAV"
    if status == 401:
        challenge = response.headers.get("www-authenticate", "")
        detail = parsed[1] if parsed else describe_page(response)
        offered = f"; the server offers: {challenge}" if challenge else ""
        return NavAuthError(f"401 Unauthorized from {url}: {detail}{offered}", table=table, key=key)
    if status == 403:
        detail = parsed[1] if parsed else describe_page(response)
        return NavAuthError(
            f"403 Forbidden from {url}: {detail} (the user lacks permission for this page or company)",
            table=table,
            key=key,
        )
    if status in (429, 503, 504):
        detail = parsed[1] if parsed else describe_page(response)
        return NavConnectionError(
            f"{method} {url} kept answering {status} {response.reason_phrase} ({detail}); the server is busy or "
            "throttling (Business Central's rate limits): try again later",
            table=table,
            key=key,
        )
    if parsed is None:
        return NavConnectionError(
            f"{method} {url} answered {status} {response.reason_phrase} with {describe_page(response)}, "
            "not NAV's OData (check base_url, the service tier's OData V4 setting and any proxy)",
            table=table,
            key=key,
        )
    code, message = parsed
    if code == CALLBACK_CODE or CALLBACK_WORDING in message:
        field = next(iter(fields)) if fields is not None and len(fields) == 1 else None
        return NavDialogError(message, table=table, key=key, field=field)
    if status == 412 or any(w in message.lower() for w in CONCURRENCY_WORDING):
        return NavConcurrencyError(message, table=table, key=key)
    if code in DUPLICATE_CODES:
        return NavRefusedError(message, table=table, key=key)
    if status == 409:
        return NavConcurrencyError(message, table=table, key=key)
    if status == 404:
        return NavNotFoundError(message, table=table, key=key)
    if status >= 500:
        return NavConnectionError(f"NAV answered {status}: {message}", table=table, key=key)
    if method.upper() == "DELETE":
        return NavRefusedError(message, table=table, key=key)
    field = next(iter(fields)) if fields is not None and len(fields) == 1 else None
    return NavValidationError(message, table=table, key=key, field=field)


def transport_error(exc: httpx.RequestError, *, method: str, url: str) -> NavConnectionError:
    if isinstance(exc, httpx.TimeoutException):
        return NavConnectionError(
            f"{method} {url} timed out ({type(exc).__name__}); NAV may be busy or unreachable "
            "(raise nav.odata.timeout, or check the service tier)"
        )
    if isinstance(exc, httpx.ConnectError) and "CERTIFICATE_VERIFY_FAILED" in str(exc):
        return NavConnectionError(
            f"cannot connect to {url}: NAV's HTTPS certificate is not trusted here ({exc}); set nav.odata.ca_file "
            "to the CA certificate that signed it"
        )
    if isinstance(exc, httpx.ConnectError):
        return NavConnectionError(
            f"cannot connect to {url}: {exc} (is the NAV service tier running and its OData port open?)"
        )
    return NavConnectionError(f"{method} {url} failed: {type(exc).__name__}: {exc}")
