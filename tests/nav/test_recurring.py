"""Closing a recurring to-do makes the next one, as table 5080's CreateRecurringTask does (NAV 2018
Table_5_080_To_do.al, field 13 Closed's OnValidate and CreateRecurringTask@4 / InsertTaskAndRelatedData@14;
BC CRM/Task/Todo.Table.al): dated by the Recurring Date Interval from the Date or from the closing day, a copy
of the closed to-do otherwise, a meeting's attendee rows copied as they are."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from graphsync.connectors.nav import NavRecord, NavTable
from graphsync.errors import NavDialogError, NavValidationError
from graphsync.nav.embedded import EmbeddedNav

TODO = NavTable.TODO
ATTENDEE = NavTable.ATTENDEE
MONDAY = dt.date(2030, 1, 7)
CLOSED_ON = dt.datetime(2030, 1, 9, 15, 30, tzinfo=dt.UTC)
"""When the tests close to-dos: a Wednesday, so that "Closing Date" and "Due Date" give different days."""


@pytest.fixture
def nav(company_path: Path) -> Iterator[EmbeddedNav]:
    company = EmbeddedNav(company_path, user_id="TESTER", clock=lambda: CLOSED_ON)
    yield company
    company.close()


def _meeting(nav: EmbeddedNav, **values: object) -> NavRecord:
    return nav.insert_todo(
        {
            "Type": "Meeting",
            "Salesperson Code": "EH",
            "Contact No.": "CT200116",
            "Description": "weekly review",
            "Location": "Room 2",
            "Priority": "High",
            "Date": MONDAY,
            "Start Time": dt.time(10, 0),
            "Ending Date": MONDAY,
            "Ending Time": dt.time(11, 0),
            "Recurring": True,
            "Recurring Date Interval": "1W",
            "Calc. Due Date From": "Due Date",
            **values,
        },
        attendees=[{"Attendee Type": "Salesperson", "Attendee No.": "OF", "Attendance Type": "Optional"}],
    )


def _todos(nav: EmbeddedNav) -> list[NavRecord]:
    return list(nav.find(TODO, {}))


def _next(nav: EmbeddedNav, before: list[NavRecord]) -> NavRecord:
    known = {r.key for r in before}
    [new] = [r for r in _todos(nav) if r.key not in known]
    return new


def test_closing_a_recurring_meeting_makes_the_next_one_a_copy(nav: EmbeddedNav) -> None:
    meeting = _meeting(nav)
    before = _todos(nav)
    closed = nav.modify(TODO, meeting.key, {"Status": "Completed"}, if_match="*")
    assert (closed["Closed"], closed["Date Closed"], closed["Recurring"]) == (True, CLOSED_ON.date(), True)
    new = _next(nav, before)
    f = new.fields
    # Task2 := Rec, then Status, Closed, Canceled, Date Closed cleared and Date moved by the interval.
    assert (f["Status"], f["Closed"], f["Canceled"], f["Date Closed"]) == ("Not Started", False, False, None)
    assert (f["Date"], f["Start Time"], f["Ending Date"], f["Ending Time"]) == (
        MONDAY + dt.timedelta(weeks=1),
        dt.time(10, 0),
        MONDAY + dt.timedelta(weeks=1),
        dt.time(11, 0),
    )
    assert f["Duration"] == meeting["Duration"]
    for same in ("Type", "Salesperson Code", "Contact No.", "Contact Company No.", "Description", "Location"):
        assert f[same] == meeting[same], same
    assert (f["Priority"], f["Recurring"], f["Recurring Date Interval"], f["Calc. Due Date From"]) == (
        "High",
        True,
        "1W",
        "Due Date",
    )
    # An organizer to-do of its own under the next number (INSERT(TRUE): OnInsert).
    assert new.key[0] > meeting.key[0]
    assert (f["System To-do Type"], f["Organizer To-do No."]) == ("Organizer", new.key[0])
    assert (f["Last Date Modified"], f["Last Time Modified"]) == (CLOSED_ON.date(), CLOSED_ON.time())


def test_the_meetings_attendee_rows_are_copied_as_they_are(nav: EmbeddedNav) -> None:
    meeting = _meeting(nav)
    # What the rows hold after the invitations went out (NAV sets these as it sends them).
    nav.modify(
        ATTENDEE,
        (meeting.key[0], "20000"),
        {"Invitation Sent": True, "Invitation Response Type": "Accepted"},
        if_match="*",
    )
    rows = {r.key[1]: dict(r.fields) for r in nav.find(ATTENDEE, {"To-do No.": meeting.key[0]})}
    before = _todos(nav)
    nav.modify(TODO, meeting.key, {"Closed": True}, if_match="*")
    new = _next(nav, before)
    copied = {r.key[1]: dict(r.fields) for r in nav.find(ATTENDEE, {"To-do No.": new.key[0]})}
    assert set(copied) == set(rows) == {"10000", "20000", "30000"}
    for line, fields in rows.items():
        assert copied[line] == {**fields, "To-do No.": new.key[0]}
    assert copied["10000"]["Attendance Type"] == "To-do Organizer"
    assert (copied["20000"]["Invitation Sent"], copied["20000"]["Invitation Response Type"]) == (True, "Accepted")
    # The closed to-do keeps its own rows.
    assert len(list(nav.find(ATTENDEE, {"To-do No.": meeting.key[0]}))) == 3


def test_closing_date_counts_from_the_day_the_session_closes_it(nav: EmbeddedNav) -> None:
    meeting = _meeting(nav, **{"Calc. Due Date From": "Closing Date", "Recurring Date Interval": "2W"})
    before = _todos(nav)
    nav.modify(TODO, meeting.key, {"Status": "Completed"}, if_match="*")
    assert _next(nav, before)["Date"] == CLOSED_ON.date() + dt.timedelta(weeks=2)
    # TODAY is the session's own: a user in Auckland closes on the 10th there.
    auckland = nav.as_session(time_zone="Pacific/Auckland")
    other = _meeting(auckland, **{"Calc. Due Date From": "Closing Date", "Recurring Date Interval": "1D"})
    before = _todos(nav)
    auckland.modify(TODO, other.key, {"Closed": True}, if_match="*")
    assert _next(nav, before)["Date"] == dt.date(2030, 1, 11)


@pytest.mark.parametrize(
    ("interval", "expected"),
    [
        ("1D", dt.date(2030, 1, 8)),
        ("1M", dt.date(2030, 2, 7)),
        ("1Y", dt.date(2031, 1, 7)),
        ("CM", dt.date(2030, 1, 31)),
    ],
)
def test_any_date_formula_dates_the_next_one(nav: EmbeddedNav, interval: str, expected: dt.date) -> None:
    meeting = _meeting(nav, **{"Recurring Date Interval": interval})
    before = _todos(nav)
    nav.modify(TODO, meeting.key, {"Closed": True}, if_match="*")
    assert _next(nav, before)["Date"] == expected


def test_canceling_makes_the_next_one_too(nav: EmbeddedNav) -> None:
    """Canceled's OnValidate validates Closed, whose ``IF Recurring THEN CreateRecurringTask`` is outside its
    ``IF NOT Canceled`` (NAV's own CancelOpenTasks clears Recurring first for that reason)."""
    meeting = _meeting(nav)
    before = _todos(nav)
    nav.modify(TODO, meeting.key, {"Canceled": True}, if_match="*")
    assert _next(nav, before)["Date"] == MONDAY + dt.timedelta(weeks=1)


def test_a_task_recurs_the_same_way_without_attendee_rows(nav: EmbeddedNav) -> None:
    task = nav.insert(
        TODO,
        {
            "Salesperson Code": "EH",
            "Description": "call back",
            "Date": MONDAY,
            "Recurring": True,
            "Recurring Date Interval": "1M",
            "Calc. Due Date From": "Due Date",
        },
    )
    before = _todos(nav)
    nav.modify(TODO, task.key, {"Status": "Completed"}, if_match="*")
    new = _next(nav, before)
    assert (new["Type"], new["Date"], new["Ending Date"], new["Status"]) == (
        "",
        dt.date(2030, 2, 7),
        dt.date(2030, 2, 7),
        "Not Started",
    )
    assert list(nav.find(ATTENDEE, {"To-do No.": new.key[0]})) == []


def test_nothing_more_is_made_without_recurring_on_reopening_or_on_a_second_save(nav: EmbeddedNav) -> None:
    single = _meeting(nav, Recurring=False)
    before = _todos(nav)
    nav.modify(TODO, single.key, {"Closed": True}, if_match="*")
    assert len(_todos(nav)) == len(before)
    meeting = _meeting(nav)
    nav.modify(TODO, meeting.key, {"Closed": True}, if_match="*")
    count = len(_todos(nav))
    nav.modify(TODO, meeting.key, {"Description": "still closed"}, if_match="*")  # already closed: no new close
    nav.modify(TODO, meeting.key, {"Closed": False}, if_match="*")  # reopening
    assert len(_todos(nav)) == count


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"Recurring Date Interval": ""}, "Recurring Date Interval must have a value in To-do"),
        ({"Calc. Due Date From": ""}, "Calc. Due Date From must be specified."),
        ({"Recurring Date Interval": "1X"}, "'1X' is not a date formula"),
    ],
)
def test_a_recurrence_nav_cannot_compute_refuses_the_close(
    nav: EmbeddedNav, values: dict[str, object], message: str
) -> None:
    """TESTFIELD("Recurring Date Interval") and ERROR(Text000) run inside the close: it is refused whole."""
    meeting = _meeting(nav, **values)
    before = _todos(nav)
    with pytest.raises(NavValidationError, match=message):
        nav.modify(TODO, meeting.key, {"Status": "Completed"}, if_match="*")
    assert [r.fields for r in _todos(nav)] == [r.fields for r in before]


