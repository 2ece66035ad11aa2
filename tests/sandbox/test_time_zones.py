"""A mailbox's time zone and dates in time zones, as Graph documents them (each test names its page in
microsoftgraph/microsoft-graph-docs-contrib)."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from graphsync.errors import GraphError
from graphsync.sandbox import SandboxState
from graphsync.sandbox.control import ControlEndpoint
from graphsync.timezones import WINDOWS_TO_IANA
from tests.sandbox.conftest import USER, client_for, created, graph_error

BERLIN_MIDNIGHT = {"dateTime": "2024-12-24T00:00:00", "timeZone": "W. Europe Standard Time"}


async def test_mailbox_time_zone_is_read_and_set_in_either_form(me: httpx.AsyncClient) -> None:
    """api-reference/v1.0/api/user-get-mailboxsettings.md: GET /me/mailboxSettings and
    /me/mailboxSettings/timeZone; the zone comes back "in the format that the administrator has set up", and
    a PATCH in another format (user-update-mailboxsettings.md) makes later GETs answer in that one."""
    settings = (await me.get("/me/mailboxSettings")).json()
    assert settings["timeZone"] == "UTC" and settings["workingHours"]["timeZone"] == {"name": "UTC"}
    for name in ("W. Europe Standard Time", "Pacific/Auckland", "eastern standard time"):
        patched = await me.patch("/me/mailboxSettings", json={"timeZone": name})
        assert patched.status_code == 200 and patched.json()["timeZone"] == name
        assert (await me.get("/me/mailboxSettings/timeZone")).json()["value"] == name
        assert (await me.get("/me/mailboxSettings")).json()["timeZone"] == name


async def test_a_zone_graph_does_not_know_is_refused_and_nothing_changes(me: httpx.AsyncClient) -> None:
    """resources/datetimetimezone.md: a time zone is a Windows name or an IANA identifier; anything else is 400."""
    await me.patch("/me/mailboxSettings", json={"timeZone": "Tokyo Standard Time"})
    graph_error(
        await me.patch("/me/mailboxSettings", json={"timeZone": "Mars/Olympus"}), 400, "TimeZoneNotSupportedException"
    )
    graph_error(await me.patch("/me/mailboxSettings", json={"colour": "red"}), 400, "RequestBodyRead")
    assert (await me.get("/me/mailboxSettings/timeZone")).json()["value"] == "Tokyo Standard Time"


async def test_every_windows_zone_name_is_accepted(me: httpx.AsyncClient) -> None:
    """resources/datetimetimezone.md: "timeZone ... can be any of the ... Windows time zone names"."""
    for name in WINDOWS_TO_IANA:
        response = await me.patch("/me/mailboxSettings", json={"timeZone": name})
        assert response.status_code == 200, name


async def _nav_list(me: httpx.AsyncClient) -> str:
    return str((await created(me, "/me/todo/lists", {"displayName": "Dynamics NAV"}))["id"])


async def test_a_task_due_date_is_kept_as_the_instant_and_answered_in_utc(me: httpx.AsyncClient) -> None:
    """resources/todotask.md: dueDateTime is "the date and time in the specified time zone"; todotask-get.md's
    example answers it in UTC (``2020-08-25T04:00:00.0000000``, midnight in the Eastern zone). A Berlin user's due
    date of 24 December, local midnight, reads 23 December 23:00 UTC in winter."""
    list_id = await _nav_list(me)
    body = {"title": "call", "dueDateTime": BERLIN_MIDNIGHT, "startDateTime": BERLIN_MIDNIGHT}
    task = await created(me, f"/me/todo/lists/{list_id}/tasks", body)
    expected = {"dateTime": "2024-12-23T23:00:00.0000000", "timeZone": "UTC"}
    assert task["dueDateTime"] == expected and task["startDateTime"] == expected
    summer = {"dateTime": "2024-07-01T00:00:00", "timeZone": "Europe/Berlin"}
    patched = await me.patch(f"/me/todo/lists/{list_id}/tasks/{task['id']}", json={"reminderDateTime": summer})
    assert patched.json()["reminderDateTime"] == {"dateTime": "2024-06-30T22:00:00.0000000", "timeZone": "UTC"}
    graph_error(
        await me.patch(
            f"/me/todo/lists/{list_id}/tasks/{task['id']}",
            json={"dueDateTime": {"dateTime": "2024-12-24T00:00:00", "timeZone": "Nowhere"}},
        ),
        400,
        "TimeZoneNotSupportedException",
    )


async def test_to_do_ignores_prefer_outlook_timezone(me: httpx.AsyncClient) -> None:
    """todotask-get.md lists no Prefer header (Authorization only), and To Do answers in UTC whatever it asks
    (microsoft-graph-docs-contrib issue #5927, "the timezone header gets ignored")."""
    list_id = await _nav_list(me)
    prefer = {"Prefer": 'outlook.timezone="Pacific/Auckland"'}
    task = await created(me, f"/me/todo/lists/{list_id}/tasks", {"title": "x", "dueDateTime": BERLIN_MIDNIGHT})
    response = await me.get(f"/me/todo/lists/{list_id}/tasks/{task['id']}", headers=prefer)
    assert response.json()["dueDateTime"]["timeZone"] == "UTC"
    assert "outlook.timezone" not in response.headers.get("Preference-Applied", "")


async def test_events_are_answered_in_the_zone_asked_for(me: httpx.AsyncClient) -> None:
    """event-get.md, "Request headers": ``Prefer: outlook.timezone`` gives start and end in that zone (Windows or
    IANA); without it they are in UTC."""
    event = await created(
        me,
        "/me/events",
        {
            "subject": "x",
            "start": {"dateTime": "2024-03-31T09:00:00", "timeZone": "New Zealand Standard Time"},
            "end": {"dateTime": "2024-03-31T10:00:00", "timeZone": "New Zealand Standard Time"},
        },
    )
    # 31 March 2024 is before Auckland's daylight time ends (7 April 2024): NZDT, UTC+13.
    assert event["start"] == {"dateTime": "2024-03-30T20:00:00.0000000", "timeZone": "UTC"}
    prefer = {"Prefer": 'outlook.timezone="Pacific/Auckland"'}
    response = await me.get(f"/me/events/{event['id']}", headers=prefer)
    assert response.json()["start"] == {"dateTime": "2024-03-31T09:00:00.0000000", "timeZone": "Pacific/Auckland"}
    assert 'outlook.timezone="Pacific/Auckland"' in response.headers["Preference-Applied"]


async def test_a_seeded_time_zone_survives_a_restart(tmp_path: Path) -> None:
    """The control endpoint seeds a user with a time zone (docs/sandbox.md); with --data it is kept."""
    state = SandboxState.open(tmp_path / "sandbox.sqlite")
    control = ControlEndpoint(state)
    reply = control.handle("POST", ["users"], {}, {"userPrincipalName": USER, "timeZone": "Eastern Standard Time"})
    assert reply.status == 201 and reply.body["timeZone"] == "Eastern Standard Time"
    with pytest.raises(GraphError, match="Nowhere"):
        control.handle("POST", ["users"], {}, {"userPrincipalName": "x@contoso.com", "timeZone": "Nowhere"})
    async with client_for(state, f"sandbox:{USER}") as me:
        await me.patch("/me/mailboxSettings", json={"timeZone": "Pacific/Auckland", "dateFormat": "dd.MM.yyyy"})
    state.close()
    again = SandboxState.open(tmp_path / "sandbox.sqlite")
    async with client_for(again, f"sandbox:{USER}") as me:
        settings = (await me.get("/me/mailboxSettings")).json()
    assert (settings["timeZone"], settings["dateFormat"]) == ("Pacific/Auckland", "dd.MM.yyyy")
    again.close()
