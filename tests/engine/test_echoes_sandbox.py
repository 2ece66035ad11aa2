"""graphsync's own writes coming back as changes cost nothing: the run after an Outlook -> NAV edit, an item
made in Outlook, or a deletion graphsync made in Outlook reads nothing back from Graph for that item, counted
by the sandbox (each request, each $batch item one). The embedded company here; NAV over OData, where the
ETags are the server's, in tests/nav_odata/test_echoes_odata.py."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from graphsync.connectors.nav import NavTable
from graphsync.connectors.outlook import ItemKind
from graphsync.sandbox import SandboxState, create_app
from tests.engine.test_end_to_end_sandbox import USER, Setup, _item_with_key


class Counted:
    """A `Setup` over a sandbox whose requests are counted."""

    def __init__(self, setup: Setup, sandbox: SandboxState) -> None:
        self.setup = setup
        self.sandbox = sandbox

    async def gets_of_a_sync(self) -> int:
        """Graph GETs made by one sync (delta pages, fetches, whole items of a $batch); the run must be clean."""
        self.sandbox.reset_counters()
        report = await self.setup.sync()
        assert report.ok, report.errors
        return self.sandbox.request_counts(USER).get("GET", 0)


@pytest.fixture
async def counted(tmp_path: Path) -> AsyncIterator[Counted]:
    sandbox = SandboxState.seeded(USER)
    app = create_app(sandbox)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://sandbox/v1.0") as client:
        setup = Setup(tmp_path, client)
        yield Counted(setup, sandbox)
        setup.store.close()
        setup.company.close()


def _field(setup: Setup, no: str, name: str) -> object:
    record = setup.company.get(NavTable.CONTACT, (no,))
    return record.fields[name] if record else None


async def echoes_cost_no_graph_read(c: Counted) -> None:
    """The scenario, NAV-user actions and checks going to ``c.setup.company``."""
    setup = c.setup
    await c.gets_of_a_sync()  # the initial load
    idle = await c.gets_of_a_sync()  # what a run with no change reads: the delta rounds
    assert await c.gets_of_a_sync() == idle

    # An Outlook -> NAV edit: the run that writes it reads the item (it changed), the next one reads nothing of
    # it, though NAV lists the record among its changes (graphsync's own write, at the ETag it recorded).
    contact = await _item_with_key(setup, "contact", "5050:CT100006")
    await setup.graph("PATCH", f"/me/contacts/{contact['id']}", {"businessPhones": ["555 0199"]})
    assert await c.gets_of_a_sync() > idle
    assert _field(setup, "CT100006", "Phone No.") == "555 0199"
    assert await c.gets_of_a_sync() == idle

    # A contact made in Outlook: NAV's insert and the stamp written back are both echoes next run.
    folders = (await setup.graph("GET", "/me/contactFolders"))["value"]
    folder = next(f["id"] for f in folders if f["displayName"] == "Dynamics NAV")
    await setup.graph("POST", f"/me/contactFolders/{folder}/contacts", {"displayName": "Echo Ltd"})
    assert await c.gets_of_a_sync() > idle
    assert await c.gets_of_a_sync() == idle

    # A deletion in NAV: graphsync deletes the Outlook item, and its tombstone next run is not looked up.
    (echo,) = setup.company.find(NavTable.CONTACT, {"Name": "Echo Ltd"})
    setup.company.delete(NavTable.CONTACT, echo.key, if_match="*")
    await c.gets_of_a_sync()
    assert await _item_gone(setup, f"5050:{echo.key[0]}")
    assert await c.gets_of_a_sync() == idle

    # A real NAV edit still reaches Outlook, and a real Outlook edit NAV.
    setup.company.modify(NavTable.CONTACT, ("CT200118",), {"Job Title": "Buyer"}, if_match="*")
    assert (await setup.sync()).ok
    person = await _item_with_key(setup, "contact", "5050:CT200118")
    assert person["data"]["jobTitle"] == "Buyer"
    await setup.graph("PATCH", f"/me/contacts/{person['id']}", {"jobTitle": "Head Buyer"})
    assert (await setup.sync()).ok
    assert _field(setup, "CT200118", "Job Title") == "Head Buyer"


async def _item_gone(setup: Setup, key: str) -> bool:
    return await setup.box.find_by_nav_key(ItemKind.CONTACT, key) is None


async def test_echoes_of_graphsyncs_own_writes_read_nothing_from_graph(counted: Counted) -> None:
    await echoes_cost_no_graph_read(counted)