def test_the_message_nav_shows_is_logged(nav: EmbeddedNav, caplog: pytest.LogCaptureFixture) -> None:
    meeting = _meeting(nav)
    before = _todos(nav)
    with caplog.at_level(logging.INFO, logger="graphsync.nav.triggers"):
        nav.modify(TODO, meeting.key, {"Closed": True}, if_match="*")
    new = _next(nav, before)
    assert f"Task No. {new.key[0]} has been created from recurring Task {meeting.key[0]}." in caplog.text


def test_a_web_service_session_is_asked_first_and_makes_nothing(nav: EmbeddedNav) -> None:
    """Over a page, Closed's Confirm comes before CreateRecurringTask: the callback error ends the close. A
    page control that assigns Closed in code (graphsync's completion control, docs/odata.md) skips the
    validation, and so the next to-do; canceling asks nothing and makes it."""
    web = nav.as_session(web_service=True)
    meeting = _meeting(nav)
    before = _todos(nav)
    with pytest.raises(NavDialogError):
        web.modify(TODO, meeting.key, {"Status": "Completed"}, if_match="*", page_fields={"Status"})
    assert len(_todos(nav)) == len(before)
    web.modify(TODO, meeting.key, {"Closed": True, "Status": "Completed"}, if_match="*", page_fields=set())
    assert len(_todos(nav)) == len(before)
    other = _meeting(nav)
    before = _todos(nav)
    web.modify(TODO, other.key, {"Canceled": True}, if_match="*", page_fields={"Canceled"})
    assert _next(nav, before)["Date"] == MONDAY + dt.timedelta(weeks=1)
