"""The seed's walkthrough end to end: the embedded NAV company, the Graph client and the sandbox over HTTP
(in-process through httpx.ASGITransport), edits made through Graph's REST API as a user's Outlook would."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest

from graphsync.auth.sandbox import SandboxTokenSource
from graphsync.config.entities import EntityName, FieldSpec, default_entities
from graphsync.connectors.nav import NavConnector, NavTable
from graphsync.connectors.outlook import ItemKind, WriteAction, WriteOp
from graphsync.engine.binding import user_field_names
from graphsync.engine.conflicts import list_conflicts, resolve
from graphsync.engine.plan import Side
from graphsync.engine.report import RunReport, SyncOptions
from graphsync.engine.state import StateStore
from graphsync.engine.sync import run_sync
from graphsync.graph import GraphMailbox, GraphMailboxOptions
from graphsync.nav.embedded import EmbeddedNav
from graphsync.sandbox import SandboxState, create_app

USER = "eh@contoso.com"
HEADERS = {"Authorization": f"Bearer sandbox:{USER}"}


class Setup:
    """``nav`` is the connector the engine syncs through; ``company`` the NAV database a NAV user edits (the
    same object for the embedded company; the database behind the OData service otherwise)."""

    def __init__(
        self,
        tmp: Path,
        client: httpx.AsyncClient,
        *,
        nav: NavConnector | None = None,
        company: EmbeddedNav | None = None,
    ) -> None:
        self.company = company or EmbeddedNav.create(tmp / "nav.sqlite", demo=True)
        self.nav: NavConnector = nav or self.company
        self.store = StateStore(tmp / "state.sqlite")
        self.client = client
        territory = FieldSpec(nav=(15,), outlook="", user_defined=True, key="entities.CONT_COMP.fields[0]")
        defaults = default_entities()
        self.entities = replace(
            defaults,
            entities=tuple(
                replace(s, fields=(*s.fields, territory)) if s.name is EntityName.CONT_COMP else s for s in defaults
            ),
        )
        self.box = GraphMailbox(
            upn=None,
            client=client,
            tokens=SandboxTokenSource(USER),
            options=GraphMailboxOptions(user_fields=user_field_names(self.entities, self.nav)),
        )

    async def sync(self) -> RunReport:
        report = await run_sync(
            nav=self.nav,
            mailbox=self.box,
            store=self.store,
            entities=self.entities,
            options=SyncOptions(salesperson_code="EH"),
        )
        return report

    async def graph(self, method: str, url: str, body: dict[str, Any] | None = None) -> Any:
        response = await self.client.request(method, url, json=body, headers=HEADERS)
        assert response.status_code < 300, response.text
        return response.json() if response.content else None


@pytest.fixture
async def setup(tmp_path: Path) -> AsyncIterator[Setup]:
    app = create_app(SandboxState.seeded(USER))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://sandbox/v1.0") as client:
        s = Setup(tmp_path, client)
        yield s
        s.store.close()
        s.company.close()


async def _item_with_key(setup: Setup, kind: str, key: str) -> dict[str, Any]:
    found = await setup.box.find_by_nav_key(ItemKind(kind), key, user_fields=("Salesperson Code", "Territory Code"))
    assert found is not None, key
    return {"id": found.id, "data": found.data, "user": found.user_fields}


async def test_walkthrough_over_http(setup: Setup) -> None:
    await walkthrough(setup)


async def walkthrough(setup: Setup) -> None:
    """The seed's four steps; NAV-user actions and checks go to ``setup.company``."""
    assert (await setup.sync()).ok
    today = dt.date.today()
    # (1) A meeting to-do for CT100006 -> an event with the category and the contact as attendee.
    todo = setup.company.insert(
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
    report = await setup.sync()
    assert report.ok, report.errors
    event = await _item_with_key(setup, "event", f"5080:{todo.key[0]}")
    assert event["data"]["subject"] == "discuss proposal"
    assert "Dynamics NAV" in event["data"]["categories"]
    contact_mail = setup.company.get(NavTable.CONTACT, ("CT100006",)).fields["E-Mail"]  # type: ignore[union-attr]
    assert [a["emailAddress"]["address"].lower() for a in event["data"]["attendees"]] == [contact_mail.lower()]

    # (2) The event moved to another day through Graph -> the to-do's date follows.
    day = today + dt.timedelta(days=2)
    await setup.graph(
        "PATCH",
        f"/me/events/{event['id']}",
        {
            "start": {"dateTime": f"{day}T10:00:00", "timeZone": "UTC"},
            "end": {"dateTime": f"{day}T10:30:00", "timeZone": "UTC"},
        },
    )
    report = await setup.sync()
    assert report.ok, report.errors
    assert setup.company.get(NavTable.TODO, todo.key).fields["Date"] == day  # type: ignore[union-attr]

    # (3) Phone No. changed on both sides -> one conflict on that field; keep NAV -> Outlook shows NAV's.
    contact = await _item_with_key(setup, "contact", "5050:CT100006")
    setup.company.modify(NavTable.CONTACT, ("CT100006",), {"Phone No.": "1234567"}, if_match="*")
    await setup.graph("PATCH", f"/me/contacts/{contact['id']}", {"businessPhones": ["1224567"]})
    await setup.sync()
    (conflict,) = list_conflicts(setup.store, setup.box.mailbox)
    assert [(f.field, f.nav, f.outlook) for f in conflict.fields] == [("businessPhones[0]", "1234567", "1224567")]
    resolve(setup.store, setup.box.mailbox, keep=Side.NAV)
    assert (await setup.sync()).ok
    assert (await _item_with_key(setup, "contact", "5050:CT100006"))["data"]["businessPhones"] == ["1234567"]

    # (4) Territory Code as a user-defined field: on a new company, and back from Outlook.
    new = setup.company.insert(
        NavTable.CONTACT, {"Type": "Company", "Name": "Proseware", "Territory Code": "EANG", "Salesperson Code": "EH"}
    )
    assert (await setup.sync()).ok
    item = await _item_with_key(setup, "contact", f"5050:{new.key[0]}")
    assert item["user"] == {"Salesperson Code": "EH", "Territory Code": "EANG"}
    # A person editing the property in Outlook: a PATCH of the extended property, as the client writes it.
    edit = WriteOp("t", WriteAction.UPDATE, ItemKind.CONTACT, "", {}, item["id"], {"Territory Code": "LND"})
    assert (await setup.box.write([edit]))[0].ok
    assert (await setup.sync()).ok
    assert setup.company.get(NavTable.CONTACT, new.key).fields["Territory Code"] == "LND"  # type: ignore[union-attr]
    assert (await setup.sync()).items == ()
