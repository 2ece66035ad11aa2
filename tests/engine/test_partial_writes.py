"""A value one side cannot take does not hold up the item's other changes: NAV refuses a field (too long, not
an option) or a value does not convert, and the item's other fields are written all the same, both ways; the
bad field stays an item error naming the entity, the record, the field and the limit; the next run retries
only what is still pending, and the base moves only for what was written, so neither edit is lost and an edit
made meanwhile to a written field is an edit, not a conflict. On the embedded company (NAV's own validation)
with the in-memory mailbox."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from graphsync.config.entities import EntityName, default_entities
from graphsync.connectors.nav import NavTable
from graphsync.connectors.outlook import ItemKind
from graphsync.engine.plan import Side
from graphsync.engine.report import RunReport, SyncOptions
from graphsync.engine.state import StateStore
from graphsync.engine.sync import run_sync
from graphsync.nav.embedded import EmbeddedNav
from tests.fakes.outlook import FakeMailbox

PERSON = "CT200118"  # Lori Kane, a person of the CRONUS company: Job Title is Text[30] in NAV
KEY = f"5050:{PERSON}"
LONG_TITLE = "Senior Vice President of Strategic Partnerships and Customer Succes"  # 67 characters


class Demo:
    def __init__(self, tmp: Path) -> None:
        self.nav = EmbeddedNav.create(tmp / "nav.sqlite", demo=True)
        self.box = FakeMailbox()
        self.store = StateStore(tmp / "state.sqlite")

    async def sync(self) -> RunReport:
        return await run_sync(
            nav=self.nav,
            mailbox=self.box,
            store=self.store,
            entities=default_entities(),
            options=SyncOptions(salesperson_code="EH"),
        )

    def item(self, kind: ItemKind, nav_key: str) -> tuple[str, dict]:  # type: ignore[type-arg]
        (item_id,) = self.box.by_nav_key(kind)[nav_key]
        return item_id, self.box.items[kind][item_id].data

    def nav_field(self, table: NavTable, no: str, name: str) -> object:
        record = self.nav.get(table, (no,))
        assert record is not None
        return record.fields[name]


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[Demo]:
    d = Demo(tmp_path)
    yield d
    d.store.close()
    d.nav.close()


async def test_a_field_nav_refuses_does_not_hold_up_the_items_other_changes(demo: Demo) -> None:
    assert (await demo.sync()).ok
    item_id, _ = demo.item(ItemKind.CONTACT, KEY)
    title_before = demo.nav_field(NavTable.CONTACT, PERSON, "Job Title")
    demo.box.user_edit(ItemKind.CONTACT, item_id, {"jobTitle": LONG_TITLE, "mobilePhone": "07700 900123"})

    report = await demo.sync()
    (error,) = report.errors
    assert (error.entity, error.nav_key, error.side) == (EntityName.CONT_PERS, KEY, Side.NAV)
    assert error.message.startswith("Job Title: The length of the string is 67, but it must be less than or equal")
    assert "30 characters" in error.message
    assert demo.nav_field(NavTable.CONTACT, PERSON, "Mobile Phone No.") == "07700 900123"  # written all the same
    assert demo.nav_field(NavTable.CONTACT, PERSON, "Job Title") == title_before
    assert report.done[EntityName.CONT_PERS] == {"nav_update": 1}
    (done,) = report.items
    assert [c.field for c in done.plan.nav.changes] == ["mobilePhone"]

    # A NAV user changes the phone graphsync just wrote: an edit going to Outlook (its base moved), not a
    # conflict; the job title is still pending, and refused again, alone.
    demo.nav.modify(NavTable.CONTACT, (PERSON,), {"Mobile Phone No.": "07700 900999"}, if_match="*")
    report = await demo.sync()
    assert [e.message.split(":")[0] for e in report.errors] == ["Job Title"]
    assert report.conflicts == ()
    assert demo.item(ItemKind.CONTACT, KEY)[1]["mobilePhone"] == "07700 900999"
    assert demo.item(ItemKind.CONTACT, KEY)[1]["jobTitle"] == LONG_TITLE  # the person's edit is kept, not undone

    # Fixed in Outlook: the title goes to NAV, and the item is settled.
    demo.box.user_edit(ItemKind.CONTACT, item_id, {"jobTitle": "SVP Partnerships"})
    report = await demo.sync()
    assert report.ok, report.errors
    assert demo.nav_field(NavTable.CONTACT, PERSON, "Job Title") == "SVP Partnerships"
    assert (await demo.sync()).items == ()


async def test_each_field_nav_refuses_is_an_error_of_its_own(demo: Demo) -> None:
    assert (await demo.sync()).ok
    item_id, _ = demo.item(ItemKind.CONTACT, KEY)
    mail = "lori.kane." + "x" * 70 + "@cronus.example"  # E-Mail is Text[80]
    demo.box.user_edit(
        ItemKind.CONTACT,
        item_id,
        {"jobTitle": LONG_TITLE, "emailAddresses": [{"address": mail}], "mobilePhone": "07700 900123"},
    )
    report = await demo.sync()
    assert sorted(e.message.split(":")[0] for e in report.errors) == ["E-Mail", "Job Title"]
    assert {e.nav_key for e in report.errors} == {KEY} and report.counts["errors"] == 2
    assert demo.nav_field(NavTable.CONTACT, PERSON, "Mobile Phone No.") == "07700 900123"


async def test_nav_changes_reach_outlook_while_an_outlook_value_is_refused(demo: Demo) -> None:
    assert (await demo.sync()).ok
    item_id, _ = demo.item(ItemKind.CONTACT, KEY)
    demo.box.user_edit(ItemKind.CONTACT, item_id, {"jobTitle": LONG_TITLE})
    demo.nav.modify(NavTable.CONTACT, (PERSON,), {"Phone No.": "0118 496 0000"}, if_match="*")
    report = await demo.sync()
    assert [e.message.split(":")[0] for e in report.errors] == ["Job Title"]
    data = demo.item(ItemKind.CONTACT, KEY)[1]
    assert data["businessPhones"] == ["0118 496 0000"] and data["jobTitle"] == LONG_TITLE
    assert report.done[EntityName.CONT_PERS] == {"outlook_update": 1}


async def test_an_option_nav_does_not_have_waits_while_the_rest_is_written(demo: Demo) -> None:
    todo = demo.nav.insert(
        NavTable.TODO,
        {"Type": "", "Contact No.": PERSON, "Salesperson Code": "EH", "Date": dt.date.today(), "Description": "call"},
    )
    assert (await demo.sync()).ok
    task_id, _ = demo.item(ItemKind.TASK, f"5080:{todo.key[0]}")
    # "urgent" is no importance Graph knows, nor a Priority option NAV has.
    demo.box.user_edit(ItemKind.TASK, task_id, {"title": "call back", "importance": "urgent"})
    report = await demo.sync()
    (error,) = report.errors
    assert error.message.startswith("'urgent' is not an option for Priority in To-do")
    assert demo.nav_field(NavTable.TODO, todo.key[0], "Description") == "call back"
    assert demo.nav_field(NavTable.TODO, todo.key[0], "Priority") == "Normal"


async def test_a_value_that_does_not_convert_leaves_the_other_fields_to_sync(demo: Demo) -> None:
    """An Outlook value no NAV value can be made of (a due date Graph would never send, here) is held back
    when the item is decided; the item's other fields are planned and written."""
    todo = demo.nav.insert(
        NavTable.TODO,
        {"Type": "", "Contact No.": PERSON, "Salesperson Code": "EH", "Date": dt.date.today(), "Description": "call"},
    )
    assert (await demo.sync()).ok
    task_id, _ = demo.item(ItemKind.TASK, f"5080:{todo.key[0]}")
    demo.box.user_edit(
        ItemKind.TASK, task_id, {"title": "call back", "dueDateTime": {"dateTime": "someday", "timeZone": "UTC"}}
    )
    report = await demo.sync()
    (error,) = report.errors
    assert error.side is Side.OUTLOOK and error.message.startswith("Ending Date (Outlook dueDateTime): ")
    assert demo.nav_field(NavTable.TODO, todo.key[0], "Description") == "call back"
    # Fixed in Outlook: the date goes to NAV.
    day = dt.date.today() + dt.timedelta(days=3)
    demo.box.user_edit(ItemKind.TASK, task_id, {"dueDateTime": {"dateTime": f"{day}T00:00:00", "timeZone": "UTC"}})
    report = await demo.sync()
    assert report.ok, report.errors
    assert demo.nav_field(NavTable.TODO, todo.key[0], "Ending Date") == day


