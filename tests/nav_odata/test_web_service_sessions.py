"""What a web-service session may not do, and how graphsync gets its writes through anyway.

Closing a to-do through a page asks "Do you want to register an Interaction Log Entry?" (To-do field 13
Closed, OnValidate), which a web-service session refuses with NAV's callback error; the GraphsyncCompleted
control docs/odata.md adds completes the to-do in code. Business Central online refuses to-dos of type
Meeting.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable

import httpx
import pytest

from graphsync.cli.messages import render
from graphsync.connectors.nav import NavTable
from graphsync.errors import NavDialogError, NavValidationError
from graphsync.nav import texts
from graphsync.nav.embedded import EmbeddedNav
from graphsync.nav.odata.binding import Flavour
from graphsync.nav.odata.catalogue import GRAPHSYNC_TODOS, ControlKind, PageSpec
from graphsync.nav.odata.connector import ODataNav
from graphsync.navservice.pages import PROFILES, Publication
from tests.nav_odata.conftest import Served

TODO = NavTable.TODO
TODOS = "Company('CRONUS%20UK%20Ltd.')/GraphsyncToDos"
WITHOUT_CONTROL = Publication().publishing(
    "GraphsyncToDos",
    PageSpec(
        0,
        "A to-do page without the completion control",
        TODO,
        tuple(c for c in GRAPHSYNC_TODOS.controls if c.kind is not ControlKind.COMPLETE),
    ),
)


def _open_todo(company: EmbeddedNav) -> str:
    return company.insert(TODO, {"Salesperson Code": "LT", "Date": dt.date(2030, 5, 1), "Description": "Quote"}).key[0]


def test_closing_through_a_page_in_a_web_service_session_is_navs_callback_error(
    served: Served, company: EmbeddedNav
) -> None:
    number = _open_todo(company)
    with httpx.Client(base_url=served.url) as http:
        for body in ({"Status": "Completed"}, {"Closed": True}):
            refused = http.patch(f"{TODOS}('{number}')", json=body, headers={"If-Match": "*"})
            error = refused.json()["error"]
            assert (refused.status_code, error["code"]) == (400, "Application_CallbackNotAllowed")
            assert error["message"] == (
                "Microsoft Dynamics NAV Server attempted to issue a client callback to show a confirmation dialog "
                "box. Do you want to register an Interaction Log Entry?"
            )
        new = {"Salesperson_Code": "LT", "Date": "2030-05-02", "Status": "Completed"}
        assert http.post(TODOS, json=new).json()["error"]["code"] == "Application_CallbackNotAllowed"
        # Nothing was written.
        assert company.get(TODO, (number,)).fields["Closed"] is False  # type: ignore[union-attr]
        # Canceling closes without the question (Closed's OnValidate asks only when not canceled).
        canceled = http.patch(f"{TODOS}('{number}')", json={"Canceled": True}, headers={"If-Match": "*"})
        assert canceled.status_code == 200 and canceled.json()["Closed"] is True
        # The completion control completes in code: no question.
        other = _open_todo(company)
        done = http.patch(f"{TODOS}('{other}')", json={"GraphsyncCompleted": True}, headers={"If-Match": "*"})
        assert done.status_code == 200, done.text
        assert (done.json()["Status"], done.json()["Closed"], done.json()["GraphsyncCompleted"]) == (
            "Completed",
            True,
            True,
        )
        reopened = http.patch(f"{TODOS}('{other}')", json={"GraphsyncCompleted": False}, headers={"If-Match": "*"})
        assert reopened.json()["Status"] == "In_x0020_Progress" and reopened.json()["Closed"] is False
    # A user in the client answers the question (the embedded company does not model the interaction).
    closed = company.modify(TODO, (number,), {"Canceled": False, "Status": "Completed"}, if_match="*")
    assert closed["Closed"] is True


def test_the_connector_completes_through_the_control(served: Served, connect: Callable[..., ODataNav]) -> None:
    nav = connect()
    assert nav.completes_without_dialog
    bodies: list[dict[str, object]] = []
    nav._client.event_hooks["request"].append(
        lambda r: bodies.append(json.loads(r.read())) if r.method in ("PATCH", "POST") else None
    )
    todo = nav.insert(TODO, {"Salesperson Code": "LT", "Date": dt.date(2030, 5, 1), "Description": "Quote"})
    done = nav.modify(TODO, todo.key, {"Status": "Completed"}, if_match=todo.etag)
    assert (done["Status"], done["Closed"]) == ("Completed", True)
    assert bodies[-1] == {"GraphsyncCompleted": True}
    reopened = nav.modify(TODO, todo.key, {"Status": "In Progress"}, if_match=done.etag)
    assert reopened["Closed"] is False and bodies[-1] == {"Status": "In_x0020_Progress"}
    born_done = nav.insert(
        TODO, {"Salesperson Code": "LT", "Date": dt.date(2030, 5, 1), "Description": "x", "Status": "Completed"}
    )
    assert born_done["Closed"] is True and "Status" not in bodies[-1]


def test_without_the_control_completing_fails_with_the_fix(served: Served, connect: Callable[..., ODataNav]) -> None:
    served.service.publication = WITHOUT_CONTROL
    nav = connect()
    assert not nav.completes_without_dialog
    todo = nav.insert(TODO, {"Salesperson Code": "LT", "Date": dt.date(2030, 5, 1), "Description": "Quote"})
    with pytest.raises(NavDialogError) as refused:
        nav.modify(TODO, todo.key, {"Status": "Completed"}, if_match=todo.etag)
    assert "attempted to issue a client callback" in refused.value.message
    assert "GraphsyncCompleted" in render(refused.value) and "docs/odata.md" in render(refused.value)


def test_business_central_online_refuses_meetings(
    served: Served, connect: Callable[..., ODataNav], company: EmbeddedNav
) -> None:
    served.service.publication = PROFILES["bc-graphsync"]
    nav = connect(flavour=Flavour.BC, online=True)
    assert nav.meetings_supported is False
    meeting = {"Type": "Meeting", "Contact No.": "CT100007", "Date": dt.date(2030, 3, 4), "Start Time": dt.time(9, 0)}
    with pytest.raises(NavValidationError) as refused:
        nav.insert(TODO, meeting)
    assert refused.value.message == texts.MEETING_SAAS
    # Online, no session may: a user in the client neither.
    with pytest.raises(NavValidationError):
        company.as_session(saas=True).insert(TODO, meeting)
    call = nav.insert(TODO, {**meeting, "Type": "Phone Call"})
    assert call["Type"] == "Phone Call"
    assert connect(flavour=Flavour.BC).meetings_supported  # Business Central on-premises has them
