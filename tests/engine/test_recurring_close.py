"""Closing a recurring to-do in NAV whose meeting is an Outlook series, end to end: the embedded company makes
the next to-do as table 5080's CreateRecurringTask does, the engine passes the series on to it, the Graph
client reads the sandbox, whose calendarView expands the series into occurrences (user-list-calendarview.md)
and which records every meeting request Graph would send (docs/engine.md, "Recurring series")."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from graphsync.auth.sandbox import SandboxTokenSource
from graphsync.config.entities import EntityName, default_entities
from graphsync.connectors.nav import NavRecord, NavTable
from graphsync.connectors.outlook import ItemKind, WriteOp, WriteResult
from graphsync.engine.report import RunReport, SyncOptions
from graphsync.engine.series import OCCURRENCE
from graphsync.engine.state import StateStore
from graphsync.engine.sync import run_sync
from graphsync.errors import PreconditionFailedError
from graphsync.graph import GraphMailbox, GraphMailboxOptions
from graphsync.nav.embedded import EmbeddedNav
from graphsync.sandbox import SandboxState, create_app

USER = "eh@contoso.com"
GUEST = "lori@gibson.example"
HEADERS = {"Authorization": f"Bearer sandbox:{USER}", "Prefer": 'IdType="ImmutableId"'}
ZONE = "Europe/Berlin"
TODAY = dt.datetime.now(dt.UTC).date()
MONDAY = TODAY + dt.timedelta(days=7 - TODAY.weekday())
"""A Monday in the coming week: inside the sync window, with weeks of it ahead."""
WEEK = dt.timedelta(weeks=1)
WEEKLY = {"type": "weekly", "interval": 1, "daysOfWeek": ["monday"]}
SENT = [(GUEST, "invitation"), (GUEST, "update")]
"""The meeting requests `_series_with_a_guest` leads to: the guest invited once, told once of the series."""
TODO = NavTable.TODO


class World:
    def __init__(self, tmp: Path, client: httpx.AsyncClient, state: SandboxState) -> None:
        self.nav = EmbeddedNav.create(tmp / "nav.sqlite", demo=False)
        self.nav.set_user_time_zone(self.nav.user_id, ZONE)  # the NAV user closing to-dos works in Berlin too
        self.nav.insert(NavTable.SALESPERSON, {"Code": "EH", "Name": "Ester Henderson", "E-Mail": USER})
        self.nav.insert(NavTable.CONTACT, {"No.": "CT1", "Type": "Person", "Name": "Lori Kane", "E-Mail": GUEST})
        self.store = StateStore(tmp / "state.sqlite")
        self.client = client
        self.state = state
        self.box = GraphMailbox(upn=None, client=client, tokens=SandboxTokenSource(USER), options=GraphMailboxOptions())

    async def run(self, *, full: bool = False) -> RunReport:
        return await run_sync(
            nav=self.nav,
            mailbox=self.box,
            store=self.store,
            entities=default_entities(),
            options=SyncOptions(
                salesperson_code="EH", time_zone=ZONE, full=full, entities=frozenset({EntityName.MEETING})
            ),
        )

    async def sync(self, *, full: bool = False) -> RunReport:
        report = await self.run(full=full)
        assert report.ok, report.errors
        return report

    def todos(self) -> list[NavRecord]:
        return list(self.nav.find(TODO, {"Type": "Meeting"}))

    def open_todo(self) -> NavRecord:
        [todo] = [t for t in self.todos() if not t["Closed"]]
        return todo

    def close(self, todo: NavRecord, **values: object) -> NavRecord:
        """A NAV user closes the to-do in the client (field 13 Closed validated: NAV makes the next one)."""
        self.nav.modify(TODO, todo.key, {"Status": "Completed", **values}, if_match="*")
        return self.open_todo()

    async def graph(self, method: str, url: str, body: dict[str, Any] | None = None) -> Any:
        response = await self.client.request(method, url, json=body, headers=HEADERS)
        assert response.status_code < 300, response.text
        return response.json() if response.content else None

    async def events(self) -> list[dict[str, Any]]:
        """Every event of the calendar as /me/events lists them: single meetings and series masters."""
        return list((await self.graph("GET", "/me/events?$top=500"))["value"])

    async def view(self) -> list[dict[str, Any]]:
        start, end = TODAY - dt.timedelta(days=1), TODAY + dt.timedelta(days=60)
        params = f"startDateTime={start}T00:00:00Z&endDateTime={end}T00:00:00Z&$top=500"
        return list((await self.graph("GET", f"/me/calendarView?{params}"))["value"])

    def links(self) -> dict[str, str]:
        return {link.nav_key: link.outlook_id for link in self.store.mailbox(self.box.mailbox).links.all()}

    def requests(self) -> list[tuple[str, str]]:
        return [(r.attendee, r.reason.value) for r in self.state.meeting_requests]


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


def writes(report: RunReport) -> int:
    return sum(v for k, v in report.counts.items() if k.startswith(("nav_", "outlook_")))


def key(todo: NavRecord) -> str:
    return f"5080:{todo.key[0]}"


async def _series_with_a_guest(world: World) -> tuple[NavRecord, str]:
    """A meeting made in NAV with an invited contact, synced (one invitation), then made a weekly series in
    Outlook: its one to-do becomes Recurring, 1W from its due date (docs/engine.md, "Recurring series")."""
    world.nav.insert_todo(
        {
            "Type": "Meeting",
            "Salesperson Code": "EH",
            "Contact No.": "CT1",
            "Description": "weekly review",
            "Location": "Room 2",
            "Date": MONDAY,
            "Start Time": dt.time(10, 0),
            "Ending Date": MONDAY,
            "Ending Time": dt.time(11, 0),
        }
    )
    await world.sync()
    [event] = await world.events()
    rng = {"type": "noEnd", "startDate": str(MONDAY)}
    await world.graph("PATCH", f"/me/events/{event['id']}", {"recurrence": {"pattern": WEEKLY, "range": rng}})
    await world.sync()
    todo = world.open_todo()
    assert (todo["Recurring"], todo["Recurring Date Interval"], todo["Calc. Due Date From"]) == (True, "1W", "Due Date")
    # Outlook sent the invitation, and an update when the person made the meeting a series.
    assert world.requests() == SENT
    return todo, str(event["id"])


async def test_closing_the_to_do_of_a_series_passes_the_series_to_the_next_one(world: World) -> None:
    first, master = await _series_with_a_guest(world)
    second = world.close(first)
    assert second["Date"] == MONDAY + WEEK and second.key != first.key
    report = await world.sync()
    # One series, the same, with nothing of it deleted; no second meeting, no second invitation.
    [event] = await world.events()
    assert (event["id"], event["type"], event["subject"]) == (master, "seriesMaster", "weekly review")
    assert event["start"]["dateTime"].startswith(str(MONDAY))
    occurrences = [e for e in await world.view() if e.get("seriesMasterId") == master]
    assert [o["start"]["dateTime"][:10] for o in occurrences[:2]] == [str(MONDAY), str(MONDAY + WEEK)]
    assert all(e.get("seriesMasterId") == master for e in await world.view())
    assert world.requests() == SENT
    # The open to-do holds the series (its second occurrence); the closed one keeps no link; the master carries
    # the new NAV key.
    assert world.links() == {key(second): master}
    [link] = world.store.mailbox(world.box.mailbox).links.all()
    assert link.base[OCCURRENCE] == "1" and link.stamped and not link.dirty
    found = await world.box.find_by_nav_key(ItemKind.EVENT, key(second))
    assert found is not None and found.id == master
    assert report.counts.get("outlook_create", 0) == 0 and report.counts.get("nav_create", 0) == 0
    # Nothing more happens, incrementally or reading everything again (the closed one is not created either).
    assert writes(await world.sync()) == 0
    assert writes(await world.sync(full=True)) == 0
    assert len(await world.events()) == 1 and world.requests() == SENT
    assert [t.key for t in world.todos()] == [first.key, second.key]


async def test_each_close_moves_the_series_on_by_one_occurrence(world: World) -> None:
    first, master = await _series_with_a_guest(world)
    second = world.close(first)
    await world.sync()
    third = world.close(second)
    assert third["Date"] == MONDAY + 2 * WEEK
    await world.sync()
    assert world.links() == {key(third): master}
    [link] = world.store.mailbox(world.box.mailbox).links.all()
    assert link.base[OCCURRENCE] == "2"
    assert len(await world.events()) == 1 and world.requests() == SENT
    assert writes(await world.sync()) == 0


async def test_edits_of_the_next_to_do_change_the_series(world: World) -> None:
    """NAV copies each to-do into the next, so an edit of the open one is an edit of the series from then on:
    subject and place of the master, and a new time of day for every occurrence (event-update.md on the
    master). Its date stays the occurrence's."""
    first, master = await _series_with_a_guest(world)
    second = world.close(first)
    await world.sync()
    world.nav.modify(
        TODO,
        second.key,
        {
            "Description": "weekly review (new room)",
            "Location": "Room 7",
            "Start Time": dt.time(11, 0),
            "Ending Date": MONDAY + WEEK,
            "Ending Time": dt.time(12, 0),
        },
        if_match="*",
    )
    report = await world.sync()
    assert report.counts.get("outlook_update") == 1
    event = await world.graph("GET", f"/me/events/{master}")
    assert (event["subject"], event["location"]["displayName"]) == ("weekly review (new room)", "Room 7")
    occurrences = [e for e in await world.view() if e.get("seriesMasterId") == master]
    berlin = [
        dt.datetime.fromisoformat(o["start"]["dateTime"][:19]).replace(tzinfo=dt.UTC).astimezone(ZoneInfo(ZONE))
        for o in occurrences[:3]
    ]
    assert [(b.date(), b.time()) for b in berlin] == [(MONDAY + n * WEEK, dt.time(11, 0)) for n in range(3)]
    stored = world.open_todo()
    assert (stored.key, stored["Date"], stored["Start Time"]) == (second.key, MONDAY + WEEK, dt.time(11, 0))
    # Attendees were told of the new time once; nobody was invited again.
    assert world.requests() == [*SENT, (GUEST, "update")]
    assert writes(await world.sync()) == 0


