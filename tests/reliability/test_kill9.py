"""Kill -9 at seeded points of initial and incremental runs, with edits on both sides between the kills.

Each group is one world (NAV company, sandbox, state store). A trial makes seeded edits in NAV (through the
embedded company, as a NAV user would) and in Outlook (Graph requests, as a person's Outlook would), starts
`graphsync sync` as a real process and kills it with SIGKILL: when the sandbox receives the k-th request of the
run (held before or after the sandbox handled it), or a seeded delay after the run's first request. After
every kill nothing is duplicated on either side; after the group's last trial two uninterrupted runs must
bring every edit to both sides, or leave it recorded as a conflict, and link every item exactly once.
"""

from __future__ import annotations

import json
import random
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from graphsync.sandbox import SandboxState
from tests.reliability.harness import World, assert_no_duplicates, config_text, dump, serve_sandbox, subprocess_env
from tests.reliability.scenario import Ledger, check_converged, edit_both_sides, quiet

GROUPS = 5
KILLS = 10
"""Killed runs per group: 50 in all. A run may end before its kill point (a quiet run makes few requests); a
group then runs more trials, up to `MAX_TRIALS`."""
MAX_TRIALS = 14
INITIAL_TRIALS = 3
"""Trials of a group killed before any run of that world completed: the initial run, again and again."""


@pytest.fixture
def world(tmp_path: Path, company: Path) -> Iterator[World]:
    shutil.copyfile(company, tmp_path / "nav.sqlite")
    state = SandboxState()
    state.seed_user("eh@contoso.com", display_name="Ester Henderson")
    with serve_sandbox(state) as (url, switch):
        w = World(tmp_path, url, switch, state, subprocess_env(tmp_path))
        w.config.write_text(config_text(url), encoding="utf-8")
        yield w


def kill_one_run(world: World, ledger: Ledger, *, initial: bool) -> bool:
    """One run killed at a seeded point; True when it was killed (it may also finish before its point)."""
    rng = ledger.rng
    mode = rng.choice(["before", "after", "after", "timer"])
    if mode == "timer":
        result = world.run("sync", kill_after_first_request=rng.uniform(0.0, 0.15))
    else:
        at = rng.randint(1, 10 if initial else 6)  # every run makes at least 6 requests
        result = world.run("sync", kill_at_request=at, after=mode == "after")
    if not result.killed:
        assert result.code in (0, 1), (result.code, result.stderr[-3000:])
    assert "Traceback" not in result.stderr, result.stderr
    return result.killed


@pytest.mark.parametrize("group", range(GROUPS))
def test_kill9_at_seeded_points_then_run_again(world: World, group: int) -> None:
    ledger = Ledger(rng=random.Random(9000 + group), group=group)
    kills = 0
    completed = False
    trial = 0
    while kills < KILLS and trial < MAX_TRIALS:
        if trial > 0 or group % 2:
            # Half the groups start with Outlook edits before any run: the folders are then made by hand.
            edit_both_sides(world, ledger, trial)
        initial = trial < INITIAL_TRIALS and not completed
        killed = kill_one_run(world, ledger, initial=initial)
        kills += killed
        completed = completed or not killed
        trial += 1
        assert_no_duplicates(world)
    assert kills >= KILLS
    # Uninterrupted runs: the first finishes what the kills left, the second copies NAV's defaults of records
    # made in Outlook back to Outlook, the third has nothing left to write anywhere.
    world.sync(expect={0, 1})
    world.sync(expect={0, 1})
    last = world.sync("--json", expect={0, 1})
    assert_no_duplicates(world)
    check_converged(world, ledger)
    report = json.loads(last.stdout)
    assert quiet(report), dump({"counts": report["entities"], "items": report["items"], "errors": report["errors"]})
