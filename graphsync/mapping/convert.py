"""Value conversions between NAV values and Graph JSON, through one normalised string per field.

Each converter turns NAV values (one field, or a date and a time field) and the Graph JSON value at a path
into the same normalised string, and back. Equal normalised strings mean "the same value", whatever the
formatting on either side; the engine compares nothing else.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cached_property, lru_cache
from typing import Any, Protocol

from graphsync.config.entities import Conversion
from graphsync.errors import NavValidationError
from graphsync.mapping.countries import country_code, country_name
from graphsync.text import code_upper
from graphsync.timezones import zone_of


class Converter(Protocol):
    def from_nav(self, values: Sequence[object]) -> str: ...

    def to_nav(self, norm: str) -> tuple[object, ...]: ...

    def from_outlook(self, raw: Any) -> str: ...

    def to_outlook(self, norm: str) -> Any: ...


class ConversionError(NavValidationError):
    """An Outlook value that cannot become a NAV value (a date that does not parse, a number that is text)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)


def _text(value: object) -> str:
    # Called for most fields of every item, mostly with a str: that case skips the str() call.
    if type(value) is str:
        return value.strip()
    if value is None:
        return ""
    return str(value).strip()


class OneField:
    """A converter of one NAV field: ``from_nav(values)`` is ``from_nav_value(values[0])``.

    `EntityMap` calls ``from_nav_value`` directly (no list built per field per item) when a converter's
    ``from_nav`` is this one, so the two cannot disagree; a subclass overriding ``from_nav`` is called as
    the `Converter` protocol says."""

    def from_nav(self, values: Sequence[object]) -> str:
        return self.from_nav_value(values[0])

    def from_nav_value(self, value: object) -> str:
        raise NotImplementedError


def one_field_from_nav(converter: Converter) -> Callable[[object], str] | None:
    """The converter's ``from_nav_value`` when its ``from_nav`` is `OneField`'s, else None."""
    if getattr(type(converter), "from_nav", None) is OneField.from_nav:
        method: Callable[[object], str] = converter.from_nav_value  # type: ignore[attr-defined]
        return method
    return None


@dataclass(frozen=True)
class TextConverter(OneField):
    upper: bool = False
    """A Code field: upper case as NAV makes it (`code_upper`; ``str.upper`` would turn ``ß`` into ``SS``, a
    value NAV never holds and one that may no longer fit the field)."""

    def from_nav_value(self, value: object) -> str:
        text = value.strip() if type(value) is str else _text(value)  # most fields of every item: no call
        return code_upper(text) if self.upper else text

    def to_nav(self, norm: str) -> tuple[object, ...]:
        return (code_upper(norm) if self.upper else norm,)

    def from_outlook(self, raw: Any) -> str:
        if type(raw) is str:  # most fields of every item: no further call
            return code_upper(raw.strip()) if self.upper else raw.strip()
        text = _text(raw) if isinstance(raw, str | int | float) else ""
        return code_upper(text) if self.upper else text

    def to_outlook(self, norm: str) -> Any:
        return norm


@dataclass(frozen=True)
class CountryConverter(OneField):
    def from_nav_value(self, value: object) -> str:
        return _text(value).upper()

    def to_nav(self, norm: str) -> tuple[object, ...]:
        return (norm,)

    def from_outlook(self, raw: Any) -> str:
        return country_code(raw) if isinstance(raw, str) else ""

    def to_outlook(self, norm: str) -> Any:
        return country_name(norm) if norm else ""