async def test_a_value_graph_refuses_does_not_hold_up_the_items_other_changes(tmp_path: Path) -> None:
    """The Outlook side, end to end: Graph refuses an event's attendees (an address without an @, which NAV
    took as a contact's E-Mail), and the meeting's new subject is written all the same; the attendees follow
    once the address is fixed."""
    import httpx

    from graphsync.sandbox import SandboxState, create_app
    from tests.engine.test_end_to_end_sandbox import USER, Setup

    app = create_app(SandboxState.seeded(USER))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://sandbox/v1.0") as client:
        setup = Setup(tmp_path, client)
        try:
            todo = setup.company.insert(
                NavTable.TODO,
                {
                    "Type": "Meeting",
                    "Contact No.": "CT100006",
                    "Salesperson Code": "EH",
                    "Description": "discuss proposal",
                    "Date": dt.date.today() + dt.timedelta(days=1),
                    "Start Time": dt.time(10, 0),
                },
            )
            assert (await setup.sync()).ok
            key = f"5080:{todo.key[0]}"
            setup.company.modify(NavTable.CONTACT, ("CT100006",), {"E-Mail": "gibson.example.com"}, if_match="*")
            setup.company.modify(NavTable.TODO, todo.key, {"Description": "sign the contract"}, if_match="*")
            # The E-Mail is read when the attendees are: a new attendee row makes the meeting read again.
            setup.company.insert(
                NavTable.ATTENDEE,
                {
                    "To-do No.": todo.key[0],
                    "Attendance Type": "Required",
                    "Attendee Type": "Contact",
                    "Attendee No.": "CT100007",
                    "Send Invitation": False,
                },
            )
            report = await setup.sync()
            (error,) = report.errors
            assert (error.entity, error.nav_key, error.side) == (EntityName.MEETING, key, Side.OUTLOOK)
            assert error.message.startswith("attendees: ")
            event = await setup.box.find_by_nav_key(ItemKind.EVENT, key)
            assert event is not None and event.data["subject"] == "sign the contract"

            setup.company.modify(NavTable.CONTACT, ("CT100006",), {"E-Mail": "gibson@example.com"}, if_match="*")
            report = await setup.sync()
            assert report.ok, report.errors
            event = await setup.box.find_by_nav_key(ItemKind.EVENT, key)
            assert event is not None
            assert [a["emailAddress"]["address"] for a in event.data["attendees"]] == ["gibson@example.com"]
        finally:
            setup.store.close()
            setup.company.close()
