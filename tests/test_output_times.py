"""How times read for people (status, conflicts list): ages and durations; ``--json`` keeps ISO 8601."""

import datetime as dt

import pytest

from graphsync.cli.output import ago, took

NOW = dt.datetime(2026, 12, 7, 12, 0, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("seconds", "said"),
    [(3, "just now"), (42, "42 s ago"), (150, "2 min ago"), (3 * 3600 + 5, "3 h ago"), (86400, "1 day ago")],
)
def test_ago(seconds: int, said: str) -> None:
    assert ago((NOW - dt.timedelta(seconds=seconds)).isoformat(), now=NOW) == said


def test_ago_of_old_odd_and_missing_times() -> None:
    assert ago((NOW - dt.timedelta(days=5)).isoformat(), now=NOW) == "5 days ago"
    assert ago((NOW - dt.timedelta(days=90)).isoformat(), now=NOW)[:4] == "2026"  # a date, not "90 days ago"
    assert ago("not a time", now=NOW) == "not a time"
    assert ago(None, now=NOW) == ""
    assert ago("2026-12-07T11:58:00.000+00:00", now=NOW) == "2 min ago"  # the state store's form


def test_took() -> None:
    start = "2026-12-07T11:00:00.000+00:00"
    assert took(start, "2026-12-07T11:00:00.400+00:00") == "0.4 s"
    assert took(start, "2026-12-07T11:02:05.000+00:00") == "2 min 5 s"
    assert took(start, None) == ""