@dataclass(frozen=True)
class OptionConverter(OneField):
    values: tuple[tuple[str, str], ...]
    """(NAV caption, Graph value) pairs."""

    # Looked up per item: the value table as dicts by lower-case key, built once (the first pair wins, as
    # in a scan of the table).
    @cached_property
    def _caption_by_graph(self) -> dict[str, str]:
        table: dict[str, str] = {}
        for caption, graph in self.values:
            table.setdefault(graph.lower(), caption)
        return table

    @cached_property
    def _graph_by_caption(self) -> dict[str, str]:
        table: dict[str, str] = {}
        for caption, graph in self.values:
            table.setdefault(caption.lower(), graph)
        return table

    def from_nav_value(self, value: object) -> str:
        return _text(value)

    def to_nav(self, norm: str) -> tuple[object, ...]:
        return (norm,)

    def from_outlook(self, raw: Any) -> str:
        text = _text(raw) if isinstance(raw, str) else ""
        return self._caption_by_graph.get(text.lower(), text)

    def to_outlook(self, norm: str) -> Any:
        return self._graph_by_caption.get(norm.lower(), norm)


@lru_cache(maxsize=64)
def _zone(name: str) -> dt.tzinfo:
    """A Windows or IANA zone name, as Graph answers them (`graphsync.timezones`). Called per date and time of
    every item, with few distinct names: cached (errors are not)."""
    found = zone_of(name)
    if found is None:
        raise ConversionError(f"unknown time zone {name!r}")
    return found


_EXTRA_FRACTION = re.compile(r"(\.\d{6})\d+")


def _parse_graph_datetime(raw: Any) -> dt.datetime | None:
    if not isinstance(raw, dict) or not raw.get("dateTime"):
        return None
    text = str(raw["dateTime"])
    # Graph writes seven fractional digits ("2026-11-25T10:00:00.0000000"); Python takes at most six.
    text = _EXTRA_FRACTION.sub(r"\1", text).removesuffix("Z")
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        raise ConversionError(f"not a date and time: {raw['dateTime']!r}") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=_zone(str(raw.get("timeZone") or "UTC")))
    return moment


def _graph_date_time(moment: dt.datetime) -> str:
    """Graph's form ``2026-07-01T09:00:00.0000000``. isoformat is several times cheaper than strftime and
    the same text from year 1000 on (strftime does not pad earlier years to four digits)."""
    if moment.year >= 1000:
        return f"{moment.isoformat(timespec='seconds')}.0000000"
    return moment.strftime("%Y-%m-%dT%H:%M:%S.0000000")


@dataclass(frozen=True)
class DateTimeConverter:
    """Normalised form: ``YYYY-MM-DDTHH:MM:SS`` in the configured zone; a blank NAV time (0T) is midnight."""

    time_zone: str

    def from_nav(self, values: Sequence[object]) -> str:
        date = values[0]
        time = values[1] if len(values) > 1 else None
        if not isinstance(date, dt.date):
            return ""
        clock = time if isinstance(time, dt.time) else dt.time(0, 0)
        return dt.datetime.combine(date, clock.replace(microsecond=0, tzinfo=None)).isoformat()

    def to_nav(self, norm: str) -> tuple[object, ...]:
        if not norm:
            return (None, None)
        moment = dt.datetime.fromisoformat(norm)
        clock = moment.time()
        return (moment.date(), None if clock == dt.time(0, 0) else clock)

    def from_outlook(self, raw: Any) -> str:
        moment = _parse_graph_datetime(raw)
        if moment is None:
            return ""
        local = moment.astimezone(_zone(self.time_zone)).replace(tzinfo=None, microsecond=0)
        return local.isoformat()

    def from_outlook_all_day(self, raw: Any, *, end: bool) -> str:
        """An all-day event's start or end: a floating date (no zone), the end exclusive in Graph."""
        if not isinstance(raw, dict) or not raw.get("dateTime"):
            return ""
        try:
            day = dt.date.fromisoformat(str(raw["dateTime"])[:10])
        except ValueError:
            raise ConversionError(f"not a date: {raw['dateTime']!r}") from None
        day -= dt.timedelta(days=1 if end else 0)
        return dt.datetime.combine(day, dt.time(0, 0)).isoformat()

    def to_outlook_all_day(self, norm: str, *, end: bool) -> Any:
        if not norm:
            return None
        day = dt.date.fromisoformat(norm[:10]) + dt.timedelta(days=1 if end else 0)
        return {"dateTime": f"{day.isoformat()}T00:00:00.0000000", "timeZone": "UTC"}

    def to_outlook(self, norm: str) -> Any:
        if not norm:
            return None
        local = dt.datetime.fromisoformat(norm).replace(tzinfo=_zone(self.time_zone))
        utc = local.astimezone(dt.UTC).replace(tzinfo=None)
        return {"dateTime": _graph_date_time(utc), "timeZone": "UTC"}


