"""The garbage collector is relaxed while runs work, and restored when the last one leaves."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from graphsync.engine.garbage import relaxed_collector


@pytest.fixture(autouse=True)
def _restore_threshold() -> Iterator[None]:
    before = gc.get_threshold()
    yield
    gc.set_threshold(*before)


def test_overlapping_runs_relax_it_once_and_the_last_to_leave_restores_it() -> None:
    gc.set_threshold(700, 10, 10)
    first, second = relaxed_collector(50_000), relaxed_collector(50_000)
    first.__enter__()
    assert gc.get_threshold() == (50_000, 10, 10)
    second.__enter__()
    first.__exit__(None, None, None)  # the first run ends before the second
    assert gc.get_threshold() == (50_000, 10, 10)
    second.__exit__(None, None, None)
    assert gc.get_threshold() == (700, 10, 10)


def test_it_is_restored_when_the_run_fails() -> None:
    gc.set_threshold(700, 10, 10)
    with pytest.raises(RuntimeError), relaxed_collector(50_000):
        raise RuntimeError("boom")
    assert gc.get_threshold() == (700, 10, 10)


@pytest.mark.parametrize("threshold", [0, 100_000])
def test_a_program_that_turned_it_off_or_set_it_higher_keeps_its_setting(threshold: int) -> None:
    gc.set_threshold(threshold, 10, 10)
    with relaxed_collector(50_000):
        assert gc.get_threshold() == (threshold, 10, 10)
    assert gc.get_threshold() == (threshold, 10, 10)
