"""Kill -9 at seeded points of initial and incremental runs, with edits on both sides between the kills.

Each group is one world (NAV company, sandbox, state store). A trial makes seeded edits in NAV (through the
embedded company, as a NAV user would) and in Outlook (Graph requests, as a person's Outlook would), starts
`graphsync sync` as a real process and kills it with SIGKILL at a point drawn over the whole run: at one of the
requests it reads with before its first write, at one of the requests that write (the sandbox holds the chosen
request, before or after handling it, until the process is dead), or in the silence after its reads, while it
writes NAV and commits the state store, after its last request or before its next write. After every kill
nothing is duplicated on either side; after the group's last trial uninterrupted runs must bring every edit to
both sides, or leave it recorded as a conflict, and link every item exactly once.

The kill points come from an RNG of their own, so drawing them never shifts the edits' draws (what an edit picks
from still depends on what the kills left). Where a kill in a silence lands depends on the machine's speed; the
test records where each kill landed and asserts the spread.
"""

from __future__ import annotations

import json
import random
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any

import pytest

from graphsync.sandbox import SandboxState
from tests.reliability.harness import (
    RunResult,
    World,
    assert_no_duplicates,
    config_text,
    dump,
    serve_sandbox,
    subprocess_env,
)
from tests.reliability.scenario import Ledger, check_converged, edit_both_sides, quiet

GROUPS = 5
KILLS = 10
"""Killed runs per group: 50 in all. A run may end before its kill point (it made fewer requests than the run its
point was drawn from); a group then runs more trials, up to `MAX_TRIALS`."""
MAX_TRIALS = 15
INITIAL_TRIALS = 3
"""Kills of a group before any run of that world completed: the initial run, again and again; the next run is
then let complete."""
MIN_REQUESTS = 7
"""Graph requests every run of this world makes (measured: 7 to 12 without a kill to recover from)."""
END_SECONDS = 0.03
"""How long after the last answer a kill at the end may wait: a run writes NAV and the state store for the last
time within ~25 ms of its last Graph answer (measured); after that it only closes and exits."""
EXIT_SECONDS = 0.25
"""A run aimed at a write that makes none is killed after this long a silence instead: the ~0.3 s it then spends
closing and exiting (a kill as good as any, where a run that ended would be a trial spent for nothing)."""


class Aim(Enum):
    READS = "a request before the run's first write"
    WRITES = "a request that writes"
    END = "a silence after the reads: NAV writes and state commits, after the last request or between batches"


AIMS = (Aim.READS,) * 2 + (Aim.WRITES,) * 6 + (Aim.END,) * 2
"""The aims of a group's kills, shuffled: a spread over the whole run by construction, whatever the draws. A kill
aimed at a write of a run that makes fewer lands at the end (`EXIT_SECONDS`), hence more aims at the writes."""


@dataclass(frozen=True)
class Shape:
    """The Graph requests of the world's last completed run, over which the next kill point is drawn."""

    requests: int
    first_write: int | None
    writes: int


INITIAL = Shape(requests=12, first_write=3, writes=6)
"""An uninterrupted initial run of this world (measured): the contact folder and the list made at requests 3 and
5, the items in $batch requests from 9 on. Only the range kill points of initial runs are drawn from uses it."""


@dataclass(frozen=True)
class KillPoint:
    aim: Aim
    at: int
    """READS: the request number; WRITES: the number among the requests that write; END: reads made first."""
    after: bool
    """Hold the request after the sandbox handled it (the write done, its answer never read)."""
    quiet: float
    """END: seconds of silence after the last answer before the kill."""

    def run(self, world: World) -> RunResult:
        if self.aim is Aim.END:
            return world.run("sync", "--json", kill_when_quiet=(self.at, self.quiet))
        if self.aim is Aim.READS:
            return world.run("sync", "--json", kill_at_request=self.at, after=self.after)
        exit_kill = (MIN_REQUESTS, EXIT_SECONDS)
        return world.run(
            "sync", "--json", kill_at_request=self.at, after=self.after, writes_only=True, kill_when_quiet=exit_kill
        )


def draw(rng: random.Random, aim: Aim, shape: Shape) -> KillPoint:
    after = rng.random() < 0.5
    if aim is Aim.READS:
        reads = (shape.first_write or shape.requests + 1) - 1
        return KillPoint(aim, rng.randint(1, max(1, min(reads, MIN_REQUESTS))), after, 0.0)
    if aim is Aim.WRITES:
        # An incremental run sends a $batch of writes per kind it changes in Outlook: one or two, after edits
        # like these (a run that recovered from a kill sent more, which the next one will not).
        writes = shape.writes if shape is INITIAL else min(shape.writes, 2)
        return KillPoint(aim, rng.randint(1, max(1, writes)), after, 0.0)
    # After the reads every run makes (its write requests vary with the edits): the first silence then is
    # where the run writes NAV and commits the state store, after its last request or before a write batch.
    reads = min(shape.requests - shape.writes, MIN_REQUESTS)
    return KillPoint(aim, max(1, reads), False, rng.uniform(0.0, END_SECONDS))


