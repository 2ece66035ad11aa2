"""Recurring series in calendarView and its delta, and their occurrences by id (each test names its page in
microsoftgraph/microsoft-graph-docs-contrib)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx
import pytest

from tests.sandbox.conftest import created, delta_round, graph_error

IMMUTABLE = {"Prefer": 'IdType="ImmutableId"'}


def _series(start: str, pattern: dict[str, Any], rng: dict[str, Any], zone: str = "UTC") -> dict[str, Any]:
    day = dt.date.fromisoformat(start)
    return {
        "subject": "series",
        "start": {"dateTime": f"{day}T10:00:00", "timeZone": zone},
        "end": {"dateTime": f"{day}T11:00:00", "timeZone": zone},
        "recurrence": {"pattern": pattern, "range": {"startDate": start, **rng}},
    }


async def _view(me: httpx.AsyncClient, start: str, end: str, **kw: Any) -> list[dict[str, Any]]:
    params = {"startDateTime": f"{start}T00:00:00Z", "endDateTime": f"{end}T00:00:00Z", "$top": "500"}
    response = await me.get("/me/calendarView", params=params, **kw)
    assert response.status_code == 200, response.text
    return list(response.json()["value"])


def _days(events: list[dict[str, Any]]) -> list[str]:
    return [e["start"]["dateTime"][:10] for e in events]


@pytest.mark.parametrize(
    ("start", "pattern", "rng", "expected"),
    [
        (
            "2025-01-01",
            {"type": "daily", "interval": 2},
            {"type": "endDate", "endDate": "2025-01-09"},
            ["2025-01-01", "2025-01-03", "2025-01-05", "2025-01-07", "2025-01-09"],
        ),
        (
            "2025-01-02",
            {"type": "weekly", "interval": 2, "daysOfWeek": ["monday", "Thursday"]},
            {"type": "numbered", "numberOfOccurrences": 5},
            ["2025-01-02", "2025-01-13", "2025-01-16", "2025-01-27", "2025-01-30"],
        ),
        (
            "2025-01-31",
            {"type": "absoluteMonthly", "interval": 1, "dayOfMonth": 31},
            {"type": "noEnd"},
            ["2025-01-31", "2025-02-28", "2025-03-31", "2025-04-30", "2025-05-31"],
        ),
        (
            "2025-01-01",
            {"type": "relativeMonthly", "interval": 1, "daysOfWeek": ["tuesday"], "index": "second"},
            {"type": "numbered", "numberOfOccurrences": 3},
            ["2025-01-14", "2025-02-11", "2025-03-11"],
        ),
        (
            "2025-01-01",
            {"type": "relativeMonthly", "interval": 1, "daysOfWeek": ["friday"], "index": "last"},
            {"type": "endDate", "endDate": "2025-03-01"},
            ["2025-01-31", "2025-02-28"],
        ),
        (
            "2024-02-29",
            {"type": "absoluteYearly", "interval": 1, "month": 2, "dayOfMonth": 29},
            {"type": "endDate", "endDate": "2028-12-31"},
            ["2024-02-29", "2025-02-28", "2026-02-28", "2027-02-28", "2028-02-29"],
        ),
        (
            "2025-01-01",
            {"type": "relativeYearly", "interval": 1, "month": 5, "daysOfWeek": ["monday"], "index": "last"},
            {"type": "numbered", "numberOfOccurrences": 2},
            ["2025-05-26", "2026-05-25"],
        ),
    ],
    ids=[
        "daily-endDate",
        "weekly-numbered",
        "absoluteMonthly-noEnd",
        "relativeMonthly-numbered",
        "relativeMonthly-last",
        "absoluteYearly-endDate",
        "relativeYearly-numbered",
    ],
)
async def test_calendar_view_answers_each_occurrence_not_the_master(
    me: httpx.AsyncClient, start: str, pattern: dict[str, Any], rng: dict[str, Any], expected: list[str]
) -> None:
    """user-list-calendarview.md: calendarView answers "the occurrences, exceptions, and single instances of
    events", with resources/recurrencepattern.md's six pattern types and recurrencerange.md's endDate, numbered
    and noEnd ranges; an occurrence has type "occurrence" and its series master's id (resources/event.md)."""
    master = await created(me, "/me/events", _series(start, pattern, rng))
    assert master["type"] == "seriesMaster"
    found = await _view(me, "2024-01-01", "2029-01-01")
    assert _days(found)[: len(expected)] == expected
    if rng["type"] == "noEnd":
        assert len(found) > 40  # every month up to the window's end
    else:
        assert len(found) == len(expected)
    assert {e["type"] for e in found} == {"occurrence"} and {e["seriesMasterId"] for e in found} == {master["id"]}
    assert master["id"] not in {e["id"] for e in found}
    assert all(e["recurrence"] is None and e["subject"] == "series" for e in found)
    assert found[0]["originalStart"] == f"{found[0]['start']['dateTime'][:19]}Z"


