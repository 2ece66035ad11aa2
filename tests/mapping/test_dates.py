"""`DateConverter`: a date-only value is a day in the mailbox's time zone (resources/todotask.md: To Do's dates
are "in the specified time zone"; To Do answers them in UTC, todotask-get.md)."""

from __future__ import annotations

import datetime as dt

import pytest

from graphsync.mapping.convert import Conversion, ConversionError, DateConverter, make_converter


@pytest.mark.parametrize(
    ("zone", "answered", "day"),
    [
        ("Europe/Berlin", "2024-12-23T23:00:00.0000000", "2024-12-24"),  # CET, UTC+1
        ("Europe/Berlin", "2024-06-23T22:00:00.0000000", "2024-06-24"),  # CEST, UTC+2
        ("America/New_York", "2024-12-24T05:00:00.0000000", "2024-12-24"),
        ("Pacific/Auckland", "2024-12-23T11:00:00.0000000", "2024-12-24"),  # NZDT, UTC+13
        ("UTC", "2024-12-24T00:00:00.0000000", "2024-12-24"),
    ],
)
def test_a_utc_answer_is_read_as_the_users_day(zone: str, answered: str, day: str) -> None:
    converter = DateConverter(zone)
    assert converter.from_outlook({"dateTime": answered, "timeZone": "UTC"}) == day
    assert converter.to_outlook(day) == {"dateTime": f"{day}T00:00:00.0000000", "timeZone": zone}


def test_a_value_in_any_zone_graph_names_is_read_in_the_users() -> None:
    """Graph may answer in a Windows or an IANA zone (resources/datetimetimezone.md)."""
    berlin = DateConverter("Europe/Berlin")
    assert berlin.from_outlook({"dateTime": "2024-12-24T00:00:00", "timeZone": "W. Europe Standard Time"}) == (
        "2024-12-24"
    )
    assert berlin.from_outlook({"dateTime": "2024-12-23T18:00:00", "timeZone": "Eastern Standard Time"}) == (
        "2024-12-24"
    )
    assert berlin.from_outlook(None) == "" and berlin.from_outlook({"dateTime": None}) == ""
    with pytest.raises(ConversionError):
        berlin.from_outlook({"dateTime": "2024-12-24T00:00:00", "timeZone": "Mars/Olympus"})
    with pytest.raises(ConversionError):
        berlin.from_outlook({"dateTime": "24.12.2024", "timeZone": "UTC"})


def test_nav_dates_are_days_whatever_the_zone() -> None:
    converter = make_converter(Conversion.DATE, date_zone="Pacific/Auckland")
    assert isinstance(converter, DateConverter) and converter.time_zone == "Pacific/Auckland"
    assert converter.from_nav([dt.date(2025, 4, 6)]) == "2025-04-06"
    assert converter.to_nav("2025-04-06") == (dt.date(2025, 4, 6),) and converter.to_nav("") == (None,)
