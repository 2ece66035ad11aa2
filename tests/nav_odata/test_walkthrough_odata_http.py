"""The seed's walkthrough with both sides over HTTP: NAV reached over OData (the NAV-style service over a
fresh CRONUS company, served as NAV 2018 or Business Central online set up as docs/odata.md says) and
Outlook through the Graph client and the sandbox — the same steps as tests/engine/test_end_to_end_sandbox.py,
whose embedded-company run they mirror."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import httpx

from graphsync.config.entities import EntityName
from graphsync.connectors.nav import NavTable
from graphsync.connectors.outlook import ItemKind, WriteAction, WriteOp
from graphsync.engine.conflicts import list_conflicts, resolve
from graphsync.engine.plan import Side
from graphsync.nav.embedded import EmbeddedNav
from graphsync.nav.odata.binding import Flavour
from graphsync.nav.odata.connector import ODataNav
from graphsync.navservice.pages import PROFILES
from graphsync.runtime.odata import essential_fields, required_fields
from graphsync.sandbox import SandboxState, create_app
from tests.engine.test_end_to_end_sandbox import Setup, _item_with_key, walkthrough
from tests.nav_odata.conftest import Served


async def test_walkthrough_with_nav_over_odata_and_outlook_over_graph(
    tmp_path: Path, served: Served, connect: Callable[..., ODataNav], company: EmbeddedNav
) -> None:
    served.service.publication = PROFILES["nav2018-graphsync"]
    app = create_app(SandboxState.seeded("eh@contoso.com"))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://sandbox/v1.0") as client:
        setup = Setup(tmp_path, client, nav=None, company=company)
        # The connector must read every field the walkthrough's entities map, Territory Code included.
        setup.nav = connect(required=required_fields(setup.entities))
        try:
            assert isinstance(setup.nav, ODataNav)
            await walkthrough(setup)
        finally:
            setup.store.close()


async def test_walkthrough_on_business_central_online(
    tmp_path: Path, served: Served, connect: Callable[..., ODataNav], company: EmbeddedNav
) -> None:
    """The walkthrough against Business Central online set up as docs/odata.md says, MEETING disabled as it
    tells (BC online has no meetings): a phone call becomes a To Do task, completing it in To Do completes
    the to-do in BC (through the GraphsyncCompleted control), and the conflict and user-defined field steps
    hold as on NAV."""
    served.service.publication = PROFILES["bc-graphsync"]
    app = create_app(SandboxState.seeded("eh@contoso.com"))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://sandbox/v1.0") as client:
        setup = Setup(tmp_path, client, nav=None, company=company)
        setup.entities = replace(
            setup.entities,
            entities=tuple(replace(s, enabled=s.name is not EntityName.MEETING) for s in setup.entities),
        )
        setup.nav = connect(
            flavour=Flavour.BC,
            online=True,
            required=required_fields(setup.entities),
            essential=essential_fields(setup.entities),
        )
        try:
            assert (await setup.sync()).ok
            call = company.insert(
                NavTable.TODO,
                {"Type": "Phone Call", "Contact No.": "CT100006", "Salesperson Code": "EH", "Date": dt.date.today()},
            )
            assert (await setup.sync()).ok
            task = await setup.box.find_by_nav_key(ItemKind.TASK, f"5080:{call.key[0]}")
            assert task is not None
            lists = await setup.graph("GET", "/me/todo/lists")
            list_id = next(li["id"] for li in lists["value"] if li["displayName"] == "Dynamics NAV")
            await setup.graph("PATCH", f"/me/todo/lists/{list_id}/tasks/{task.id}", {"status": "completed"})
            report = await setup.sync()
            assert report.ok, report.errors
            done = company.get(NavTable.TODO, call.key)
            assert done is not None and (done["Status"], done["Closed"]) == ("Completed", True)
            await contact_conflict_and_user_field_steps(setup)
        finally:
            setup.store.close()


async def contact_conflict_and_user_field_steps(setup: Setup) -> None:
    """The walkthrough's steps (3) and (4), NAV-user actions going to ``setup.company``."""
    contact = await _item_with_key(setup, "contact", "5050:CT100006")
    setup.company.modify(NavTable.CONTACT, ("CT100006",), {"Phone No.": "1234567"}, if_match="*")
    await setup.graph("PATCH", f"/me/contacts/{contact['id']}", {"businessPhones": ["1224567"]})
    await setup.sync()
    (conflict,) = list_conflicts(setup.store, setup.box.mailbox)
    assert [(f.field, f.nav, f.outlook) for f in conflict.fields] == [("businessPhones[0]", "1234567", "1224567")]
    resolve(setup.store, setup.box.mailbox, keep=Side.NAV)
    assert (await setup.sync()).ok
    assert (await _item_with_key(setup, "contact", "5050:CT100006"))["data"]["businessPhones"] == ["1234567"]
    new = setup.company.insert(
        NavTable.CONTACT, {"Type": "Company", "Name": "Proseware", "Territory Code": "EANG", "Salesperson Code": "EH"}
    )
    assert (await setup.sync()).ok
    item = await _item_with_key(setup, "contact", f"5050:{new.key[0]}")
    assert item["user"] == {"Salesperson Code": "EH", "Territory Code": "EANG"}
    edit = WriteOp("t", WriteAction.UPDATE, ItemKind.CONTACT, "", {}, item["id"], {"Territory Code": "LND"})
    assert (await setup.box.write([edit]))[0].ok
    assert (await setup.sync()).ok
    assert setup.company.get(NavTable.CONTACT, new.key).fields["Territory Code"] == "LND"  # type: ignore[union-attr]