@dataclass(frozen=True)
class DateConverter(OneField):
    """Normalised form ``YYYY-MM-DD``: a day in ``time_zone``, the zone the mailbox's user sees it in.

    To Do keeps a date as that day's midnight in the user's zone and answers it in UTC (resources/todotask.md:
    "in the specified time zone"; todotask-get.md's example: ``2020-08-25T04:00:00`` UTC for the 25th in the
    Eastern zone). So a date is written as local midnight in ``time_zone`` and read as the day its instant
    falls on there; taking the UTC date would put a Berlin user's 24 December on the 23rd."""

    time_zone: str = "UTC"
    """An IANA name (a Windows name is read too)."""

    def from_nav_value(self, value: object) -> str:
        return value.isoformat() if isinstance(value, dt.date) else ""

    def to_nav(self, norm: str) -> tuple[object, ...]:
        return (dt.date.fromisoformat(norm) if norm else None,)

    def from_outlook(self, raw: Any) -> str:
        moment = _parse_graph_datetime(raw)
        if moment is None:
            return ""
        return moment.astimezone(_zone(self.time_zone)).date().isoformat()

    def to_outlook(self, norm: str) -> Any:
        return {"dateTime": f"{norm}T00:00:00.0000000", "timeZone": self.time_zone} if norm else None


@dataclass(frozen=True)
class BooleanConverter(OneField):
    def from_nav_value(self, value: object) -> str:
        return "1" if value else "0"

    def to_nav(self, norm: str) -> tuple[object, ...]:
        return (norm == "1",)

    def from_outlook(self, raw: Any) -> str:
        return "1" if raw is True else "0"

    def to_outlook(self, norm: str) -> Any:
        return norm == "1"


@dataclass(frozen=True)
class NumberConverter(OneField):
    integer: bool

    def from_nav_value(self, value: object) -> str:
        return self._norm(value)

    def _norm(self, value: object) -> str:
        if value is None or value == "" or isinstance(value, bool):
            return "0"
        try:
            number = Decimal(str(value).strip())
        except InvalidOperation:
            raise ConversionError(f"not a number: {value!r}") from None
        return str(int(number)) if self.integer else format(number.normalize(), "f")

    def to_nav(self, norm: str) -> tuple[object, ...]:
        return (int(norm) if self.integer else Decimal(norm),)

    def from_outlook(self, raw: Any) -> str:
        return self._norm(raw)

    def to_outlook(self, norm: str) -> Any:
        return int(norm) if self.integer else float(norm)


_TAG = re.compile(r"<[^>]*>")
_HEAD = re.compile(r"<head.*?</head>", re.IGNORECASE | re.DOTALL)
_BREAK = re.compile(r"<br\s*/?>|</p>|</div>", re.IGNORECASE)


def html_to_text(content: str) -> str:
    """The text a reader sees in an HTML body, whitespace collapsed per line."""
    text = _BREAK.sub("\n", _HEAD.sub("", content))
    text = html.unescape(_TAG.sub("", text)).replace("\xa0", " ")
    lines = [" ".join(line.split()) for line in text.splitlines()]
    return "\n".join(line for line in lines if line)


def _collapse(text: str) -> str:
    lines = [" ".join(line.split()) for line in text.strip().splitlines()]
    return "\n".join(line for line in lines if line)


