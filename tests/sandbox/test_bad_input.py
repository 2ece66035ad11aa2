"""Whatever a client sends, the sandbox answers like Graph: a success or a 4xx in Graph's error shape, never a
500, and a refused write leaves nothing behind."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graphsync.sandbox import SandboxState, create_app
from tests.sandbox.conftest import USER

NAMES = [
    "givenName", "surname", "displayName", "emailAddresses", "businessPhones", "homeAddress", "birthday",
    "subject", "body", "start", "end", "isAllDay", "attendees", "location", "categories", "transactionId",
    "importance", "title", "status", "dueDateTime", "linkedResources", "extensions",
    "singleValueExtendedProperties", "recurrence", "id", "@odata.etag", "unknownThing",
]  # fmt: skip

FIELDS = ["dateTime", "timeZone", "address", "emailAddress", "id", "value", "content", "contentType",
          "applicationName", "displayName", "extensionName", "@odata.type"]  # fmt: skip
SAMPLES = ["2024-05-01T10:00:00", "UTC", "Pacific Standard Time", "completed", "HIGH", "a@b.example"]
scalars = st.none() | st.booleans() | st.integers(-5, 5) | st.text(max_size=12) | st.sampled_from(SAMPLES)
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(FIELDS), inner, max_size=3),
    max_leaves=8,
)
bodies = st.dictionaries(st.sampled_from(NAMES), json_values, max_size=6) | json_values


class SyncSandbox:
    """A fresh sandbox driven synchronously (hypothesis runs plain functions): one loop, one client."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        transport = httpx.ASGITransport(app=create_app(SandboxState.seeded(USER)))
        self.client = httpx.AsyncClient(transport=transport, base_url="http://sandbox/v1.0", headers=AUTH)
        self.urls = self._seed()

    def request(self, method: str, url: str, **kw: Any) -> httpx.Response:
        return self.loop.run_until_complete(self.client.request(method, url, **kw))

    def close(self) -> None:
        self.loop.run_until_complete(self.client.aclose())
        self.loop.close()

    def _seed(self) -> dict[str, str]:
        def made(url: str, body: dict[str, Any]) -> str:
            return str(self.request("POST", url, json=body).json()["id"])

        todo = made("/me/todo/lists", {"displayName": "L"})
        contact = made("/me/contacts", {"givenName": "A"})
        event = made(
            "/me/events", {"start": {"dateTime": "2024-05-01T10:00:00"}, "end": {"dateTime": "2024-05-01T11:00:00"}}
        )
        task = made(f"/me/todo/lists/{todo}/tasks", {"title": "T"})
        return {
            "contacts": "/me/contacts",
            "contact": f"/me/contacts/{contact}",
            "events": "/me/events",
            "event": f"/me/events/{event}",
            "tasks": f"/me/todo/lists/{todo}/tasks",
            "task": f"/me/todo/lists/{todo}/tasks/{task}",
            "folders": "/me/contactFolders",
            "batch": "/$batch",
            "extensions": f"/me/contacts/{contact}/extensions",
            "linked": f"/me/todo/lists/{todo}/tasks/{task}/linkedResources",
        }


AUTH = {"Authorization": f"Bearer sandbox:{USER}"}
TARGETS = ["batch", "contact", "contacts", "event", "events", "extensions", "folders", "linked", "task", "tasks"]


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SyncSandbox]:
    fresh = SyncSandbox()
    yield fresh
    fresh.close()


@pytest.fixture
def fresh() -> Iterator[SyncSandbox]:
    one = SyncSandbox()
    yield one
    one.close()


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(target=st.sampled_from(TARGETS), body=bodies)
def test_any_body_gets_a_graph_answer(sandbox: SyncSandbox, target: str, body: Any) -> None:
    method = "PATCH" if target in ("contact", "event", "task") else "POST"
    response = sandbox.request(method, sandbox.urls[target], json=body)
    assert response.status_code in (200, 201, 400, 409), response.text
    if response.status_code >= 400:
        error = response.json()["error"]
        assert error["code"] and error["message"] and error["innerError"]["request-id"]


SEGMENTS = ["me", "contacts", "delta", "todo", "lists", "x", "AAMkAAAAAAAAAAAAAAAAAAAA", "$batch"]
OPTIONS = ["$select", "$top", "$filter", "$expand", "$skiptoken", "$deltatoken", "$orderby", "startDateTime", "$skip"]


@settings(max_examples=150, deadline=None)
@given(
    path=st.lists(st.sampled_from(SEGMENTS), max_size=5),
    query=st.dictionaries(st.sampled_from(OPTIONS), st.text(max_size=10), max_size=3),
)
def test_any_path_and_query_gets_a_graph_answer(sandbox: SyncSandbox, path: list[str], query: dict[str, str]) -> None:
    response = sandbox.request("GET", "/" + "/".join(path), params=query)
    assert response.status_code in (200, 400, 404, 405, 410), response.text
    if response.status_code >= 400:
        assert response.json()["error"]["code"]


def test_refused_writes_leave_nothing(fresh: SyncSandbox) -> None:
    before = fresh.request("GET", fresh.urls["contacts"]).json()["value"]
    for body in ({"givenName": "x", "nope": 1}, {"givenName": "x", "singleValueExtendedProperties": [{"id": "x"}]}):
        assert fresh.request("POST", fresh.urls["contacts"], json=body).status_code == 400
    assert fresh.request("GET", fresh.urls["contacts"]).json()["value"] == before


def test_navigation_properties_of_the_wrong_shape_are_400(fresh: SyncSandbox) -> None:
    when = {"start": {"dateTime": "2024-05-01T10:00:00"}, "end": {"dateTime": "2024-05-01T11:00:00"}}
    for target, extra in (("contacts", {}), ("events", when), ("tasks", {}), ("contact", {}), ("event", {})):
        for name in ("extensions", "singleValueExtendedProperties", "linkedResources"):
            for value in (3, "text", {"a": 1}, [1]):
                method = "PATCH" if target in ("contact", "event") else "POST"
                response = fresh.request(method, fresh.urls[target], json={name: value, **extra})
                assert response.status_code == 400, (target, name, value, response.text)


def test_half_a_character_is_refused_and_the_folder_still_reads(fresh: SyncSandbox) -> None:
    """JSON can carry a lone surrogate escaped; stored, it once made every later read of the folder a 500."""
    before = fresh.request("GET", fresh.urls["contacts"]).json()["value"]
    body = b'{"businessAddress": {"city": "Le\\ud83deds"}, "givenName": "A"}'
    headers = {"Content-Type": "application/json"}
    for method, url in (("PATCH", fresh.urls["contact"]), ("POST", fresh.urls["contacts"])):
        response = fresh.request(method, url, content=body, headers=headers)
        assert response.status_code == 400 and "surrogate" in response.json()["error"]["message"], response.text
    listed = fresh.request("GET", fresh.urls["contacts"])
    assert listed.status_code == 200 and listed.json()["value"] == before