async def test_an_edit_of_the_series_in_outlook_reaches_the_open_to_do(world: World) -> None:
    first, master = await _series_with_a_guest(world)
    second = world.close(first)
    await world.sync()
    start = {"dateTime": f"{MONDAY}T14:00:00", "timeZone": "W. Europe Standard Time"}
    end = {"dateTime": f"{MONDAY}T15:30:00", "timeZone": "W. Europe Standard Time"}
    await world.graph("PATCH", f"/me/events/{master}", {"subject": "review", "start": start, "end": end})
    await world.sync()
    stored = world.open_todo()
    assert stored.key == second.key
    assert (stored["Description"], stored["Date"], stored["Start Time"]) == ("review", MONDAY + WEEK, dt.time(14, 0))
    assert (stored["Ending Date"], stored["Ending Time"]) == (MONDAY + WEEK, dt.time(15, 30))
    closed = world.nav.get(TODO, first.key)
    assert closed is not None and (closed["Description"], closed["Closed"]) == ("weekly review", True)
    assert writes(await world.sync()) == 0


async def test_a_next_to_do_dated_from_the_closing_day_is_moved_onto_the_series(world: World) -> None:
    """Calc. Due Date From "Closing Date": NAV dates the next to-do a week after the day it was closed, a day the
    series has no occurrence on. Outlook owns the recurrence: the to-do moves to the series' next occurrence."""
    first, master = await _series_with_a_guest(world)
    second = world.close(first, **{"Calc. Due Date From": "Closing Date"})
    local_today = dt.datetime.now(ZoneInfo(ZONE)).date()
    assert second["Date"] == local_today + WEEK != MONDAY + WEEK
    report = await world.sync()
    assert report.counts.get("nav_update") == 1 and report.counts.get("outlook_update", 0) == 0
    moved = world.open_todo()
    assert (moved.key, moved["Date"], moved["Start Time"]) == (second.key, MONDAY + WEEK, dt.time(10, 0))
    assert world.links() == {key(second): master}
    assert len(await world.events()) == 1 and world.requests() == SENT
    assert writes(await world.sync()) == 0


