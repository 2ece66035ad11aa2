"""To Do dates in the mailbox's time zone, end to end: the embedded NAV company, the engine, the Graph client
and the sandbox (in-process), for users in Berlin, New York and Auckland.

resources/todotask.md: a task's dueDateTime and startDateTime are "in the specified time zone"; To Do keeps a
due date set in its own UI as that day's midnight in the user's zone and answers it in UTC (todotask-get.md's
example: ``2020-08-25T04:00:00.0000000`` UTC, midnight in the Eastern zone). The user's zone is
mailboxSettings.timeZone (user-get-mailboxsettings.md), a Windows or an IANA name.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from graphsync.auth.sandbox import SandboxTokenSource
from graphsync.cli.messages import render
from graphsync.config.entities import EntitiesConfig, EntityName, FieldSpec, default_entities
from graphsync.config.model import SyncConfig
from graphsync.connectors.nav import NavTable
from graphsync.engine.report import RunReport, SyncOptions
from graphsync.engine.state import StateStore
from graphsync.engine.sync import run_sync
from graphsync.errors import ConfigError, MailboxTimeZoneError
from graphsync.graph import GraphMailbox, GraphMailboxOptions
from graphsync.mapping.convert import Conversion
from graphsync.nav.embedded import EmbeddedNav
from graphsync.sandbox import SandboxState, create_app

USER = "eh@contoso.com"
HEADERS = {"Authorization": f"Bearer sandbox:{USER}"}


@dataclass(frozen=True)
class Person:
    mailbox_zone: str
    """As mailboxSettings.timeZone holds it: a Windows or an IANA name."""
    iana: str
    dst_days: tuple[dt.date, dt.date]
    """The days daylight saving time starts and ends (in 2025)."""


BERLIN = Person("W. Europe Standard Time", "Europe/Berlin", (dt.date(2025, 3, 30), dt.date(2025, 10, 26)))
NEW_YORK = Person("Eastern Standard Time", "America/New_York", (dt.date(2025, 3, 9), dt.date(2025, 11, 2)))
AUCKLAND = Person("Pacific/Auckland", "Pacific/Auckland", (dt.date(2025, 9, 28), dt.date(2025, 4, 6)))
PEOPLE = {"Berlin": BERLIN, "New York": NEW_YORK, "Auckland": AUCKLAND}


class World:
    def __init__(self, tmp: Path, client: httpx.AsyncClient, *, time_zone: str | None = None) -> None:
        self.nav = EmbeddedNav.create(tmp / "nav.sqlite", demo=False)
        self.nav.insert(NavTable.SALESPERSON, {"Code": "EH", "Name": "Ester Henderson", "E-Mail": USER})
        self.store = StateStore(tmp / "state.sqlite")
        self.entities: EntitiesConfig = default_entities()
        self.nav_zone = "UTC"
        """``[sync] time_zone``: NAV's times."""
        self.client = client
        self.paths: list[str] = []
        """Every request's path, when the fixture records them."""
        self.box = GraphMailbox(
            upn=None, client=client, tokens=SandboxTokenSource(USER), options=GraphMailboxOptions(time_zone=time_zone)
        )

    async def sync(self) -> RunReport:
        report = await run_sync(
            nav=self.nav,
            mailbox=self.box,
            store=self.store,
            entities=self.entities,
            options=SyncOptions(salesperson_code="EH", entities=frozenset({EntityName.TASK}), time_zone=self.nav_zone),
        )
        assert report.ok, (report.errors, report.counts)
        return report

    def todo(self, start: dt.date, due: dt.date) -> str:
        record = self.nav.insert(
            NavTable.TODO,
            {
                "Type": "",
                "System To-do Type": "Organizer",
                "Salesperson Code": "EH",
                "Description": f"call {due}",
                "Date": start,
                "Ending Date": due,
            },
        )
        return str(record.key[0])

    def dates(self, number: str) -> tuple[dt.date, dt.date]:
        fields = self.nav.get(NavTable.TODO, (number,)).fields  # type: ignore[union-attr]
        return fields["Date"], fields["Ending Date"]

    async def graph(self, method: str, url: str, body: dict[str, Any] | None = None) -> Any:
        response = await self.client.request(method, url, json=body, headers=HEADERS)
        assert response.status_code < 300, response.text
        return response.json() if response.content else None

    async def tasks(self) -> list[dict[str, Any]]:
        lists = (await self.graph("GET", "/me/todo/lists"))["value"]
        nav_list = next(entry for entry in lists if entry["displayName"] == "Dynamics NAV")
        self.list_id = nav_list["id"]
        return list((await self.graph("GET", f"/me/todo/lists/{self.list_id}/tasks?$top=100"))["value"])

    async def task(self, title: str) -> dict[str, Any]:
        return next(t for t in await self.tasks() if t["title"] == title)


@pytest.fixture(params=list(PEOPLE), ids=list(PEOPLE))
def person(request: pytest.FixtureRequest) -> Person:
    return PEOPLE[request.param]


