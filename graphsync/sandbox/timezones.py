"""Event times: Graph's ``dateTimeTimeZone`` values in and out.

Graph accepts Windows time zone names ("Pacific Standard Time") and IANA names (resources/datetimetimezone.md);
the sandbox knows both (`graphsync.timezones`). Events and To Do tasks are stored as the instant they name, in
UTC (all-day events as their floating dates), and answered in UTC; events in another zone when ``Prefer:
outlook.timezone`` names one.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, tzinfo
from typing import Any

from graphsync.sandbox.wire import bad_request
from graphsync.timezones import zone_of


def zone(name: str) -> tzinfo:
    """The zone of a Windows or IANA name, as Graph accepts them (`graphsync.timezones`), or Graph's 400."""
    found = zone_of(name)
    if found is None:
        raise bad_request(
            f"A valid TimeZone value must be specified. The following TimeZone value is not supported: '{name}'.",
            code="TimeZoneNotSupportedException",
        )
    return found


def parse_local(text: str) -> datetime:
    """``2017-04-15T12:00:00`` or with up to seven fractional digits (Graph's form), no offset."""
    head, dot, fraction = text.partition(".")
    try:
        moment = datetime.fromisoformat(head + (dot + fraction[:6] if dot else ""))
    except ValueError:
        raise bad_request(f"Cannot convert the literal '{text}' to the expected type 'Edm.DateTime'.") from None
    return moment.replace(tzinfo=None)


def graph_time(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%f") + "0"


def read_time(value: Any, field: str) -> tuple[datetime, str]:
    """A ``dateTimeTimeZone`` from a request -> (the time as given, naive, and its zone name)."""
    if not isinstance(value, dict) or not isinstance(value.get("dateTime"), str):
        raise bad_request(
            f"'{field}' must be a dateTimeTimeZone object with 'dateTime' and 'timeZone'.", code="RequestBodyRead"
        )
    tz_name = value.get("timeZone") or "UTC"
    if not isinstance(tz_name, str):
        raise bad_request(f"'{field}.timeZone' must be a string.", code="RequestBodyRead")
    zone(tz_name)
    return parse_local(value["dateTime"]), tz_name


def to_utc(local: datetime, tz_name: str) -> datetime:
    return local.replace(tzinfo=zone(tz_name)).astimezone(UTC).replace(tzinfo=None)


def timestamp(stored: str) -> float:
    """Seconds since the epoch of a stored (UTC or floating) event time."""
    return parse_local(stored).replace(tzinfo=UTC).timestamp()


def parse_window_bound(text: str, name: str) -> int:
    """``startDateTime``/``endDateTime`` query values (ISO 8601; no offset means UTC) -> epoch seconds."""
    # A '+' in an unencoded query string arrives as a space.
    value = text.strip().replace(" ", "+")
    if value.endswith("Z"):
        value = value[:-1] + "+00:00"
    match = _ISO.match(value)
    try:
        if match is None:
            raise ValueError(value)
        moment = datetime.fromisoformat(match.group(1) + (match.group(2) or "")[:7] + match.group(3))
    except ValueError:
        raise bad_request(
            f"The value '{text}' of parameter '{name}' is not a valid ISO 8601 date and time.",
            code="ErrorInvalidParameter",
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp())


_ISO = re.compile(r"^(\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2})?)?)(\.\d+)?(.*)$")
