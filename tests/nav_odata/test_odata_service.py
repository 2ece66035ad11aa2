"""The connector against the NAV-style service in the set-ups a customer's NAV may have: no change log page,
fields left off a page, a page not published, Basic authentication; and the service's own NAV quirks."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from graphsync.config.odata import ODataAuth, ODataNavConfig
from graphsync.config.secrets import SecretRef, SecretSource
from graphsync.connectors.nav import NavConnector, NavTable, Watermark
from graphsync.errors import ConfigError, NavAuthError, NavRefusedError
from graphsync.nav.embedded import EmbeddedNav
from graphsync.nav.odata.binding import StampKind
from graphsync.nav.odata.connector import DeletionDetection, ODataNav, ServiceNames
from graphsync.navservice.app import MISSING_IF_MATCH
from graphsync.navservice.pages import PROFILES, Publication
from graphsync.runtime.odata import connect as connect_from_config
from tests.nav.contract import NavContract
from tests.nav_odata.conftest import COMPANY, Served

WITHOUT_CHANGE_LOG = Publication().without(NavTable.CHANGE_LOG_ENTRY)
CONTACTS = "Company('CRONUS%20UK%20Ltd.')/ContactCard"


class TestODataContractWithoutChangeLog(NavContract):
    """A NAV whose Change Log Entries page is not published: the engine compares key lists instead."""

    @pytest.fixture
    def nav(self, served: Served, connect: Callable[..., ODataNav]) -> Iterator[NavConnector]:
        served.service.publication = WITHOUT_CHANGE_LOG
        yield connect()


def test_deletion_detection_follows_what_is_published(served: Served, connect: Callable[..., ODataNav]) -> None:
    with_log = connect()
    assert with_log.deletion_detection(NavTable.CONTACT) is DeletionDetection.CHANGE_LOG
    assert with_log.deletion_detection(NavTable.SALESPERSON) is DeletionDetection.HASH_COMPARISON
    served.service.publication = WITHOUT_CHANGE_LOG
    without = connect()
    assert without.deletion_detection(NavTable.CONTACT) is DeletionDetection.KEY_LIST
    assert without.changes(NavTable.CONTACT, None).deletions_tracked is False
    assert without.deletions_tracked(NavTable.CONTACT) is False and with_log.deletions_tracked(NavTable.CONTACT)
    assert without.deletions_tracked(NavTable.SALESPERSON) and without.company_name == "CRONUS UK Ltd."
    status = {s.table: s for s in without.status()}
    assert status[NavTable.CONTACT].stamp is StampKind.DATE_AND_TIME
    assert status[NavTable.ATTENDEE].deletions is DeletionDetection.HASH_COMPARISON


def test_a_mapped_field_the_page_does_not_show_is_left_out_and_listed(
    served: Served, connect: Callable[..., ODataNav]
) -> None:
    served.service.publication = Publication().hiding(NavTable.CONTACT, "Phone No.", "Pager")
    nav = connect(required={NavTable.CONTACT: ["Name", 9]})  # the connector starts: it binds what is there
    (missing,) = nav.missing_fields()
    assert (missing.service, missing.field.name, missing.prop, missing.essential) == (
        "ContactCard",
        "Phone No.",
        "Phone_No",
        False,
    )
    contact = nav.table_def(NavTable.CONTACT)
    assert [f.name for f in contact.fields] == ["No.", "Name", "Last Date Modified", "Type", "Last Time Modified"]
    assert contact.unavailable_field(9) is not None and contact.unavailable_field("pager") is not None
    gibson = nav.get(NavTable.CONTACT, ("CT100006",))
    assert gibson is not None and set(gibson.fields) == {f.name for f in contact.fields}
    everything = connect()  # every field the page shows
    names = {f.name for f in everything.table_def(NavTable.CONTACT).fields}
    assert "City" in names and "Phone No." not in names and "Pager" not in names


def test_a_field_the_engine_needs_refuses_the_page_naming_it(served: Served, connect: Callable[..., ODataNav]) -> None:
    served.service.publication = Publication().hiding(NavTable.TODO, "System To-do Type")
    nav = connect()  # starts, so that graphsync doctor can list everything
    assert [(m.field.name, m.essential) for m in nav.missing_fields()] == [("System To-do Type", True)]
    with pytest.raises(ConfigError) as err:
        nav.table_def(NavTable.TODO)
    assert "'GraphsyncToDos'" in err.value.expected and "System_To_do_Type" in err.value.expected
    assert nav.get(NavTable.CONTACT, ("CT100006",)) is not None  # the other pages still work
    # A field an entity's condition selects on is just as essential.
    served.service.publication = Publication().hiding(NavTable.CONTACT, "Territory Code")
    with pytest.raises(ConfigError) as err:
        connect(essential={NavTable.CONTACT: ["Territory Code"]}).find(NavTable.CONTACT, {})
    assert "Territory_Code" in err.value.expected


def test_an_unpublished_page_is_named_with_what_is_published(served: Served, connect: Callable[..., ODataNav]) -> None:
    served.service.publication = Publication().without(NavTable.SALESPERSON)
    with pytest.raises(ConfigError) as err:
        connect()
    assert "SalespersonPurchaserCard" in err.value.expected and "ContactCard" in err.value.expected
    assert err.value.key == "nav.odata.services.salespeople"
    # Without a to-do page the connector starts; the to-do tables are refused when used.
    served.service.publication = Publication().without(NavTable.TODO, NavTable.ATTENDEE)
    nav = connect()
    assert nav.unpublished() == {NavTable.TODO: "GraphsyncToDos", NavTable.ATTENDEE: "GraphsyncAttendees"}
    with pytest.raises(NavRefusedError):
        nav.table_def(NavTable.TODO)
    served.service.publication = Publication()
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
    from graphsync.runtime.odata import essential_fields, required_fields

    required = required_fields(default_entities())
    essential = essential_fields(default_entities())
    assert "Phone No." in required[NavTable.CONTACT] or 9 in required[NavTable.CONTACT]
    assert not any(isinstance(r, str) and r.startswith("@") for refs in required.values() for r in refs)
    assert essential[NavTable.TODO] == ("Salesperson Code",)
    assert connect(required=required, essential=essential).missing_fields() == []  # every field is there
    served.service.publication = Publication().hiding(NavTable.ATTENDEE, "Send Invitation")
    (missing,) = connect(required=required, essential=essential).missing_fields()
    assert missing.prop == "Send_Invitation" and not missing.essential


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


def test_each_profile_speaks_its_own_option_form(served: Served, company: EmbeddedNav) -> None:
    todos = "Company('CRONUS%20UK%20Ltd.')/GraphsyncToDos"
    with httpx.Client(base_url=served.url) as http:
        nav2018 = http.get(todos, params={"$filter": "Type eq '_blank_'", "$select": "Type"}).json()["value"]
        assert nav2018 and {t["Type"] for t in nav2018} == {"_blank_"}
        refused = http.get(todos, params={"$filter": "Type eq 'Phone Call'"})
        assert refused.status_code == 400  # a caption is not NAV 2018's form
        bad = http.post(todos, json={"Salesperson_Code": "EH", "Date": "2030-01-02", "Type": "Phone Call"})
        assert bad.json()["error"]["message"] == 'The value "Phone Call" cannot be evaluated into type Option.'
        served.service.publication = PROFILES["bc-graphsync"]
        bc = http.get(todos, params={"$filter": "Type eq '_x0020_'", "$select": "Type"}).json()["value"]
        assert bc and {t["Type"] for t in bc} == {"_x0020_"}
        assert http.get(todos, params={"$filter": "Type eq '_blank_'"}).status_code == 400


def test_the_standard_pages_refuse_what_their_properties_forbid(served: Served, company: EmbeddedNav) -> None:
    served.service.publication = PROFILES["nav2018-standard"]
    root = "Company('CRONUS%20UK%20Ltd.')"
    with httpx.Client(base_url=served.url) as http:
        # Task Card 5098: InsertAllowed=No, DeleteAllowed=No; its controls named StartTime, AllDayEvent.
        card = http.get(f"{root}/TaskCard", params={"$top": "1"}).json()["value"][0]
        assert {"StartTime", "AllDayEvent", "EndingDate"} <= set(card) and "System_To_do_Type" not in card
        posted = http.post(f"{root}/TaskCard", json={"Description": "x"})
        assert (posted.status_code, posted.json()["error"]["code"]) == (405, "BadRequest_MethodNotAllowed")
        deleted = http.delete(f"{root}/TaskCard('{card['No']}')", headers={"If-Match": "*"})
        assert deleted.status_code == 405
        # Name Details 5055 does not show No., but the key is published anyway.
        details = http.get(f"{root}/NameDetails('CT200116')").json()
        assert details["No"] == "CT200116" and details["First_Name"] == "David"
        # Last Date Modified is not editable (Contact table, field 54: Editable=No).
        read_only = http.patch(
            f"{root}/ContactCard('CT100006')", json={"Last_Date_Modified": "2030-01-01"}, headers={"If-Match": "*"}
        )
        assert read_only.json()["error"] == {
            "code": "BadRequest_InvalidOperation",
            "message": "Control 'Last Date Modified' is read-only",
        }
        contact = http.get(f"{root}/ContactCard('CT100006')").json()
        assert "Next_Task_Date" in contact and "First_Name" not in contact and "Last_Time_Modified" not in contact


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--pages", "nav2016-standard"], "invalid choice"),
        (["--user-time-zone", "NYUSER"], "USER=ZONE"),
        (["--options", "roman"], "invalid choice"),
    ],
)
def test_serving_options_are_checked(args: list[str], words: str, capsys: pytest.CaptureFixture[str]) -> None:
    from graphsync.navservice.__main__ import main

    with pytest.raises(SystemExit) as exit_:
        main(args)
    assert exit_.value.code == 2 and words in capsys.readouterr().err


def test_serving_a_bad_time_zone_is_refused_before_serving(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from graphsync.navservice.__main__ import main

    assert main(["--company", str(tmp_path / "nav.sqlite"), "--server-time-zone", "Mars/Olympus"]) == 1
    assert "'Mars/Olympus' is not a time zone" in capsys.readouterr().err
