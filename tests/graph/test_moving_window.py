"""The calendar window moves: a simulated year of runs with an injected clock, the embedded NAV company, the
engine, the Graph client and the sandbox.

A calendarView delta round's window is fixed when it starts and lives in its links (event-delta.md:
startDateTime and endDateTime are given on the first request only; delta-query-overview.md: the links carry
the state). Left alone, after months the window no longer covers the days ahead the config asks for. The client
starts a new, full round over today's window once the kept window's start is more than
``window_renewal_days`` behind the configured back-window (graph/events.py): no duplicate, no lost edit on
either side, and NAV is not read in full again (its change sets go on from their watermarks).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx

from graphsync.auth.sandbox import SandboxTokenSource
from graphsync.config.entities import EntityName, default_entities
from graphsync.connectors.nav import NavTable
from graphsync.connectors.outlook import ItemKind, MeetingScope
from graphsync.engine.read import delta_cursor
from graphsync.engine.report import SyncOptions
from graphsync.engine.state import StateStore
from graphsync.engine.sync import run_sync
from graphsync.graph import GraphMailbox, GraphMailboxOptions
from graphsync.graph.events import CalendarViewLink
from graphsync.graph.stamping import NAV_KEY_PROPERTY, property_id
from graphsync.sandbox import SandboxState, create_app
from tests.fakes.nav import FakeNav

USER = "eh@contoso.com"
HEADERS = {"Authorization": f"Bearer sandbox:{USER}", "Prefer": 'IdType="ImmutableId"'}
PAST, FUTURE, RENEWAL = 30, 60, 7
STEP = dt.timedelta(days=5)
DAYS = 365


class SimulatedYearMailbox(GraphMailbox):
    """The Graph client, its calendar read over its own window around the simulated clock, while the engine's
    window (asked of the mailbox, around the real today) reaches past the simulated year: the client's window
    is what moves here, and NAV's meetings of the whole year must stay the engine's."""

    @property
    def meetings(self) -> MeetingScope:
        return replace(super().meetings, future_days=DAYS + 60)


async def test_a_year_of_runs_moves_the_window_without_duplicates_or_lost_edits(tmp_path: Path) -> None:
    state = SandboxState.seeded(USER)
    nav = FakeNav()  # an empty embedded company that counts full reads of a table (from no watermark)
    nav.insert(NavTable.SALESPERSON, {"Code": "EH", "Name": "Ester Henderson", "E-Mail": USER})
    store = StateStore(tmp_path / "state.sqlite")
    start = dt.datetime.now(dt.UTC).replace(hour=12, minute=0, second=0, microsecond=0)
    clock = [start]
    options = GraphMailboxOptions(window_past_days=PAST, window_future_days=FUTURE, window_renewal_days=RENEWAL)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=create_app(state)), base_url="http://sandbox/v1.0"
    ) as client:
        box = SimulatedYearMailbox(
            upn=None, client=client, tokens=SandboxTokenSource(USER), options=options, now=lambda: clock[0]
        )

        async def graph(method: str, url: str, body: dict[str, Any] | None = None) -> Any:
            response = await client.request(method, url, json=body, headers=HEADERS)
            assert response.status_code < 300, response.text
            return response.json() if response.content else None

        async def sync() -> None:
            report = await run_sync(
                nav=nav,
                mailbox=box,
                store=store,
                entities=default_entities(),
                options=SyncOptions(salesperson_code="EH", entities=frozenset({EntityName.MEETING})),
            )
            assert report.ok, (report.errors, report.conflicts)

        async def events_by_key() -> dict[str, list[dict[str, Any]]]:
            expand = f"singleValueExtendedProperties($filter=id eq '{property_id(NAV_KEY_PROPERTY)}')"
            found: dict[str, list[dict[str, Any]]] = {}
            url: str | None = f"/me/events?$top=1000&$expand={expand}"
            while url:
                page = await graph("GET", url)
                for event in page["value"]:
                    key = next((p["value"] for p in event.get("singleValueExtendedProperties", [])), "")
                    found.setdefault(key, []).append(event)
                url = page.get("@odata.nextLink")
            return found

        windows: list[dt.datetime] = []
        nav_edits: dict[str, str] = {}
        outlook_edits: dict[str, str] = {}
        made_in_outlook: list[str] = []
        nav_keys: list[str] = []
        step = 0
        while clock[0] < start + dt.timedelta(days=DAYS):
            step += 1
            today = clock[0].date()
            # NAV: a new meeting ten days ahead, and an edit of the one made two steps before.
            todo = nav.insert(
                NavTable.TODO,
                {
                    "Type": "Meeting",
                    "System To-do Type": "Organizer",
                    "Salesperson Code": "EH",
                    "Description": f"nav {step}",
                    "Date": today + dt.timedelta(days=10),
                    "Start Time": dt.time(9, 0),
                    "Ending Date": today + dt.timedelta(days=10),
                    "Ending Time": dt.time(10, 0),
                },
            )
            nav_keys.append(str(todo.key[0]))
            if step > 2:
                edited = nav_keys[-3]
                nav.modify(NavTable.TODO, (edited,), {"Location": f"room {step}"}, if_match="*")
                nav_edits[f"5080:{edited}"] = f"room {step}"
            # Outlook: a meeting made there five days ahead, and an edit of the NAV meeting of the step before.
            day = today + dt.timedelta(days=5)
            await graph(
                "POST",
                "/me/events",
                {
                    "subject": f"outlook {step}",
                    "categories": ["Dynamics NAV"],
                    "start": {"dateTime": f"{day}T14:00:00", "timeZone": "UTC"},
                    "end": {"dateTime": f"{day}T15:00:00", "timeZone": "UTC"},
                },
            )
            made_in_outlook.append(f"outlook {step}")
            if step > 1:
                previous = (await events_by_key()).get(f"5080:{nav_keys[-2]}")
                assert previous, nav_keys[-2]
                await graph("PATCH", f"/me/events/{previous[0]['id']}", {"subject": f"nav {step - 1} (edited)"})
                outlook_edits[f"5080:{nav_keys[-2]}"] = f"nav {step - 1} (edited)"
            await sync()
            kept = CalendarViewLink.decode(store.mailbox(box.mailbox).cursors.get(delta_cursor(ItemKind.EVENT)) or "")
            assert kept is not None
            configured_start = dt.datetime.combine(today - dt.timedelta(days=PAST), dt.time(0), dt.UTC)
            # Never further behind than the renewal allows, and always covering the configured days ahead.
            assert kept.window.start >= configured_start - dt.timedelta(days=RENEWAL)
            assert kept.window.end >= configured_start + dt.timedelta(days=PAST + FUTURE)
            windows.append(kept.window.start)
            clock[0] += STEP

        await sync()
        events = await events_by_key()
        todos = list(nav.find(NavTable.TODO, {"Type": "Meeting"}))
        # No duplicate on either side: one event per NAV meeting, one NAV meeting per event.
        assert all(len(found) == 1 for key, found in events.items() if key), {k: len(v) for k, v in events.items()}
        assert "" not in events  # every event made in Outlook was stamped with its new NAV key
        assert len(todos) == len(events) == 2 * step
        assert sorted(
            t.fields["Description"] for t in todos if t.fields["Description"].startswith("outlook")
        ) == sorted(made_in_outlook)
        # No lost edit, either way.
        for key, room in nav_edits.items():
            assert events[key][0]["location"]["displayName"] == room, key
        by_key = {f"5080:{t.key[0]}": t for t in todos}
        for key, subject in outlook_edits.items():
            assert by_key[key].fields["Description"] == subject, key
        # The window moved: a new round every RENEWAL-odd days, not every run and not never.
        renewals = len(set(windows))
        assert DAYS // (RENEWAL + STEP.days) <= renewals <= DAYS // RENEWAL + 2, renewals
        # NAV was read in full once, by the first run; every later run read its change sets only.
        assert nav.full_reads[NavTable.TODO] == 1 and nav.full_reads[NavTable.ATTENDEE] == 1
    store.close()
    nav.close()
