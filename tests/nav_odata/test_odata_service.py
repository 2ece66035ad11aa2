"""The connector against the NAV-style service in the set-ups a customer's NAV may have: no change log page,
fields left off a page, a page not published, Basic authentication; and the service's own NAV quirks."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator

import httpx
import pytest

from graphsync.config.odata import ODataAuth, ODataNavConfig
from graphsync.config.secrets import SecretRef, SecretSource
from graphsync.connectors.nav import NavConnector, NavTable, Watermark
from graphsync.errors import ConfigError, NavAuthError
from graphsync.nav.embedded import EmbeddedNav
from graphsync.nav.odata.binding import StampKind
from graphsync.nav.odata.connector import DeletionDetection, ODataNav, ServiceNames
from graphsync.navservice.app import MISSING_IF_MATCH
from graphsync.navservice.pages import DEFAULT_PAGES, Publication
from graphsync.runtime.odata import connect as connect_from_config
from tests.nav.contract import NavContract
from tests.nav_odata.conftest import COMPANY, Served

WITHOUT_CHANGE_LOG = {s: t for s, t in DEFAULT_PAGES.items() if t is not NavTable.CHANGE_LOG_ENTRY}
CONTACTS = "Company('CRONUS%20UK%20Ltd.')/ContactCard"


class TestODataContractWithoutChangeLog(NavContract):
    """A NAV whose Change Log Entries page is not published: the engine compares key lists instead."""

    @pytest.fixture
    def nav(self, served: Served, connect: Callable[..., ODataNav]) -> Iterator[NavConnector]:
        served.service.publication = Publication(pages=WITHOUT_CHANGE_LOG)
        yield connect()


def test_deletion_detection_follows_what_is_published(served: Served, connect: Callable[..., ODataNav]) -> None:
    with_log = connect()
    assert with_log.deletion_detection(NavTable.CONTACT) is DeletionDetection.CHANGE_LOG
    assert with_log.deletion_detection(NavTable.SALESPERSON) is DeletionDetection.HASH_COMPARISON
    served.service.publication = Publication(pages=WITHOUT_CHANGE_LOG)
    without = connect()
    assert without.deletion_detection(NavTable.CONTACT) is DeletionDetection.KEY_LIST
    assert without.changes(NavTable.CONTACT, None).deletions_tracked is False
    assert without.deletions_tracked(NavTable.CONTACT) is False and with_log.deletions_tracked(NavTable.CONTACT)
    assert without.deletions_tracked(NavTable.SALESPERSON) and without.company_name == "CRONUS UK Ltd."
    status = {s.table: s for s in without.status()}
    assert status[NavTable.CONTACT].stamp is StampKind.DATE_AND_TIME
    assert status[NavTable.ATTENDEE].deletions is DeletionDetection.HASH_COMPARISON


def test_a_mapped_field_the_page_does_not_show_is_named(served: Served, connect: Callable[..., ODataNav]) -> None:
    served.service.publication = Publication(hidden={NavTable.CONTACT: frozenset({"Phone No.", "Pager"})})
    with pytest.raises(ConfigError) as err:
        connect(required={NavTable.CONTACT: ["Name", 9]})
    assert "Phone No." in err.value.expected and "Phone_No" in err.value.expected
    assert err.value.key == "nav.odata.services.contacts"
    narrow = connect(required={NavTable.CONTACT: ["Name"]})  # reads only what it needs
    assert [f.name for f in narrow.table_def(NavTable.CONTACT).fields] == [
        "No.",
        "Name",
        "Last Date Modified",
        "Last Time Modified",
    ]
    gibson = narrow.get(NavTable.CONTACT, ("CT100006",))
    assert gibson is not None and set(gibson.fields) == {"No.", "Name", "Last Date Modified", "Last Time Modified"}
    everything = connect()  # every field the page shows
    names = {f.name for f in everything.table_def(NavTable.CONTACT).fields}
    assert "City" in names and "Phone No." not in names and "Pager" not in names


def test_an_unpublished_page_is_named_with_what_is_published(served: Served, connect: Callable[..., ODataNav]) -> None:
    pages = {s: t for s, t in DEFAULT_PAGES.items() if t is not NavTable.TODO}
    served.service.publication = Publication(pages=pages)
    with pytest.raises(ConfigError) as err:
        connect()
    assert "GraphsyncToDos" in err.value.expected and "ContactCard" in err.value.expected
    assert err.value.key == "nav.odata.services.todos"
    renamed = connect(services=ServiceNames(todos="ContactCard"))  # any published name is taken as told
    assert renamed.table_def(NavTable.CONTACT).key == ("No.",)


def test_salespeople_changes_and_deletions_by_hash_comparison(connect: Callable[..., ODataNav]) -> None:
    nav = connect()
    first = nav.changes(NavTable.SALESPERSON, None)
    assert {r.key[0] for r in first.records} == {"EH", "OF", "LT", "JO", "RB", "BC", "HR"}
    assert list(nav.changes(NavTable.SALESPERSON, first.watermark).records) == []
    nav.modify(NavTable.SALESPERSON, ("JO",), {"Phone No.": "+44 20 7946 0000"}, if_match="*")
    added = nav.insert(NavTable.SALESPERSON, {"Code": "ZZ", "Name": "Zoe Zimmer"})
    second = nav.changes(NavTable.SALESPERSON, first.watermark)
    assert sorted(r.key[0] for r in second.records) == ["JO", "ZZ"]
    assert list(second.deletions) == [] and second.deletions_tracked
    nav.delete(NavTable.SALESPERSON, added.key, if_match=added.etag)
    third = nav.changes(NavTable.SALESPERSON, second.watermark)
    assert list(third.records) == []
    assert [d.key for d in third.deletions] == [("ZZ",)]


def test_attendee_lines_removed_are_reported(connect: Callable[..., ODataNav]) -> None:
    nav = connect()
    meeting = nav.insert(
        NavTable.TODO,
        {"Type": "Meeting", "Contact No.": "CT100007", "Date": dt.date(2030, 3, 4), "Start Time": dt.time(9, 0)},
    )
    extra = nav.insert(
        NavTable.ATTENDEE, {"To-do No.": meeting.key[0], "Attendee Type": "Salesperson", "Attendee No.": "HR"}
    )
    mark = nav.changes(NavTable.ATTENDEE, None).watermark
    nav.delete(NavTable.ATTENDEE, extra.key, if_match=extra.etag)
    changes = nav.changes(NavTable.ATTENDEE, mark)
    assert [d.key for d in changes.deletions] == [extra.key]


def test_a_watermark_from_another_connector_means_a_full_read(
    connect: Callable[..., ODataNav], company: EmbeddedNav
) -> None:
    nav = connect()
    foreign = company.changes(NavTable.CONTACT, None).watermark  # the embedded company's row version
    records = list(nav.changes(NavTable.CONTACT, foreign).records)
    assert {r.key for r in records} == set(nav.keys(NavTable.CONTACT))
    assert list(nav.changes(NavTable.CONTACT, Watermark("odata1|garbage")).records)


def test_changes_made_directly_in_nav_are_seen(connect: Callable[..., ODataNav], company: EmbeddedNav) -> None:
    nav = connect()
    mark = nav.changes(NavTable.CONTACT, None).watermark
    company.modify(NavTable.CONTACT, ("CT100002",), {"Job Title": "Buyer"}, if_match="*")
    changed = list(nav.changes(NavTable.CONTACT, mark).records)
    assert [(r.key, r["Job Title"]) for r in changed] == [(("CT100002",), "Buyer")]


def test_the_service_requires_if_match_and_pages_by_next_link(served: Served, company: EmbeddedNav) -> None:
    with httpx.Client(base_url=served.url) as http:
        refused = http.patch(f"{CONTACTS}('CT100006')", json={"City": "York"})
        assert refused.status_code == 400 and refused.json()["error"]["message"] == MISSING_IF_MATCH
        first = http.get(CONTACTS, params={"$select": "No,Name"}, headers={"Prefer": "odata.maxpagesize=2"})
        body = first.json()
        assert first.headers["preference-applied"] == "odata.maxpagesize=2"
        assert len(body["value"]) == 2 and set(body["value"][0]) == {"@odata.etag", "No", "Name"}
        second = http.get(body["@odata.nextLink"], headers={"Prefer": "odata.maxpagesize=2"}).json()
        assert second["value"][0]["No"] > body["value"][-1]["No"]
        option = http.get(CONTACTS, params={"$filter": "No eq 'CT100006'", "$select": "Type"}).json()
        assert option["value"][0]["Type"] == "Company"
        todos = http.get(
            "Company('CRONUS%20UK%20Ltd.')/GraphsyncToDos", params={"$filter": "Type eq 'Phone_x0020_Call'"}
        ).json()
        assert [t["Type"] for t in todos["value"]] == ["Phone_x0020_Call"]
        assert http.get("Company('Nope')/ContactCard").status_code == 400


def test_basic_authentication_end_to_end(served: Served, company: EmbeddedNav, monkeypatch: pytest.MonkeyPatch) -> None:
    served.service.credentials = ("NAVSYNC", "Wsk-0123")
    monkeypatch.setenv("NAV_KEY", "Wsk-0123")
    cfg = ODataNavConfig(
        base_url=served.url,
        company=COMPANY,
        auth=ODataAuth.BASIC,
        username="navsync",
        password=SecretRef(SecretSource.ENV, "NAV_KEY"),
    )
    try:
        nav = connect_from_config(cfg, required={NavTable.CONTACT: ["Name", "E-Mail"]})
        gibson = nav.get(NavTable.CONTACT, ("CT100006",))
        assert gibson is not None and gibson["Name"] == "A. Gibson's Law Firm"
        nav.close()
        monkeypatch.setenv("NAV_KEY", "wrong")
        with pytest.raises(NavAuthError):
            connect_from_config(cfg)
    finally:
        served.service.credentials = None


@pytest.mark.parametrize("detection", list(DeletionDetection))
def test_doctor_wording_for_each_deletion_detection(detection: DeletionDetection) -> None:
    from graphsync.runtime.doctor import odata_deletions

    text = odata_deletions(detection, change_log_service="ChangeLogEntries")
    assert text
    if detection is not DeletionDetection.HASH_COMPARISON:
        assert "'ChangeLogEntries'" in text


def test_serving_with_basic_auth_needs_the_key_in_the_environment(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from graphsync.navservice.__main__ import main

    monkeypatch.delenv("NAV_WEB_SERVICE_KEY", raising=False)
    with pytest.raises(SystemExit) as exit_:
        main(["--user", "NAVSYNC"])
    assert exit_.value.code == 2
    assert "NAV_WEB_SERVICE_KEY" in capsys.readouterr().err


def test_the_default_field_map_fits_the_published_pages(served: Served, connect: Callable[..., ODataNav]) -> None:
    from graphsync.config.entities import default_entities
    from graphsync.runtime.odata import required_fields

    required = required_fields(default_entities())
    assert "Phone No." in required[NavTable.CONTACT] or 9 in required[NavTable.CONTACT]
    assert not any(isinstance(r, str) and r.startswith("@") for refs in required.values() for r in refs)
    connect(required=required)  # every mapped field is on the pages
    served.service.publication = Publication(hidden={NavTable.ATTENDEE: frozenset({"Send Invitation"})})
    with pytest.raises(ConfigError) as err:
        connect(required=required)
    assert "Send_Invitation" in err.value.expected


def test_a_misspelt_company_is_named_with_the_companies_there_are(served: Served, company: EmbeddedNav) -> None:
    with pytest.raises(ConfigError) as err:
        ODataNav(httpx.Client(), base_url=served.url, company="CRONUS UK Ltd")
    assert err.value.key == "nav.odata.company" and "'CRONUS UK Ltd.'" in err.value.expected


def test_keys_are_evaluated_as_nav_does_and_server_page_limits_are_followed(
    served: Served, connect: Callable[..., ODataNav], company: EmbeddedNav
) -> None:
    nav = connect()
    gibson = nav.get(NavTable.CONTACT, (" ct100006",))
    assert gibson is not None and gibson.key == ("CT100006",)
    served.service.max_page_size = 3  # the server pages at 3 although 1,000 were asked for
    assert set(nav.keys(NavTable.CONTACT)) == set(company.keys(NavTable.CONTACT))
    assert len(list(nav.find(NavTable.CONTACT, {}))) == len(list(company.keys(NavTable.CONTACT)))
