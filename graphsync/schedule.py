"""Running a job at set intervals (`graphsync sync --every 15m`), as NAV's automatic sync did.

One job per tick. A tick whose job finds the mailbox locked by another run is skipped (not an error);
after a failed job the next wait doubles, up to `Backoff.max_wait`, and resets after a success. A stop
request (Ctrl-C, SIGTERM) ends the loop between jobs; the job itself checks the same `StopFlag` between
items, so an interrupted run stops at a point the engine can resume from.
"""

from __future__ import annotations

import logging
import re
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from enum import Enum
from types import FrameType

from graphsync.errors import ConfigError, GraphsyncError, LockHeldError

log = logging.getLogger("graphsync.schedule")

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
MAX_INTERVAL = timedelta(days=31)
"""The longest ``--every``: a sync less often than monthly is a job for a scheduler (cron, a systemd timer)."""
_INTERVAL = re.compile(r"(\d+)\s*([smhd])")


def parse_interval(text: str, *, option: str = "--every") -> timedelta:
    """``"15m"``, ``"1h30m"``, ``"90s"`` -> timedelta; at least 10 seconds (a tighter loop only burns
    Graph's throttling budget)."""
    compact = text.strip().lower().replace(" ", "")
    parts = _INTERVAL.findall(compact)
    if not compact or "".join(n + u for n, u in parts) != compact:
        raise ConfigError(file=None, key=option, expected="an interval such as 90s, 15m, 1h or 1h30m", got=text)
    seconds = sum(int(n) * _UNITS[u] for n, u in parts)
    if seconds < 10:
        raise ConfigError(file=None, key=option, expected="an interval of at least 10s", got=text)
    if seconds > MAX_INTERVAL.total_seconds():
        # Also what keeps the loop's arithmetic in range: a timedelta past ~2.7 million years overflows, and a
        # wait past ~292 years puts the next run's time out of the clock's range.
        raise ConfigError(file=None, key=option, expected="an interval of at most 31d (31 days)", got=text)
    return timedelta(seconds=seconds)


class StopFlag:
    """Set by a signal or a test; checked by the loop and by the job between chunks of items."""

    def __init__(self) -> None:
        self._event = threading.Event()
        self.reason = ""
        self.signal: int | None = None
        """The signal that set the flag (SIGINT for Ctrl-C), None when set otherwise."""

    def set(self, reason: str = "stop requested", *, signum: int | None = None) -> None:
        self.reason = reason
        if signum is not None:
            self.signal = signum
        self._event.set()

    @property
    def exit_code(self) -> int | None:
        """The shell's code for a process stopped by that signal, 128 + its number (130 for Ctrl-C, 143 for
        SIGTERM); None when no signal stopped it."""
        return None if self.signal is None else 128 + self.signal

    def is_set(self) -> bool:
        return self._event.is_set()

    def wait(self, seconds: float) -> bool:
        """Sleep up to ``seconds``; True if stopped meanwhile."""
        return self._event.wait(seconds)


@contextmanager
def stop_on_signals(flag: StopFlag) -> Iterator[StopFlag]:
    """SIGINT and SIGTERM set ``flag`` instead of killing the process mid-write."""
    if threading.current_thread() is not threading.main_thread():
        yield flag
        return

    def handler(signum: int, _frame: FrameType | None) -> None:
        flag.set(f"received {signal.Signals(signum).name}", signum=signum)

    previous = {s: signal.signal(s, handler) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield flag
    finally:
        for s, h in previous.items():
            signal.signal(s, h)


@dataclass(frozen=True)
class Backoff:
    factor: float = 2.0
    max_wait: timedelta = timedelta(hours=1)

    def wait_after(self, interval: timedelta, failures: int) -> timedelta:
        if failures <= 0:
            return interval
        return min(interval * (self.factor**failures), max(self.max_wait, interval))


class TickOutcome(Enum):
    RAN = "ran"
    SKIPPED_LOCKED = "skipped-locked"
    FAILED = "failed"


@dataclass(frozen=True)
class Tick:
    number: int
    outcome: TickOutcome
    exit_code: int
    error: GraphsyncError | None
    next_wait: timedelta


def run_every(
    job: Callable[[], int],
    *,
    interval: timedelta,
    stop: StopFlag,
    backoff: Backoff = Backoff(),
    max_ticks: int | None = None,
    on_tick: Callable[[Tick], None] | None = None,
) -> int:
    """Run ``job`` (returning an exit code) every ``interval`` until ``stop`` is set; returns the last
    job's exit code (0 when the last tick was skipped for the lock)."""
    failures = 0
    last_code = 0
    number = 0
    while not stop.is_set() and (max_ticks is None or number < max_ticks):
        number += 1
        error: GraphsyncError | None = None
        try:
            code = job()
            outcome = TickOutcome.RAN if code in (0, 1) else TickOutcome.FAILED
        except LockHeldError as exc:
            code, outcome, error = 0, TickOutcome.SKIPPED_LOCKED, exc
        except GraphsyncError as exc:
            code, outcome, error = 1, TickOutcome.FAILED, exc
        failures = failures + 1 if outcome is TickOutcome.FAILED else 0
        last_code = code
        wait = backoff.wait_after(interval, failures)
        tick = Tick(number, outcome, code, error, wait)
        if on_tick:
            on_tick(tick)
        if outcome is TickOutcome.SKIPPED_LOCKED:
            log.info("tick %d skipped: another run holds the lock", number)
        elif outcome is TickOutcome.FAILED:
            log.warning("tick %d failed (%s); next attempt in %s", number, error or f"exit {code}", wait)
        if max_ticks is not None and number >= max_ticks:
            break
        if stop.wait(wait.total_seconds()):
            break
    if stop.is_set():
        log.info("stopped: %s", stop.reason)
    return last_code
