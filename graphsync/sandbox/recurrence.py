"""Recurring series: checking a ``patternedRecurrence`` and working out its occurrences.

A recurrence is a pattern and a range (resources/patternedrecurrence.md, recurrencepattern.md,
recurrencerange.md). Patterns: ``daily`` (every ``interval`` days), ``weekly`` (on ``daysOfWeek`` every
``interval`` weeks, weeks starting on ``firstDayOfWeek``), ``absoluteMonthly`` (on ``dayOfMonth`` every
``interval`` months), ``relativeMonthly`` (the ``index`` one of ``daysOfWeek`` in the month: "first", ...,
"last"), ``absoluteYearly`` (``month`` and ``dayOfMonth`` every ``interval`` years), ``relativeYearly`` (the
``index`` one of ``daysOfWeek`` in ``month``). Ranges: ``endDate`` (occurrences up to and including that day),
``numbered`` (``numberOfOccurrences`` of them), ``noEnd``; all start on ``startDate``.

An occurrence lasts as long as the series master and starts at the master's time of day in the series' time
zone (``recurrenceTimeZone``, else the zone the master's start was given in), so a 10:00 Berlin meeting stays at
10:00 across a change of daylight saving time. All-day series are floating dates.
"""

from __future__ import annotations

import calendar as cal
import datetime as dt
from collections.abc import Iterator, Mapping
from typing import Any

from graphsync.sandbox.timezones import zone
from graphsync.sandbox.wire import bad_request

PATTERNS = ("daily", "weekly", "absoluteMonthly", "relativeMonthly", "absoluteYearly", "relativeYearly")
RANGES = ("endDate", "noEnd", "numbered")
DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
"""In Python's weekday order (Monday 0)."""
INDEXES = {"first": 0, "second": 1, "third": 2, "fourth": 3, "last": -1}
NO_DATE = "0001-01-01"
"""What Graph answers for a date that does not apply (a noEnd range's endDate)."""
_BY_LOWER = {name.lower(): name for name in (*PATTERNS, *RANGES)}


def _invalid(message: str) -> Exception:
    # Inferred: Graph answers a recurrence it cannot use with 400; the code is the one Outlook uses for a
    # property value it refuses.
    return bad_request(f"The recurrence is not valid: {message}.", code="ErrorPropertyValidationFailure")


def _date(value: Any, name: str) -> dt.date:
    if not isinstance(value, str):
        raise _invalid(f"range.{name} must be a date (YYYY-MM-DD)")
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        raise _invalid(f"range.{name} {value!r} is not a date (YYYY-MM-DD)") from None


