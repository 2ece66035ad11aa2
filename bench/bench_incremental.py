"""Incremental runs over N linked items, end to end: the embedded NAV company, the Graph client and the
sandbox (in-process, no latency, so CPU is not waiting on a network).

For N = 1,000 and 10,000 (N contacts, N/10 meetings, N/10 tasks: 1.2 N + 1 linked items) it prints, per
run, the HTTP requests graphsync sent, the requests Graph would count (batch items one each), and the CPU
time split into graphsync's own and the sandbox's (time spent inside the sandbox app, measured around it):

- the run right after the initial load, which reads the load's own writes back from the delta rounds once;
- a run with no change (median of several): the goal is a cost independent of N;
- a run after 1% of the items changed on each side (NAV records modified through the connector, Outlook
  items through Graph's REST API as a user's Outlook would), and the run after it, which reads graphsync's
  own writes of that run back. Every change must then be on the other side (each side read back, the
  item found through the run's links), or the benchmark stops: a fast run that loses edits proves nothing.

`bench_engine` measures the no-change run on the in-memory fakes; this one pays for everything real.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import _common as c
import httpx

from graphsync.config.entities import EntityName
from graphsync.connectors.nav import NavTable
from graphsync.engine.keys import key_text, parse_key
from graphsync.engine.report import RunReport
from graphsync.engine.state import StateStore
from graphsync.graph import GraphMailbox
from graphsync.graph.paths import IMMUTABLE_IDS
from graphsync.nav.embedded import EmbeddedNav
from graphsync.sandbox import SandboxState

USER = "incremental@contoso.com"


@dataclass(frozen=True)
class RunCost:
    http_requests: int
    graph_requests: int
    cpu_ms: float
    sandbox_cpu_ms: float
    wall_ms: float
    planned: int

    @property
    def graphsync_cpu_ms(self) -> float:
        return self.cpu_ms - self.sandbox_cpu_ms

    def figures(self) -> dict[str, object]:
        return {
            "http_requests": self.http_requests,
            "graph_requests": self.graph_requests,
            "graphsync_cpu_ms": round(self.graphsync_cpu_ms, 1),
            "sandbox_cpu_ms": round(self.sandbox_cpu_ms, 1),
            "wall_ms": round(self.wall_ms, 1),
            "items_written_or_planned": self.planned,
        }


class Bench:
    def __init__(self, nav: EmbeddedNav, state: SandboxState, tmp: Path) -> None:
        self.nav = nav
        self.state = state
        self.client, self.app = c.sandbox_client(state)
        self.store = StateStore(tmp / f"state-{nav.path.stem}.sqlite")
        self.wired: c.Wired | None = None

    async def wire(self) -> c.Wired:
        if self.wired is None:
            # graphsync's own client to the sandbox in this process, through the same timed app.
            transport = httpx.ASGITransport(app=self.app)
            self.wired = await c.wire(self.nav, self.store, USER, transport=transport)
        return self.wired

    @property
    def box(self) -> GraphMailbox:
        assert self.wired is not None, "wired by the first run"
        return self.wired.box

    def graph_requests(self) -> int:
        return sum(self.state.request_counts(USER).values())

    async def run(self) -> tuple[RunCost, RunReport]:
        wired = await self.wire()
        http, graph, inside = self.box.stats.requests, self.graph_requests(), self.app.cpu
        wall, cpu = time.perf_counter(), time.process_time()
        report = await c.sync(wired)
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        cost = RunCost(
            http_requests=self.box.stats.requests - http,
            graph_requests=self.graph_requests() - graph,
            cpu_ms=cpu * 1000,
            sandbox_cpu_ms=(self.app.cpu - inside) * 1000,
            wall_ms=wall * 1000,
            planned=c.writes(report),
        )
        return cost, report

    async def outlook(self, method: str, url: str, body: dict[str, Any] | None = None) -> Any:
        """A request as the user's Outlook makes it: straight to Graph, not through graphsync."""
        # Immutable ids, as graphsync keeps them in its links (Graph takes either kind in a URL).
        headers = {"Authorization": f"Bearer sandbox:{USER}", "Prefer": IMMUTABLE_IDS}
        response = await self.client.request(method, url, json=body, headers=headers)
        response.raise_for_status()
        return response.json() if response.content else None

    async def ids(self, url: str) -> list[str]:
        found: list[str] = []
        next_url: str | None = f"{url}?$select=id&$top=1000"
        while next_url:
            page = await self.outlook("GET", next_url)
            found += [item["id"] for item in page["value"]]
            next_url = page.get("@odata.nextLink")
        return found

    async def close(self) -> None:
        if self.wired is not None:
            await self.wired.close()
        await self.client.aclose()
        self.store.close()


