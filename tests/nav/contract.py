"""The contract every NavConnector keeps, written against the protocol only.

A connector's test module subclasses `NavContract` and provides a ``nav`` fixture yielding a fresh company
holding the CRONUS demo data (see graphsync.nav.demo); every test here then runs against it unchanged:

    class TestEmbeddedContract(NavContract):
        @pytest.fixture
        def nav(self, tmp_path) -> Iterator[NavConnector]: ...

Some of these are NAV's own rules (number series, open to-dos block a delete); others are promises of the
protocol that a connector keeps itself where NAV's OData pages would not (inserting a Meeting adds its
organizer and contact as attendees, as NAV's Create To-do wizard does).

A connector over a NAV that exposes less (the shipped pages of NAV 2018 or Business Central, Business
Central online) keeps the contract for what it exposes, and for the rest the tests check that it says so:
a table whose page is not published is refused (NavRefusedError), a field a page does not show is absent
from ``table_def`` (and listed in ``TableDef.unavailable``), and where meetings are not supported
(``meetings_supported`` is False) inserting one is refused with NAV's message.
"""

from __future__ import annotations

import datetime as dt

import pytest

from graphsync.connectors.nav import FieldType, NavConnector, NavTable, Watermark
from graphsync.errors import NavConcurrencyError, NavError, NavRefusedError, NavValidationError

CONTACT = NavTable.CONTACT
TODO = NavTable.TODO


def _utc_today_or_yesterday() -> set[dt.date]:
    # A test running across midnight UTC may see either day.
    today = dt.datetime.now(dt.UTC).date()
    return {today, today - dt.timedelta(days=1)}


def _fresh(nav: NavConnector, table: NavTable, key: tuple[str, ...]) -> str:
    record = nav.get(table, key)
    assert record is not None
    return record.etag


def has_todos(nav: NavConnector) -> bool:
    """Whether this NAV exposes to-dos; when it does not, it must say so on every use."""
    try:
        nav.table_def(TODO)
    except NavRefusedError:
        with pytest.raises(NavRefusedError):
            nav.insert(TODO, {"Salesperson Code": "EH", "Date": dt.date(2030, 1, 2), "Description": "x"})
        with pytest.raises(NavRefusedError):
            list(nav.find(TODO, {}))
        return False
    return True


def shows(nav: NavConnector, table: NavTable, field: str) -> bool:
    """Whether this NAV exposes ``field``; a field it does not expose must be listed as unavailable."""
    t = nav.table_def(table)
    if any(f.name == field for f in t.fields):
        return True
    assert t.unavailable_field(field) is not None, f"{field} is neither exposed nor listed as unavailable"
    return False


def meetings(nav: NavConnector) -> bool:
    return bool(getattr(nav, "meetings_supported", True))


