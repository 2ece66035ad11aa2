"""The engine on the real embedded NAV company (with the in-memory mailbox): NAV's own triggers, number
series, attendee rows and validation behind the same protocol the fakes honour."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from graphsync.config.entities import EntityName, FieldSpec, default_entities
from graphsync.connectors.nav import NavTable
from graphsync.connectors.outlook import ItemKind
from graphsync.engine.conflicts import list_conflicts, resolve
from graphsync.engine.plan import Side
from graphsync.engine.report import RunReport, SyncOptions
from graphsync.engine.state import StateStore
from graphsync.engine.sync import run_sync
from graphsync.nav.embedded import EmbeddedNav
from tests.fakes.outlook import FakeMailbox


class Demo:
    def __init__(self, tmp: Path) -> None:
        self.nav = EmbeddedNav.create(tmp / "nav.sqlite", demo=True)
        self.box = FakeMailbox()
        self.store = StateStore(tmp / "state.sqlite")
        self.entities = default_entities()

    async def sync(self) -> RunReport:
        return await run_sync(
            nav=self.nav,
            mailbox=self.box,
            store=self.store,
            entities=self.entities,
            options=SyncOptions(salesperson_code="EH"),
        )

    def item(self, kind: ItemKind, nav_key: str) -> tuple[str, dict]:  # type: ignore[type-arg]
        (item_id,) = self.box.by_nav_key(kind)[nav_key]
        return item_id, self.box.items[kind][item_id].data


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[Demo]:
    d = Demo(tmp_path)
    yield d
    d.store.close()
    d.nav.close()


async def test_walkthrough_meeting_and_move_on_the_embedded_company(demo: Demo) -> None:
    assert (await demo.sync()).ok
    today = dt.date.today()
    todo = demo.nav.insert(
        NavTable.TODO,
        {
            "Type": "Meeting",
            "Contact No.": "CT100006",
            "Salesperson Code": "EH",
            "Description": "discuss proposal",
            "Date": today,
            "Start Time": dt.time(10, 0),
        },
    )
    report = await demo.sync()
    assert report.ok, report.errors
    item_id, event = demo.item(ItemKind.EVENT, f"5080:{todo.key[0]}")
    assert event["subject"] == "discuss proposal" and event["categories"] == ["Dynamics NAV"]
    contact_mail = demo.nav.get(NavTable.CONTACT, ("CT100006",)).fields["E-Mail"]  # type: ignore[union-attr]
    assert event["attendees"] == [{"type": "required", "emailAddress": {"address": contact_mail}}]
    invitations = dict(demo.box.invitations)

    day = today + dt.timedelta(days=3)
    demo.box.user_edit(
        ItemKind.EVENT,
        item_id,
        {
            "start": {"dateTime": f"{day}T14:00:00.0000000", "timeZone": "UTC"},
            "end": {"dateTime": f"{day}T15:00:00.0000000", "timeZone": "UTC"},
        },
    )
    assert (await demo.sync()).ok
    moved = demo.nav.get(NavTable.TODO, todo.key)
    assert moved is not None and (moved.fields["Date"], moved.fields["Start Time"]) == (day, dt.time(14, 0))
    assert (await demo.sync()).items == ()
    assert demo.box.invitations == invitations


async def test_walkthrough_phone_conflict_and_territory_on_the_embedded_company(demo: Demo) -> None:
    await demo.sync()
    item_id, _ = demo.item(ItemKind.CONTACT, "5050:CT100006")
    demo.nav.modify(NavTable.CONTACT, ("CT100006",), {"Phone No.": "1234567"}, if_match="*")
    demo.box.user_edit(ItemKind.CONTACT, item_id, {"businessPhones": ["1224567"]})
    await demo.sync()
    (conflict,) = list_conflicts(demo.store, demo.box.mailbox)
    assert [(f.field, f.nav, f.outlook) for f in conflict.fields] == [("businessPhones[0]", "1234567", "1224567")]
    resolve(demo.store, demo.box.mailbox, keep=Side.NAV)
    assert (await demo.sync()).ok
    assert demo.box.items[ItemKind.CONTACT][item_id].data["businessPhones"] == ["1234567"]

    territory = FieldSpec(nav=(15,), outlook="", user_defined=True, key="entities.CONT_COMP.fields[0]")
    demo.entities = replace(
        demo.entities,
        entities=tuple(
            replace(s, fields=(*s.fields, territory)) if s.name is EntityName.CONT_COMP else s for s in demo.entities
        ),
    )
    new = demo.nav.insert(
        NavTable.CONTACT, {"Type": "Company", "Name": "Proseware", "Territory Code": "EANG", "Salesperson Code": "EH"}
    )
    assert (await demo.sync()).ok
    new_id, _ = demo.item(ItemKind.CONTACT, f"5050:{new.key[0]}")
    assert demo.box.items[ItemKind.CONTACT][new_id].user_fields == {"Salesperson Code": "EH", "Territory Code": "EANG"}
    demo.box.user_edit(ItemKind.CONTACT, new_id, {}, **{"Territory Code": "LND"})
    assert (await demo.sync()).ok
    assert demo.nav.get(NavTable.CONTACT, new.key).fields["Territory Code"] == "LND"  # type: ignore[union-attr]
