"""Python's cyclic garbage collector, relaxed while a run works.

A run allocates millions of small containers (a tuple per field change, a dict per record and body) that
die young and form no cycles. With the interpreter's default threshold (a young-generation collection
every 700 net allocations) the collector ran about 1,300 times during a load of 12,000 items and took
0.7 s, a sixth of the run's CPU, most of it traversing values that stay alive for the whole run anyway
(the spool's buffer, the keys of the items in hand). With a threshold of 10,000 it ran 80 times and took
0.1 s. What it lets wait is bounded by the threshold: at most that many young objects, a few MB (higher
thresholds saved little more CPU and cost more memory: 50,000 added 20 MB to the load's peak).

Runs of several mailboxes may overlap (a tenant-wide run): the first to enter relaxes the collector and
the last to leave restores what was there before, whatever order they finish in.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

RUN_THRESHOLD = 10_000
"""Net container allocations between young-generation collections while a run works."""

_lock = threading.Lock()
_depth = 0
_saved: tuple[int, int, int] | None = None


@contextmanager
def relaxed_collector(threshold: int = RUN_THRESHOLD) -> Iterator[None]:
    """Collect young garbage every ``threshold`` allocations instead of the default 700, until the last
    overlapping run leaves. A threshold already higher (set by the embedding program) is kept."""
    global _depth, _saved
    with _lock:
        if _depth == 0:
            _saved = gc.get_threshold()
            if _saved[0] != 0 and _saved[0] < threshold:  # 0: the program turned collection off; leave it
                gc.set_threshold(threshold, *_saved[1:])
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _saved is not None:
                gc.set_threshold(*_saved)
                _saved = None
