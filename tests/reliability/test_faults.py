"""Sandbox faults (10% 429 with Retry-After, 5% 503, dropped connections, latency spikes) and delta tokens
invalidated between and during runs: every run completes, nothing is duplicated, no edit is lost.

The engine runs in this process against the sandbox over real HTTP; the Graph client's sleep is replaced by one
that records the waits it was asked for, so Retry-After is checked without being waited for.
"""

from __future__ import annotations

import random

import pytest

from graphsync.sandbox import Faults
from tests.reliability.harness import USER, InProcess, assert_no_duplicates
from tests.reliability.scenario import Ledger, check_converged, edit_both_sides

RETRY_AFTER = 2.0


async def settle(world: InProcess, *, runs: int = 4) -> None:
    """Runs until one finishes without item errors (a write that failed is tried again next run)."""
    for _ in range(runs):
        report = await world.sync()
        if not report.errors:
            return
    raise AssertionError(f"still item errors after {runs} runs: {report.errors}")


async def test_a_run_through_throttling_errors_drops_and_spikes_completes_and_converges(inproc: InProcess) -> None:
    ledger = Ledger(rng=random.Random(4290), group=0)
    edit_both_sides(inproc, ledger, 0)
    for trial in range(4):
        if trial:
            edit_both_sides(inproc, ledger, trial)
        # 15% of mailbox requests fail: two in three of them 429, one 503 (10% and 5%); 5% lose their connection
        # after the sandbox did the work; 10% wait a fifth of a second.
        inproc.sandbox.set_faults(
            Faults(error_rate=0.15, error_statuses=(429, 429, 503), retry_after=RETRY_AFTER, drop_rate=0.05, seed=trial)
        )
        inproc.switch.spikes(rate=0.1, seconds=0.2, seed=trial)
        await settle(inproc)
        inproc.sandbox.set_faults(Faults())
        inproc.switch.spikes(rate=0, seconds=0, seed=0)
        assert_no_duplicates(inproc)
    stats = inproc.mailbox.stats
    assert stats.throttled > 0 and stats.retries > 0, stats
    # Every retry waited first; throttled ones at least the Retry-After the sandbox sent (a batch's throttled items
    # go again together, after the longest), dropped connections by the client's own backoff.
    assert len(inproc.sleep.waits) == stats.retries, (inproc.sleep.waits, stats)
    assert any(w >= RETRY_AFTER for w in inproc.sleep.waits), inproc.sleep.waits
    report = await inproc.sync()
    assert not report.errors, report.errors
    check_converged(inproc, ledger)


@pytest.mark.parametrize("page_size", [5])
async def test_every_delta_token_invalidated_between_and_during_runs(inproc: InProcess, page_size: int) -> None:
    """Small pages, so that a round has several pages and a token can die between two of them. Odd trials kill
    the tokens between runs, even ones at a seeded request of the run (a run starting from live links)."""
    rng = random.Random(410)
    ledger = Ledger(rng=rng, group=1)
    inproc.switch.arm()
    assert not (await inproc.sync()).errors
    full_round = inproc.switch.count
    gone = 0
    for trial in range(1, 9):
        edit_both_sides(inproc, ledger, trial)
        inproc.switch.arm()
        if trial % 2:
            inproc.sandbox.invalidate_delta_tokens(USER)
        else:
            inproc.switch.hooks[rng.randint(2, full_round)] = lambda: inproc.sandbox.invalidate_delta_tokens(USER)
        report = await inproc.sync()
        assert not report.errors, report.errors
        gone += inproc.switch.statuses[410]
        if trial % 2:
            assert inproc.switch.statuses[410] > 0, inproc.switch.statuses  # dead links: a full round
        inproc.switch.hooks.clear()
        assert_no_duplicates(inproc)
    await inproc.sync()
    report = await inproc.sync()
    assert not report.errors, report.errors
    check_converged(inproc, ledger)


@pytest.mark.parametrize("page_size", [5])
async def test_tokens_dying_again_during_the_resync_round(inproc: InProcess, page_size: int) -> None:
    assert not (await inproc.sync()).errors
    edit_both_sides(inproc, Ledger(rng=random.Random(411), group=2), 1)
    inproc.switch.arm()
    inproc.sandbox.invalidate_delta_tokens(USER)

    def after_first_410(status: int) -> None:
        if status == 410 and inproc.switch.on_status is not None:
            inproc.switch.on_status = None
            # The full round's first page hands out a skip token; before its second page, all tokens die again.
            inproc.switch.hooks[inproc.switch.count + 2] = lambda: inproc.sandbox.invalidate_delta_tokens(USER)

    inproc.switch.on_status = after_first_410
    report = await inproc.sync()
    assert not report.errors, report.errors
    assert_no_duplicates(inproc)