def _positive(value: Any, name: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise _invalid(f"{name} must be a whole number of 1 or more")
    return value


def check(recurrence: Any, zone_name: str = "UTC") -> dict[str, Any]:
    """The recurrence as stored and answered, in Graph's full form (every property of the pattern and the
    range, 0 or "0001-01-01" where one does not apply, enum values in their canonical case, the range's
    ``recurrenceTimeZone`` defaulting to ``zone_name``, the zone the master's start was given in), or Graph's
    400 naming what is wrong."""
    if not isinstance(recurrence, Mapping):
        raise _invalid("it must be an object with 'pattern' and 'range'")
    pattern, rng = recurrence.get("pattern"), recurrence.get("range")
    if not isinstance(pattern, Mapping) or not isinstance(rng, Mapping):
        raise _invalid("it must have a 'pattern' and a 'range' object")
    kind = _BY_LOWER.get(str(pattern.get("type", "")).lower())
    if kind not in PATTERNS:
        raise _invalid(f"pattern.type must be one of {', '.join(PATTERNS)}")
    out_pattern: dict[str, Any] = {
        "type": kind,
        "interval": _positive(pattern.get("interval", 1), "pattern.interval"),
        "month": 0,
        "dayOfMonth": 0,
    }
    days = pattern.get("daysOfWeek") or []
    if not isinstance(days, list) or any(str(d).lower() not in DAYS for d in days):
        raise _invalid("pattern.daysOfWeek must list days such as 'monday'")
    out_pattern["daysOfWeek"] = [str(d).lower() for d in days]
    if kind in ("weekly", "relativeMonthly", "relativeYearly") and not days:
        raise _invalid(f"a {kind} pattern needs daysOfWeek")
    if kind in ("absoluteMonthly", "absoluteYearly"):
        day = _positive(pattern.get("dayOfMonth"), "pattern.dayOfMonth")
        if day > 31:
            raise _invalid("pattern.dayOfMonth must be 1 to 31")
        out_pattern["dayOfMonth"] = day
    if kind in ("absoluteYearly", "relativeYearly"):
        month = _positive(pattern.get("month"), "pattern.month")
        if month > 12:
            raise _invalid("pattern.month must be 1 to 12")
        out_pattern["month"] = month
    if kind in ("relativeMonthly", "relativeYearly"):
        index = str(pattern.get("index", "first")).lower()
        if index not in INDEXES:
            raise _invalid("pattern.index must be first, second, third, fourth or last")
    else:
        index = "first"
    first_day = str(pattern.get("firstDayOfWeek") or "sunday").lower()
    if first_day not in DAYS:
        raise _invalid("pattern.firstDayOfWeek must be a day such as 'sunday'")
    out_pattern["firstDayOfWeek"] = first_day
    out_pattern["index"] = index
    range_kind = _BY_LOWER.get(str(rng.get("type", "")).lower())
    if range_kind not in RANGES:
        raise _invalid(f"range.type must be one of {', '.join(RANGES)}")
    out_range: dict[str, Any] = {
        "type": range_kind,
        "startDate": _date(rng.get("startDate"), "startDate").isoformat(),
        "endDate": NO_DATE,
        "recurrenceTimeZone": str(rng.get("recurrenceTimeZone") or zone_name),
        "numberOfOccurrences": 0,
    }
    zone(out_range["recurrenceTimeZone"])
    if range_kind == "endDate":
        end = _date(rng.get("endDate"), "endDate")
        if end.isoformat() < out_range["startDate"]:
            raise _invalid("range.endDate is before range.startDate")
        out_range["endDate"] = end.isoformat()
    if range_kind == "numbered":
        out_range["numberOfOccurrences"] = _positive(rng.get("numberOfOccurrences"), "range.numberOfOccurrences")
    return {"pattern": out_pattern, "range": out_range}


# --------------------------------------------------------------------------- the dates


def _weekday(name: str) -> int:
    return DAYS.index(name)


def _nth_in_month(year: int, month: int, days: list[str], index: str) -> dt.date | None:
    wanted = {_weekday(d) for d in days}
    last = cal.monthrange(year, month)[1]
    matching = [dt.date(year, month, n) for n in range(1, last + 1) if dt.date(year, month, n).weekday() in wanted]
    position = INDEXES[index]
    if position == -1:
        return matching[-1] if matching else None
    return matching[position] if position < len(matching) else None


def _day_in_month(year: int, month: int, day: int) -> dt.date:
    # Inferred: a day the month lacks (the 31st of April) falls on the month's last day, as Outlook shows it.
    return dt.date(year, month, min(day, cal.monthrange(year, month)[1]))


def _candidates(pattern: Mapping[str, Any], start: dt.date, until: dt.date) -> Iterator[dt.date]:
    """Every day the pattern names from ``start`` up to ``until``, in order (the range's end not applied)."""
    kind, interval = pattern["type"], pattern["interval"]
    if kind == "daily":
        day = start
        while day <= until:
            yield day
            day += dt.timedelta(days=interval)
    elif kind == "weekly":
        first = _weekday(pattern["firstDayOfWeek"])
        week = start - dt.timedelta(days=(start.weekday() - first) % 7)
        wanted = {_weekday(d) for d in pattern["daysOfWeek"]}
        while week <= until:
            for offset in range(7):
                day = week + dt.timedelta(days=offset)
                if day.weekday() in wanted and start <= day <= until:
                    yield day
            week += dt.timedelta(weeks=interval)
    elif kind in ("absoluteMonthly", "relativeMonthly"):
        month = start.year * 12 + start.month - 1
        while month // 12 <= until.year:
            year, number = divmod(month, 12)
            if kind == "absoluteMonthly":
                found: dt.date | None = _day_in_month(year, number + 1, pattern["dayOfMonth"])
            else:
                found = _nth_in_month(year, number + 1, pattern["daysOfWeek"], pattern["index"])
            if found is not None and found > until:
                return
            if found is not None and found >= start:
                yield found
            month += interval
    else:
        year = start.year
        while year <= until.year:
            if kind == "absoluteYearly":
                found = _day_in_month(year, pattern["month"], pattern["dayOfMonth"])
            else:
                found = _nth_in_month(year, pattern["month"], pattern["daysOfWeek"], pattern["index"])
            if found is not None and found > until:
                return
            if found is not None and found >= start:
                yield found
            year += interval


def dates(recurrence: Mapping[str, Any], until: dt.date) -> Iterator[dt.date]:
    """The series' occurrence days up to ``until`` (inclusive), in order, as its range allows."""
    pattern, rng = recurrence["pattern"], recurrence["range"]
    start = dt.date.fromisoformat(rng["startDate"])
    last = until
    if rng["type"] == "endDate":
        last = min(until, dt.date.fromisoformat(rng["endDate"]))
    count = rng.get("numberOfOccurrences") if rng["type"] == "numbered" else None
    for n, day in enumerate(_candidates(pattern, start, last)):
        if count is not None and n >= count:
            return
        yield day
