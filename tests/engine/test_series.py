"""`graphsync.engine.series`: a to-do standing for one occurrence of an Outlook series, and which NAV to-do
follows which (Table 5080, CreateRecurringTask); and recording a link passed on to the next to-do."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from graphsync.config.entities import EntityName, default_entity
from graphsync.connectors.nav import NavRecord, NavTable
from graphsync.connectors.outlook import ItemKind, OutlookItem
from graphsync.engine.act import Outcome
from graphsync.engine.binding import BoundEntity, bind_entity
from graphsync.engine.decide import Decision
from graphsync.engine.plan import FieldChange, ItemPlan, Op, SidePlan
from graphsync.engine.record import record_chunk
from graphsync.engine.series import (
    OCCURRENCE,
    Series,
    closest,
    follows,
    occurrence,
    past_occurrence,
    project,
    series_of,
    settle,
    successor_base,
)
from graphsync.engine.state import Link, StateStore
from graphsync.nav.schema import TABLES

D = dt.date


def meeting(time_zone: str = "Europe/Berlin") -> BoundEntity:
    return bind_entity(default_entity(EntityName.MEETING), TABLES[NavTable.TODO], time_zone=time_zone)


def master(start: str, pattern: dict[str, Any], *, zone: str = "W. Europe Standard Time", **more: Any) -> OutlookItem:
    """A series master as Graph answers it (in UTC) with its recurrence's zone."""
    data = {
        "type": "seriesMaster",
        "start": {"dateTime": start, "timeZone": "UTC"},
        "recurrence": {
            "pattern": pattern,
            "range": {"type": "noEnd", "startDate": start[:10], "recurrenceTimeZone": zone},
        },
        **more,
    }
    return OutlookItem(ItemKind.EVENT, "AAMkSeries", data, "ck1", "5080:TD1", {})


WEEKLY_MONDAY = {"type": "weekly", "interval": 1, "daysOfWeek": ["monday"]}


def of(item: OutlookItem, norm: dict[str, str], entity: BoundEntity | None = None) -> Series:
    found = series_of(entity or meeting(), item, norm)
    assert found is not None
    return found


def test_only_a_series_master_nav_can_repeat_is_a_series() -> None:
    e = meeting()
    norm = {"start": "2030-01-07T10:00:00", "end": "2030-01-07T11:00:00", "recurrence": "1W"}
    single = OutlookItem(ItemKind.EVENT, "x", {"type": "singleInstance"})
    assert series_of(e, single, norm) is None
    assert series_of(e, None, norm) is None
    assert series_of(e, master("2030-01-07T09:00:00", WEEKLY_MONDAY), {**norm, "recurrence": ""}) is None
    weekly = of(master("2030-01-07T09:00:00", WEEKLY_MONDAY), norm, e)
    assert (weekly.unit, weekly.count, weekly.all_day) == ("W", 1, False)
    assert (weekly.fields.start, weekly.fields.end, weekly.fields.recurrence) == ("start", "end", "recurrence")


def test_an_occurrence_keeps_the_series_time_of_day_in_the_series_zone() -> None:
    """A 10:00 Berlin meeting is at 09:00 UTC in winter and 08:00 UTC in summer (the sandbox places occurrences
    so: graphsync/sandbox/recurrence.py); NAV's times here are UTC."""
    s = of(
        master("2030-03-25T09:00:00", WEEKLY_MONDAY),
        {"start": "2030-03-25T09:00:00", "recurrence": "1W"},
        meeting("UTC"),
    )
    assert s.shift("2030-03-25T09:00:00", 1) == "2030-04-01T08:00:00"  # Berlin moved to summer time on the 31st
    assert s.shift("2030-04-01T08:00:00", -1) == "2030-03-25T09:00:00"
    # As NAV dates its next to-do: the same time of day in NAV's own zone.
    assert s.shift("2030-03-25T09:00:00", 1, as_nav=True) == "2030-04-01T09:00:00"
    assert (
        s.shift("", 3) == "" and s.shift(None, 3) is None and s.shift("2030-03-25T09:00:00", 0) == "2030-03-25T09:00:00"
    )


@pytest.mark.parametrize(
    ("recurrence", "day", "expected"),
    [
        ("1W", "2030-01-21", 2),
        ("2W", "2030-01-21", 1),
        ("2W", "2030-01-14", None),
        ("1W", "2029-12-31", None),  # before the series
        ("3D", "2030-01-13", 2),
        ("1M", "2030-03-07", 2),
        ("1M", "2030-03-08", None),
        ("1Y", "2032-01-07", 2),
        ("1W", "2030-01-07", 0),
    ],
)
def test_index_of_the_occurrence_on_a_day(recurrence: str, day: str, expected: int | None) -> None:
    s = of(master("2030-01-07T09:00:00", WEEKLY_MONDAY), {"start": "2030-01-07T10:00:00", "recurrence": recurrence})
    assert s.index_of(f"{day}T10:00:00") == expected


