"""The add-in's tables over OData (graphsync.nav.odata.addin_pages): which pages each profile of the double
publishes, with which properties, how GUIDs and the link's entry id travel, and that the connector reads the
add-in's setup exactly as the embedded company holds it, needs none of these pages to sync, and names the page
to publish when the migration reads one that is not."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import httpx
import pytest

from graphsync.connectors.nav import NavTable
from graphsync.errors import ConfigError
from graphsync.migrate.addin.tables import read_setup
from graphsync.nav.embedded import EmbeddedNav
from graphsync.nav.odata.addin_pages import ADDIN_PAGES, OSYNCH_LINKS, Control
from graphsync.nav.odata.connector import ODataNav
from graphsync.nav.odata.metadata import ServiceMetadata, parse_metadata
from graphsync.nav.odata.values import BadValue, guid_json, guid_text
from graphsync.navservice.pages import PROFILES, build_page
from tests.nav_odata.conftest import COMPANY, Served

Connect = Callable[..., ODataNav]

SHIPPED = {
    "UserSetup": {"User_ID", "Salespers_Purch_Code"},
    "OutlookSynchFilters": {"Record_GUID", "Filter_Type", "Line_No", "Field_No", "Type", "Value"},
    "OutlookSynchFields": {
        "Synch_Entity_Code",
        "Element_No",
        "Line_No",
        "Condition",
        "Table_No",
        "Table_Relation",
        "Field_No",
        "Field_Default_Value",
        "User_Defined",
        "Outlook_Property",
        "Search_Field",
        "Read_Only_Status",
    },
}
OWN = {
    "GraphsyncOSynchEntities": {"Code", "Description", "Table_No", "Condition", "Outlook_Item", "Record_GUID"},
    "GraphsyncOSynchUserSetup": {
        "User_ID",
        "Synch_Entity_Code",
        "Condition",
        "Synch_Direction",
        "Last_Synch_Time",
        "Record_GUID",
    },
    "GraphsyncOSynchLinks": {"User_ID", "Record_ID", "Search_Record_ID", "Synchronization_Date", "Outlook_Entry_ID"},
}


def metadata(served: Served) -> ServiceMetadata:
    response = httpx.get(f"{served.url}/$metadata", timeout=10)
    return parse_metadata(response.content, url=served.url)


def props(meta: ServiceMetadata, service: str) -> set[str]:
    return set(meta.entity_sets[service].properties)


@pytest.mark.parametrize("profile", ["nav2018-standard", "nav2018-graphsync", "bc-standard", "bc-graphsync"])
def test_each_profile_publishes_the_addins_pages_as_that_server_would(
    served: Served, company: EmbeddedNav, profile: str
) -> None:
    served.service.publication = PROFILES[profile]
    meta = metadata(served)
    addin = {p.service for p in ADDIN_PAGES.values()}
    published = addin & set(meta.entity_sets)
    if profile.startswith("bc"):
        assert published == set()  # Business Central 22 removed the tables
        return
    expected = SHIPPED | (OWN if profile == "nav2018-graphsync" else {})
    assert published == set(expected)
    for service, names in expected.items():
        assert props(meta, service) == names, service
    filters = meta.entity_sets["OutlookSynchFilters"]
    assert filters.key == ("Record_GUID", "Filter_Type", "Line_No")  # published although the page does not show them
    assert filters.properties["Record_GUID"].edm_type == "Edm.Guid"
    if profile == "nav2018-graphsync":
        entry = meta.entity_sets["GraphsyncOSynchLinks"].properties["Outlook_Entry_ID"]
        assert (entry.edm_type, entry.max_length) == ("Edm.String", 0)


def test_guids_travel_in_odatas_form_and_are_read_in_navs(served: Served, company: EmbeddedNav) -> None:
    base = f"{served.url}/Company('{COMPANY}')"
    row = httpx.get(f"{base}/GraphsyncOSynchEntities", params={"$top": "1"}, timeout=10).json()["value"][0]
    record = company.get(NavTable.OUTLOOK_SYNCH_ENTITY, (row["Code"],))
    assert record is not None
    stored = str(record["Record GUID"])
    assert stored.startswith("{") and stored == stored.upper()  # as NAV formats a GUID
    assert row["Record_GUID"] == stored.strip("{}").lower() and guid_text(row["Record_GUID"]) == stored
    link = httpx.get(f"{base}/GraphsyncOSynchLinks", params={"$top": "1"}, timeout=10).json()["value"][0]
    assert link["Outlook_Entry_ID"].startswith("00000000")  # the hexadecimal text the add-in wrote into the BLOB
    assert link["Record_ID"] == "Contact: CT100006" and link["Search_Record_ID"] == "CONTACT: CT100006"
    assert guid_json("") == "00000000-0000-0000-0000-000000000000" and guid_text(guid_json("")) == ""
    with pytest.raises(BadValue):
        guid_text("{not a guid}")


def test_the_connector_reads_the_addins_setup_exactly_as_the_company_holds_it(
    company: EmbeddedNav, connect: Connect
) -> None:
    assert read_setup(connect()) == read_setup(company)


def test_a_page_cannot_show_the_links_blob_as_a_field() -> None:
    blob = replace(OSYNCH_LINKS, controls=(*OSYNCH_LINKS.controls[:3], Control("Outlook Entry ID")))
    with pytest.raises(ValueError, match="BLOB field 'Outlook Entry ID'"):
        build_page("Links", blob)


def test_sync_and_doctor_need_none_of_the_addins_pages(served: Served, company: EmbeddedNav, connect: Connect) -> None:
    served.service.publication = PROFILES["nav2018-graphsync"].without(*ADDIN_PAGES)
    nav = connect()
    assert nav.unpublished() == {} and nav.missing_fields() == []
    assert {s.table for s in nav.status()}.isdisjoint(ADDIN_PAGES)
    with pytest.raises(ConfigError) as caught:
        nav.changes(NavTable.OUTLOOK_SYNCH_USER_SETUP, None)
    assert "table 5305 Outlook Synch. User Setup published as web service 'GraphsyncOSynchUserSetup'" in str(
        caught.value
    )


def test_business_central_says_the_table_was_removed(served: Served, company: EmbeddedNav, connect: Connect) -> None:
    from graphsync.nav.odata.binding import Flavour

    served.service.publication = PROFILES["bc-graphsync"]
    nav = connect(flavour=Flavour.BC)
    with pytest.raises(ConfigError, match=r"Business Central 22\.0 removed the add-in's tables") as caught:
        nav.changes(NavTable.OUTLOOK_SYNCH_LINK, None)
    assert caught.value.got == "Business Central without table 5302 Outlook Synch. Link"
