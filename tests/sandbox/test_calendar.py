"""Calendars and events as user-post-calendars.md, user-post-events.md, event-get.md, event-update.md,
event-delete.md and user-list-calendarview.md show them; meeting requests; transactionId."""

from __future__ import annotations

from typing import Any

import httpx

from graphsync.sandbox import MeetingRequest, MeetingRequestReason, SandboxState
from tests.sandbox.conftest import NAV_KEY, USER, created, graph_error

LUNCH: dict[str, Any] = {
    "subject": "Let's go for lunch",
    "body": {"contentType": "HTML", "content": "Does noon work for you?"},
    "start": {"dateTime": "2017-04-15T12:00:00", "timeZone": "Pacific Standard Time"},
    "end": {"dateTime": "2017-04-15T14:00:00", "timeZone": "Pacific Standard Time"},
    "location": {"displayName": "Harry's Bar"},
    "attendees": [{"emailAddress": {"address": "samanthab@contoso.com", "name": "Samantha Booth"}, "type": "required"}],
    "allowNewTimeProposals": True,
    "transactionId": "7E163156-7762-4BEB-A1C6-729EA81755A7",
}
PACIFIC = {"Prefer": 'outlook.timezone="Pacific Standard Time"'}


async def test_create_event_as_documented(me: httpx.AsyncClient, state: SandboxState) -> None:
    body = await created(me, "/me/events", LUNCH, headers=PACIFIC)
    assert body["start"] == {"dateTime": "2017-04-15T12:00:00.0000000", "timeZone": "Pacific Standard Time"}
    assert body["end"]["dateTime"] == "2017-04-15T14:00:00.0000000"
    assert body["originalStartTimeZone"] == "Pacific Standard Time"
    assert body["body"]["contentType"] == "html"
    assert body["bodyPreview"] == "Does noon work for you?"
    assert body["location"]["displayName"] == "Harry's Bar"
    assert body["attendees"][0]["status"] == {"response": "none", "time": "0001-01-01T00:00:00Z"}
    assert body["organizer"]["emailAddress"]["address"] == USER
    assert body["isOrganizer"] is True and body["type"] == "singleInstance"
    assert body["transactionId"] == LUNCH["transactionId"]
    for name in ("id", "changeKey", "iCalUId", "webLink", "createdDateTime", "lastModifiedDateTime"):
        assert body[name], name
    # Without the Prefer header the times come back in UTC.
    utc = (await me.get(f"/me/events/{body['id']}")).json()
    assert utc["start"] == {"dateTime": "2017-04-15T19:00:00.0000000", "timeZone": "UTC"}


async def test_transaction_id_makes_a_repeated_create_return_the_first_event(
    me: httpx.AsyncClient, state: SandboxState
) -> None:
    first = await created(me, "/me/events", LUNCH)
    second = await created(me, "/me/events", LUNCH)
    assert second["id"] == first["id"]
    assert len((await me.get("/me/events")).json()["value"]) == 1
    # ...and only one set of invitations went out.
    assert len(state.meeting_requests_for(USER)) == 1