def test_all_day_series_move_as_dates() -> None:
    item = master("2030-01-07T00:00:00", WEEKLY_MONDAY, isAllDay=True)
    s = of(item, {"start": "2030-01-07T00:00:00", "end": "2030-01-07T00:00:00", "recurrence": "1W"})
    assert s.all_day and s.shift("2030-01-07T00:00:00", 2) == "2030-01-21T00:00:00"


def test_the_to_do_is_compared_with_its_occurrence_and_writes_move_the_master() -> None:
    item = master("2030-01-07T09:00:00", WEEKLY_MONDAY)
    outlook = {"start": "2030-01-07T10:00:00", "end": "2030-01-07T11:00:00", "recurrence": "1W", "subject": "review"}
    s = of(item, outlook)
    assert project(s, outlook, 2) == {**outlook, "start": "2030-01-21T10:00:00", "end": "2030-01-21T11:00:00"}
    # NAV moved its (third) to-do an hour later: the master moves by an hour, on its own date.
    plan = ItemPlan(
        outlook=SidePlan(
            Op.UPDATE,
            (
                FieldChange("start", "2030-01-21T10:00:00", "2030-01-21T11:00:00"),
                FieldChange("subject", "review", "new"),
            ),
        ),
        base={"start": "2030-01-21T11:00:00", "subject": "new"},
        link=True,
    )
    nav_norm = {"start": "2030-01-21T11:00:00", "end": "2030-01-21T12:00:00", "subject": "new"}
    settled, full, refused = settle(s, 2, plan, nav_norm)
    assert refused is None
    assert settled.outlook.changes == (
        FieldChange("start", "2030-01-21T10:00:00", "2030-01-07T11:00:00"),
        FieldChange("subject", "review", "new"),
    )
    assert full == {"start": "2030-01-07T11:00:00", "end": "2030-01-07T12:00:00", "subject": "new"}
    assert settled.base == {"start": "2030-01-21T11:00:00", "subject": "new", OCCURRENCE: "2"}


def test_a_to_do_moved_to_another_day_cannot_move_the_series() -> None:
    """The series' days are its recurrence's (pattern and start date, which graphsync never writes): moving the
    master's start to another day would leave its occurrences where they were."""
    item = master("2030-01-07T09:00:00", WEEKLY_MONDAY)
    s = of(item, {"start": "2030-01-07T10:00:00", "end": "2030-01-07T11:00:00", "recurrence": "1W"})
    for index, old, new in (
        (1, "2030-01-14T10:00:00", "2030-01-15T10:00:00"),
        (0, "2030-01-07T10:00:00", "2030-01-06T10:00:00"),
    ):
        plan = ItemPlan(outlook=SidePlan(Op.UPDATE, (FieldChange("start", old, new),)), base={"start": new}, link=True)
        settled, _, refused = settle(s, index, plan, {"start": new})
        assert settled == ItemPlan() and refused is not None
        assert f"moved in NAV to {new[:10]}" in refused and f"Date back to {old[:10]}" in refused
    # A later time the same day is the series' new time; a longer meeting its new length.
    later = ItemPlan(
        outlook=SidePlan(Op.UPDATE, (FieldChange("start", "2030-01-14T10:00:00", "2030-01-14T17:00:00"),)),
        base={"start": "2030-01-14T17:00:00"},
        link=True,
    )
    settled, _, refused = settle(s, 1, later, None)
    assert refused is None and settled.outlook.changes == (
        FieldChange("start", "2030-01-14T10:00:00", "2030-01-07T17:00:00"),
    )
    # The first occurrence records nothing more in its base than before.
    first, _, _ = settle(s, 0, ItemPlan(base={"start": "2030-01-07T10:00:00"}, link=True), None)
    assert first.base == {"start": "2030-01-07T10:00:00"}


def test_which_occurrence_a_to_do_stands_for() -> None:
    s = of(master("2030-01-07T09:00:00", WEEKLY_MONDAY), {"start": "2030-01-07T10:00:00", "recurrence": "1W"})
    assert occurrence({OCCURRENCE: "3"}, s, None) == 3
    assert occurrence({}, s, {"start": "2030-01-21T10:00:00"}) == 0  # linked before: the first
    assert occurrence({OCCURRENCE: "x"}, s, None) == 0
    # Without a link (rebuilt from the NAV key on the master): the occurrence its start falls on.
    assert occurrence(None, s, {"start": "2030-01-21T10:00:00"}) == 2
    assert occurrence(None, s, {"start": "2030-01-22T10:00:00"}) == 0