@dataclass(frozen=True)
class BodyConverter(OneField):
    def from_nav_value(self, value: object) -> str:
        return _collapse(_text(value))

    def to_nav(self, norm: str) -> tuple[object, ...]:
        return (norm,)

    def from_outlook(self, raw: Any) -> str:
        if not isinstance(raw, dict):
            return ""
        content = str(raw.get("content") or "")
        if str(raw.get("contentType", "text")).lower() == "html":
            return html_to_text(content)
        return _collapse(content)

    def to_outlook(self, norm: str) -> Any:
        return {"contentType": "text", "content": norm}


ATTENDEE_TYPES = ("required", "optional", "resource")


def attendee_token(kind: str, address: str) -> str:
    """One attendee in normalised form: ``required:someone@contoso.com``."""
    return f"{kind.lower()}:{address.strip().lower()}"


@dataclass(frozen=True)
class AttendeesConverter(OneField):
    """Normalised form: the sorted ``type:address`` tokens joined by ``;``. Names and responses are left out:
    Graph fills them in itself, and they are not what a NAV user changes."""

    def from_nav_value(self, value: object) -> str:
        return _text(value)

    def to_nav(self, norm: str) -> tuple[object, ...]:
        raise ConversionError("attendees are written to NAV's Attendee table, not to a field")

    def from_outlook(self, raw: Any) -> str:
        tokens = []
        for entry in raw if isinstance(raw, list) else []:
            address = ((entry or {}).get("emailAddress") or {}).get("address")
            if address:
                tokens.append(attendee_token(str(entry.get("type") or "required"), str(address)))
        return ";".join(sorted(set(tokens)))

    def to_outlook(self, norm: str) -> Any:
        result = []
        for token in norm.split(";") if norm else []:
            kind, _, address = token.partition(":")
            result.append({"type": kind, "emailAddress": {"address": address}})
        return result


_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_INDEX_WORDS = {"first": "first", "second": "second", "third": "third", "fourth": "fourth", "last": "last"}


