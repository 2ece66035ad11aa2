"""One company's OData V4 root over an injected `httpx.Client`: URLs, requests, pages, errors.

Every failure leaves here as a `graphsync.errors.NavError`: NAV's error JSON by `errors.error_for`,
transport failures (timeouts, refused connections) as NavConnectionError, a 2xx body that is not JSON
(an IIS or proxy page answering with 200) as NavConnectionError too.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import json
import time
from collections.abc import Callable, Iterator, Mapping
from decimal import Decimal
from typing import Any
from urllib.parse import quote

import httpx

from graphsync.connectors.nav import NavKey
from graphsync.errors import NavConnectionError
from graphsync.nav.odata.errors import describe_page, error_for, transport_error

Entity = dict[str, Any]


def company_segment(company: str) -> str:
    """``Company('...')`` with the name's quotes doubled and everything percent-encoded."""
    return "Company('" + quote(company.replace("'", "''"), safe="") + "')"


def server_time(response: httpx.Response) -> dt.datetime | None:
    """The server's clock from the ``Date`` header (whole seconds), or None when absent or garbled. A proxy
    that adds its own Date after the server's leaves two: the first is the server's."""
    for value in response.headers.get_list("date"):
        try:
            parsed = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            continue
        return parsed.astimezone(dt.UTC) if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)
    return None


MAX_ATTEMPTS = 4
MAX_DELAY = 60.0


def retry_delay(response: httpx.Response, attempt: int) -> float:
    """Seconds to wait before trying again: the server's Retry-After (seconds) when given, else 1, 2, 4..."""
    value = response.headers.get("retry-after", "")
    try:
        return min(max(float(value), 0.0), MAX_DELAY)
    except ValueError:
        return min(float(2 ** (attempt - 1)), MAX_DELAY)


class ODataHttp:
    def __init__(
        self,
        client: httpx.Client,
        *,
        base_url: str,
        company: str,
        page_size: int,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._client = client
        self._sleep = sleep
        self.root = base_url.rstrip("/")
        self.company_root = f"{self.root}/{company_segment(company)}"
        self.page_size = page_size

    def service_url(self, service: str, key_literals: tuple[str, ...] | None = None) -> str:
        url = f"{self.company_root}/{quote(service, safe='')}"
        if key_literals is not None:
            url += "(" + ",".join(quote(k, safe="'=,") for k in key_literals) + ")"
        return url

    def send(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, str] | None = None,
        body: Mapping[str, object] | None = None,
        headers: Mapping[str, str] | None = None,
        table: int | None = None,
        key: NavKey | None = None,
        fields: Mapping[str, object] | None = None,
        allow_404: bool = False,
    ) -> httpx.Response:
        sent = {"Accept": "application/json", **(headers or {})}
        content = None
        if body is not None:
            content = json.dumps(body, default=_json_default).encode()
            sent["Content-Type"] = "application/json"
        attempt = 0
        while True:
            try:
                response = self._client.request(method, url, params=params, content=content, headers=sent)
            except httpx.RequestError as exc:
                raise transport_error(exc, method=method, url=url) from None
            attempt += 1
            # Business Central throttles with 429 (the request was not run, so any method may go again); a
            # 503/504 may have run it, so only reads are repeated.
            again = response.status_code == 429 or (response.status_code in (503, 504) and method == "GET")
            if not again or attempt >= MAX_ATTEMPTS:
                break
            self._sleep(retry_delay(response, attempt))
        if response.is_success or (allow_404 and response.status_code == 404):
            return response
        raise error_for(response, method=method, table=table, key=key, fields=fields)

    def entity(self, response: httpx.Response) -> Entity:
        body = self._json(response)
        if not isinstance(body, dict):
            raise NavConnectionError(f"{response.request.url} answered JSON that is not an entity")
        return body

    def pages(
        self, url: str, params: Mapping[str, str], *, table: int | None = None
    ) -> Iterator[tuple[httpx.Response, list[Entity]]]:
        """Every page of a collection, following ``@odata.nextLink`` verbatim."""
        headers = {"Prefer": f"odata.maxpagesize={self.page_size}"}
        next_url: str | None = url
        next_params: Mapping[str, str] | None = params
        while next_url is not None:
            response = self.send("GET", next_url, params=next_params, headers=headers, table=table)
            body = self._json(response)
            values = body.get("value") if isinstance(body, dict) else None
            if not isinstance(values, list) or not all(isinstance(v, dict) for v in values):
                raise NavConnectionError(f"{response.request.url} answered JSON without a 'value' list of entities")
            yield response, values
            link = body.get("@odata.nextLink")
            # Absolute in NAV and BC; a relative link (a proxy rewriting URLs) is taken relative to this page.
            next_url, next_params = (str(response.request.url.join(str(link))), None) if link else (None, None)

    @staticmethod
    def _json(response: httpx.Response) -> Any:
        try:
            return json.loads(response.content, parse_float=Decimal)
        except (ValueError, UnicodeDecodeError):
            raise NavConnectionError(
                f"{response.request.url} answered {response.status_code} with {describe_page(response)}, not "
                "OData JSON (check base_url and any proxy in between)"
            ) from None


def _json_default(value: object) -> object:
    if isinstance(value, Decimal):
        return float(value)
    # Anything else goes as text, so that NAV answers with its own "can't be evaluated" message.
    return str(value)
