"""MSAL's HTTP seam served by an httpx client.

MSAL accepts any object with requests-like ``get``/``post`` returning responses with ``status_code``,
``text``, ``headers`` and ``raise_for_status``. Giving it httpx means one HTTP stack for the whole program,
and tests can answer MSAL's calls with an `httpx.MockTransport` that plays Entra ID.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx


class MsalResponse:
    def __init__(self, response: httpx.Response) -> None:
        self.status_code = response.status_code
        self.text = response.text
        self.headers = dict(response.headers)

    def raise_for_status(self) -> None:
        if self.status_code >= 400:
            raise OSError(f"HTTP {self.status_code} from the sign-in service")


class SignInUnreachable(OSError):
    """No answer from the sign-in service. An OSError because MSAL expects network failures to be one."""

    def __init__(self, url: str, cause: httpx.TransportError) -> None:
        self.url = url
        self.cause = cause
        super().__init__(f"no response from {url}: {type(cause).__name__}: {cause}")


class MsalHttpClient:
    def __init__(self, client: httpx.Client) -> None:
        self._client = client

    def get(
        self, url: str, params: Mapping[str, Any] | None = None, headers: Mapping[str, str] | None = None, **_: Any
    ) -> MsalResponse:
        return self._send("GET", url, params=params, headers=headers)

    def post(
        self,
        url: str,
        params: Mapping[str, Any] | None = None,
        data: Mapping[str, Any] | str | bytes | None = None,
        headers: Mapping[str, str] | None = None,
        **_: Any,
    ) -> MsalResponse:
        if isinstance(data, str | bytes):
            return self._send("POST", url, params=params, headers=headers, content=data)
        return self._send("POST", url, params=params, headers=headers, data=data)

    def _send(self, method: str, url: str, **kw: Any) -> MsalResponse:
        # MSAL sends headers such as client-request-id with a None value when it has none; httpx refuses those.
        clean = {k: v for k, v in kw.items() if v is not None}
        if "headers" in clean:
            clean["headers"] = {k: v for k, v in clean["headers"].items() if v is not None}
        try:
            return MsalResponse(self._client.request(method, url, **clean))
        except httpx.TransportError as exc:
            raise SignInUnreachable(url, exc) from exc

    def close(self) -> None:
        self._client.close()
