"""Targeted faults: one request, named by method and path, fails where a test wants it, before or after the
work is done, over HTTP or inside a batch."""

from __future__ import annotations

import re

import httpx
import pytest

from graphsync.sandbox import DropWhen, Fault, SandboxState, serve
from tests.sandbox.conftest import USER, graph_error


def _contacts(state: SandboxState) -> list[str]:
    mailbox = state.mailboxes[USER]
    return [c.props["givenName"] for c in mailbox.collection(f"contacts/{mailbox.default_contacts}").items.values()]


async def test_a_fault_before_the_work_leaves_nothing_done(me: httpx.AsyncClient, state: SandboxState) -> None:
    state.fail_next(Fault("POST", r"/contacts$", status=503, retry_after=2))
    answer = await me.post("/me/contacts", json={"givenName": "A"})
    graph_error(answer, 503, "ServiceUnavailable")
    assert answer.headers["Retry-After"] == "2"
    assert _contacts(state) == []
    assert (await me.post("/me/contacts", json={"givenName": "A"})).status_code == 201  # used up
    assert _contacts(state) == ["A"] and state.injected.targeted == 1


async def test_a_fault_after_the_work_makes_the_change_and_loses_the_answer(
    me: httpx.AsyncClient, state: SandboxState
) -> None:
    state.fail_next(Fault("POST", r"/contacts$", status=500, when=DropWhen.AFTER_HANDLING))
    graph_error(await me.post("/me/contacts", json={"givenName": "A"}), 500, "generalException")
    assert _contacts(state) == ["A"]


async def test_a_dropped_connection_before_or_after(me: httpx.AsyncClient, state: SandboxState) -> None:
    state.fail_next(Fault("POST", r"/contacts$"))
    with pytest.raises(httpx.RemoteProtocolError):
        await me.post("/me/contacts", json={"givenName": "before"})
    state.fail_next(Fault("POST", r"/contacts$", when=DropWhen.AFTER_HANDLING))
    with pytest.raises(httpx.RemoteProtocolError):
        await me.post("/me/contacts", json={"givenName": "after"})
    assert _contacts(state) == ["after"]


async def test_only_the_matching_method_and_path_fail_and_only_as_often_as_asked(
    me: httpx.AsyncClient, state: SandboxState
) -> None:
    state.fail_next(Fault("PATCH", r"/contacts/", status=412, times=2))
    made = (await me.post("/me/contacts", json={"givenName": "A"})).json()
    assert (await me.get(f"/me/contacts/{made['id']}")).status_code == 200
    statuses = [(await me.patch(f"/me/contacts/{made['id']}", json={"givenName": "B"})).status_code for _ in range(3)]
    assert statuses == [412, 412, 200]


async def test_batch_items_are_matched_by_their_own_path(me: httpx.AsyncClient, state: SandboxState) -> None:
    state.fail_next(Fault("POST", r"/contacts$", status=429, when=DropWhen.AFTER_HANDLING, retry_after=1))
    requests = [
        {"id": str(n), "method": "POST", "url": "/me/contacts", "body": {"givenName": f"C{n}"}, "headers": CT}
        for n in range(3)
    ]
    answers = (await me.post("/$batch", json={"requests": requests})).json()["responses"]
    assert sorted(a["status"] for a in answers) == [201, 201, 429]
    assert sorted(_contacts(state)) == ["C0", "C1", "C2"]  # the failed one was made: its answer was lost


async def test_the_batch_request_itself_can_be_lost_after_its_items_ran(
    me: httpx.AsyncClient, state: SandboxState
) -> None:
    state.fail_next(Fault("POST", r"^/\$batch$", when=DropWhen.AFTER_HANDLING))
    requests = [{"id": "1", "method": "POST", "url": "/me/contacts", "body": {"givenName": "A"}, "headers": CT}]
    with pytest.raises(httpx.RemoteProtocolError):
        await me.post("/$batch", json={"requests": requests})
    assert _contacts(state) == ["A"]


def test_a_drop_never_applies_to_a_batch_item() -> None:
    state = SandboxState.seeded(USER)
    state.fail_next(Fault("POST", r"/contacts$"))
    assert state.take_fault("POST", "/me/contacts", http=False) is None
    assert state.take_fault("POST", "/me/contacts", http=True) is not None


def test_bad_faults_are_refused_where_they_are_made() -> None:
    for bad in (
        lambda: Fault("POST", "(unclosed"),
        lambda: Fault("POST", "/x", status=200),
        lambda: Fault("POST", "/x", times=0),
    ):
        with pytest.raises((ValueError, re.error)):
            bad()


def test_targeted_faults_and_tokens_over_the_control_endpoint() -> None:
    state = SandboxState.seeded(USER)
    with serve(state) as base, httpx.Client(base_url=base) as control:
        armed = control.post("/_sandbox/faults/next", json={"method": "GET", "path": "/contactFolders$", "status": 504})
        assert armed.status_code == 201 and armed.json()["when"] == "before"
        granted = control.post(
            "/_sandbox/tokens", json={"token": "REAL-TOKEN", "userPrincipalName": USER, "permissions": ["User.Read"]}
        )
        assert granted.status_code == 201
        auth = {"Authorization": "Bearer REAL-TOKEN"}
        assert control.get("/v1.0/me", headers=auth).json()["userPrincipalName"] == USER
        assert control.get("/v1.0/me/contactFolders", headers=auth).status_code == 504  # the fault comes first
        assert control.get("/v1.0/me/contactFolders", headers=auth).status_code == 403  # no Contacts permission
        assert control.get("/_sandbox/state").json()["injected"]["targeted"] == 1
        for body in (
            {"method": "GET"},
            {"method": "GET", "path": "(", "status": 500},
            {"method": "GET", "path": "/x", "when": "later"},
            {"method": "GET", "path": "/x", "status": 200},
        ):
            assert control.post("/_sandbox/faults/next", json=body).status_code == 400, body
        for body in ({"token": "sandbox-app", "permissions": []}, {"token": "T", "permissions": "all"}):
            assert control.post("/_sandbox/tokens", json=body).status_code == 400, body


CT = {"Content-Type": "application/json"}
