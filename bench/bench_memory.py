"""graphsync's CPU per synced item end to end, and its peak memory, at two sizes ten times apart.

Each size runs in a fresh Python process of its own (so its peak resident memory is its own), against the
sandbox in another process over loopback HTTP without added latency: everything the measured process does
is graphsync's (engine, state store, Graph client and its HTTP stack) or the embedded NAV company's, and
the sandbox's own CPU and memory are not in the figures at all. Two runs per size:

- the initial load: N contacts, N/10 meetings, N/10 tasks (1.2 N + 1 items) created in Outlook;
- a full reconciliation run (`--full`): every item read on both sides and matched by NAV key.

Printed per run: CPU microseconds per item (goal: at most 200), the peak resident memory's growth over
the process's size before the run, and how the growth scales between the two sizes (goal: streaming, far
below the 10x of the items). Each size is run three times (`--quick`: once), each time in a fresh process
against a fresh sandbox, and every figure is the median of the three, the CPU per item's three values
printed beside it: on a shared virtual machine the same work's CPU time varies by a tenth or more from one
run to the next, more than most changes a benchmark is meant to show. The embedded NAV company's share
of the CPU (every call into the connector during the run, `_common.TimedNav`) is printed beside it, and
taken out in a figure of its own: against a real NAV that work happens on the NAV server.

--quick uses N = 1,000 and 5,000 (CI's time); the full run N = 10,000 and 100,000.
"""

from __future__ import annotations

import asyncio
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

import _common as c

from graphsync.engine.state import StateStore
from graphsync.nav.embedded import EmbeddedNav

USER = "memory@contoso.com"


def _status_mib(field: str) -> float | None:
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith(f"{field}:"):
                    return int(line.split()[1]) / 1024  # kB
    except OSError:
        pass
    return None