async def test_only_the_occurrences_inside_the_window(me: httpx.AsyncClient) -> None:
    """user-list-calendarview.md: the view is "defined by a time range" (startDateTime, endDateTime)."""
    await created(me, "/me/events", _series("2025-01-01", {"type": "daily", "interval": 1}, {"type": "noEnd"}))
    assert _days(await _view(me, "2025-03-10", "2025-03-13")) == ["2025-03-10", "2025-03-11", "2025-03-12"]
    assert await _view(me, "2024-12-01", "2025-01-01") == []


async def test_occurrences_keep_their_local_time_across_daylight_saving(me: httpx.AsyncClient) -> None:
    """resources/recurrencerange.md, recurrenceTimeZone: "The time zone for the startDate and endDate
    properties"; a weekly 10:00 Berlin meeting is at 09:00 UTC in winter and 08:00 UTC in summer."""
    body = _series(
        "2025-03-24", {"type": "weekly", "daysOfWeek": ["monday"]}, {"type": "noEnd"}, "W. Europe Standard Time"
    )
    await created(me, "/me/events", body)
    found = await _view(me, "2025-03-24", "2025-04-01")
    assert [e["start"]["dateTime"] for e in found] == ["2025-03-24T09:00:00.0000000", "2025-03-31T08:00:00.0000000"]
    local = await _view(me, "2025-03-24", "2025-04-01", headers={"Prefer": 'outlook.timezone="Europe/Berlin"'})
    assert {e["start"]["dateTime"][11:19] for e in local} == {"10:00:00"}


async def test_a_moved_and_a_cancelled_occurrence(me: httpx.AsyncClient) -> None:
    """event-update.md on an occurrence's id makes an exception (resources/event.md, type "exception");
    event-delete.md on an occurrence's id cancels it: the view no longer answers it. Both read by id
    (event-get.md), in either id form (outlook-immutable-id.md)."""
    master = await created(
        me, "/me/events", _series("2025-01-06", {"type": "daily"}, {"type": "numbered", "numberOfOccurrences": 4})
    )
    first = await _view(me, "2025-01-01", "2025-02-01")
    moved, cancelled = first[1], first[2]
    new_time = {"dateTime": "2025-01-07T15:00:00", "timeZone": "UTC"}
    end_time = {"dateTime": "2025-01-07T16:00:00", "timeZone": "UTC"}
    patched = await me.patch(f"/me/events/{moved['id']}", json={"start": new_time, "end": end_time, "subject": "moved"})
    assert patched.status_code == 200, patched.text
    assert patched.json()["type"] == "exception" and patched.json()["start"]["dateTime"].startswith("2025-01-07T15")
    assert (await me.delete(f"/me/events/{cancelled['id']}")).status_code == 204
    after = await _view(me, "2025-01-01", "2025-02-01")
    assert [(e["type"], e["subject"], e["start"]["dateTime"][:13]) for e in after] == [
        ("occurrence", "series", "2025-01-06T10"),
        ("exception", "moved", "2025-01-07T15"),
        ("occurrence", "series", "2025-01-09T10"),
    ]
    assert after[1]["originalStart"] == "2025-01-07T10:00:00Z"
    graph_error(await me.get(f"/me/events/{cancelled['id']}"), 404, "ErrorItemNotFound")
    read = (await me.get(f"/me/events/{moved['id']}")).json()
    assert read["subject"] == "moved" and read["seriesMasterId"] == master["id"]
    immutable = await _view(me, "2025-01-01", "2025-02-01", headers=IMMUTABLE)
    assert (await me.get(f"/me/events/{immutable[1]['id']}", headers=IMMUTABLE)).json()["subject"] == "moved"
    assert immutable[1]["seriesMasterId"] != master["id"]  # the master's immutable id
    graph_error(await me.patch(f"/me/events/{moved['id']}", json={"recurrence": None}), 400, "ErrorInvalidRequest")


async def test_instances_of_a_series(me: httpx.AsyncClient) -> None:
    """event-list-instances.md: GET /events/{id}/instances?startDateTime&endDateTime lists a series' occurrences
    and exceptions in the window."""
    master = await created(me, "/me/events", _series("2025-01-06", {"type": "daily"}, {"type": "noEnd"}))
    params = {"startDateTime": "2025-01-07T00:00:00Z", "endDateTime": "2025-01-09T00:00:00Z"}
    found = (await me.get(f"/me/events/{master['id']}/instances", params=params)).json()["value"]
    assert _days(found) == ["2025-01-07", "2025-01-08"] and {e["seriesMasterId"] for e in found} == {master["id"]}


