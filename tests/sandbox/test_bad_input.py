"""Whatever a client sends, the sandbox answers like Graph: a success or a 4xx in Graph's error shape, never a
500, and a refused write leaves nothing behind."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient

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


def _client() -> tuple[TestClient, dict[str, str]]:
    client = TestClient(create_app(SandboxState()), base_url="http://sandbox")
    headers = {"Authorization": f"Bearer sandbox:{USER}"}
    todo = client.post("/v1.0/me/todo/lists", json={"displayName": "L"}, headers=headers).json()["id"]
    contact = client.post("/v1.0/me/contacts", json={"givenName": "A"}, headers=headers).json()["id"]
    event = client.post(
        "/v1.0/me/events",
        json={"start": {"dateTime": "2024-05-01T10:00:00"}, "end": {"dateTime": "2024-05-01T11:00:00"}},
        headers=headers,
    ).json()["id"]
    task = client.post(f"/v1.0/me/todo/lists/{todo}/tasks", json={"title": "T"}, headers=headers).json()["id"]
    urls = {
        "contacts": "/v1.0/me/contacts",
        "contact": f"/v1.0/me/contacts/{contact}",
        "events": "/v1.0/me/events",
        "event": f"/v1.0/me/events/{event}",
        "tasks": f"/v1.0/me/todo/lists/{todo}/tasks",
        "task": f"/v1.0/me/todo/lists/{todo}/tasks/{task}",
        "folders": "/v1.0/me/contactFolders",
        "batch": "/v1.0/$batch",
        "extensions": f"/v1.0/me/contacts/{contact}/extensions",
        "linked": f"/v1.0/me/todo/lists/{todo}/tasks/{task}/linkedResources",
    }
    return client, urls


CLIENT, URLS = _client()
AUTH = {"Authorization": f"Bearer sandbox:{USER}"}


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(target=st.sampled_from(sorted(URLS)), body=bodies)
def test_any_body_gets_a_graph_answer(target: str, body: Any) -> None:
    method = "PATCH" if target in ("contact", "event", "task") else "POST"
    response = CLIENT.request(method, URLS[target], json=body, headers=AUTH)
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
def test_any_path_and_query_gets_a_graph_answer(path: list[str], query: dict[str, str]) -> None:
    response = CLIENT.get("/v1.0/" + "/".join(path), params=query, headers=AUTH)
    assert response.status_code in (200, 400, 404, 405, 410), response.text
    if response.status_code >= 400:
        assert response.json()["error"]["code"]


def test_refused_writes_leave_nothing() -> None:
    client, urls = _client()
    before = client.get(urls["contacts"], headers=AUTH).json()["value"]
    for body in ({"givenName": "x", "nope": 1}, {"givenName": "x", "singleValueExtendedProperties": [{"id": "x"}]}):
        assert client.post(urls["contacts"], json=body, headers=AUTH).status_code == 400
    assert client.get(urls["contacts"], headers=AUTH).json()["value"] == before


def test_navigation_properties_of_the_wrong_shape_are_400() -> None:
    client, urls = _client()
    when = {"start": {"dateTime": "2024-05-01T10:00:00"}, "end": {"dateTime": "2024-05-01T11:00:00"}}
    for target, extra in (("contacts", {}), ("events", when), ("tasks", {}), ("contact", {}), ("event", {})):
        for name in ("extensions", "singleValueExtendedProperties", "linkedResources"):
            for value in (3, "text", {"a": 1}, [1]):
                method = "PATCH" if target in ("contact", "event") else "POST"
                response = client.request(method, urls[target], json={name: value, **extra}, headers=AUTH)
                assert response.status_code == 400, (target, name, value, response.text)