@dataclass(frozen=True)
class RecurrenceConverter:
    """A series' recurrence as NAV's To-do can hold it: Recurring, Recurring Date Interval (a date formula) and
    Calc. Due Date From (Table 5080 fields 24 to 26). Normalised form: the date formula (``1W``), "" when the
    to-do does not recur.

    NAV repeats a recurring to-do by a date formula from one date: when one is closed, NAV makes the next with
    Date = CALCDATE(Recurring Date Interval, Date) ("Due Date") or from the closing day (Table 5080,
    CreateRecurringTask). So a series NAV can represent repeats every n days (``nD``), every n weeks on the
    start's weekday (``nW``), every n months on a day of the month up to the 28th (``nM``: 1M from 28 February
    is 28 March, and a series on the 31st would drift away) or every n years on the start's day (``nY``, not 29
    February), without end. A series of any other shape cannot become a NAV recurrence: reading it raises a
    `ConversionError` saying why, which is an item error of that meeting."""

    def from_nav(self, values: Sequence[object]) -> str:
        recurring = values[0] if values else False
        interval = _text(values[1] if len(values) > 1 else "").strip("<>").upper()
        return interval if recurring and interval else ""

    def to_nav(self, norm: str) -> tuple[object, ...]:
        return (True, norm, "Due Date") if norm else (False, "", "")

    def from_outlook(self, raw: Any) -> str:
        if not isinstance(raw, dict) or not raw:
            return ""
        pattern, rng = raw.get("pattern") or {}, raw.get("range") or {}
        kind, interval = str(pattern.get("type") or ""), pattern.get("interval") or 1
        try:
            start = dt.date.fromisoformat(str(rng.get("startDate"))[:10])
        except ValueError:
            raise ConversionError(f"the series has no readable start date ({rng.get('startDate')!r})") from None
        if rng.get("type") == "endDate":
            raise ConversionError(
                f"the series ends on {rng.get('endDate')}, and NAV's recurring to-do cannot end: it repeats until "
                "Recurring is cleared (make the series end-less in Outlook, or end it in NAV)"
            )
        if rng.get("type") == "numbered":
            raise ConversionError(
                f"the series ends after {rng.get('numberOfOccurrences')} occurrences, and NAV's recurring to-do "
                "cannot end: it repeats until Recurring is cleared (make the series end-less in Outlook)"
            )
        days = [str(d).lower() for d in pattern.get("daysOfWeek") or []]
        if kind == "daily":
            return f"{interval}D"
        if kind == "weekly":
            weekday = _WEEKDAYS[start.weekday()]
            if days == [weekday]:
                return f"{interval}W"
            raise ConversionError(
                f"the series repeats on {', '.join(days)} every {interval} week(s) from a {weekday}; "
                "NAV's Recurring Date Interval repeats one date formula from one date, so only a series on its "
                "start's weekday alone becomes one"
            )
        if kind == "absoluteMonthly":
            day = pattern.get("dayOfMonth")
            if day == start.day and start.day <= 28:
                return f"{interval}M"
            raise ConversionError(
                f"the series repeats on day {day} of every {interval} month(s) from {start}; NAV computes each next "
                "to-do from the one before (1M from 28 February is 28 March), so only a day from 1 to 28 that is "
                "the series' start day stays on the series' dates"
            )
        if kind == "absoluteYearly":
            if (
                pattern.get("month") == start.month
                and pattern.get("dayOfMonth") == start.day
                and (
                    start.month,
                    start.day,
                )
                != (2, 29)
            ):
                return f"{interval}Y"
            raise ConversionError(
                f"the series repeats on {pattern.get('dayOfMonth')}/{pattern.get('month')} every {interval} year(s) "
                f"from {start}; NAV repeats a to-do yearly only on its own date (and not from 29 February)"
            )
        if kind in ("relativeMonthly", "relativeYearly"):
            index = _INDEX_WORDS.get(str(pattern.get("index") or "first"), "first")
            raise ConversionError(
                f"the series repeats on the {index} {'/'.join(days)} of the month; NAV's Recurring Date Interval "
                "is a date formula from one to-do's date to the next, which cannot name 'the second Tuesday'"
            )
        raise ConversionError(f"the series' pattern {kind!r} is not one Graph defines")

    def to_outlook(self, norm: str) -> Any:
        # Outlook owns a series' recurrence (FieldSpec.outlook_owned): graphsync never writes one.
        raise ConversionError("a NAV recurrence is not written to Outlook: NAV makes each next to-do itself")


def make_converter(
    conversion: Conversion,
    *,
    time_zone: str = "UTC",
    values: tuple[tuple[str, str], ...] = (),
    date_zone: str = "UTC",
) -> Converter:
    """``time_zone`` is the zone of NAV's times (DATETIME), ``date_zone`` the one a DATE is a day in (the
    mailbox's)."""
    if conversion is Conversion.TEXT:
        return TextConverter()
    if conversion is Conversion.CODE:
        return TextConverter(upper=True)
    if conversion is Conversion.COUNTRY:
        return CountryConverter()
    if conversion is Conversion.OPTION:
        return OptionConverter(values)
    if conversion is Conversion.DATETIME:
        return DateTimeConverter(time_zone)
    if conversion is Conversion.DATE:
        return DateConverter(date_zone)
    if conversion is Conversion.BOOLEAN:
        return BooleanConverter()
    if conversion is Conversion.INTEGER:
        return NumberConverter(integer=True)
    if conversion is Conversion.DECIMAL:
        return NumberConverter(integer=False)
    if conversion is Conversion.BODY:
        return BodyConverter()
    if conversion is Conversion.RECURRENCE:
        return RecurrenceConverter()
    return AttendeesConverter()