@dataclass(frozen=True)
class Landing:
    point: KillPoint
    where: Aim
    requests: int
    """Graph requests the killed run had made."""
    initial: bool
    """No run of the world had completed: the kill interrupted an initial run."""


def landed(point: KillPoint, result: RunResult) -> Aim:
    """Where a kill landed, from what the sandbox saw of the run: a held request that wrote (or came after one
    that did) is among the writes, a kill in a silence at the end, whatever the kill aimed at."""
    if not result.held:
        assert point.aim is not Aim.READS, (point, result.requests)  # only a silence, never a held request
        return Aim.END
    return Aim.WRITES if result.writes else Aim.READS


def outcome(result: RunResult) -> dict[str, Any]:
    """A completed run's `--json` report. Exit code 1 is also what any error of a run gives (`cli.messages`):
    it is accepted only from a report with open conflicts and no item errors."""
    assert "Traceback" not in result.stderr, result.stderr
    try:
        report: dict[str, Any] = json.loads(result.stdout)
    except ValueError:
        raise AssertionError((result.code, result.stdout[-3000:], result.stderr[-3000:])) from None
    assert "error" not in report and not report["errors"], dump(report)
    conflicts = [i for i in report["items"] if i["conflicts"]]
    assert result.code == report["exit_code"] == (1 if conflicts else 0), (result.code, dump(report))
    return report


@pytest.fixture
def world(tmp_path: Path, company: Path) -> Iterator[World]:
    shutil.copyfile(company, tmp_path / "nav.sqlite")
    state = SandboxState()
    state.seed_user("eh@contoso.com", display_name="Ester Henderson")
    with serve_sandbox(state) as (url, switch):
        w = World(tmp_path, url, switch, state, subprocess_env(tmp_path))
        w.config.write_text(config_text(url), encoding="utf-8")
        yield w


@pytest.mark.parametrize("group", range(GROUPS))
def test_kill9_at_seeded_points_then_run_again(world: World, group: int) -> None:
    ledger = Ledger(rng=random.Random(9000 + group), group=group)
    kills = random.Random(7000 + group)
    aims = list(AIMS)
    kills.shuffle(aims)
    shape: Shape | None = None
    landings: list[Landing] = []
    trial = 0
    while len(landings) < KILLS and trial < MAX_TRIALS:
        if trial > 0 or group % 2:
            # Half the groups start with Outlook edits before any run: the folders are then made by hand.
            edit_both_sides(world, ledger, trial)
        # The initial load, killed often enough, completes: the later kills interrupt incremental runs.
        complete = shape is None and len(landings) >= INITIAL_TRIALS
        point = None if complete else draw(kills, aims[len(landings)], INITIAL if shape is None else shape)
        result = world.run("sync", "--json") if point is None else point.run(world)
        if point is not None and result.killed:
            landings.append(Landing(point, landed(point, result), result.requests, shape is None))
        else:
            outcome(result)
            shape = Shape(result.requests, result.first_write, result.writes)
        trial += 1
        assert_no_duplicates(world)
    assert len(landings) >= KILLS, dump(landings)
    # Initial runs were killed too, and the kills spread over the runs: before their first write, at their
    # writes, and in the silence after their requests (NAV writes, state commits, the exit).
    assert any(landing.initial for landing in landings), dump(landings)
    where = [landing.where for landing in landings]
    assert where.count(Aim.READS) >= 2 and where.count(Aim.WRITES) >= 3 and where.count(Aim.END) >= 2, dump(landings)
    # Uninterrupted runs: the first finishes what the kills left, the second copies NAV's defaults of records
    # made in Outlook back to Outlook, the third has nothing left to write anywhere.
    for _ in range(2):
        outcome(world.run("sync", "--json"))
    last = outcome(world.run("sync", "--json"))
    assert_no_duplicates(world)
    check_converged(world, ledger)
    assert quiet(last), dump({"counts": last["entities"], "items": last["items"]})


@pytest.mark.parametrize(
    ("code", "report", "accepted"),
    [
        (0, {"exit_code": 0, "errors": [], "items": []}, True),
        (1, {"exit_code": 1, "errors": [], "items": [{"conflicts": [{"field": "title"}]}]}, True),
        (1, {"exit_code": 1, "errors": [], "items": [{"conflicts": []}]}, False),
        (1, {"exit_code": 1, "errors": [{"error": "NavRefusedError"}], "items": []}, False),
        (1, {"ok": False, "exit_code": 1, "error": "MassDeleteError", "message": "would delete"}, False),
        (0, {"exit_code": 0, "errors": [], "items": [{"conflicts": [{"field": "title"}]}]}, False),
    ],
)
def test_a_completed_run_passes_only_without_errors_and_exits_1_only_for_conflicts(
    code: int, report: dict[str, Any], accepted: bool
) -> None:
    result = RunResult(code, json.dumps(report), "", requests=1)
    if accepted:
        assert outcome(result) == report
    else:
        with pytest.raises(AssertionError):
            outcome(result)
