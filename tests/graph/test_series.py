"""Recurring series end to end: the embedded NAV company, the engine, the Graph client and the sandbox, whose
calendarView and calendarView/delta answer a series' occurrences and exceptions, never its master
(api-reference/v1.0/api/user-list-calendarview.md, event-delta.md). For NAV a series is one meeting to-do
(docs/engine.md, "Recurring series")."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from graphsync.auth.sandbox import SandboxTokenSource
from graphsync.config.entities import EntityName, default_entities
from graphsync.connectors.nav import NavRecord, NavTable
from graphsync.connectors.outlook import ItemKind
from graphsync.engine.report import RunReport, SyncOptions
from graphsync.engine.state import StateStore
from graphsync.engine.sync import run_sync
from graphsync.graph import GraphMailbox, GraphMailboxOptions
from graphsync.nav.embedded import EmbeddedNav
from graphsync.sandbox import SandboxState, create_app

USER = "eh@contoso.com"
HEADERS = {"Authorization": f"Bearer sandbox:{USER}", "Prefer": 'IdType="ImmutableId"'}
TODAY = dt.datetime.now(dt.UTC).date()
MONDAY = TODAY + dt.timedelta(days=7 - TODAY.weekday())
"""A Monday in the coming week: inside the sync window, with weeks of it ahead."""


class World:
    def __init__(self, tmp: Path, client: httpx.AsyncClient, state: SandboxState) -> None:
        self.nav = EmbeddedNav.create(tmp / "nav.sqlite", demo=False)
        self.nav.insert(NavTable.SALESPERSON, {"Code": "EH", "Name": "Ester Henderson", "E-Mail": USER})
        self.store = StateStore(tmp / "state.sqlite")
        self.client = client
        self.state = state
        self.box = GraphMailbox(upn=None, client=client, tokens=SandboxTokenSource(USER), options=GraphMailboxOptions())

    async def sync(self) -> RunReport:
        return await run_sync(
            nav=self.nav,
            mailbox=self.box,
            store=self.store,
            entities=default_entities(),
            options=SyncOptions(salesperson_code="EH", entities=frozenset({EntityName.MEETING})),
        )

    def meetings(self) -> list[NavRecord]:
        return list(self.nav.find(NavTable.TODO, {"Type": "Meeting"}))

    async def graph(self, method: str, url: str, body: dict[str, Any] | None = None) -> Any:
        response = await self.client.request(method, url, json=body, headers=HEADERS)
        assert response.status_code < 300, response.text
        return response.json() if response.content else None

    async def view(self) -> list[dict[str, Any]]:
        start, end = TODAY - dt.timedelta(days=1), TODAY + dt.timedelta(days=60)
        params = f"startDateTime={start}T00:00:00Z&endDateTime={end}T00:00:00Z&$top=500"
        return list((await self.graph("GET", f"/me/calendarView?{params}"))["value"])


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    state = SandboxState.seeded(USER)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=create_app(state)), base_url="http://sandbox/v1.0"
    ) as client:
        w = World(tmp_path, client, state)
        yield w
        w.store.close()
        w.nav.close()


def series(
    pattern: dict[str, Any], rng: dict[str, Any] | None = None, *, subject: str = "weekly review"
) -> dict[str, Any]:
    return {
        "subject": subject,
        "categories": ["Dynamics NAV"],
        "start": {"dateTime": f"{MONDAY}T10:00:00", "timeZone": "W. Europe Standard Time"},
        "end": {"dateTime": f"{MONDAY}T11:00:00", "timeZone": "W. Europe Standard Time"},
        "recurrence": {"pattern": pattern, "range": {"startDate": str(MONDAY), **(rng or {"type": "noEnd"})}},
    }


WEEKLY = {"type": "weekly", "interval": 1, "daysOfWeek": ["monday"]}


def writes(report: RunReport) -> int:
    return sum(v for k, v in report.counts.items() if k.startswith(("nav_", "outlook_")))


async def test_a_series_made_in_outlook_is_one_recurring_to_do(world: World) -> None:
    """A weekly series under the category: one NAV to-do, Recurring with 1W from its due date (Table 5080
    fields 24 to 26), dated on its first occurrence; its occurrences never become to-dos of their own."""
    master = await world.graph("POST", "/me/events", series(WEEKLY))
    assert len([e for e in await world.view() if e.get("seriesMasterId") == master["id"]]) >= 8
    report = await world.sync()
    assert report.ok, report.errors
    [todo] = world.meetings()
    f = todo.fields
    assert (f["Recurring"], f["Recurring Date Interval"], f["Calc. Due Date From"]) == (True, "1W", "Due Date")
    assert (f["Date"], f["Description"]) == (MONDAY, "weekly review")
    again = await world.sync()
    assert again.ok and writes(again) == 0 and len(world.meetings()) == 1
    # The master carries the NAV key now.
    found = await world.box.find_by_nav_key(ItemKind.EVENT, f"5080:{todo.key[0]}")
    assert found is not None and found.id == master["id"]


@pytest.mark.parametrize(
    ("pattern", "rng", "why"),
    [
        ({"type": "weekly", "daysOfWeek": ["monday", "wednesday"]}, None, "monday, wednesday"),
        ({"type": "relativeMonthly", "daysOfWeek": ["monday"], "index": "second"}, None, "second"),
        (WEEKLY, {"type": "numbered", "numberOfOccurrences": 5}, "after 5 occurrences"),
        (WEEKLY, {"type": "endDate", "endDate": str(MONDAY + dt.timedelta(days=60))}, "cannot end"),
    ],
    ids=["two-days-a-week", "second-monday", "numbered", "end-date"],
)
async def test_a_series_nav_cannot_hold_is_an_item_error_saying_why(
    world: World, pattern: dict[str, Any], rng: dict[str, Any] | None, why: str
) -> None:
    await world.graph("POST", "/me/events", series(pattern, rng))
    report = await world.sync()
    assert world.meetings() == []
    [error] = report.errors
    assert error.entity is EntityName.MEETING and why in error.message and "NAV" in error.message


async def test_a_linked_meeting_turned_into_a_series_keeps_one_to_do(world: World) -> None:
    """A meeting made in NAV, then made a weekly series in Outlook (event-update.md, recurrence): the same to-do
    stays linked to the series and becomes recurring; no to-do is deleted or added."""
    todo = world.nav.insert(
        NavTable.TODO,
        {
            "Type": "Meeting",
            "System To-do Type": "Organizer",
            "Salesperson Code": "EH",
            "Description": "one-to-one",
            "Date": MONDAY,
            "Start Time": dt.time(9, 0),
            "Ending Date": MONDAY,
            "Ending Time": dt.time(9, 30),
        },
    )
    assert (await world.sync()).ok
    [event] = [e for e in await world.view() if e["subject"] == "one-to-one"]
    weekly = {"pattern": WEEKLY, "range": {"type": "noEnd", "startDate": str(MONDAY)}}
    await world.graph("PATCH", f"/me/events/{event['id']}", {"recurrence": weekly})
    report = await world.sync()
    assert report.ok, report.errors
    [kept] = world.meetings()
    assert kept.key == todo.key and kept.fields["Recurring"] is True and kept.fields["Recurring Date Interval"] == "1W"
    assert len([e for e in await world.view() if e.get("seriesMasterId") == event["id"]]) >= 8
    assert writes(await world.sync()) == 0


async def test_moved_and_cancelled_occurrences_change_nothing_in_nav(world: World) -> None:
    """An exception or a cancelled occurrence (event-update.md, event-delete.md on an occurrence) is a change
    of the series, never a meeting of its own: NAV's one to-do stays as it is."""
    await world.graph("POST", "/me/events", series(WEEKLY))
    assert (await world.sync()).ok
    occurrences = await world.view()
    second, third = occurrences[1], occurrences[2]
    moved = {"dateTime": f"{dt.date.fromisoformat(second['start']['dateTime'][:10])}T15:00:00", "timeZone": "UTC"}
    await world.graph("PATCH", f"/me/events/{second['id']}", {"start": moved, "end": moved, "subject": "moved"})
    await world.graph("DELETE", f"/me/events/{third['id']}")
    report = await world.sync()
    assert report.ok, report.errors
    [todo] = world.meetings()
    assert (todo.fields["Description"], todo.fields["Date"]) == ("weekly review", MONDAY)
    assert writes(report) == 0