def _reset_peak() -> bool:
    """Start a new peak at the current resident set (Linux >= 4.0: writing 5 to clear_refs resets VmHWM),
    so that each run's peak is its own and not the earlier run's; False where that cannot be done."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as refs:
            refs.write("5")
        return True
    except OSError:
        return False


def _peak_mib() -> float:
    """This process's peak resident set. Linux's VmHWM belongs to the process's own address space, while
    getrusage's maxrss carries the parent's peak across fork and exec (a worker started by a large parent
    would report the parent's size); elsewhere getrusage is all there is."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024  # kB
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def reference_loop_seconds() -> float:
    """CPU seconds of a fixed pure-Python loop: how fast this machine runs Python right now. On a shared
    virtual machine it changes by half from one hour to the next (other tenants share the cores' caches
    and memory bandwidth), and every CPU figure changes with it; printed beside them so they can be read
    against it."""
    started = time.process_time()
    total = 0
    for i in range(3_000_000):
        total += i * i
    return round(time.process_time() - started, 3)


async def _worker(nav_path: Path, state_path: Path, base_url: str) -> dict[str, object]:
    nav = c.TimedNav(EmbeddedNav(nav_path))
    store = StateStore(state_path)
    figures: dict[str, object] = {"reference_loop_seconds": reference_loop_seconds()}
    wired = await c.wire(nav, store, USER, base_url=f"{base_url}/v1.0")
    try:
        for name, full in (("initial_load", False), ("full_reconciliation", True)):
            # Each run's own peak over the process's size when it starts: reset where Linux allows it,
            # else (the second run then only shows what it adds to the first's peak) the peak so far.
            own_peak = _reset_peak()
            before = (_status_mib("VmRSS") if own_peak else None) or _peak_mib()
            wall, cpu, nav_cpu = time.perf_counter(), time.process_time(), nav.cpu
            report = await c.sync(wired, full=full)
            cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
            figures[name] = {
                "cpu_seconds": round(cpu, 2),
                "nav_cpu_seconds": round(nav.cpu - nav_cpu, 2),
                "wall_seconds": round(wall, 2),
                "items_written": c.writes(report),
                "rss_before_mib": round(before, 1),
                "peak_rss_growth_mib": round(_peak_mib() - before, 1),
                "peak_is_this_runs_own": own_peak,
            }
    finally:
        await wired.close()
    return figures


RUN_NAMES = ("initial_load", "full_reconciliation")


def _measure_once(n: int, tmp: Path) -> dict[str, dict[str, object]]:
    """One worker: a fresh NAV company of size ``n``, a fresh sandbox, the initial load and the full run."""
    size = c.WorldSize.of(n)
    nav_path, state_path = tmp / f"nav-{n}.sqlite", tmp / f"state-{n}.sqlite"
    c.nav_company(size, nav_path).close()
    state_path.unlink(missing_ok=True)
    with c.sandbox_process() as base_url:
        done = subprocess.run(
            [sys.executable, __file__, "--worker", str(nav_path), str(state_path), base_url],
            capture_output=True,
            text=True,
            check=False,
        )
    if done.returncode != 0:
        raise RuntimeError(f"the memory benchmark's worker failed:\n{done.stderr}")
    figures: dict[str, dict[str, object]] = json.loads(done.stdout)
    items = size.items + 1
    reference = figures.pop("reference_loop_seconds")
    for name in RUN_NAMES:
        run = figures[name]
        run["reference_loop_seconds"] = reference
        cpu, nav_cpu = float(run["cpu_seconds"]), float(run["nav_cpu_seconds"])  # type: ignore[arg-type]
        run["cpu_us_per_item"] = round(cpu / items * 1e6, 1)
        run["cpu_us_per_item_without_nav"] = round((cpu - nav_cpu) / items * 1e6, 1)
    return figures


def _median_of(runs: list[dict[str, object]]) -> dict[str, object]:
    """Each numeric figure's median over the repeats; the CPU per item's values themselves beside it."""
    merged: dict[str, object] = {}
    for key, first in runs[0].items():
        if isinstance(first, bool) or not isinstance(first, int | float):
            merged[key] = first
        else:
            middle = statistics.median_low(r[key] for r in runs)  # type: ignore[type-var]
            merged[key] = round(middle, 2) if isinstance(middle, float) else middle
    merged["reference_loop_seconds_runs"] = [r["reference_loop_seconds"] for r in runs]
    merged["cpu_us_per_item_runs"] = [r["cpu_us_per_item"] for r in runs]
    merged["cpu_us_per_item_without_nav_runs"] = [r["cpu_us_per_item_without_nav"] for r in runs]
    return merged


def _measure(n: int, tmp: Path, *, repeats: int) -> dict[str, object]:
    runs = [_measure_once(n, tmp) for _ in range(repeats)]
    return {
        "items": c.WorldSize.of(n).items + 1,
        "repeats": repeats,
        **{name: _median_of([r[name] for r in runs]) for name in RUN_NAMES},
    }


def run(*, quick: bool) -> dict[str, object]:
    small, large = (1_000, 5_000) if quick else (10_000, 100_000)
    repeats = 1 if quick else 3
    with c.scratch() as tmp:
        results = {f"N={n:,}": _measure(n, Path(tmp), repeats=repeats) for n in (small, large)}
    growth: dict[str, object] = {"items_ratio": large / small}
    for name in RUN_NAMES:
        a, b = results[f"N={small:,}"][name], results[f"N={large:,}"][name]  # type: ignore[index]
        growth[f"{name}_peak_growth_ratio"] = round(b["peak_rss_growth_mib"] / max(a["peak_rss_growth_mib"], 0.1), 2)
        growth[f"{name}_cpu_per_item_ratio"] = round(b["cpu_us_per_item"] / a["cpu_us_per_item"], 2)
    return {
        "sizes": "N = 1,000 and 5,000 (--quick)" if quick else "N = 10,000 and 100,000",
        **results,
        "scaling": growth,
    }


if __name__ == "__main__":
    if sys.argv[1:2] == ["--worker"]:
        nav_file, state_file, url = sys.argv[2:5]
        print(json.dumps(asyncio.run(_worker(Path(nav_file), Path(state_file), url))))
    else:
        print(json.dumps(run(quick="--quick" in sys.argv), indent=2))
