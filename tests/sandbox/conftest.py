"""Fixtures: a fresh sandbox per test holding two users, mounted in-process, and clients signed in as a user or
as the app."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from graphsync.sandbox import SandboxState, create_app

USER = "eh@contoso.com"
OTHER = "pm@contoso.com"
NAV_KEY = "String {66f5a359-4659-4830-9070-00047ec6ac6e} Name NavKey"


@pytest.fixture
def state() -> SandboxState:
    return SandboxState.seeded(USER, OTHER)


def client_for(state: SandboxState, token: str | None) -> httpx.AsyncClient:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=create_app(state)), base_url="http://sandbox/v1.0", headers=headers
    )


@pytest.fixture
async def me(state: SandboxState) -> AsyncIterator[httpx.AsyncClient]:
    """Signed in (delegated) as USER; paths are relative to /v1.0."""
    async with client_for(state, f"sandbox:{USER}") as client:
        yield client


@pytest.fixture
async def app_client(state: SandboxState) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(state, "sandbox-app") as client:
        yield client


async def created(client: httpx.AsyncClient, url: str, body: dict[str, Any], **kw: Any) -> dict[str, Any]:
    response = await client.post(url, json=body, **kw)
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()
    return data


def graph_error(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    """Assert Graph's error shape and return the error object."""
    assert response.status_code == status, response.text
    error: dict[str, Any] = response.json()["error"]
    assert error["code"] == code
    assert isinstance(error["message"], str) and error["message"]
    assert set(error["innerError"]) >= {"request-id", "date"}
    return error


async def delta_round(client: httpx.AsyncClient, url: str, **kw: Any) -> tuple[list[dict[str, Any]], str, int]:
    """Follow nextLinks to the deltaLink: (every entry, the deltaLink, pages)."""
    entries: list[dict[str, Any]] = []
    pages = 0
    while True:
        response = await client.get(url, **kw)
        assert response.status_code == 200, response.text
        body = response.json()
        pages += 1
        entries.extend(body["value"])
        if "@odata.deltaLink" in body:
            assert "@odata.nextLink" not in body
            return entries, body["@odata.deltaLink"], pages
        url = body["@odata.nextLink"]
        kw.pop("params", None)
