"""The memory benchmark's CPU per item, two commits side by side: `python bench/compare.py REV [--n N]`;
with ``--tenant``, the tenant benchmark's instead (`python bench/compare.py REV --tenant [--mailboxes M]
[--concurrency C]`: the initial load of M mailboxes of 500 items under the sandbox's Outlook limits, C at once,
as `bench_tenant` runs it; ``--busy``: the busy core's run, all M at once against a sandbox without limits,
whose CPU per item is the sizing figure; REV must have it, as commits since 8d380aa do).

On a shared virtual machine the same code's CPU time moves with the neighbours by a tenth from one run to
the next and by half or more from one hour to the next, and not by the same factor for every kind of
work. A figure timed today cannot be set against one timed last week; two commits timed in the same
minutes can be set against each other. This runs `bench_memory`'s worker (the initial load, then the full
reconciliation) of commit REV and of this checkout in turns (ABBA..., so a drift of the machine during the
runs falls on both), each against a fresh copy of a NAV company of size N built by its own code and a
fresh sandbox of its own, and prints each one's CPU per item without the embedded NAV company's share, the
medians, and the ratio of this checkout to REV: with REV's figure at the machine's usual speed, that
ratio gives this checkout's.

REV is checked out into a temporary git worktree, removed at the end; its `bench/bench_memory.py` must
have a `--worker NAV STATE URL` mode printing the figures as this one's does (commits since 9ee6e33 do).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
RUNS = ("initial_load", "full_reconciliation")
TENANT_RUNS = ("tenant_initial_load",)

# Run inside each tree (its own graphsync, bench/_common.py and sandbox): build the NAV company once, or
# time one run of the memory worker against a fresh copy of it and print the worker's figures with the
# number of items. `bench_memory._measure_once` does the same but builds the company for every run, which
# at N = 100,000 takes longer than the run it is for.
_DRIVER = r"""
import json, shutil, subprocess, sys
from pathlib import Path
import _common as c, bench_memory as b
n, scratch, mode = int(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
master = scratch / "nav-master.sqlite"
if mode == "build":
    c.nav_company(c.WorldSize.of(n), master).close()
    raise SystemExit(0)
nav, state = scratch / "nav.sqlite", scratch / "state.sqlite"
shutil.copy(master, nav)
state.unlink(missing_ok=True)
with c.sandbox_process() as url:
    done = subprocess.run([sys.executable, b.__file__, "--worker", str(nav), str(state), url],
                          capture_output=True, text=True)
if done.returncode:
    sys.exit(done.stderr)
print(json.dumps({"items": c.WorldSize.of(n).items + 1, "figures": json.loads(done.stdout)}))
"""

# The tenant benchmark's: build its NAV company once, or time one `sync --all-mailboxes` initial load
# (`bench_tenant._one_process`, its own fresh sandbox and worker process) and print CPU per item.
_TENANT_DRIVER = r"""
import json, sys
from pathlib import Path
import bench_tenant as t
mailboxes, scratch, mode, concurrency = int(sys.argv[1]), Path(sys.argv[2]), sys.argv[3], int(sys.argv[4])
shape = dict(t._shape(False), mailboxes=mailboxes)
master = scratch / "nav-master.sqlite"
if mode == "build":
    t.build_company(master, mailboxes, shape["size"])
    raise SystemExit(0)
upns = [t._upn(code) for code in t._codes(mailboxes)]  # given: the initial load only, no 1% run
run = t._one_process(master, scratch, shape, concurrency, upns=upns, limits=sys.argv[5:] != ["busy"])
load = run["initial_load"]
print(json.dumps({"items": load["items_written"], "figures": {
    "reference_loop_seconds": run["reference_loop_seconds"],
    "tenant_initial_load": {"cpu_seconds": load["cpu_seconds"], "nav_cpu_seconds": load["nav_cpu_seconds"]}}}))
"""


class CompareError(Exception):
    """Something this comparison cannot go on without; the message says what and what to do."""


def _in_tree(
    tree: Path, scratch: Path, n: int, mode: str, tenant: tuple[int, int] | None = None, *, busy: bool = False
) -> str:
    """Run the driver in ``tree``; ``tenant`` (mailboxes, concurrency) for the tenant benchmark's, ``busy`` its
    busy core's run."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(tree), str(tree / "bench")]))
    args = (
        [_DRIVER, str(n), str(scratch), mode]
        if tenant is None
        else [_TENANT_DRIVER, str(tenant[0]), str(scratch), mode, str(tenant[1]), *(["busy"] if busy else [])]
    )
    done = subprocess.run(
        [sys.executable, "-c", *args],
        cwd=tree / "bench",
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode:
        raise CompareError(f"the benchmark's worker of {tree} failed ({mode}):\n{done.stderr[-3000:]}")
    return done.stdout


def _per_item(figures: dict[str, dict[str, float]], items: int, runs: tuple[str, ...]) -> dict[str, float]:
    """CPU µs per item without the embedded NAV company's share, per run."""
    return {
        name: round((figures[name]["cpu_seconds"] - figures[name]["nav_cpu_seconds"]) / items * 1e6, 1) for name in runs
    }


def compare(
    rev: str, *, n: int, pairs: int, scratch_root: Path, tenant: tuple[int, int] | None = None, busy: bool = False
) -> dict[str, object]:
    """``tenant``: (mailboxes, concurrency) to compare the tenant benchmark's initial load instead; ``busy``: its
    busy core's run (every mailbox at once, the sandbox without limits)."""
    names = RUNS if tenant is None else TENANT_RUNS
    bench_file = "bench_memory.py" if tenant is None else "bench_tenant.py"
    if pairs < 1:
        raise CompareError("give at least one pair of runs")
    repo = HERE.parent
    worktree = scratch_root / "worktree"
    added = subprocess.run(
        ["git", "-C", str(repo), "worktree", "add", "--detach", str(worktree), rev],
        capture_output=True,
        text=True,
        check=False,
    )
    if added.returncode:
        raise CompareError(f"cannot check out {rev!r}: {added.stderr.strip()} (give a commit of this repository)")
    trees = {rev: worktree, "this checkout": repo}
    try:
        if not (worktree / "bench" / bench_file).exists():
            raise CompareError(f"{rev} has no bench/{bench_file}; compare with a commit that has it")
        for label, tree in trees.items():
            (scratch_root / label).mkdir()
            print(f"building the NAV company with {label}'s code", file=sys.stderr, flush=True)
            _in_tree(tree, scratch_root / label, n, "build", tenant)
        runs: dict[str, list[dict[str, float]]] = {label: [] for label in trees}
        order = list(trees)
        for pair in range(pairs):
            for label in order if pair % 2 == 0 else order[::-1]:
                answer = json.loads(_in_tree(trees[label], scratch_root / label, n, "run", tenant, busy=busy))
                figures, items = answer["figures"], answer["items"]
                per_item = _per_item(figures, items, names)
                per_item["reference_loop_seconds"] = figures["reference_loop_seconds"]
                runs[label].append(per_item)
                print(f"{time.strftime('%H:%M:%S')} {label}: {json.dumps(per_item)}", file=sys.stderr, flush=True)
    finally:
        subprocess.run(["git", "-C", str(repo), "worktree", "remove", "--force", str(worktree)], check=False)
    world = {"n": n} if tenant is None else {"mailboxes": tenant[0], "concurrency": tenant[1], "busy_core": busy}
    result: dict[str, object] = {**world, "items": items, "pairs": pairs, "rev": rev}  # the same world in both
    for name in names:
        a = [r[name] for r in runs[rev]]
        b = [r[name] for r in runs["this checkout"]]
        result[name] = {
            "rev_us_per_item": a,
            "this_checkout_us_per_item": b,
            "rev_median": round(statistics.median(a), 1),
            "this_checkout_median": round(statistics.median(b), 1),
            "ratio_of_medians": round(statistics.median(b) / statistics.median(a), 3),
            "ratio_per_pair": [round(y / x, 3) for x, y in zip(a, b, strict=True)],
        }
    result["reference_loop_seconds"] = [r["reference_loop_seconds"] for label in trees for r in runs[label]]
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rev", help="the commit to time against this checkout (e.g. 9ee6e33)")
    parser.add_argument("--n", type=int, default=100_000, help="contacts in the world (default 100,000)")
    parser.add_argument("--pairs", type=int, default=3, help="runs of each (default 3)")
    parser.add_argument("--tenant", action="store_true", help="the tenant benchmark's initial load instead")
    parser.add_argument("--mailboxes", type=int, default=16, help="--tenant: mailboxes of 500 items (default 16)")
    parser.add_argument("--concurrency", type=int, default=16, help="--tenant: mailboxes at once (default 16)")
    parser.add_argument(
        "--busy", action="store_true", help="--tenant: the busy core's run (every mailbox at once, no limits)"
    )
    args = parser.parse_args()
    if args.n < 10 or args.pairs < 1:
        parser.error("--n must be at least 10 and --pairs at least 1")
    if args.mailboxes < 1 or args.concurrency < 1:
        parser.error("--mailboxes and --concurrency must be at least 1")
    if args.busy and not args.tenant:
        parser.error("--busy is a --tenant run: give --tenant --busy")
    # The busy core's run has every mailbox at once.
    tenant = (args.mailboxes, args.mailboxes if args.busy else args.concurrency) if args.tenant else None
    root = Path("/dev/shm") if Path("/dev/shm").is_dir() else None
    scratch = Path(tempfile.mkdtemp(prefix="graphsync-compare-", dir=root))
    try:
        result = compare(args.rev, n=args.n, pairs=args.pairs, scratch_root=scratch, tenant=tenant, busy=args.busy)
    except CompareError as e:
        print(f"bench/compare.py: {e}", file=sys.stderr)
        return 2
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
