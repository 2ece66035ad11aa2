"""Behaviours of the embedded company beyond the connector contract: its file, change log and NAV's rules."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import pytest

from graphsync.connectors.nav import NavTable
from graphsync.errors import (
    NavConcurrencyError,
    NavConnectionError,
    NavNotFoundError,
    NavRefusedError,
    NavValidationError,
)
from graphsync.nav.embedded import EmbeddedNav

CONTACT = NavTable.CONTACT
TODO = NavTable.TODO
ATTENDEE = NavTable.ATTENDEE


def _dump(path: Path) -> list[str]:
    """Every row of every table, to prove a refused write left the file exactly as it was."""
    conn = sqlite3.connect(path)
    try:
        return list(conn.iterdump())
    finally:
        conn.close()


# ------------------------------------------------------------------ the file


def test_missing_file_names_the_fix(tmp_path: Path) -> None:
    with pytest.raises(NavConnectionError) as err:
        EmbeddedNav(tmp_path / "none.sqlite")
    assert "graphsync nav init" in err.value.message
    assert not (tmp_path / "none.sqlite").exists()


def test_a_file_that_is_not_a_company_is_refused(tmp_path: Path) -> None:
    text = tmp_path / "notes.sqlite"
    text.write_text("hello")
    with pytest.raises(NavConnectionError, match="not a graphsync NAV company"):
        EmbeddedNav(text)
    other = tmp_path / "other.sqlite"
    sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.close()
    with pytest.raises(NavConnectionError, match="not a graphsync NAV company"):
        EmbeddedNav(other)


def test_create_refuses_to_overwrite(company_path: Path) -> None:
    before = company_path.read_bytes()
    with pytest.raises(NavConnectionError, match="already exists"):
        EmbeddedNav.create(company_path)
    assert company_path.read_bytes() == before


def test_create_without_demo_is_empty(tmp_path: Path) -> None:
    with EmbeddedNav.create(tmp_path / "empty.sqlite", demo=False) as nav:
        assert list(nav.keys(CONTACT)) == []
        assert nav.deletions_tracked(CONTACT) is False


# ------------------------------------------------------------------ values


def test_code_keys_are_upper_cased_and_trimmed(embedded: EmbeddedNav) -> None:
    record = embedded.insert(NavTable.SALESPERSON, {"Code": " ab ", "Name": "Alan Brewer"})
    assert record.key == ("AB",)
    assert embedded.get(NavTable.SALESPERSON, ("ab",)) == record


def test_length_error_wording_is_navs(embedded: EmbeddedNav) -> None:
    with pytest.raises(NavValidationError) as err:
        embedded.insert(CONTACT, {"Type": "Company", "Name": "N", "City": "C" * 35})
    assert err.value.message == (
        "The length of the string is 35, but it must be less than or equal to 30 characters. Value: " + "C" * 35
    )
    assert err.value.field == "City"


def test_option_error_lists_the_options(embedded: EmbeddedNav) -> None:
    with pytest.raises(NavValidationError) as err:
        embedded.insert(CONTACT, {"Type": "Partner", "Name": "N"})
    assert "'Partner' is not an option" in err.value.message
    assert "Company,Person" in err.value.message


def test_unknown_field_and_flowfield_are_refused(embedded: EmbeddedNav) -> None:
    with pytest.raises(NavValidationError, match="does not exist"):
        embedded.modify(CONTACT, ("CT100006",), {"Fax": "1"}, if_match="*")
    with pytest.raises(NavValidationError, match="FlowField"):
        embedded.modify(CONTACT, ("CT100006",), {"Next To-do Date": dt.date(2030, 1, 1)}, if_match="*")


def test_fields_by_number(embedded: EmbeddedNav) -> None:
    record = embedded.modify(CONTACT, ("CT100006",), {"9": "555"}, if_match="*")
    assert record["Phone No."] == "555"


def test_change_log_tables_are_read_only(embedded: EmbeddedNav) -> None:
    with pytest.raises(NavRefusedError):
        embedded.insert(NavTable.CHANGE_LOG_ENTRY, {"Entry No.": 999})


def test_etag_is_a_weak_odata_etag(embedded: EmbeddedNav) -> None:
    record = embedded.get(CONTACT, ("CT100006",))
    assert record is not None
    assert record.etag.startswith('W/"') and record.etag.endswith('"')


def test_a_modify_that_changes_nothing_writes_nothing(embedded: EmbeddedNav) -> None:
    before = embedded.get(CONTACT, ("CT100006",))
    assert before is not None
    after = embedded.modify(CONTACT, ("CT100006",), {"Name": before["Name"]}, if_match=before.etag)
    assert after.etag == before.etag


def test_number_series_continue_after_the_demo(embedded: EmbeddedNav) -> None:
    todo = embedded.insert(TODO, {"Salesperson Code": "EH", "Date": dt.date(2030, 1, 1)})
    assert todo.key == ("TD000004",)  # the demo used TD000001..TD000003
    contact = embedded.insert(CONTACT, {"Type": "Company", "Name": "First new"})
    assert contact.key == ("CT000001",)


# ------------------------------------------------------------------ contacts


def test_person_names_are_calculated_both_ways(embedded: EmbeddedNav) -> None:
    split = embedded.insert(CONTACT, {"Type": "Person", "Name": "Mary Anne Smith"})
    assert (split["First Name"], split["Middle Name"], split["Surname"]) == ("Mary", "Anne", "Smith")
    joined = embedded.modify(CONTACT, split.key, {"Surname": "Jones"}, if_match="*")
    assert joined["Name"] == "Mary Anne Jones"


def test_person_company_must_be_a_company(embedded: EmbeddedNav) -> None:
    with pytest.raises(NavValidationError, match="related table"):
        embedded.insert(CONTACT, {"Type": "Person", "Name": "X", "Company No.": "CT200116"})


def test_salesperson_must_exist(embedded: EmbeddedNav) -> None:
    with pytest.raises(NavValidationError) as err:
        embedded.insert(CONTACT, {"Type": "Company", "Name": "X", "Salesperson Code": "ZZ"})
    assert err.value.message == (
        "The field Salesperson Code of table Contact contains a value (ZZ) that cannot be found in the related "
        "table (Salesperson/Purchaser)."
    )


def test_company_with_persons_cannot_become_a_person(embedded: EmbeddedNav) -> None:
    with pytest.raises(NavRefusedError, match="related people"):
        embedded.modify(CONTACT, ("CT100006",), {"Type": "Person"}, if_match="*")


def test_open_todo_refusal_wording(embedded: EmbeddedNav) -> None:
    with pytest.raises(NavRefusedError) as err:
        embedded.delete(CONTACT, ("CT100007",), if_match="*")
    assert err.value.message == (
        "You cannot delete the CT100007 record of the Contact because there are one or more to-dos open."
    )


def test_refused_cascade_leaves_the_file_exactly_as_it_was(embedded: EmbeddedNav, company_path: Path) -> None:
    # Gibson's persons attend the open meeting, so deleting the company must fail as a whole.
    meeting = embedded.get(TODO, ("TD000001",))
    assert meeting is not None
    embedded.modify(TODO, ("TD000001",), {"Contact No.": ""}, if_match=meeting.etag)
    embedded.delete(ATTENDEE, ("TD000001", "20000"), if_match="*")  # the company itself no longer attends
    before = _dump(company_path)
    with pytest.raises(NavRefusedError, match="CT200116"):
        embedded.delete(CONTACT, ("CT100006",), if_match="*")
    assert _dump(company_path) == before


def test_salesperson_with_open_todos_cannot_be_deleted(embedded: EmbeddedNav) -> None:
    with pytest.raises(NavRefusedError, match="open to-dos"):
        embedded.delete(NavTable.SALESPERSON, ("LT",), if_match="*")
    embedded.delete(NavTable.SALESPERSON, ("BC",), if_match="*")
    assert embedded.get(NavTable.SALESPERSON, ("BC",)) is None


def test_modify_stamps_last_date_and_time_modified_in_utc(embedded: EmbeddedNav) -> None:
    started = dt.datetime.now(dt.UTC).replace(microsecond=0)
    record = embedded.modify(CONTACT, ("CT100005",), {"City": "Bath"}, if_match="*")
    stamped = dt.datetime.combine(record["Last Date Modified"], record["Last Time Modified"], dt.UTC)  # type: ignore[arg-type]
    assert started <= stamped <= dt.datetime.now(dt.UTC)


def test_not_found_wording(embedded: EmbeddedNav) -> None:
    with pytest.raises(NavNotFoundError) as err:
        embedded.delete(CONTACT, ("CT999999",), if_match="*")
    assert err.value.message == "The Contact does not exist. Identification fields and values: No.='CT999999'"


# ------------------------------------------------------------------ to-dos and attendees


def test_todo_requires_date_and_salesperson(embedded: EmbeddedNav) -> None:
    with pytest.raises(NavValidationError, match="Date must have a value in To-do"):
        embedded.insert(TODO, {"Salesperson Code": "EH"})
    with pytest.raises(NavValidationError, match="Salesperson Code must have a value"):
        embedded.insert(TODO, {"Date": dt.date(2030, 1, 1)})


def test_ending_follows_duration_and_duration_follows_ending(embedded: EmbeddedNav) -> None:
    call = embedded.insert(
        TODO,
        {"Type": "Phone Call", "Salesperson Code": "EH", "Date": dt.date(2030, 1, 1), "Start Time": dt.time(9)},
    )
    assert call["Duration"] == 30 * 60_000  # NAV's default for meetings and calls
    assert (call["Ending Date"], call["Ending Time"]) == (dt.date(2030, 1, 1), dt.time(9, 30))
    longer = embedded.modify(TODO, call.key, {"Ending Time": dt.time(10, 15)}, if_match="*")
    assert longer["Duration"] == 75 * 60_000
    plain = embedded.insert(
        TODO, {"Salesperson Code": "EH", "Date": dt.date(2030, 1, 1), "Ending Date": dt.date(2030, 1, 3)}
    )
    assert plain["Duration"] == 3 * 86_400_000
    with pytest.raises(NavValidationError, match="cannot end before it starts"):
        embedded.modify(TODO, plain.key, {"Ending Date": dt.date(2029, 12, 1)}, if_match="*")


def test_closing_stamps_date_closed_and_reopening_clears_it(embedded: EmbeddedNav) -> None:
    closed = embedded.modify(TODO, ("TD000003",), {"Closed": True}, if_match="*")
    assert closed["Status"] == "Completed" and closed["Date Closed"] is not None
    canceled = embedded.modify(TODO, ("TD000002",), {"Canceled": True}, if_match="*")
    assert canceled["Closed"] is True
    reopened = embedded.modify(TODO, ("TD000003",), {"Status": "Waiting"}, if_match="*")
    assert reopened["Closed"] is False and reopened["Date Closed"] is None


def test_meeting_type_cannot_change(embedded: EmbeddedNav) -> None:
    with pytest.raises(NavRefusedError, match="You cannot change a to-do type"):
        embedded.modify(TODO, ("TD000001",), {"Type": "Phone Call"}, if_match="*")
    call = embedded.modify(TODO, ("TD000002",), {"Type": ""}, if_match="*")
    assert call["Type"] == ""


def test_attendee_rules(embedded: EmbeddedNav) -> None:
    with pytest.raises(NavRefusedError, match="cannot delete a to-do organizer"):
        embedded.delete(ATTENDEE, ("TD000001", "10000"), if_match="*")
    with pytest.raises(NavRefusedError, match="already exists"):
        embedded.insert(ATTENDEE, {"To-do No.": "TD000001", "Attendee Type": "Contact", "Attendee No.": "CT200116"})
    with pytest.raises(NavRefusedError, match="more than one"):
        embedded.insert(
            ATTENDEE,
            {
                "To-do No.": "TD000001",
                "Attendance Type": "To-do Organizer",
                "Attendee Type": "Salesperson",
                "Attendee No.": "OF",
            },
        )
    with pytest.raises(NavRefusedError, match="must always be a salesperson"):
        embedded.insert(
            ATTENDEE,
            {
                "To-do No.": "TD000002",
                "Attendance Type": "To-do Organizer",
                "Attendee Type": "Contact",
                "Attendee No.": "CT100001",
            },
        )
    with pytest.raises(NavValidationError, match="related table"):
        embedded.insert(ATTENDEE, {"To-do No.": "TD999999", "Attendee Type": "Contact", "Attendee No.": "CT100001"})
    added = embedded.insert(ATTENDEE, {"To-do No.": "TD000001", "Attendee Type": "Contact", "Attendee No.": "CT100005"})
    assert added.key == ("TD000001", "50000")
    assert added["Send Invitation"] is False  # Taylor's has no e-mail address
    with pytest.raises(NavValidationError, match="does not have an e-mail address"):
        embedded.modify(ATTENDEE, added.key, {"Send Invitation": True}, if_match=added.etag)
    embedded.delete(ATTENDEE, added.key, if_match="*")


def test_changing_a_meetings_salesperson_moves_the_organizer(embedded: EmbeddedNav) -> None:
    embedded.modify(TODO, ("TD000001",), {"Salesperson Code": "HR"}, if_match="*")
    organizer = embedded.get(ATTENDEE, ("TD000001", "10000"))
    assert organizer is not None and organizer["Attendee No."] == "HR" and organizer["Attendee Name"] == "Helena Ray"


def test_deleting_a_todo_deletes_its_attendees(embedded: EmbeddedNav) -> None:
    embedded.delete(TODO, ("TD000001",), if_match="*")
    assert list(embedded.find(ATTENDEE, {"To-do No.": "TD000001"})) == []
    assert embedded.get(CONTACT, ("CT200116",)) is not None


def test_next_todo_date_counts_attendance(embedded: EmbeddedNav) -> None:
    meeting = embedded.get(TODO, ("TD000001",))
    person = embedded.get(CONTACT, ("CT200118",))
    assert meeting is not None and person is not None
    assert person["Next To-do Date"] == meeting["Date"]


# ------------------------------------------------------------------ change log


def _entries(nav: EmbeddedNav, table: NavTable) -> list[dict[str, object]]:
    return [dict(r.fields) for r in nav.change_log(table)]


def test_demo_company_logs_the_synced_tables(embedded: EmbeddedNav) -> None:
    for table in (CONTACT, NavTable.SALESPERSON, TODO, ATTENDEE):
        assert embedded.deletions_tracked(table)
    assert not embedded.deletions_tracked(NavTable.TERRITORY)


def test_modification_logs_old_and_new_value_per_field(embedded: EmbeddedNav) -> None:
    before = len(_entries(embedded, CONTACT))
    embedded.modify(CONTACT, ("CT100006",), {"Phone No.": "1234567"}, if_match="*")
    new = _entries(embedded, CONTACT)[before:]
    phone = [e for e in new if e["Field No."] == 9]
    assert len(phone) == 1
    assert phone[0]["Old Value"] == "+44 1223 555 0106" and phone[0]["New Value"] == "1234567"
    assert phone[0]["Type of Change"] == "Modification"
    assert phone[0]["Primary Key"] == "No.=CONST(CT100006)"
    assert phone[0]["Primary Key Field 1 Value"] == "CT100006"
    assert phone[0]["User ID"] == "TESTER"
    # The time stamp changed too; the date stamp only when the day changed since the demo was made.
    assert {9, 5104} <= {e["Field No."] for e in new} <= {9, 54, 5104}


def test_insertion_and_deletion_are_logged(embedded: EmbeddedNav) -> None:
    record = embedded.insert(CONTACT, {"Type": "Company", "Name": "Contoso Pharmaceuticals"})
    inserted = [e for e in _entries(embedded, CONTACT) if e["Primary Key Field 1 Value"] == record.key[0]]
    assert {e["Type of Change"] for e in inserted} == {"Insertion"}
    assert any(e["Field No."] == 2 and e["New Value"] == "Contoso Pharmaceuticals" for e in inserted)
    embedded.delete(CONTACT, record.key, if_match="*")
    deleted = [e for e in _entries(embedded, CONTACT) if e["Type of Change"] == "Deletion"]
    assert any(e["Field No."] == 2 and e["Old Value"] == "Contoso Pharmaceuticals" for e in deleted)


def test_entry_numbers_increase(embedded: EmbeddedNav) -> None:
    embedded.modify(CONTACT, ("CT100006",), {"City": "Ely"}, if_match="*")
    embedded.modify(CONTACT, ("CT100001",), {"City": "Ripon"}, if_match="*")
    numbers = [int(str(e["Entry No."])) for e in _entries(embedded, CONTACT)]
    assert numbers == sorted(numbers) and len(set(numbers)) == len(numbers)


def test_change_logging_per_field_and_off(embedded: EmbeddedNav) -> None:
    embedded.set_change_logging(NavTable.TERRITORY, ["Name"])
    embedded.modify(NavTable.TERRITORY, ("LND",), {"Name": "Greater London"}, if_match="*")
    assert [e["Field No."] for e in _entries(embedded, NavTable.TERRITORY)] == [2]
    assert not embedded.deletions_tracked(NavTable.TERRITORY)  # Code (the key) is not logged
    embedded.set_change_logging(CONTACT, enabled=False)
    before = len(_entries(embedded, CONTACT))
    embedded.modify(CONTACT, ("CT100006",), {"City": "Ely"}, if_match="*")
    assert len(_entries(embedded, CONTACT)) == before
    assert not embedded.deletions_tracked(CONTACT)
    changes = embedded.changes(CONTACT, None)
    assert changes.deletions_tracked is False and list(changes.deletions) == []


def test_switching_off_one_field_keeps_the_others(embedded: EmbeddedNav) -> None:
    embedded.set_change_logging(CONTACT, ["Pager"], enabled=False)
    before = len(_entries(embedded, CONTACT))
    embedded.modify(CONTACT, ("CT100006",), {"Pager": "1", "Fax No.": "2"}, if_match="*")
    fields = {e["Field No."] for e in _entries(embedded, CONTACT)[before:]}
    assert 84 in fields and 5062 not in fields
    assert embedded.deletions_tracked(CONTACT)


def test_a_deleted_and_recreated_key_is_not_reported_deleted(embedded: EmbeddedNav) -> None:
    mark = embedded.changes(NavTable.SALESPERSON, None).watermark
    embedded.delete(NavTable.SALESPERSON, ("BC",), if_match="*")
    embedded.insert(NavTable.SALESPERSON, {"Code": "BC", "Name": "Benjamin Chiu"})
    changes = embedded.changes(NavTable.SALESPERSON, mark)
    assert list(changes.deletions) == []
    assert [r.key for r in changes.records] == [("BC",)]


def test_a_refused_insert_uses_no_number(embedded: EmbeddedNav) -> None:
    with pytest.raises(NavValidationError):
        embedded.insert(TODO, {"Salesperson Code": "EH"})  # no Date
    assert embedded.insert(TODO, {"Salesperson Code": "EH", "Date": dt.date(2030, 1, 1)}).key == ("TD000004",)


def test_open_or_create(tmp_path: Path, company_path: Path) -> None:
    made = tmp_path / "demo" / "nav.sqlite"
    with EmbeddedNav.open_or_create(made) as nav:
        assert nav.get(CONTACT, ("CT100006",)) is not None
    with EmbeddedNav.open_or_create(company_path) as nav:
        assert nav.path == company_path


def test_change_log_newest_entries_oldest_first(embedded: EmbeddedNav) -> None:
    embedded.modify(CONTACT, ("CT100006",), {"City": "Ely"}, if_match="*")
    everything = embedded.change_log()
    assert embedded.change_log(newest=2) == everything[-2:]
    assert [e["Field Caption"] for e in embedded.change_log(CONTACT, newest=2)] == ["City", "Last Time Modified"]


def test_two_connections_to_one_company_see_each_others_writes(company_path: Path) -> None:
    # The sync and a person running `graphsync nav set` share the file: ETags and watermarks hold across them.
    with EmbeddedNav(company_path, user_id="SYNC") as sync, EmbeddedNav(company_path, user_id="USER") as user:
        record = sync.get(CONTACT, ("CT100006",))
        mark = sync.changes(CONTACT, None).watermark
        assert record is not None
        user.modify(CONTACT, ("CT100006",), {"Phone No.": "999"}, if_match="*")
        with pytest.raises(NavConcurrencyError):
            sync.modify(CONTACT, ("CT100006",), {"Phone No.": "111"}, if_match=record.etag)
        assert [r["Phone No."] for r in sync.changes(CONTACT, mark).records] == ["999"]
        assert sync.change_log(CONTACT, newest=2)[0]["User ID"] == "USER"


def test_an_organizer_needs_an_email_address(embedded: EmbeddedNav) -> None:
    embedded.modify(NavTable.SALESPERSON, ("JO",), {"E-Mail": ""}, if_match="*")
    with pytest.raises(NavRefusedError, match="as organizer because he/she does not have email address"):
        embedded.insert(TODO, {"Type": "Meeting", "Salesperson Code": "JO", "Date": dt.date(2030, 1, 1)})
    todo = embedded.insert(TODO, {"Salesperson Code": "JO", "Date": dt.date(2030, 1, 1)})
    with pytest.raises(NavRefusedError, match="as organizer"):
        embedded.insert(
            ATTENDEE,
            {
                "To-do No.": todo.key[0],
                "Attendance Type": "To-do Organizer",
                "Attendee Type": "Salesperson",
                "Attendee No.": "JO",
            },
        )