class NavContract:
    # ------------------------------------------------------------------ metadata and demo data

    def test_table_defs_carry_nav_numbers_types_and_lengths(self, nav: NavConnector) -> None:
        contact = nav.table_def(CONTACT)
        assert contact.key == ("No.",)
        assert contact.field("No.").no == 1 and contact.field("No.").type is FieldType.CODE
        assert contact.field(9).name == "Phone No." and contact.field(9).length == 30
        assert contact.field("Type").options == ("Company", "Person")
        assert nav.table_def(NavTable.SALESPERSON).field(5052).name == "E-Mail"
        if not has_todos(nav):
            return
        todo = nav.table_def(TODO)
        assert todo.field("Type").options == ("", "Meeting", "Phone Call")
        assert todo.field(45).name == "System To-do Type"
        assert nav.table_def(NavTable.ATTENDEE).key == ("To-do No.", "Line No.")

    def test_demo_company_gibson(self, nav: NavConnector) -> None:
        gibson = nav.get(CONTACT, ("CT100006",))
        assert gibson is not None
        assert gibson["Name"] == "A. Gibson's Law Firm"
        assert gibson["Type"] == "Company"
        assert gibson["Company No."] == "CT100006"
        assert gibson["Territory Code"] == "EANG"
        assert gibson["Salesperson Code"] == "EH"
        persons = {r.key[0]: r for r in nav.find(CONTACT, {"Company No.": "CT100006", "Type": "Person"})}
        assert set(persons) == {"CT200116", "CT200118"}
        assert persons["CT200116"]["Name"] == "David Oliver Lawrence"
        assert persons["CT200118"]["Company Name"] == "A. Gibson's Law Firm"

    def test_demo_salespeople_and_territories(self, nav: NavConnector) -> None:
        codes = {k[0] for k in nav.keys(NavTable.SALESPERSON)}
        assert codes == {"EH", "OF", "LT", "JO", "RB", "BC", "HR"}
        eh = nav.get(NavTable.SALESPERSON, ("EH",))
        assert eh is not None and eh["Name"] == "Ester Henderson" and str(eh["E-Mail"]).lower() == "eh@contoso.com"
        assert {"EANG", "LND", "FOREIGN"} <= {k[0] for k in nav.keys(NavTable.TERRITORY)}

    def test_demo_todos_one_meeting_with_attendees_one_call_one_plain(self, nav: NavConnector) -> None:
        if not has_todos(nav):
            return
        todos = list(nav.find(TODO, {"System To-do Type": "Organizer"}))
        assert sorted(str(t["Type"]) for t in todos) == ["", "Meeting", "Phone Call"]
        meeting = next(t for t in todos if t["Type"] == "Meeting")
        attendees = list(nav.find(NavTable.ATTENDEE, {"To-do No.": meeting.key[0]}))
        organizers = [a for a in attendees if a["Attendance Type"] == "To-do Organizer"]
        assert len(organizers) == 1 and organizers[0]["Attendee Type"] == "Salesperson"
        assert organizers[0]["Attendee No."] == meeting["Salesperson Code"]
        assert any(a["Attendee Type"] == "Contact" for a in attendees)

    # ------------------------------------------------------------------ reading

    def test_get_unknown_key_is_none(self, nav: NavConnector) -> None:
        assert nav.get(CONTACT, ("CT999999",)) is None

    def test_keys_lists_every_record(self, nav: NavConnector) -> None:
        keys = set(nav.keys(CONTACT))
        assert {("CT100006",), ("CT200116",), ("CT100001",), ("CT100002",), ("CT100005",), ("CT100007",)} <= keys
        assert len(keys) == len(list(nav.find(CONTACT, {})))

    def test_values_are_typed(self, nav: NavConnector) -> None:
        contact = nav.get(CONTACT, ("CT100006",))
        assert contact is not None and contact["Type"] == "Company"
        if shows(nav, CONTACT, "Last Date Modified"):
            assert isinstance(contact["Last Date Modified"], dt.date)
        if not has_todos(nav):
            return
        todo = next(iter(nav.find(TODO, {"Type": "Meeting"})))
        assert isinstance(todo["Date"], dt.date)
        assert isinstance(todo["Start Time"], dt.time)
        assert isinstance(todo["Duration"], int)
        assert isinstance(todo["Closed"], bool)

    # ------------------------------------------------------------------ insert

    def test_insert_without_key_takes_the_number_series(self, nav: NavConnector) -> None:
        first = nav.insert(CONTACT, {"Type": "Company", "Name": "Fabrikam Ltd."})
        second = nav.insert(CONTACT, {"Type": "Company", "Name": "Litware Ltd."})
        assert first.key[0].startswith("CT") and second.key[0].startswith("CT")
        assert second.key[0] > first.key[0]
        if has_todos(nav):
            todo = nav.insert(TODO, {"Salesperson Code": "EH", "Date": dt.date(2030, 1, 2), "Description": "x"})
            assert todo.key[0].startswith("TD")

    def test_insert_returns_the_record_as_stored(self, nav: NavConnector) -> None:
        record = nav.insert(
            CONTACT, {"Type": "Person", "Name": "Ann Lee", "Company No.": "CT100005", "Salesperson Code": "jo"}
        )
        assert record["Salesperson Code"] == "JO"  # Code fields are upper-cased
        assert record["Company Name"] == "Taylor's Office Warehouse"
        if shows(nav, CONTACT, "Last Date Modified"):
            assert record["Last Date Modified"] in _utc_today_or_yesterday()
        assert nav.get(CONTACT, record.key) == record

    def test_insert_existing_key_is_refused(self, nav: NavConnector) -> None:
        with pytest.raises(NavError):
            nav.insert(CONTACT, {"No.": "CT100006", "Type": "Company", "Name": "Duplicate"})
        gibson = nav.get(CONTACT, ("CT100006",))
        assert gibson is not None and gibson["Name"] == "A. Gibson's Law Firm"

    def test_company_no_of_a_company_is_itself(self, nav: NavConnector) -> None:
        record = nav.insert(CONTACT, {"Type": "Company", "Name": "Northwind Traders"})
        assert record["Company No."] == record.key[0]
        assert record["Company Name"] == "Northwind Traders"

    # ------------------------------------------------------------------ modify and ETags

    def test_modify_with_current_etag_changes_record_and_etag(self, nav: NavConnector) -> None:
        before = nav.get(CONTACT, ("CT100006",))
        assert before is not None
        after = nav.modify(CONTACT, ("CT100006",), {"Phone No.": "1234567"}, if_match=before.etag)
        assert after["Phone No."] == "1234567"
        assert after.etag != before.etag
        if shows(nav, CONTACT, "Last Date Modified"):
            assert after["Last Date Modified"] in _utc_today_or_yesterday()
        assert nav.get(CONTACT, ("CT100006",)) == after

    def test_modify_with_stale_etag_is_a_concurrency_error_not_an_overwrite(self, nav: NavConnector) -> None:
        stale = _fresh(nav, CONTACT, ("CT100006",))
        nav.modify(CONTACT, ("CT100006",), {"Phone No.": "111"}, if_match=stale)
        with pytest.raises(NavConcurrencyError):
            nav.modify(CONTACT, ("CT100006",), {"Phone No.": "222"}, if_match=stale)
        current = nav.get(CONTACT, ("CT100006",))
        assert current is not None and current["Phone No."] == "111"

    def test_modify_with_star_matches_any_etag(self, nav: NavConnector) -> None:
        record = nav.modify(CONTACT, ("CT100001",), {"City": "York"}, if_match="*")
        assert record["City"] == "York"

    def test_modify_unknown_key_is_not_found(self, nav: NavConnector) -> None:
        with pytest.raises(NavError):
            nav.modify(CONTACT, ("CT999999",), {"City": "York"}, if_match="*")

    def test_too_long_value_is_rejected_with_nav_wording(self, nav: NavConnector) -> None:
        etag = _fresh(nav, CONTACT, ("CT100006",))
        with pytest.raises(NavValidationError) as err:
            nav.modify(CONTACT, ("CT100006",), {"City": "X" * 35}, if_match=etag)
        assert "The length of the string is 35, but it must be less than or equal to 30 characters." in (
            err.value.message
        )
        assert _fresh(nav, CONTACT, ("CT100006",)) == etag

    def test_invalid_option_is_rejected(self, nav: NavConnector) -> None:
        with pytest.raises(NavValidationError):
            nav.insert(CONTACT, {"Type": "Partnership", "Name": "Fabrikam Ltd."})
        if has_todos(nav):
            with pytest.raises(NavValidationError):
                nav.insert(TODO, {"Salesperson Code": "EH", "Date": dt.date(2030, 1, 2), "Type": "Lunch"})

    def test_renaming_a_company_renames_it_on_its_persons(self, nav: NavConnector) -> None:
        nav.modify(CONTACT, ("CT100006",), {"Name": "Gibson & Partners"}, if_match="*")
        for person in nav.find(CONTACT, {"Company No.": "CT100006", "Type": "Person"}):
            assert person["Company Name"] == "Gibson & Partners"

    # ------------------------------------------------------------------ to-dos

    def test_status_completed_and_closed_go_together(self, nav: NavConnector) -> None:
        if not has_todos(nav):
            return
        todo = nav.insert(TODO, {"Salesperson Code": "LT", "Date": dt.date(2030, 5, 1), "Description": "Quote"})
        assert todo["Closed"] is False
        done = nav.modify(TODO, todo.key, {"Status": "Completed"}, if_match=todo.etag)
        assert done["Closed"] is True
        reopened = nav.modify(TODO, todo.key, {"Closed": False}, if_match=done.etag)
        assert reopened["Status"] != "Completed"
        closed = nav.modify(TODO, todo.key, {"Closed": True}, if_match=reopened.etag)
        assert closed["Status"] == "Completed"

    def test_meeting_gets_organizer_and_contact_attendee(self, nav: NavConnector) -> None:
        if not has_todos(nav):
            return
        values = {
            "Type": "Meeting",
            "Contact No.": "CT100007",
            "Date": dt.date(2030, 3, 4),
            "Start Time": dt.time(14, 0),
            "Description": "discuss proposal",
        }
        if not meetings(nav):
            with pytest.raises(NavValidationError) as refused:
                nav.insert(TODO, values)
            assert "Meeting" in refused.value.message
            return
        meeting = nav.insert(TODO, values)
        assert meeting["Salesperson Code"] == "LT"  # the contact's salesperson organizes
        assert meeting["Contact Company No."] == "CT100007"
        attendees = {
            (a["Attendance Type"], a["Attendee No."])
            for a in nav.find(NavTable.ATTENDEE, {"To-do No.": meeting.key[0]})
        }
        assert attendees == {("To-do Organizer", "LT"), ("Required", "CT100007")}
        more = nav.insert(
            NavTable.ATTENDEE, {"To-do No.": meeting.key[0], "Attendee Type": "Salesperson", "Attendee No.": "HR"}
        )
        assert more["Attendee Name"] == "Helena Ray"

    def test_next_todo_date_is_the_earliest_open_todo(self, nav: NavConnector) -> None:
        if not has_todos(nav):
            return
        contact = nav.insert(CONTACT, {"Type": "Company", "Name": "Blue Yonder Airlines", "Salesperson Code": "HR"})
        assert contact["Next To-do Date"] is None
        later = nav.insert(TODO, {"Contact No.": contact.key[0], "Date": dt.date(2031, 6, 1), "Description": "a"})
        early = nav.insert(TODO, {"Contact No.": contact.key[0], "Date": dt.date(2031, 2, 1), "Description": "b"})
        got = nav.get(CONTACT, contact.key)
        assert got is not None and got["Next To-do Date"] == dt.date(2031, 2, 1)
        nav.modify(TODO, early.key, {"Status": "Completed"}, if_match=early.etag)
        got = nav.get(CONTACT, contact.key)
        assert got is not None and got["Next To-do Date"] == later["Date"]

    # ------------------------------------------------------------------ delete

    def test_contact_with_open_todos_cannot_be_deleted(self, nav: NavConnector) -> None:
        etag = _fresh(nav, CONTACT, ("CT100006",))
        with pytest.raises(NavRefusedError):
            nav.delete(CONTACT, ("CT100006",), if_match=etag)
        assert nav.get(CONTACT, ("CT100006",)) is not None
        assert nav.get(CONTACT, ("CT200116",)) is not None

    def test_deleting_a_company_deletes_its_persons(self, nav: NavConnector) -> None:
        company = nav.insert(CONTACT, {"Type": "Company", "Name": "Wide World Importers"})
        person = nav.insert(CONTACT, {"Type": "Person", "Name": "Kim Abercrombie", "Company No.": company.key[0]})
        nav.delete(CONTACT, company.key, if_match=company.etag)
        assert nav.get(CONTACT, company.key) is None
        assert nav.get(CONTACT, person.key) is None

    def test_delete_with_stale_etag_is_refused_and_keeps_the_record(self, nav: NavConnector) -> None:
        stale = _fresh(nav, CONTACT, ("CT100005",))
        nav.modify(CONTACT, ("CT100005",), {"City": "Bath"}, if_match=stale)
        with pytest.raises(NavConcurrencyError):
            nav.delete(CONTACT, ("CT100005",), if_match=stale)
        assert nav.get(CONTACT, ("CT100005",)) is not None

    # ------------------------------------------------------------------ changes since a watermark

    def test_changes_from_scratch_return_every_record(self, nav: NavConnector) -> None:
        changes = nav.changes(CONTACT, None)
        assert {r.key for r in changes.records} == set(nav.keys(CONTACT))
        assert isinstance(changes.watermark, Watermark)

    def test_changes_since_a_watermark_return_only_what_changed(self, nav: NavConnector) -> None:
        mark = nav.changes(CONTACT, None).watermark
        assert list(nav.changes(CONTACT, mark).records) == []
        nav.modify(CONTACT, ("CT100007",), {"Phone No.": "0161 555 0000"}, if_match="*")
        changed = nav.changes(CONTACT, mark)
        records = list(changed.records)
        assert [r.key for r in records] == [("CT100007",)]
        assert records[0]["Phone No."] == "0161 555 0000"
        assert list(nav.changes(CONTACT, changed.watermark).records) == []

    def test_a_change_during_reading_is_seen_next_time(self, nav: NavConnector) -> None:
        changes = nav.changes(CONTACT, None)
        nav.modify(CONTACT, ("CT100001",), {"City": "Hull"}, if_match="*")
        list(changes.records)
        again = {r.key: r for r in nav.changes(CONTACT, changes.watermark).records}
        assert again[("CT100001",)]["City"] == "Hull"

    def test_deletions_since_a_watermark(self, nav: NavConnector) -> None:
        company = nav.insert(CONTACT, {"Type": "Company", "Name": "Proseware Inc."})
        mark = nav.changes(CONTACT, None).watermark
        nav.delete(CONTACT, company.key, if_match="*")
        changes = nav.changes(CONTACT, mark)
        assert list(changes.records) == []
        deletions = list(changes.deletions)
        if changes.deletions_tracked:
            assert [d.key for d in deletions] == [company.key]
        else:
            assert deletions == []
        assert company.key not in set(nav.keys(CONTACT))

    def test_watermarks_grow(self, nav: NavConnector) -> None:
        first = nav.changes(CONTACT, None).watermark
        nav.modify(CONTACT, ("CT100001",), {"City": "Selby"}, if_match="*")
        second = nav.changes(CONTACT, first).watermark
        assert second > first