async def test_calendar_view_delta_answers_occurrences_and_their_changes(me: httpx.AsyncClient) -> None:
    """event-delta.md: calendarView delta answers occurrences and exceptions, not the master; a changed series'
    occurrences come again; a cancelled one, the master's own id and a deleted series' occurrences come as
    ``@removed``."""
    single = await created(
        me, "/me/events", {**_series("2025-01-06", {"type": "daily"}, {"type": "noEnd"}), "recurrence": None}
    )
    window = {"startDateTime": "2025-01-01T00:00:00Z", "endDateTime": "2025-01-11T00:00:00Z"}
    entries, link, _ = await delta_round(me, "/me/calendarView/delta", params=window)
    assert [e["id"] for e in entries] == [single["id"]]
    # The single event becomes a series: its old id is removed, its occurrences come.
    weekly = {"pattern": {"type": "daily", "interval": 2}, "range": {"type": "noEnd", "startDate": "2025-01-06"}}
    assert (await me.patch(f"/me/events/{single['id']}", json={"recurrence": weekly})).status_code == 200
    entries, link, _ = await delta_round(me, link)
    assert {"id": single["id"], "@removed": {"reason": "deleted"}, "@odata.type": "#microsoft.graph.event"} in entries
    live = [e for e in entries if "@removed" not in e]
    assert _days(live) == ["2025-01-06", "2025-01-08", "2025-01-10"]
    assert {e["seriesMasterId"] for e in live} == {single["id"]}
    # A cancelled occurrence is removed; the others come again.
    assert (await me.delete(f"/me/events/{live[1]['id']}")).status_code == 204
    entries, link, _ = await delta_round(me, link)
    assert {e["id"] for e in entries if "@removed" in e} >= {live[1]["id"]}
    assert _days([e for e in entries if "@removed" not in e]) == ["2025-01-06", "2025-01-10"]
    # A deleted series: every occurrence in the window is removed.
    assert (await me.delete(f"/me/events/{single['id']}")).status_code == 204
    entries, _, _ = await delta_round(me, link)
    assert all("@removed" in e for e in entries)
    assert {live[0]["id"], live[2]["id"], single["id"]} <= {e["id"] for e in entries}


async def test_a_recurrence_graph_cannot_use_is_refused(me: httpx.AsyncClient) -> None:
    """resources/recurrencepattern.md: weekly needs daysOfWeek, absoluteMonthly dayOfMonth, ...;
    recurrencerange.md: endDate needs an endDate on or after startDate."""
    bad = [
        ({"type": "weekly"}, {"type": "noEnd"}),
        ({"type": "absoluteMonthly"}, {"type": "noEnd"}),
        ({"type": "hourly"}, {"type": "noEnd"}),
        ({"type": "daily"}, {"type": "endDate", "endDate": "2024-01-01"}),
        ({"type": "daily"}, {"type": "numbered"}),
    ]
    for pattern, rng in bad:
        response = await me.post("/me/events", json=_series("2025-01-06", pattern, rng))
        graph_error(response, 400, "ErrorPropertyValidationFailure")
    assert await _view(me, "2025-01-01", "2026-01-01") == []


async def test_occurrences_are_not_zoned_to_utc_for_all_day_series(me: httpx.AsyncClient) -> None:
    """resources/event.md, isAllDay: an all-day event's start and end are midnights; a series of them too."""
    body = {
        "subject": "holiday",
        "isAllDay": True,
        "start": {"dateTime": "2025-01-06T00:00:00", "timeZone": "Pacific/Auckland"},
        "end": {"dateTime": "2025-01-07T00:00:00", "timeZone": "Pacific/Auckland"},
        "recurrence": {
            "pattern": {"type": "weekly", "daysOfWeek": ["monday"]},
            "range": {"type": "numbered", "startDate": "2025-01-06", "numberOfOccurrences": 2},
        },
    }
    await created(me, "/me/events", body)
    found = await _view(me, "2025-01-01", "2025-02-01")
    assert [(e["start"]["dateTime"][:19], e["end"]["dateTime"][:19]) for e in found] == [
        ("2025-01-06T00:00:00", "2025-01-07T00:00:00"),
        ("2025-01-13T00:00:00", "2025-01-14T00:00:00"),
    ]