async def test_canceling_passes_the_series_on_too(world: World) -> None:
    first, master = await _series_with_a_guest(world)
    world.nav.modify(TODO, first.key, {"Canceled": True}, if_match="*")
    second = world.open_todo()
    await world.sync()
    assert world.links() == {key(second): master}
    assert len(await world.events()) == 1 and world.requests() == SENT


async def test_a_series_made_in_outlook_passes_on_the_same_way(world: World) -> None:
    body = {
        "subject": "stand-up",
        "categories": ["Dynamics NAV"],
        "start": {"dateTime": f"{MONDAY}T09:00:00", "timeZone": "W. Europe Standard Time"},
        "end": {"dateTime": f"{MONDAY}T09:15:00", "timeZone": "W. Europe Standard Time"},
        "recurrence": {
            "pattern": {"type": "daily", "interval": 1},
            "range": {"type": "noEnd", "startDate": str(MONDAY)},
        },
    }
    master = (await world.graph("POST", "/me/events", body))["id"]
    await world.sync()
    first = world.open_todo()
    second = world.close(first)
    assert second["Date"] == MONDAY + dt.timedelta(days=1)
    await world.sync()
    assert world.links() == {key(second): master}
    assert [e["id"] for e in await world.events()] == [master]
    assert writes(await world.sync()) == 0