def test_the_next_to_do_takes_over_the_occurrence_its_date_falls_on() -> None:
    s = of(master("2030-01-07T09:00:00", WEEKLY_MONDAY), {"start": "2030-01-07T10:00:00", "recurrence": "1W"})
    base = {"start": "2030-01-14T10:00:00", "end": "2030-01-14T11:00:00", "subject": "review", OCCURRENCE: "1"}
    due = successor_base(s, base, {"start": "2030-01-21T10:00:00", "end": "2030-01-21T11:00:00"})
    assert due == {**base, "start": "2030-01-21T10:00:00", "end": "2030-01-21T11:00:00", OCCURRENCE: "2"}
    # An interval of two weeks in NAV: the occurrence after next.
    skip = successor_base(s, base, {"start": "2030-01-28T10:00:00", "end": "2030-01-28T11:00:00"})
    assert skip[OCCURRENCE] == "3" and skip["start"] == "2030-01-28T10:00:00"
    # Dated from the closing day (a Wednesday): the next occurrence, the successor's own dates the base, so
    # Outlook's occurrence is the change that moves it.
    closing = successor_base(s, base, {"start": "2030-01-23T10:00:00", "end": "2030-01-23T11:00:00"})
    assert closing == {**base, "start": "2030-01-23T10:00:00", "end": "2030-01-23T11:00:00", OCCURRENCE: "2"}
    # The first link had no occurrence recorded: it was the first.
    first = successor_base(
        s, {"start": "2030-01-07T10:00:00", "end": "2030-01-07T11:00:00"}, {"start": "2030-01-21T10:00:00"}
    )
    assert first[OCCURRENCE] == "2" and first["start"] == "2030-01-21T10:00:00"


def _fields(**values: object) -> dict[str, object]:
    return {
        "Salesperson Code": "EH",
        "Date": D(2030, 1, 7),
        "Date Closed": D(2030, 1, 9),
        "Recurring Date Interval": "1W",
        "Description": "review",
        **values,
    }


def test_follows_as_create_recurring_task_dates_the_next_one() -> None:
    closed = _fields()
    assert follows(closed, {"Salesperson Code": "EH", "Date": D(2030, 1, 14)})  # Due Date
    assert follows(closed, {"Salesperson Code": "EH", "Date": D(2030, 1, 16)})  # Closing Date
    assert not follows(closed, {"Salesperson Code": "EH", "Date": D(2030, 1, 15)})
    assert not follows(closed, {"Salesperson Code": "OF", "Date": D(2030, 1, 14)})
    assert not follows(_fields(**{"Recurring Date Interval": ""}), {"Salesperson Code": "EH", "Date": D(2030, 1, 14)})
    assert not follows(_fields(**{"Recurring Date Interval": "1X"}), {"Salesperson Code": "EH", "Date": D(2030, 1, 14)})


def _record(no: str, **values: object) -> NavRecord:
    return NavRecord(NavTable.TODO, (no,), _fields(**values), "W/1")


def test_closest_narrows_by_what_nav_copies_and_refuses_a_tie() -> None:
    a, b = _record("TD1", Description="review"), _record("TD2", Description="budget")
    assert closest([], {}) is None
    assert closest([a], {"Description": "other"}) is a
    assert closest([a, b], {"Description": "budget", "Recurring Date Interval": "1W"}) is b
    assert closest([a, _record("TD3", Description="review")], {"Description": "review"}) is None


def test_a_closed_recurring_to_do_without_a_meeting_is_a_past_occurrence() -> None:
    assert past_occurrence(False, False, {"Recurring": True, "Closed": True})
    assert not past_occurrence(True, True, {"Recurring": True, "Closed": True})
    assert not past_occurrence(False, True, {"Recurring": True, "Closed": True})
    assert not past_occurrence(False, False, {"Recurring": True, "Closed": False})
    assert not past_occurrence(False, False, {"Recurring": False, "Closed": True})
    assert not past_occurrence(False, False, None)


# ----------------------------------------------------------------------------- recording a link passed on


def _outcome(entity: BoundEntity, link: Link, nav_key: str, base: dict[str, str | None]) -> Outcome:
    plan = ItemPlan(base=base, link=True)
    decision = Decision(entity, link, None, plan, None, nav_key, "W/2", link.outlook_id, "ck2", True, "", None, None)
    return Outcome(decision, plan, nav_key, "W/2", link.outlook_id, "ck2", True, None, False, False, None)


@pytest.mark.parametrize("closed_first", [True, False], ids=["closed-one-first", "next-one-first"])
def test_a_link_passed_on_is_kept_once_whatever_the_order_in_the_chunk(tmp_path: Path, closed_first: bool) -> None:
    e = meeting()
    store = StateStore(tmp_path / "state.sqlite")
    try:
        state = store.mailbox("eh@contoso.com")
        old = Link("MEETING", "5080:TD1", "AAMkSeries", {"subject": "review"}, "ck1", "W/1")
        state.links.save([old])
        # The closed one's own decision (its ETag changed) and the next one's taking its link over.
        own = _outcome(e, old, "5080:TD1", {"subject": "review"})
        taken = _outcome(e, old, "5080:TD2", {"subject": "review", OCCURRENCE: "1"})
        record_chunk(state, ItemKind.EVENT, [own, taken] if closed_first else [taken, own], set())
        [link] = state.links.all()
        assert (link.nav_key, link.outlook_id, link.base[OCCURRENCE]) == ("5080:TD2", "AAMkSeries", "1")
    finally:
        store.close()