async def test_a_series_deleted_in_outlook_deletes_its_to_do(world: World) -> None:
    """event-delete.md on the master deletes the series; calendarView delta reports its occurrences removed."""
    master = await world.graph("POST", "/me/events", series(WEEKLY))
    assert (await world.sync()).ok
    assert len(world.meetings()) == 1
    await world.graph("DELETE", f"/me/events/{master['id']}")
    report = await world.sync()
    assert report.ok, report.errors
    assert world.meetings() == []


async def test_a_recurring_to_do_made_in_nav_stays_one_meeting(world: World) -> None:
    """NAV makes each next to-do of a recurring one itself when it is closed (Table 5080, CreateRecurringTask):
    graphsync never turns NAV's recurrence into an Outlook series, and leaves NAV's Recurring as it is."""
    todo = world.nav.insert(
        NavTable.TODO,
        {
            "Type": "Meeting",
            "System To-do Type": "Organizer",
            "Salesperson Code": "EH",
            "Description": "monthly call",
            "Date": MONDAY,
            "Start Time": dt.time(14, 0),
            "Ending Date": MONDAY,
            "Ending Time": dt.time(14, 30),
            "Recurring": True,
            "Recurring Date Interval": "1M",
            "Calc. Due Date From": "Due Date",
        },
    )
    assert (await world.sync()).ok
    [event] = [e for e in await world.view() if e["subject"] == "monthly call"]
    assert event["type"] == "singleInstance"
    assert writes(await world.sync()) == 0
    stored = world.nav.get(NavTable.TODO, todo.key)
    assert stored is not None and stored.fields["Recurring"] is True


async def test_a_series_in_a_dedicated_calendar_is_one_meeting(world: World) -> None:
    """user-list-calendarview.md: a calendar's view lists a series' occurrences; a dedicated calendar's round
    (which lists the window, docs/graph-client.md) reports the series once, by its master."""
    box = GraphMailbox(
        upn=None, client=world.client, tokens=SandboxTokenSource(USER), options=GraphMailboxOptions(calendar="NAV")
    )
    containers = await box.provision()
    assert containers.calendar_id is not None
    master = await world.graph("POST", f"/me/calendars/{containers.calendar_id}/events", series(WEEKLY))
    rnd = box.delta(ItemKind.EVENT, None)
    entries = [e async for page in rnd.pages() for e in page]
    assert [e.id for e in entries] == [master["id"]]
    week = f"startDateTime={MONDAY}T00:00:00Z&endDateTime={MONDAY + dt.timedelta(days=8)}T00:00:00Z"
    occurrences = (await world.graph("GET", f"/me/events/{master['id']}/instances?{week}"))["value"]
    await world.graph("PATCH", f"/me/events/{occurrences[1]['id']}", {"subject": "moved"})
    changed = [e async for page in box.delta(ItemKind.EVENT, rnd.delta_link).pages() for e in page]
    assert [e.id for e in changed] == [master["id"]]