async def test_a_closed_recurring_to_do_never_synced_is_not_created(world: World) -> None:
    """A recurring meeting made and closed in NAV before any sync: the past one is NAV's history of the
    recurrence, not a meeting to create; the next one is one meeting (NAV makes each next to-do itself)."""
    made = world.nav.insert_todo(
        {
            "Type": "Meeting",
            "Salesperson Code": "EH",
            "Description": "monthly call",
            "Date": MONDAY,
            "Start Time": dt.time(14, 0),
            "Ending Date": MONDAY,
            "Ending Time": dt.time(14, 30),
            "Recurring": True,
            "Recurring Date Interval": "1M",
            "Calc. Due Date From": "Due Date",
        }
    )
    nxt = world.close(made)
    await world.sync()
    [event] = await world.events()
    assert (event["type"], event["start"]["dateTime"][:10]) == ("singleInstance", str(nxt["Date"]))
    assert world.links() == {key(nxt): event["id"]}
    assert writes(await world.sync(full=True)) == 0


async def test_a_series_deleted_after_it_passed_on_deletes_only_the_open_to_do(world: World) -> None:
    first, master = await _series_with_a_guest(world)
    second = world.close(first)
    await world.sync()
    await world.graph("DELETE", f"/me/events/{master}")
    await world.sync()
    assert world.nav.get(TODO, second.key) is None
    closed = world.nav.get(TODO, first.key)
    assert closed is not None and closed["Closed"] is True
    assert world.links() == {}