async def test_meeting_requests_record_who_which_event_and_why(me: httpx.AsyncClient, state: SandboxState) -> None:
    made = await created(me, "/me/events", LUNCH)
    stored = state.mailboxes[USER].lookup(made["id"])
    assert stored is not None
    invitation = MeetingRequest(
        USER, "samanthab@contoso.com", stored.key, "Let's go for lunch", MeetingRequestReason.INVITATION
    )
    assert state.meeting_requests == [invitation]
    state.reset_counters()
    await me.patch(f"/me/events/{made['id']}", json={"categories": ["Red category"]})
    assert state.meeting_requests == []  # a private change sends nothing

    attendees = [
        {"emailAddress": {"address": "samanthab@contoso.com"}, "type": "required"},
        {"emailAddress": {"address": "dana@contoso.com"}, "type": "optional"},
    ]
    await me.patch(f"/me/events/{made['id']}", json={"attendees": attendees})
    assert [(m.attendee, m.reason) for m in state.meeting_requests] == [
        ("dana@contoso.com", MeetingRequestReason.INVITATION)
    ]
    state.reset_counters()
    later = {"dateTime": "2017-04-15T13:00:00", "timeZone": "Pacific Standard Time"}
    await me.patch(f"/me/events/{made['id']}", json={"start": later, "attendees": attendees[1:]})
    assert sorted((m.attendee, m.reason.value) for m in state.meeting_requests) == [
        ("dana@contoso.com", "update"),
        ("samanthab@contoso.com", "cancellation"),
    ]
    state.reset_counters()
    await me.delete(f"/me/events/{made['id']}")
    assert [(m.attendee, m.reason) for m in state.meeting_requests] == [
        ("dana@contoso.com", MeetingRequestReason.CANCELLATION)
    ]


async def test_all_day_events(me: httpx.AsyncClient) -> None:
    all_day = {
        "subject": "Plan summer company picnic",
        "start": {"dateTime": "2020-02-25T00:00:00.0000000", "timeZone": "UTC"},
        "end": {"dateTime": "2020-02-26T00:00:00.0000000", "timeZone": "UTC"},
        "isAllDay": True,
    }
    body = await created(me, "/me/events", all_day)
    assert body["isAllDay"] is True
    assert body["start"]["dateTime"] == "2020-02-25T00:00:00.0000000"
    not_midnight = {**all_day, "start": {"dateTime": "2020-02-25T08:00:00", "timeZone": "UTC"}}
    graph_error(await me.post("/me/events", json=not_midnight), 400, "ErrorPropertyValidationFailure")


async def test_event_validation(me: httpx.AsyncClient) -> None:
    graph_error(await me.post("/me/events", json={"subject": "no time"}), 400, "ErrorInvalidRequest")
    bad_zone = {**LUNCH, "start": {"dateTime": "2017-04-15T12:00:00", "timeZone": "Mars Standard Time"}}
    graph_error(await me.post("/me/events", json=bad_zone), 400, "TimeZoneNotSupportedException")
    graph_error(await me.post("/me/events", json={**LUNCH, "importance": "urgent"}), 400, "RequestBodyRead")
    bad_attendee = {**LUNCH, "attendees": [{"emailAddress": {"name": "nobody"}}]}
    graph_error(await me.post("/me/events", json=bad_attendee), 400, "ErrorInvalidRecipients")
    assert (await me.get("/me/events")).json()["value"] == []


async def test_update_get_delete_and_if_match(me: httpx.AsyncClient) -> None:
    made = await created(me, "/me/events", LUNCH)
    url = f"/me/events/{made['id']}"
    response = await me.patch(url, json={"subject": "Lunch", "categories": ["Blue"]}, headers={"If-Match": 'W/"x"'})
    graph_error(response, 412, "ErrorIrresolvableConflict")
    response = await me.patch(url, json={"subject": "Lunch", "categories": ["Blue"]})
    assert response.json()["subject"] == "Lunch" and response.json()["categories"] == ["Blue"]
    assert response.json()["changeKey"] != made["changeKey"]
    assert (await me.get(url, params={"$select": "subject"})).json()["subject"] == "Lunch"
    assert (await me.delete(url)).status_code == 204
    graph_error(await me.get(url), 404, "ErrorItemNotFound")


