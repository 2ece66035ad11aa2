"""Property: whatever edits, crashes and lost delta links happen, an attendee of a meeting whose attendee
set never changes receives exactly one invitation."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import socket
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graphsync.config.entities import default_entities
from graphsync.connectors.nav import NavTable
from graphsync.connectors.outlook import ItemKind
from graphsync.engine.report import SyncOptions
from graphsync.engine.state import StateStore
from graphsync.engine.sync import run_sync
from tests.fakes.nav import FakeNav, SimulatedCrash
from tests.fakes.outlook import FakeMailbox

HOLDER = f"pid {os.getpid()} on {socket.gethostname()}"
MEETINGS = 3
FIRST = dt.date.today() + dt.timedelta(days=1)

step = st.one_of(
    st.tuples(st.just("nav_location"), st.integers(0, MEETINGS - 1), st.sampled_from(["A", "B", "C"])),
    st.tuples(st.just("out_subject"), st.integers(0, MEETINGS - 1), st.sampled_from(["x", "y"])),
    st.tuples(st.just("out_move"), st.integers(0, MEETINGS - 1), st.sampled_from(["10", "14"])),
    st.tuples(st.just("sync"), st.sampled_from([0, 1, 2]), st.sampled_from(["", "nav", "outlook"])),
    st.tuples(st.just("expire"), st.just(0), st.just("")),
)


async def _scenario(steps: list[tuple[str, int, str]], tmp: Path) -> None:
    nav, box = FakeNav(), FakeMailbox()
    store = StateStore(tmp / "state.sqlite")
    nav.insert(NavTable.SALESPERSON, {"Code": "EH", "Name": "Ester", "E-Mail": "eh@contoso.com"})
    contact = nav.insert(NavTable.CONTACT, {"Type": "Company", "Name": "Gibson", "E-Mail": "info@gibson.example"})
    todos = []
    for i in range(MEETINGS):
        todo = nav.insert(
            NavTable.TODO,
            {
                "Type": "Meeting",
                "System To-do Type": "Organizer",
                "Salesperson Code": "EH",
                "Description": f"M{i}",
                "Contact No.": contact.key[0],
                "Date": FIRST + dt.timedelta(days=i),
                "Start Time": dt.time(9),
                "Ending Date": FIRST + dt.timedelta(days=i),
                "Ending Time": dt.time(10),
            },
        )
        # NAV made EH the organizer and the contact a required attendee, invited: it has an e-mail address.
        todos.append(todo.key)
    options = SyncOptions(salesperson_code="EH", allow_mass_delete=True)

    async def sync(crash: str = "", after: int = 1) -> None:
        if crash == "nav":
            nav.crash_after_writes = nav.writes + after
        elif crash == "outlook":
            box.crash_after_ops = box.ops_done + after
        try:
            await run_sync(nav=nav, mailbox=box, store=store, entities=default_entities(), options=options)
        except SimulatedCrash:
            store.mailbox(box.mailbox).lock.release(HOLDER)
        nav.crash_after_writes = None
        box.crash_after_ops = None

    for action, index, value in steps:
        events = box.by_nav_key(ItemKind.EVENT).get(f"5080:{todos[index][0]}", [])
        if action == "nav_location":
            nav.edit(NavTable.TODO, todos[index], Location=value)
        elif action == "out_subject" and events:
            box.user_edit(ItemKind.EVENT, events[0], {"subject": value})
        elif action == "out_move" and events:
            day = FIRST + dt.timedelta(days=index)
            box.user_edit(
                ItemKind.EVENT,
                events[0],
                {
                    "start": {"dateTime": f"{day}T{value}:00:00", "timeZone": "UTC"},
                    "end": {"dateTime": f"{day}T{int(value) + 1}:00:00", "timeZone": "UTC"},
                },
            )
        elif action == "sync":
            await sync(value, index + 1)
        elif action == "expire":
            box.expire_delta(ItemKind.EVENT)
    for _ in range(3):
        await sync()
    assert all(len(v) == 1 for v in box.by_nav_key(ItemKind.EVENT).values())
    assert len(box.items[ItemKind.EVENT]) == MEETINGS
    assert box.invitations == {"info@gibson.example": MEETINGS}
    store.close()
    nav.close()


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=st.lists(step, min_size=1, max_size=15))
def test_no_second_invitation_for_an_unchanged_attendee_set(steps: list[tuple[str, int, str]]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        asyncio.run(_scenario(steps, Path(tmp)))