def _every(items: list[Any], share: float, offset: int) -> list[Any]:
    """``share`` of the items, evenly spread, starting at ``offset`` (so NAV's and Outlook's differ)."""
    step = max(1, round(1 / share))
    return items[offset::step]


@dataclass(frozen=True)
class NavEdit:
    """A field edited in NAV, and where its value must show in Outlook after the next run."""

    nav_key: str
    outlook_path: tuple[str, ...]
    value: str


@dataclass(frozen=True)
class OutlookEdit:
    """A property edited in Outlook, and the NAV field that must hold its value after the next run."""

    outlook_id: str
    nav_field: str
    value: str


@dataclass(frozen=True)
class Changes:
    nav: tuple[NavEdit, ...]
    outlook: tuple[OutlookEdit, ...]


async def _change_one_percent(b: Bench) -> Changes:
    """1% of the records edited in NAV and another 1% of the items edited in Outlook. Each side edits other
    fields than the other, so that an item picked on both sides merges instead of becoming a conflict."""
    nav: list[NavEdit] = []
    contacts = [r.key for r in b.nav.find(NavTable.CONTACT, {"Salesperson Code": c.SALESPERSON})]
    for key in _every(contacts, 0.01, 0):
        phone = f"+44 7700 {len(nav):06d}"
        b.nav.modify(NavTable.CONTACT, key, {"Phone No.": phone}, if_match="*")
        nav.append(NavEdit(key_text(NavTable.CONTACT, key), ("businessPhones", "0"), phone))
    todos = [r.key for r in b.nav.find(NavTable.TODO, {"Salesperson Code": c.SALESPERSON})]
    for key in _every(todos, 0.01, 0):
        description = f"Changed in NAV {len(nav)}"
        b.nav.modify(NavTable.TODO, key, {"Description": description}, if_match="*")
        # A meeting's description is its event's subject, another to-do's its task's title.
        nav.append(NavEdit(key_text(NavTable.TODO, key), ("subject|title",), description))
    containers = await b.box.provision()
    outlook: list[OutlookEdit] = []
    folder = f"/me/contactFolders/{containers.contact_folder_id}/contacts"
    for item_id in _every(await b.ids(folder), 0.01, 50):
        mobile = f"+44 7800 {len(outlook):06d}"
        await b.outlook("PATCH", f"/me/contacts/{item_id}", {"mobilePhone": mobile})
        outlook.append(OutlookEdit(item_id, "Mobile Phone No.", mobile))
    for item_id in _every(await b.ids("/me/events"), 0.01, 50):
        room = f"Room {len(outlook)}"
        await b.outlook("PATCH", f"/me/events/{item_id}", {"location": {"displayName": room}})
        outlook.append(OutlookEdit(item_id, "Location", room))
    tasks = f"/me/todo/lists/{containers.todo_list_id}/tasks"
    for item_id in _every(await b.ids(tasks), 0.01, 50):
        await b.outlook("PATCH", f"{tasks}/{item_id}", {"status": "inProgress"})
        outlook.append(OutlookEdit(item_id, "Status", "In Progress"))
    return Changes(tuple(nav), tuple(outlook))


