"""Incremental sync cost: a run with no changes over N linked items, on the in-memory fakes.

Prints, for N = 1,000 and 10,000 side by side, the Graph requests of one no-change run (one delta request
per synced kind is the target) and its CPU time, which should not grow with N; plus the initial full sync
that linked the N items, for scale.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from graphsync.config.entities import default_entities  # noqa: E402
from graphsync.connectors.nav import NavTable  # noqa: E402
from graphsync.engine.report import SyncOptions  # noqa: E402
from graphsync.engine.state import StateStore  # noqa: E402
from graphsync.engine.sync import run_sync  # noqa: E402
from tests.fakes.nav import FakeNav  # noqa: E402
from tests.fakes.outlook import FakeMailbox  # noqa: E402


async def _measure(n: int, runs: int, tmp: Path) -> dict[str, object]:
    nav, box = FakeNav(), FakeMailbox(page_size=1000)
    nav.insert(NavTable.SALESPERSON, {"Code": "EH", "Name": "Ester Henderson", "E-Mail": "eh@contoso.com"})
    for i in range(n):
        nav.insert(
            NavTable.CONTACT,
            {"Type": "Company", "Name": f"Company {i}", "Phone No.": f"{i:07d}", "Salesperson Code": "EH"},
        )
    store = StateStore(tmp / f"state-{n}.sqlite")
    entities = default_entities()
    options = SyncOptions(salesperson_code="EH")
    started = time.perf_counter()
    await run_sync(nav=nav, mailbox=box, store=store, entities=entities, options=options)
    initial = time.perf_counter() - started
    cpu: list[float] = []
    requests_per_run = delta_per_run = 0
    for _ in range(runs):
        before = sum(box.requests.values())
        delta_before = box.requests["delta"]
        cpu_start = time.process_time()
        report = await run_sync(nav=nav, mailbox=box, store=store, entities=entities, options=options)
        cpu.append(time.process_time() - cpu_start)
        requests_per_run = sum(box.requests.values()) - before
        delta_per_run = box.requests["delta"] - delta_before
        assert report.items == (), "a no-change run planned work"
    store.close()
    return {
        "initial_sync_seconds": round(initial, 3),
        "no_change_run_graph_requests": requests_per_run,
        "no_change_run_delta_requests": delta_per_run,
        "no_change_run_cpu_ms_median": round(sorted(cpu)[len(cpu) // 2] * 1000, 2),
    }


def run(*, quick: bool) -> dict[str, object]:
    sizes = (1_000, 10_000)
    with tempfile.TemporaryDirectory() as tmp:
        return {f"N={n:,}": asyncio.run(_measure(n, 5 if quick else 20, Path(tmp))) for n in sizes}


if __name__ == "__main__":
    print(run(quick="--quick" in sys.argv))
