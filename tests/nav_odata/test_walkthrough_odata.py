"""The walkthrough end to end with NAV reached over OData: the engine, a fake mailbox, and the OData
connector speaking HTTP to the NAV-style service over a fresh CRONUS company. What the engine writes lands
in the NAV company; what a NAV user changes there reaches Outlook."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from graphsync.config.entities import default_entities
from graphsync.connectors.nav import NavTable
from graphsync.connectors.outlook import ItemKind
from graphsync.engine.conflicts import list_conflicts, resolve
from graphsync.engine.plan import Side
from graphsync.nav.embedded import EmbeddedNav
from graphsync.nav.odata.connector import ODataNav
from graphsync.navservice.pages import Publication
from graphsync.runtime.odata import required_fields
from tests.engine.conftest import World
from tests.nav_odata.conftest import Served


class ODataWorld(World):
    def __init__(self, tmp: Path, nav: ODataNav, company: EmbeddedNav) -> None:
        super().__init__(tmp)
        self.nav = nav  # type: ignore[assignment]
        self.company_db = company
        """The NAV database itself, for what a NAV user does and for checking what the engine wrote."""

    def event_of(self, todo: str) -> tuple[str, dict[str, object]]:
        (item_id,) = self.box.by_nav_key(ItemKind.EVENT)[f"5080:{todo}"]
        return item_id, self.box.items[ItemKind.EVENT][item_id].data


@pytest.fixture
def world(tmp_path: Path, connect: Callable[..., ODataNav], company: EmbeddedNav) -> Iterator[ODataWorld]:
    # Only the fields the default field map and the engine use are read, as in a real run.
    w = ODataWorld(tmp_path, connect(required=required_fields(default_entities())), company)
    yield w
    w.store.close()


async def test_first_sync_brings_nav_contacts_and_meetings_to_outlook(world: ODataWorld) -> None:
    contact = world.company(**{"E-Mail": "adatum@gibson.example"})
    todo = world.meeting(contact)
    report = await world.sync()
    assert report.ok, report.errors
    _, event = world.event_of(todo)
    assert event["subject"] == "discuss proposal"
    assert event["categories"] == ["Dynamics NAV"]
    _, item = world.contact_item(contact)
    assert item["displayName"] == "A. Gibson's Law Firm"
    assert f"5050:{'CT100006'}" in world.box.by_nav_key(ItemKind.CONTACT)  # CRONUS's own contact of EH


async def test_outlook_edit_is_written_to_nav_over_odata(world: ODataWorld) -> None:
    no = world.company("Adatum Corporation", **{"Phone No.": "1111111"})
    await world.sync()
    item_id, _ = world.contact_item(no)
    world.box.user_edit(ItemKind.CONTACT, item_id, {"businessPhones": ["0161 496 0000"]})
    report = await world.sync()
    assert report.ok, report.errors
    stored = world.company_db.get(NavTable.CONTACT, (no,))
    assert stored is not None and stored["Phone No."] == "0161 496 0000"


async def test_nav_users_change_and_delete_reach_outlook(world: ODataWorld) -> None:
    no = world.company("Adatum Corporation")
    await world.sync()
    world.company_db.modify(NavTable.CONTACT, (no,), {"City": "Leeds"}, if_match="*")
    report = await world.sync()
    assert report.ok, report.errors
    _, item = world.contact_item(no)
    assert item["businessAddress"]["city"] == "Leeds"  # type: ignore[index]
    world.company_db.delete(NavTable.CONTACT, (no,), if_match="*")
    report = await world.sync()
    assert report.ok, report.errors
    assert f"5050:{no}" not in world.box.by_nav_key(ItemKind.CONTACT)


async def test_deletion_found_by_key_list_without_the_change_log_page(
    served: Served, connect: Callable[..., ODataNav], company: EmbeddedNav, tmp_path: Path
) -> None:
    served.service.publication = Publication().without(NavTable.CHANGE_LOG_ENTRY)
    world = ODataWorld(tmp_path, connect(), company)
    try:
        no = world.company("Adatum Corporation")
        await world.sync()
        company.delete(NavTable.CONTACT, (no,), if_match="*")
        report = await world.sync()
        assert report.ok, report.errors
        assert f"5050:{no}" not in world.box.by_nav_key(ItemKind.CONTACT)
    finally:
        world.store.close()


async def test_conflict_resolved_for_nav_is_written_back_over_odata(world: ODataWorld) -> None:
    no = world.company("Adatum Corporation", **{"Phone No.": "1111111"})
    await world.sync()
    item_id, _ = world.contact_item(no)
    world.company_db.modify(NavTable.CONTACT, (no,), {"Phone No.": "1234567"}, if_match="*")
    world.box.user_edit(ItemKind.CONTACT, item_id, {"businessPhones": ["1224567"]})
    report = await world.sync()
    assert not report.ok and len(report.conflicts) == 1
    assert len(list_conflicts(world.store, "eh@contoso.com")) == 1
    resolve(world.store, "eh@contoso.com", keep=Side.OUTLOOK)
    report = await world.sync()
    assert report.ok, report
    stored = world.company_db.get(NavTable.CONTACT, (no,))
    assert stored is not None and stored["Phone No."] == "1224567"