async def _check_arrived(b: Bench, changes: Changes) -> None:
    """Every change is on the other side after the run: a benchmark of runs that lose edits would be
    measuring the wrong thing. Items are found through the run's own links, values read from each side."""
    containers = await b.box.provision()
    urls = {
        EntityName.MEETING.value: "/me/events/{}",
        EntityName.TASK.value: f"/me/todo/lists/{containers.todo_list_id}/tasks/{{}}",
    }
    missing: list[str] = []
    for nav_edit in changes.nav:
        link = b.store.mailbox(b.box.mailbox).links.get(nav_edit.nav_key)
        if link is None:
            missing.append(f"{nav_edit.nav_key}: no link")
            continue
        item = await b.outlook("GET", urls.get(link.entity, "/me/contacts/{}").format(link.outlook_id))
        head, *rest = nav_edit.outlook_path
        value = next((item.get(name) for name in head.split("|") if name in item), None)
        for part in rest:
            value = value[int(part)] if isinstance(value, list) and len(value) > int(part) else None
        if value != nav_edit.value:
            missing.append(f"{nav_edit.nav_key} in Outlook: {value!r}, edited in NAV to {nav_edit.value!r}")
    for outlook_edit in changes.outlook:
        link = b.store.mailbox(b.box.mailbox).links.get_by_outlook(outlook_edit.outlook_id)
        parsed = parse_key(link.nav_key) if link else None
        record = b.nav.get(*parsed) if parsed else None
        if record is None or record[outlook_edit.nav_field] != outlook_edit.value:
            found = record[outlook_edit.nav_field] if record else "no record"
            missing.append(f"{outlook_edit.outlook_id} in NAV: {found!r}, edited in Outlook to {outlook_edit.value!r}")
    if missing:
        raise RuntimeError(f"{len(missing)} changes did not arrive: " + "; ".join(missing[:5]))


async def _measure(n: int, runs: int, tmp: Path) -> dict[str, object]:
    size = c.WorldSize.of(n)
    nav = c.nav_company(size, tmp / f"nav-{n}.sqlite")
    b = Bench(nav, SandboxState.seeded(USER), tmp)
    try:
        load, _ = await b.run()
        after_load, _ = await b.run()
        quiet: list[RunCost] = []
        for _ in range(runs):
            cost, report = await b.run()
            if report.items:
                raise RuntimeError(f"a run without changes planned {len(report.items)} items")
            quiet.append(cost)
        changes = await _change_one_percent(b)
        changed, report = await b.run()
        await _check_arrived(b, changes)
        to_nav = report.counts.get("nav_update", 0)
        to_outlook = report.counts.get("outlook_update", 0)
        echo, _ = await b.run()
    finally:
        await b.close()
        nav.close()
    median = _median(quiet)
    return {
        "linked_items": size.items + 1,
        "initial_load": {
            **load.figures(),
            "graphsync_cpu_us_per_item": round(load.graphsync_cpu_ms * 1000 / (size.items + 1), 1),
        },
        "first_run_after_load": after_load.figures(),
        f"no_change_run_median_of_{runs}": median.figures(),
        "one_percent_changed_each_side": {
            "changed_in_nav": len(changes.nav),
            "changed_in_outlook": len(changes.outlook),
            "copied_to_nav": to_nav,
            "copied_to_outlook": to_outlook,
            **changed.figures(),
        },
        "run_after_the_changes": echo.figures(),
    }


def _median(costs: list[RunCost]) -> RunCost:
    def mid(get: Callable[[RunCost], float]) -> float:
        return statistics.median(get(cost) for cost in costs)

    return RunCost(
        http_requests=round(mid(lambda x: x.http_requests)),
        graph_requests=round(mid(lambda x: x.graph_requests)),
        cpu_ms=mid(lambda x: x.cpu_ms),
        sandbox_cpu_ms=mid(lambda x: x.sandbox_cpu_ms),
        wall_ms=mid(lambda x: x.wall_ms),
        planned=0,
    )


def run(*, quick: bool) -> dict[str, object]:
    results: dict[str, object] = {}
    with c.scratch() as tmp:
        for n in (1_000, 10_000):
            results[f"N={n:,}"] = asyncio.run(_measure(n, 5 if quick else 15, Path(tmp)))
    return results


if __name__ == "__main__":
    import json
    import sys

    print(json.dumps(run(quick="--quick" in sys.argv), indent=2))
