"""graphsync against servers that publish only what their shipped pages show, through the command line: doctor
names every field a page lacks with its fix and exits non-zero, and a sync syncs what the pages show."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from graphsync.connectors.nav import NavTable
from graphsync.nav.embedded import EmbeddedNav
from graphsync.nav.odata.connector import ODataNav
from graphsync.navservice.pages import PROFILES
from tests.cli.conftest import World, outlook_contact
from tests.nav_odata.conftest import Served


def _checks(world: World, expect: int) -> dict[str, dict[str, str]]:
    return {c["check"]: c for c in world.run_json("doctor", expect=expect)}


def test_doctor_against_nav2018_standard_names_every_missing_field_with_its_fix(
    odata_world: Callable[..., World],
) -> None:
    world = odata_world("nav2018-standard")
    checks = _checks(world, expect=1)
    contact = checks["NAV page 'ContactCard'"]
    assert contact["status"] == "failed"
    # The default field map's contact fields the shipped Contact Card does not show (NAV 2018
    # Page_5_050_Contact_Card.al), each with the property looked for and how to add it.
    for name, prop in [
        ("First Name", "First_Name"),
        ("Middle Name", "Middle_Name"),
        ("Surname", "Surname"),
        ("Job Title", "Job_Title"),
        ("County", "County"),
        ("E-Mail 2", "E_Mail_2"),
    ]:
        assert f"{name} (field " in contact["detail"] and f"OData property {prop})" in contact["detail"]
    assert contact["detail"].count("page designer") == 6
    salesperson = checks["NAV page 'SalespersonPurchaserCard'"]
    assert "E-Mail 2 (field 5086" in salesperson["detail"] and "Job Title" not in salesperson["detail"]
    # No to-do page: meetings and tasks cannot sync, and doctor says which page to publish.
    assert "'GraphsyncToDos'" in checks["NAV MEETING"]["detail"] and checks["NAV TASK"]["status"] == "failed"
    assert checks["NAV contact"]["detail"].startswith("page 'ContactCard', changes by Last Date/Time Modified (UTC)")
    assert "apply the fixes above" in world.run("doctor", expect=1).output


def test_doctor_is_content_with_nav2018_set_up_as_the_docs_say(odata_world: Callable[..., World]) -> None:
    world = odata_world("nav2018-graphsync")
    checks = _checks(world, expect=0)
    assert not [c for c in checks.values() if c["status"] == "failed"]
    assert "the writing session's time zone" in checks["NAV todo"]["detail"]


def test_a_sync_against_nav2018_standard_syncs_what_the_pages_show(
    odata_world: Callable[..., World], company: EmbeddedNav, caplog: pytest.LogCaptureFixture
) -> None:
    world = odata_world("nav2018-standard")
    world.run("sync")
    notices = [r.getMessage() for r in caplog.records if r.name == "graphsync.runtime"]
    (notice,) = notices  # said once for both entities
    assert "'GraphsyncToDos'" in notice and "MEETING, TASK cannot sync" in notice
    person = outlook_contact(world, "David Oliver Lawrence")
    assert person["companyName"] == "A. Gibson's Law Firm"
    # First Name and the other parts are not on the shipped Contact Card: not synced, not made up.
    assert not person.get("givenName") and not person.get("surname")
    gibson = outlook_contact(world, "A. Gibson's Law Firm")
    assert gibson["businessAddress"]["city"] == company.get(NavTable.CONTACT, ("CT100006",)).fields["City"]  # type: ignore[union-attr]
    # A NAV user's change, stamped by date only on the shipped card, reaches Outlook; nothing else moves.
    company.modify(NavTable.CONTACT, ("CT100006",), {"Phone No.": "0161 496 0000"}, if_match="*")
    caplog.clear()
    world.run("sync")  # exit 0: no item errors, no conflicts
    assert outlook_contact(world, "A. Gibson's Law Firm")["businessPhones"] == ["0161 496 0000"]
    assert not [r for r in caplog.records if r.name == "graphsync.runtime"]  # said once, not every run


def test_name_details_is_not_read_or_written_alongside_the_contact_card(
    served: Served, connect: Callable[..., ODataNav]
) -> None:
    """Decision: one page per table. NAV 2018's Name Details page (5055) shows First Name, Middle Name,
    Surname and Job Title, but graphsync does not stitch records together from two pages: a write would take
    two requests that NAV does not apply together (a failure in between leaves a half-written contact), and
    the administrator has to change a page anyway for the to-dos, so adding the fields to the Contact Card in
    the same session is the simpler setup. The missing fields are reported against the Contact Card."""
    served.service.publication = PROFILES["nav2018-standard"]
    requests: list[httpx.Request] = []
    nav = connect()
    nav._client.event_hooks["request"].append(requests.append)
    assert "NameDetails" in nav.metadata.entity_sets
    assert nav.table_def(NavTable.CONTACT).unavailable_field("First Name") is not None
    nav.modify(NavTable.CONTACT, ("CT200116",), {"Name": "David O. Lawrence"}, if_match="*")
    list(nav.changes(NavTable.CONTACT, None).records)
    assert not [r for r in requests if "NameDetails" in str(r.url)]
    assert [r.method for r in requests].count("PATCH") == 1
