"""A contact's Next To-do Date and open to-dos (NAV's FlowField and delete check), and the indexes that
keep them from scanning the to-dos on every contact read, also in a company made before those existed."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from graphsync.connectors.nav import NavTable
from graphsync.errors import NavRefusedError
from graphsync.nav import flowfields
from graphsync.nav.embedded import EmbeddedNav
from graphsync.nav.store import INDEXES

CONTACT = NavTable.CONTACT
TODO = NavTable.TODO
DAY = dt.date(2030, 5, 1)


@pytest.fixture
def nav(tmp_path: Path) -> Iterator[EmbeddedNav]:
    """An empty company with one salesperson, company CT000001 and its persons CT000002 and CT000003."""
    with EmbeddedNav.create(tmp_path / "nav.sqlite", demo=False) as nav:
        nav.insert(NavTable.SALESPERSON, {"Code": "EH", "Name": "Ester Henderson", "E-Mail": "eh@contoso.com"})
        nav.insert(CONTACT, {"Type": "Company", "Name": "Gibson Ltd."})
        nav.insert(CONTACT, {"Type": "Person", "Name": "Ann Lee", "Company No.": "CT000001"})
        nav.insert(CONTACT, {"Type": "Person", "Name": "Bo Ray", "Company No.": "CT000001"})
        yield nav


def _next(nav: EmbeddedNav, no: str) -> object:
    record = nav.get(CONTACT, (no,))
    assert record is not None
    return record["Next To-do Date"]


def _todo(nav: EmbeddedNav, days: int, **values: object) -> str:
    record = nav.insert(TODO, {"Salesperson Code": "EH", "Date": DAY + dt.timedelta(days=days), **values})
    return str(record.key[0])


def test_no_open_todos_no_date(nav: EmbeddedNav) -> None:
    assert [_next(nav, no) for no in ("CT000001", "CT000002", "CT000003")] == [None, None, None]


def test_a_person_as_contact_no(nav: EmbeddedNav) -> None:
    _todo(nav, 3, **{"Contact No.": "CT000002"})
    assert _next(nav, "CT000002") == DAY + dt.timedelta(days=3)
    assert _next(nav, "CT000003") is None


def test_a_person_as_contact_attendee_only(nav: EmbeddedNav) -> None:
    # The meeting's contact is the company; the person only attends it.
    nav.insert_todo(
        {"Type": "Meeting", "Contact No.": "CT000001", "Salesperson Code": "EH", "Date": DAY},
        attendees=[{"Attendee Type": "Contact", "Attendee No.": "CT000002"}],
    )
    assert _next(nav, "CT000002") == DAY
    assert _next(nav, "CT000003") is None
    with pytest.raises(NavRefusedError, match="one or more to-dos open"):
        nav.delete(CONTACT, ("CT000002",), if_match="*")


def test_a_salesperson_attendee_with_a_contacts_number_does_not_count(nav: EmbeddedNav) -> None:
    nav.insert(NavTable.SALESPERSON, {"Code": "CT000003", "Name": "Same Number", "E-Mail": "x@contoso.com"})
    nav.insert_todo(
        {"Type": "Meeting", "Contact No.": "CT000001", "Salesperson Code": "EH", "Date": DAY},
        attendees=[{"Attendee Type": "Salesperson", "Attendee No.": "CT000003"}],
    )
    assert _next(nav, "CT000003") is None
    nav.delete(CONTACT, ("CT000003",), if_match="*")


def test_a_company_through_contact_company_no(nav: EmbeddedNav) -> None:
    # A to-do of a person carries the person's company as Contact Company No.: it is the company's too.
    _todo(nav, 4, **{"Contact No.": "CT000003"})
    assert _next(nav, "CT000001") == DAY + dt.timedelta(days=4)
    assert _next(nav, "CT000002") is None


def test_closed_todos_are_ignored(nav: EmbeddedNav) -> None:
    early = _todo(nav, 1, **{"Contact No.": "CT000002"})
    _todo(nav, 5, **{"Contact No.": "CT000002"})
    nav.modify(TODO, (early,), {"Status": "Completed"}, if_match="*")
    assert _next(nav, "CT000002") == DAY + dt.timedelta(days=5)
    assert _next(nav, "CT000001") == DAY + dt.timedelta(days=5)


def test_all_closed_means_none_and_the_contact_can_go(nav: EmbeddedNav) -> None:
    only = _todo(nav, 1, **{"Contact No.": "CT000002"})
    nav.modify(TODO, (only,), {"Canceled": True}, if_match="*")
    assert _next(nav, "CT000002") is None
    assert _next(nav, "CT000001") is None
    nav.delete(CONTACT, ("CT000002",), if_match="*")


def test_the_earliest_date_across_contact_and_attendance(nav: EmbeddedNav) -> None:
    _todo(nav, 9, **{"Contact No.": "CT000002"})
    nav.insert_todo(
        {"Type": "Meeting", "Contact No.": "CT000003", "Salesperson Code": "EH", "Date": DAY + dt.timedelta(days=2)},
        attendees=[{"Attendee Type": "Contact", "Attendee No.": "CT000002"}],
    )
    _todo(nav, 6, **{"Contact No.": "CT000002"})
    assert _next(nav, "CT000002") == DAY + dt.timedelta(days=2)
    assert _next(nav, "CT000003") == DAY + dt.timedelta(days=2)
    assert _next(nav, "CT000001") == DAY + dt.timedelta(days=2)


# ------------------------------------------------------------------ indexes


def _plans(path: Path) -> list[str]:
    conn = sqlite3.connect(path)
    try:
        return [
            str(row[3])
            for sql in (flowfields.HAS_OPEN_SQL, flowfields.PERSON_NEXT_SQL, flowfields.COMPANY_NEXT_SQL)
            for row in conn.execute(f"EXPLAIN QUERY PLAN {sql}", {"no": "CT000001"})
        ]
    finally:
        conn.close()


def _indexes(path: Path) -> set[str]:
    conn = sqlite3.connect(path)
    try:
        return {str(row[0]) for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    finally:
        conn.close()


def _rows(path: Path) -> list[str]:
    conn = sqlite3.connect(path)
    try:
        return [line for line in conn.iterdump() if not line.startswith("CREATE INDEX")]
    finally:
        conn.close()


def test_the_flowfield_lookups_use_indexes_not_scans(nav: EmbeddedNav) -> None:
    plans = _plans(nav.path)
    # Every read of To-do or Attendee is a search on equal values; a SCAN, or a SEARCH without "=?" (which
    # walks a whole index in its order), would read every to-do for every contact.
    reads = [p for p in plans if p.split()[:1] in (["SCAN"], ["SEARCH"]) and p.split()[1] in ("t", "a")]
    assert reads, plans
    assert all(p.startswith("SEARCH") and "=?" in p and "ANY(" not in p for p in reads), plans
    for table, name, _ in INDEXES:
        assert any(f"INDEX {table}${name} " in p for p in plans), (name, plans)


def test_a_company_made_without_the_indexes_gets_them_on_open(company_path: Path) -> None:
    conn = sqlite3.connect(company_path)
    for table, name, _ in INDEXES:
        conn.execute(f'DROP INDEX "{table}${name}"')
    conn.close()
    before = _rows(company_path)
    assert not {f"{t}${n}" for t, n, _ in INDEXES} & _indexes(company_path)
    with EmbeddedNav(company_path) as nav:
        person = nav.get(CONTACT, ("CT200118",))
        assert person is not None and person["Next To-do Date"] is not None
    assert {f"{t}${n}" for t, n, _ in INDEXES} <= _indexes(company_path)
    assert _rows(company_path) == before  # nothing of the company lost or changed


def test_opening_an_up_to_date_company_writes_nothing(company_path: Path) -> None:
    EmbeddedNav(company_path).close()
    before = company_path.read_bytes()
    EmbeddedNav(company_path).close()
    assert company_path.read_bytes() == before