@pytest.fixture
async def world(tmp_path: Path, person: Person) -> AsyncIterator[World]:
    state = SandboxState.seeded(USER)
    state.seed_user(USER, time_zone=person.mailbox_zone)
    paths: list[str] = []

    async def record(request: httpx.Request) -> None:
        paths.append(request.url.path)

    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=create_app(state)),
        base_url="http://sandbox/v1.0",
        event_hooks={"request": [record]},
    ) as client:
        w = World(tmp_path, client)
        w.paths = paths
        yield w
        w.store.close()
        w.nav.close()


def local_day(value: dict[str, str], zone: str) -> tuple[dt.date, dt.time]:
    """What To Do shows for a UTC dateTimeTimeZone: the day and time in the user's zone."""
    assert value["timeZone"] == "UTC"
    moment = dt.datetime.fromisoformat(value["dateTime"][:19]).replace(tzinfo=dt.UTC).astimezone(ZoneInfo(zone))
    return moment.date(), moment.time()


async def test_nav_dates_show_in_to_do_on_their_day_and_come_back_unchanged(world: World, person: Person) -> None:
    """A NAV to-do's Date and Ending Date become local midnights of those days in the user's zone; the next run
    reads them back as the same days and writes nothing (no drift, no flip-flop)."""
    start, due = dt.date(2025, 12, 22), dt.date(2025, 12, 24)
    number = world.todo(start, due)
    await world.sync()
    task = await world.task(f"call {due}")
    assert local_day(task["dueDateTime"], person.iana) == (due, dt.time(0))
    assert local_day(task["startDateTime"], person.iana) == (start, dt.time(0))
    again = await world.sync()
    assert not any(k.startswith(("nav_", "outlook_")) for k in again.counts if again.counts[k])
    assert world.dates(number) == (start, due)


async def test_a_due_date_set_as_to_dos_own_ui_sets_it_arrives_on_that_day(world: World, person: Person) -> None:
    """To Do's UI sets a due date as that day's local midnight (todotask-get.md's example); NAV gets that day."""
    number = world.todo(dt.date(2025, 1, 6), dt.date(2025, 1, 10))
    await world.sync()
    task = await world.task("call 2025-01-10")
    ui_midnight = {"dateTime": "2025-02-14T00:00:00", "timeZone": person.mailbox_zone}
    await world.graph("PATCH", f"/me/todo/lists/{world.list_id}/tasks/{task['id']}", {"dueDateTime": ui_midnight})
    await world.sync()
    assert world.dates(number)[1] == dt.date(2025, 2, 14)


async def test_days_around_daylight_saving_changes_round_trip(world: World, person: Person) -> None:
    """The days daylight saving time starts and ends, and the days either side: their local midnights are 23 or
    25 hours apart; each NAV date shows in To Do on that day and comes back as that day."""
    days = sorted({d + dt.timedelta(days=k) for d in person.dst_days for k in (-1, 0, 1)})
    numbers = {day: world.todo(day, day) for day in days}
    await world.sync()
    for day in days:
        task = await world.task(f"call {day}")
        assert local_day(task["dueDateTime"], person.iana) == (day, dt.time(0)), day
    # Moved by a day in To Do, each the UI way, across the change.
    for day in days:
        task = await world.task(f"call {day}")
        moved = {"dateTime": f"{day + dt.timedelta(days=1)}T00:00:00", "timeZone": person.mailbox_zone}
        await world.graph("PATCH", f"/me/todo/lists/{world.list_id}/tasks/{task['id']}", {"dueDateTime": moved})
    await world.sync()
    for day, number in numbers.items():
        assert world.dates(number) == (day, day + dt.timedelta(days=1)), day


async def test_the_configured_time_zone_overrides_the_mailboxs(tmp_path: Path) -> None:
    """``[sync] time_zone`` set in the config is the zone dates are written in, whatever mailboxSettings says
    (and mailboxSettings is then not read at all: an app without MailboxSettings.Read still syncs)."""
    state = SandboxState.seeded(USER)
    state.seed_user(USER, time_zone="Tokyo Standard Time")
    paths: list[str] = []

    async def record(request: httpx.Request) -> None:
        paths.append(request.url.path)

    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=create_app(state)),
        base_url="http://sandbox/v1.0",
        event_hooks={"request": [record]},
    ) as client:
        w = World(tmp_path, client, time_zone="America/New_York")
        number = w.todo(dt.date(2025, 6, 2), dt.date(2025, 6, 3))
        await w.sync()
        task = await w.task("call 2025-06-03")
        assert local_day(task["dueDateTime"], "America/New_York") == (dt.date(2025, 6, 3), dt.time(0))
        assert paths and not any("mailboxSettings" in p for p in paths)
        assert w.dates(number) == (dt.date(2025, 6, 2), dt.date(2025, 6, 3))
        w.store.close()
        w.nav.close()


async def test_the_mailbox_time_zone_is_read_once_per_run(world: World) -> None:
    """user-get-mailboxsettings.md: GET /me/mailboxSettings/timeZone, read once and kept for the run."""
    world.todo(dt.date(2025, 6, 2), dt.date(2025, 6, 3))
    await world.sync()
    assert sum(p.endswith("/mailboxSettings/timeZone") for p in world.paths) == 1