async def test_calendars_and_events_in_a_named_calendar(me: httpx.AsyncClient) -> None:
    calendars = (await me.get("/me/calendars")).json()["value"]
    assert [(c["name"], c["isDefaultCalendar"]) for c in calendars] == [("Calendar", True)]
    body = {"name": "Volunteer", "singleValueExtendedProperties": [{"id": NAV_KEY, "value": "cal"}]}
    made = await created(me, "/me/calendars", body)
    assert made["name"] == "Volunteer" and made["isDefaultCalendar"] is False and made["changeKey"]
    graph_error(await me.post("/me/calendars", json={"name": "volunteer"}), 409, "ErrorFolderExists")
    event = await created(me, f"/me/calendars/{made['id']}/events", LUNCH | {"transactionId": None})
    assert (await me.get(f"/me/calendars/{made['id']}/events/{event['id']}")).status_code == 200
    assert (await me.get("/me/events")).json()["value"] == []  # /events is the primary calendar
    assert (await me.get(f"/me/events/{event['id']}")).status_code == 200  # ids work mailbox-wide
    expand = {"$expand": f"singleValueExtendedProperties($filter=id eq '{NAV_KEY}')"}
    read = (await me.get(f"/me/calendars/{made['id']}", params=expand)).json()
    assert read["singleValueExtendedProperties"] == [{"id": NAV_KEY, "value": "cal"}]
    primary = (await me.get("/me/calendar")).json()
    assert primary["isDefaultCalendar"] is True


async def test_calendar_view_lists_events_in_the_window_by_start(me: httpx.AsyncClient) -> None:
    def at(day: int, subject: str) -> dict[str, Any]:
        return {
            "subject": subject,
            "start": {"dateTime": f"2017-01-0{day}T10:00:00", "timeZone": "UTC"},
            "end": {"dateTime": f"2017-01-0{day}T11:00:00", "timeZone": "UTC"},
        }

    for day, subject in ((5, "b"), (2, "a"), (9, "out")):
        await created(me, "/me/events", at(day, subject))
    params = {"startDateTime": "2017-01-01T19:00:00-08:00", "endDateTime": "2017-01-07T19:00:00-08:00"}
    listed = (await me.get("/me/calendarView", params=params)).json()["value"]
    assert [e["subject"] for e in listed] == ["a", "b"]
    calendar_id = (await me.get("/me/calendar")).json()["id"]
    named = (await me.get(f"/me/calendars/{calendar_id}/calendarView", params=params)).json()["value"]
    assert [e["subject"] for e in named] == ["a", "b"]
    graph_error(await me.get("/me/calendarView"), 400, "ErrorInvalidParameter")
    bad = {"startDateTime": "yesterday", "endDateTime": "2017-01-07T00:00:00Z"}
    graph_error(await me.get("/me/calendarView", params=bad), 400, "ErrorInvalidParameter")


async def test_open_extension_on_an_event_and_inline(me: httpx.AsyncClient) -> None:
    inline = {
        **LUNCH,
        "transactionId": None,
        "extensions": [
            {"@odata.type": "microsoft.graph.openTypeExtension", "extensionName": "Com.Contoso.Nav", "no": "TD001"}
        ],
    }
    made = await created(me, "/me/events", inline)
    read = (await me.get(f"/me/events/{made['id']}/extensions/Com.Contoso.Nav")).json()
    assert read["no"] == "TD001"
    listed = (await me.get(f"/me/events/{made['id']}/extensions")).json()["value"]
    assert [e["extensionName"] for e in listed] == ["Com.Contoso.Nav"]


