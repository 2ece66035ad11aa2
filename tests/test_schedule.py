from datetime import timedelta

import pytest

from graphsync.errors import ConfigError, GraphError, LockHeldError
from graphsync.schedule import Backoff, StopFlag, Tick, TickOutcome, parse_interval, run_every


@pytest.mark.parametrize(
    ("text", "seconds"), [("15m", 900), ("90s", 90), ("1h30m", 5400), ("1d", 86400), (" 2H ", 7200)]
)
def test_parse_interval(text: str, seconds: int) -> None:
    assert parse_interval(text) == timedelta(seconds=seconds)


@pytest.mark.parametrize("text", ["", "15", "m", "15x", "1h 30", "5s", "-5m"])
def test_parse_interval_rejects(text: str) -> None:
    with pytest.raises(ConfigError) as e:
        parse_interval(text)
    assert e.value.key == "--every"


@pytest.mark.parametrize("text", ["32d", "745h", "99999999999h", "9" * 400 + "d"])
def test_parse_interval_refuses_intervals_past_a_month(text: str) -> None:
    """Past ~292 years the next run's time is out of the clock's range, past ~2.7 million years timedelta
    overflows: both ended in a traceback. Anything past a month is a scheduler's job."""
    with pytest.raises(ConfigError) as e:
        parse_interval(text)
    assert e.value.key == "--every" and "at most 31d" in e.value.expected


def test_the_longest_interval_is_a_month() -> None:
    assert parse_interval("31d") == timedelta(days=31)


def test_backoff_doubles_and_caps() -> None:
    b = Backoff(max_wait=timedelta(minutes=40))
    i = timedelta(minutes=15)
    assert b.wait_after(i, 0) == i
    assert b.wait_after(i, 1) == timedelta(minutes=30)
    assert b.wait_after(i, 3) == timedelta(minutes=40)


class Flag(StopFlag):
    """A stop flag whose waits return at once, recording what was asked."""

    def __init__(self) -> None:
        super().__init__()
        self.waits: list[float] = []

    def wait(self, seconds: float) -> bool:
        self.waits.append(seconds)
        return self.is_set()


def test_locked_tick_is_skipped_and_failures_back_off_then_reset() -> None:
    results = iter([LockHeldError(mailbox="m", holder="pid 1"), GraphError("down"), GraphError("down"), 0, 1])
    ticks: list[Tick] = []

    def job() -> int:
        r = next(results)
        if isinstance(r, Exception):
            raise r
        return r

    flag = Flag()
    code = run_every(job, interval=timedelta(seconds=60), stop=flag, max_ticks=5, on_tick=ticks.append)
    assert [t.outcome for t in ticks] == [
        TickOutcome.SKIPPED_LOCKED,
        TickOutcome.FAILED,
        TickOutcome.FAILED,
        TickOutcome.RAN,
        TickOutcome.RAN,
    ]
    assert flag.waits == [60, 120, 240, 60]
    assert code == 1


def test_stop_between_jobs() -> None:
    flag = Flag()
    calls = []

    def job() -> int:
        calls.append(1)
        flag.set("received SIGTERM")
        return 0

    run_every(job, interval=timedelta(seconds=60), stop=flag)
    assert calls == [1]