async def test_the_next_to_do_finds_its_series_when_the_closed_one_is_before_the_window(world: World) -> None:
    """A series that began five weeks ago: its first to-do is before the 30 days the run looks back
    (`MeetingScope.past_days`), so only the next one, inside them, is read; it finds the closed one itself."""
    start = TODAY - dt.timedelta(days=35)
    day = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")[start.weekday()]
    body = {
        "subject": "supplier call",
        "categories": ["Dynamics NAV"],
        "start": {"dateTime": f"{start}T08:00:00", "timeZone": "W. Europe Standard Time"},
        "end": {"dateTime": f"{start}T08:30:00", "timeZone": "W. Europe Standard Time"},
        "recurrence": {
            "pattern": {"type": "weekly", "interval": 1, "daysOfWeek": [day]},
            "range": {"type": "noEnd", "startDate": str(start)},
        },
    }
    master = (await world.graph("POST", "/me/events", body))["id"]
    await world.sync()
    first = world.open_todo()
    assert first["Date"] == start
    second = world.close(first)
    assert second["Date"] == start + WEEK
    await world.sync()
    assert world.links() == {key(second): master}
    [link] = world.store.mailbox(world.box.mailbox).links.all()
    assert link.base[OCCURRENCE] == "1"
    assert [e["id"] for e in await world.events()] == [master]
    assert writes(await world.sync()) == 0
    # Closed twice more without a run in between: the open one walks back to the linked one.
    third = world.close(second)
    fourth = world.close(third)
    await world.sync()
    assert world.links() == {key(fourth): master}
    [link] = world.store.mailbox(world.box.mailbox).links.all()
    assert link.base[OCCURRENCE] == "3"
    assert [e["id"] for e in await world.events()] == [master]
    assert writes(await world.sync(full=True)) == 0


async def test_a_take_over_whose_write_failed_is_made_next_run(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """The series' stamp with the new NAV key is refused once (412): nothing is recorded but the closed one's
    link marked to be read again, and the next run, which reads only that, finds the next to-do itself."""
    first, master = await _series_with_a_guest(world)
    second = world.close(first)
    real = world.box.write

    async def refusing(ops: Sequence[WriteOp]) -> list[WriteResult]:
        return [WriteResult(op.op_id, error=PreconditionFailedError("changed meanwhile", status=412)) for op in ops]

    monkeypatch.setattr(world.box, "write", refusing)
    report = await world.run()
    assert [e.error for e in report.errors] == ["PreconditionFailedError"]
    [link] = world.store.mailbox(world.box.mailbox).links.all()
    assert (link.nav_key, link.dirty) == (key(first), True)
    monkeypatch.setattr(world.box, "write", real)
    await world.sync()
    assert world.links() == {key(second): master}
    assert len(await world.events()) == 1 and world.requests() == SENT
    assert writes(await world.sync()) == 0


async def test_a_to_do_moved_to_another_day_is_an_item_error_not_a_broken_series(world: World) -> None:
    """Outlook places a series' occurrences by its pattern and start date (graphsync never writes them); moving
    the master to a Tuesday would leave the occurrences on Mondays. So a to-do of a series moved to another day
    in NAV is an item error saying what to do; nothing is written, and NAV's value stays as the user left it."""
    first, master = await _series_with_a_guest(world)
    second = world.close(first)
    await world.sync()
    tuesday = MONDAY + WEEK + dt.timedelta(days=1)
    world.nav.modify(TODO, second.key, {"Date": tuesday, "Description": "moved"}, if_match="*")
    report = await world.run()
    [error] = report.errors
    assert (error.nav_key, error.error) == (key(second), "NavValidationError")
    assert f"moved in NAV to {tuesday}" in error.message and f"Date back to {MONDAY + WEEK}" in error.message
    event = await world.graph("GET", f"/me/events/{master}")
    assert (event["subject"], event["start"]["dateTime"][:10]) == ("weekly review", str(MONDAY))
    assert world.open_todo()["Date"] == tuesday and world.requests() == SENT
    # Put back on its day: the description goes to the series, and all is quiet again.
    world.nav.modify(TODO, second.key, {"Date": MONDAY + WEEK}, if_match="*")
    await world.sync()
    assert (await world.graph("GET", f"/me/events/{master}"))["subject"] == "moved"
    assert writes(await world.sync()) == 0