def _mailbox_answering(status: int, body: dict[str, Any]) -> GraphMailbox:
    async def handler(request: httpx.Request) -> httpx.Response:
        assert request.url.path.endswith("/mailboxSettings/timeZone")
        return httpx.Response(status, json=body)

    return GraphMailbox(
        upn="eh@contoso.com",
        client=httpx.AsyncClient(transport=httpx.MockTransport(handler), base_url="https://graph.test/v1.0"),
        tokens=SandboxTokenSource(USER),
    )


@pytest.mark.parametrize(
    ("answered", "iana"),
    [("W. Europe Standard Time", "Europe/Berlin"), ("Pacific/Auckland", "Pacific/Auckland"), ("UTC", "UTC")],
)
async def test_a_windows_or_iana_mailbox_zone_is_read_as_iana(answered: str, iana: str) -> None:
    """user-get-mailboxsettings.md: the zone is answered in Windows or IANA form, as it was set."""
    box = _mailbox_answering(200, {"value": answered})
    assert await box.time_zone() == iana


async def test_a_zone_that_cannot_be_read_says_how_to_go_on() -> None:
    """user-get-mailboxsettings.md, "Permissions": Application MailboxSettings.Read. Without it Graph answers
    403; a custom zone ("Customized Time Zone", resources/customtimezone.md) names no zone graphsync knows."""
    denied = _mailbox_answering(403, {"error": {"code": "ErrorAccessDenied", "message": "Access is denied."}})
    with pytest.raises(MailboxTimeZoneError) as no_access:
        await denied.time_zone()
    assert no_access.value.found is None and no_access.value.status == 403
    assert "MailboxSettings.Read" in render(no_access.value) and "[sync] time_zone" in render(no_access.value)
    custom = _mailbox_answering(200, {"value": "Customized Time Zone"})
    with pytest.raises(MailboxTimeZoneError) as unknown:
        await custom.time_zone()
    assert unknown.value.found == "Customized Time Zone" and "[sync] time_zone" in render(unknown.value)


def test_a_configured_zone_must_be_one() -> None:
    with pytest.raises(ConfigError) as bad:
        GraphMailboxOptions(time_zone="Mars/Olympus")
    assert bad.value.key == "sync.time_zone"
    assert GraphMailboxOptions(time_zone="Eastern Standard Time").time_zone == "Eastern Standard Time"


async def test_reminders_ring_at_the_nav_time_in_the_users_zone(tmp_path: Path, person: Person) -> None:
    """resources/todotask.md: reminderDateTime is "the date and time in the specified time zone"; To Do answers it
    in UTC. NAV's Date and Start Time (in ``[sync] time_zone``, here the user's) become that moment, on the days
    daylight saving time starts and ends too, and a reminder set in To Do's UI comes back as NAV's local time."""
    state = SandboxState.seeded(USER)
    state.seed_user(USER, time_zone=person.mailbox_zone)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=create_app(state)), base_url="http://sandbox/v1.0"
    ) as client:
        w = World(tmp_path, client)
        reminder = FieldSpec(
            nav=("Date", "Start Time"), outlook="reminderDateTime", conversion=Conversion.DATETIME, key="reminder"
        )
        defaults = default_entities()
        task = defaults.get(EntityName.TASK)
        with_reminder = replace(task, fields=(*task.fields, reminder))
        w.entities = replace(defaults, entities=tuple(with_reminder if e is task else e for e in defaults))
        w.nav_zone = person.iana
        numbers = {}
        for day in person.dst_days:
            record = w.nav.insert(
                NavTable.TODO,
                {
                    "Type": "",
                    "System To-do Type": "Organizer",
                    "Salesperson Code": "EH",
                    "Description": f"remind {day}",
                    "Date": day,
                    "Start Time": dt.time(9, 30),
                    "Ending Date": day,
                },
            )
            numbers[day] = str(record.key[0])
        await w.sync()
        for day in person.dst_days:
            stored = (await w.task(f"remind {day}"))["reminderDateTime"]
            assert local_day(stored, person.iana) == (day, dt.time(9, 30)), day
            ui = {"dateTime": f"{day}T07:15:00", "timeZone": person.mailbox_zone}
            item = await w.task(f"remind {day}")
            await w.graph("PATCH", f"/me/todo/lists/{w.list_id}/tasks/{item['id']}", {"reminderDateTime": ui})
        await w.sync()
        for day, number in numbers.items():
            fields = w.nav.get(NavTable.TODO, (number,)).fields  # type: ignore[union-attr]
            assert (fields["Date"], fields["Start Time"]) == (day, dt.time(7, 15)), day
        w.store.close()
        w.nav.close()


def test_the_config_gives_the_mailbox_zone_only_when_it_names_one() -> None:
    from graphsync.runtime.graph import mailbox_options

    assert mailbox_options(SyncConfig(time_zone="Europe/Berlin")).time_zone is None
    given = SyncConfig(time_zone="Europe/Berlin", time_zone_configured=True)
    assert mailbox_options(given).time_zone == "Europe/Berlin"
