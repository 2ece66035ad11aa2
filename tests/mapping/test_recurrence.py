"""`RecurrenceConverter`: a series' recurrence (resources/patternedrecurrence.md) as NAV's To-do holds one
(Table 5080: Recurring, Recurring Date Interval, Calc. Due Date From), or why it cannot."""

from __future__ import annotations

from typing import Any

import pytest

from graphsync.mapping.convert import ConversionError, RecurrenceConverter

CONVERTER = RecurrenceConverter()


def _series(pattern: dict[str, Any], rng: dict[str, Any] | None = None, start: str = "2025-03-03") -> dict[str, Any]:
    return {"pattern": {"interval": 1, **pattern}, "range": {"type": "noEnd", "startDate": start, **(rng or {})}}


@pytest.mark.parametrize(
    ("pattern", "start", "formula"),
    [
        ({"type": "daily", "interval": 3}, "2025-03-03", "3D"),
        ({"type": "weekly", "interval": 2, "daysOfWeek": ["monday"]}, "2025-03-03", "2W"),
        ({"type": "absoluteMonthly", "dayOfMonth": 15}, "2025-03-15", "1M"),
        ({"type": "absoluteYearly", "month": 3, "dayOfMonth": 3}, "2025-03-03", "1Y"),
    ],
)
def test_what_nav_can_repeat(pattern: dict[str, Any], start: str, formula: str) -> None:
    assert CONVERTER.from_outlook(_series(pattern, start=start)) == formula
    assert CONVERTER.to_nav(formula) == (True, formula, "Due Date")


@pytest.mark.parametrize(
    ("pattern", "rng", "start", "why"),
    [
        ({"type": "weekly", "daysOfWeek": ["monday", "friday"]}, None, "2025-03-03", "monday, friday"),
        ({"type": "weekly", "daysOfWeek": ["tuesday"]}, None, "2025-03-03", "from a monday"),
        ({"type": "absoluteMonthly", "dayOfMonth": 31}, None, "2025-03-31", "1M from 28 February"),
        ({"type": "absoluteYearly", "month": 2, "dayOfMonth": 29}, None, "2024-02-29", "29 February"),
        ({"type": "relativeMonthly", "daysOfWeek": ["tuesday"], "index": "second"}, None, "2025-03-03", "second"),
        ({"type": "relativeYearly", "daysOfWeek": ["monday"], "index": "last", "month": 5}, None, "2025-03-03", "last"),
        ({"type": "daily"}, {"type": "endDate", "endDate": "2025-04-01"}, "2025-03-03", "ends on 2025-04-01"),
        ({"type": "daily"}, {"type": "numbered", "numberOfOccurrences": 4}, "2025-03-03", "after 4 occurrences"),
    ],
)
def test_what_nav_cannot_and_why(pattern: dict[str, Any], rng: dict[str, Any] | None, start: str, why: str) -> None:
    with pytest.raises(ConversionError, match=why):
        CONVERTER.from_outlook(_series(pattern, rng, start))


def test_a_single_event_and_a_to_do_that_does_not_recur() -> None:
    assert CONVERTER.from_outlook(None) == "" and CONVERTER.from_outlook({}) == ""
    assert CONVERTER.from_nav([False, "1W", "Due Date"]) == "" and CONVERTER.from_nav([True, "<1w>", ""]) == "1W"
    assert CONVERTER.to_nav("") == (False, "", "")
    with pytest.raises(ConversionError):
        CONVERTER.to_outlook("1W")