async def test_event_with_an_extended_property_as_documented(me: httpx.AsyncClient) -> None:
    # singlevaluelegacyextendedproperty-post-singlevalueextendedproperties.md, request 1.
    fun = "String {66f5a359-4659-4830-9070-00040ec6ac6e} Name Fun"
    body = {
        "subject": "Celebrate Thanksgiving",
        "body": {"contentType": "HTML", "content": "Let's get together!"},
        "start": {"dateTime": "2015-11-26T18:00:00", "timeZone": "Pacific Standard Time"},
        "end": {"dateTime": "2015-11-26T23:00:00", "timeZone": "Pacific Standard Time"},
        "attendees": [
            {"emailAddress": {"address": "Terrie@contoso.com", "name": "Terrie Barrera"}, "type": "Required"}
        ],
        "singleValueExtendedProperties": [{"id": fun, "value": "Food"}],
    }
    made = await created(me, "/me/events", body)
    assert "singleValueExtendedProperties" not in made
    assert made["attendees"][0]["type"] == "required"
    # singlevaluelegacyextendedproperty-get.md: read it back with $expand, find the event with $filter.
    expand = {"$expand": f"singleValueExtendedProperties($filter=id eq '{fun}')"}
    read = (await me.get(f"/me/events/{made['id']}", params=expand)).json()
    assert read["singleValueExtendedProperties"] == [{"id": fun, "value": "Food"}]
    wanted = {"$filter": f"singleValueExtendedProperties/Any(ep: ep/id eq '{fun}' and ep/value eq 'Food')"}
    assert [e["id"] for e in (await me.get("/me/events", params=wanted)).json()["value"]] == [made["id"]]


async def test_calendar_view_in_a_requested_time_zone(me: httpx.AsyncClient) -> None:
    await created(me, "/me/events", LUNCH)
    params = {"startDateTime": "2017-04-15T00:00:00-07:00", "endDateTime": "2017-04-16T00:00:00-07:00"}
    response = await me.get("/me/calendarView", params=params, headers=PACIFIC)
    (event,) = response.json()["value"]
    assert event["start"] == {"dateTime": "2017-04-15T12:00:00.0000000", "timeZone": "Pacific Standard Time"}
    assert response.headers["Preference-Applied"] == 'outlook.timezone="Pacific Standard Time"'


async def test_master_categories_as_documented(me: httpx.AsyncClient) -> None:
    made = await created(me, "/me/outlook/masterCategories", {"displayName": "Project expenses", "color": "preset9"})
    assert made["displayName"] == "Project expenses" and made["color"] == "preset9" and made["id"]
    graph_error(
        await me.post("/me/outlook/masterCategories", json={"displayName": "project expenses"}),
        409,
        "ErrorDuplicateCategory",
    )
    graph_error(
        await me.post("/me/outlook/masterCategories", json={"displayName": "X", "color": "pink"}),
        400,
        "RequestBodyRead",
    )
    url = f"/me/outlook/masterCategories/{made['id']}"
    assert (await me.patch(url, json={"color": "preset0"})).json()["color"] == "preset0"
    graph_error(await me.patch(url, json={"displayName": "Renamed"}), 400, "ErrorInvalidRequest")
    assert [c["displayName"] for c in (await me.get("/me/outlook/masterCategories")).json()["value"]] == [
        "Project expenses"
    ]
    assert (await me.delete(url)).status_code == 204
    graph_error(await me.get(url), 404, "ErrorItemNotFound")


async def test_a_recurring_event_is_a_series_master(me: httpx.AsyncClient) -> None:
    weekly = {
        "pattern": {"type": "weekly", "interval": 1, "daysOfWeek": ["Monday"]},
        "range": {"type": "endDate", "startDate": "2017-09-04", "endDate": "2017-12-31"},
    }
    made = await created(me, "/me/events", {**LUNCH, "transactionId": None, "recurrence": weekly})
    # Graph answers every property of the pattern and the range (event-get.md's series example).
    assert made["type"] == "seriesMaster" and made["recurrence"] == {
        "pattern": {
            "type": "weekly",
            "interval": 1,
            "month": 0,
            "dayOfMonth": 0,
            "daysOfWeek": ["monday"],
            "firstDayOfWeek": "sunday",
            "index": "first",
        },
        "range": {
            "type": "endDate",
            "startDate": "2017-09-04",
            "endDate": "2017-12-31",
            "recurrenceTimeZone": LUNCH["start"]["timeZone"],
            "numberOfOccurrences": 0,
        },
    }
    single = (await me.patch(f"/me/events/{made['id']}", json={"recurrence": None})).json()
    assert single["type"] == "singleInstance"
