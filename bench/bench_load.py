"""Initial load into one mailbox under Outlook's throttle model, graphsync against the way its peers do it.

The sandbox runs in its own process on a loopback port (real HTTP), with 20 ms added to every request and
Outlook's per-mailbox limits: 4 concurrent requests and a request window, scaled from Graph's 10,000 per
600 s to 600 per 10 s (--quick: 120 per 2 s) so that a run takes under a minute (see bench/README.md). The
throttle ceiling is the window's requests over its length, 60 writes per second. Each item of a $batch is an
Outlook request (concepts/throttling-limits.md, "Outlook service limits for JSON batching"): it counts one
against the window, takes the 20 ms itself while holding one of the mailbox's 4 concurrent slots, up to 4
items of a batch run at once (one at a time along dependsOn), and an item finding no slot is answered 429.

The same work, N contacts, N/10 meetings and N/10 tasks from the embedded NAV company, is done three ways,
each into a mailbox of its own (so each starts with an idle window):

- graphsync: a real engine run (`run_sync`) through `GraphMailbox`, its request budget set to the
  sandbox's window (as a config's ``[graph] request_budget`` / ``request_budget_seconds`` would be to
  Graph's), so that it waits for room in the window before sending instead of being answered 429;
- one request per item, in sequence, raw httpx (what a straightforward msgraph-sdk script does: the SDK's
  request builders send exactly these POSTs, and its RetryHandler waits out a 429's Retry-After likewise);
- sequential `$batch` of 20, one batch in flight at a time (Business Central's own contact sync), resending
  an item answered 429 after its Retry-After.

Printed: writes per second, as a ratio of the ceiling and of graphsync's rate, requests per item, the share
of Graph requests answered 429; the same with the window off (latency only, 20 ms and 200 ms, on a fifth of
the items), where the ceiling no longer hides how each one sends; and graphsync's two ways of keeping its
batches within the mailbox's 4 concurrent requests (`BatchConcurrency`) side by side, which is how the
default was chosen (docs/graph-client.md).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import _common as c
import httpx

from graphsync.connectors.nav import NavRecord, NavTable
from graphsync.engine.state import StateStore
from graphsync.graph import BatchConcurrency
from graphsync.graph.stamping import NAV_KEY_PROPERTY, property_id
from graphsync.nav.embedded import EmbeddedNav

LATENCY = 0.020
SLOW = 0.200
"""A slower network for one more comparison without the window: Graph takes far longer than 20 ms to
answer a $batch of 20 creates, and that is where sending four at a time shows."""
CONCURRENT = 4


@dataclass(frozen=True)
class Throttle:
    window_requests: int
    window_seconds: float

    @property
    def ceiling(self) -> float:
        """Writes per second the window allows in the long run."""
        return self.window_requests / self.window_seconds

    def fastest(self, requests: int) -> float:
        """The earliest second at which the last of ``requests`` can be let in, starting from an idle window:
        a whole window's worth at once, then a window's worth each window length. Against it a run is judged
        without the head start an idle window gives every client (which lets a run of few windows beat the
        long-run ceiling)."""
        return self.window_seconds * ((requests - 1) // self.window_requests)


@dataclass(frozen=True)
class Outcome:
    items: int
    seconds: float
    http_requests: int
    graph_requests: int
    """Requests as Graph's throttling counts them: each batch item one, throttled attempts included."""
    throttled: int

    @property
    def admitted(self) -> int:
        return self.graph_requests - self.throttled

    @property
    def rate(self) -> float:
        return self.items / self.seconds


# The scaled windows: 60 writes per second either way. The full run's 10 s windows keep Retry-After's
# rounding to whole seconds as small against the window as Graph's is against 600 s; --quick's 2 s windows
# give the same number of windows in a fifth of the time, and lose more to that rounding.
FULL = Throttle(window_requests=600, window_seconds=10.0)
QUICK = Throttle(window_requests=120, window_seconds=2.0)


async def _set_limits(base_url: str, throttle: Throttle | None, latency: float = LATENCY) -> None:
    async with c.control(base_url) as ctl:
        limits: dict[str, Any] = {"concurrent": CONCURRENT}
        if throttle is not None:
            limits |= {"windowRequests": throttle.window_requests, "windowSeconds": throttle.window_seconds}
        await c.put(ctl, "/limits", limits)
        await c.put(ctl, "/faults", {"latency": latency})


async def _graph_requests(base_url: str, user: str) -> int:
    return sum((await c.request_counts(base_url, user)).values())


async def _graphsync(
    nav: EmbeddedNav,
    base_url: str,
    user: str,
    store_path: Path,
    throttle: Throttle | None,
    batches: BatchConcurrency = BatchConcurrency.ONE_AT_A_TIME,
) -> Outcome:
    store = StateStore(store_path)
    # The budget is the sandbox's window, as Graph's is the default; with the window off, no budget either,
    # so that those runs measure latency only.
    budget = None if throttle is None else (throttle.window_requests, throttle.window_seconds)
    wired = await c.wire(nav, store, user, base_url=f"{base_url}/v1.0", request_budget=budget, batches=batches)
    try:
        started = time.perf_counter()
        report = await c.sync(wired)
        elapsed = time.perf_counter() - started
        stats = wired.box.stats
    finally:
        await wired.close()
    store.close()
    written = sum(v for k, v in report.counts.items() if k == "outlook_create")
    return Outcome(written, elapsed, stats.requests, await _graph_requests(base_url, user), stats.throttled)


# ---------------------------------------------------------------------- the peers


def _when(date: object, time_of_day: object) -> dict[str, str]:
    assert isinstance(date, dt.date)
    moment = dt.datetime.combine(date, time_of_day if isinstance(time_of_day, dt.time) else dt.time(0))
    return {"dateTime": moment.isoformat(), "timeZone": "UTC"}


def _contact(r: NavRecord) -> dict[str, Any]:
    f = r.fields
    body: dict[str, Any] = {
        "displayName": f["Name"],
        "companyName": f["Company Name"],
        "businessPhones": [f["Phone No."]] if f["Phone No."] else [],
        "emailAddresses": [{"address": f["E-Mail"]}] if f["E-Mail"] else [],
        "businessAddress": {"street": f["Address"], "city": f["City"], "postalCode": f["Post Code"]},
        "singleValueExtendedProperties": [
            {"id": property_id(NAV_KEY_PROPERTY), "value": f"5050:{r.key[0]}"},
            {"id": property_id("Salesperson Code"), "value": f["Salesperson Code"]},
        ],
    }
    if f["Type"] == "Person":
        body |= {"givenName": f["First Name"], "surname": f["Surname"], "jobTitle": f["Job Title"]}
    return body


def _event(r: NavRecord) -> dict[str, Any]:
    f = r.fields
    return {
        "subject": f["Description"],
        "start": _when(f["Date"], f["Start Time"]),
        "end": _when(f["Ending Date"], f["Ending Time"]),
        "categories": ["Dynamics NAV"],
        "importance": str(f["Priority"]).lower(),
        "singleValueExtendedProperties": [{"id": property_id(NAV_KEY_PROPERTY), "value": f"5080:{r.key[0]}"}],
    }


def _task(r: NavRecord) -> dict[str, Any]:
    f = r.fields
    return {
        "title": f["Description"],
        "startDateTime": _when(f["Date"], None),
        "dueDateTime": _when(f["Ending Date"], None),
        "importance": str(f["Priority"]).lower(),
        "linkedResources": [
            {"applicationName": "peer", "externalId": f"5080:{r.key[0]}", "displayName": f"NAV {r.key[0]}"}
        ],
    }


async def _peer_work(nav: EmbeddedNav, client: httpx.AsyncClient) -> list[tuple[str, dict[str, Any]]]:
    """What a peer script does before writing: make its folder and list, read NAV, build one POST per item."""
    folder = (await _created(client, "/me/contactFolders", {"displayName": "Dynamics NAV"}))["id"]
    todo = (await _created(client, "/me/todo/lists", {"displayName": "Dynamics NAV"}))["id"]
    work = [(f"/me/contactFolders/{folder}/contacts", _contact(r)) for r in nav.find(NavTable.CONTACT, {})]
    work += [("/me/events", _event(r)) for r in nav.find(NavTable.TODO, {"Type": "Meeting"})]
    work += [(f"/me/todo/lists/{todo}/tasks", _task(r)) for r in nav.find(NavTable.TODO, {"Type": ""})]
    return work


async def _created(client: httpx.AsyncClient, url: str, body: dict[str, Any]) -> dict[str, Any]:
    while True:
        response = await client.post(url, json=body)
        if response.status_code in (429, 503, 504):
            await asyncio.sleep(float(response.headers.get("Retry-After", "1")))
            continue
        response.raise_for_status()
        created: dict[str, Any] = response.json()
        return created


async def _one_by_one(client: httpx.AsyncClient, work: Sequence[tuple[str, dict[str, Any]]]) -> tuple[int, int]:
    requests = throttled = 0
    for url, body in work:
        while True:
            requests += 1
            response = await client.post(url, json=body)
            if response.status_code in (429, 503, 504):
                throttled += 1
                await asyncio.sleep(float(response.headers.get("Retry-After", "1")))
                continue
            response.raise_for_status()
            break
    return requests, throttled


async def _batches_of_20(client: httpx.AsyncClient, work: Sequence[tuple[str, dict[str, Any]]]) -> tuple[int, int]:
    requests = throttled = 0
    json_headers = {"Content-Type": "application/json"}
    for start in range(0, len(work), 20):
        pending = {str(n): work[n] for n in range(start, min(start + 20, len(work)))}
        while pending:
            batch = [
                {"id": rid, "method": "POST", "url": url, "headers": json_headers, "body": body}
                for rid, (url, body) in pending.items()
            ]
            requests += 1
            response = await client.post("/$batch", json={"requests": batch})
            response.raise_for_status()
            wait = 0.0
            for answer in response.json()["responses"]:
                if answer["status"] in (429, 503, 504):
                    throttled += 1
                    wait = max(wait, float(answer.get("headers", {}).get("Retry-After", "1")))
                elif answer["status"] < 300:
                    del pending[answer["id"]]
                else:
                    raise RuntimeError(f"the peer's create failed: {answer}")
            if pending:
                await asyncio.sleep(wait)
    return requests, throttled


async def _peer(nav: EmbeddedNav, base_url: str, user: str, batched: bool) -> Outcome:
    await c.seed_users(user, base_url=f"{base_url}/v1.0")
    headers = {"Authorization": f"Bearer sandbox:{user}"}
    async with httpx.AsyncClient(base_url=f"{base_url}/v1.0", headers=headers, timeout=120) as client:
        started = time.perf_counter()
        work = await _peer_work(nav, client)
        requests, throttled = await (_batches_of_20 if batched else _one_by_one)(client, work)
        elapsed = time.perf_counter() - started
    return Outcome(len(work), elapsed, requests + 2, await _graph_requests(base_url, user), throttled)


# ---------------------------------------------------------------------- the run


def _figures(outcome: Outcome, ours: Outcome, throttle: Throttle | None) -> dict[str, object]:
    out: dict[str, object] = {
        "items_written": outcome.items,
        "seconds": round(outcome.seconds, 2),
        "writes_per_second": round(outcome.rate, 1),
    }
    if throttle is not None:
        out["ratio_to_ceiling"] = round(outcome.rate / throttle.ceiling, 3)
        out["fastest_possible_seconds"] = throttle.fastest(outcome.admitted)
        out["ratio_to_fastest_possible"] = round(throttle.fastest(outcome.admitted) / outcome.seconds, 3)
    out |= {
        "ratio_to_graphsync": round(outcome.rate / ours.rate, 3),
        "http_requests_per_item": round(outcome.http_requests / outcome.items, 4),
        "graph_requests_per_item": round(outcome.graph_requests / outcome.items, 4),
        "throttled_answers": outcome.throttled,
        "share_of_graph_requests_throttled": round(outcome.throttled / outcome.graph_requests, 4),
    }
    return out


async def _measure(n: int, throttle: Throttle, tmp: Path, base_url: str, *, quick: bool) -> dict[str, object]:
    size = c.WorldSize.of(n)
    nav = c.nav_company(size, tmp / "nav.sqlite")
    # Without the window every run is latency-bound, and each batch item takes the latency: a fifth of the
    # items shows the same rates in a fifth of the time.
    small_size = c.WorldSize.of(n // 5)
    small = c.nav_company(small_size, tmp / "nav-small.sqlite")
    chained = BatchConcurrency.CHAINED
    try:
        await _set_limits(base_url, throttle)
        ours = await _graphsync(nav, base_url, "graphsync@contoso.com", tmp / "state.sqlite", throttle)
        # The chained way only in full runs (it is how the default was chosen), to keep --quick (CI) short.
        ours_chained = (
            None
            if quick
            else await _graphsync(
                nav, base_url, "graphsync-chained@contoso.com", tmp / "state-chained.sqlite", throttle, chained
            )
        )
        single = await _peer(nav, base_url, "one-by-one@contoso.com", batched=False)
        batch = await _peer(nav, base_url, "batch20@contoso.com", batched=True)
        await _set_limits(base_url, None)
        free_ours = await _graphsync(small, base_url, "graphsync-free@contoso.com", tmp / "state-free.sqlite", None)
        free_chained = (
            None
            if quick
            else await _graphsync(
                small, base_url, "graphsync-chained-free@contoso.com", tmp / "s-cf.sqlite", None, chained
            )
        )
        free_batch = await _peer(small, base_url, "batch20-free@contoso.com", batched=True)
        await _set_limits(base_url, None, SLOW)
        slow_ours = await _graphsync(small, base_url, "graphsync-slow@contoso.com", tmp / "state-slow.sqlite", None)
        slow_chained = (
            None
            if quick
            else await _graphsync(
                small, base_url, "graphsync-chained-slow@contoso.com", tmp / "s-cs.sqlite", None, chained
            )
        )
        slow_batch = await _peer(small, base_url, "batch20-slow@contoso.com", batched=True)
    finally:
        nav.close()
        small.close()
    return {
        "N": n,
        "items": size.items + 1,  # and the salesperson's own contact (CONT_SP), which graphsync syncs too
        "latency_ms": LATENCY * 1000,
        "window": f"{throttle.window_requests} requests per {throttle.window_seconds:g} s, {CONCURRENT} concurrent",
        "ceiling_writes_per_second": throttle.ceiling,
        "throttled": {
            "graphsync": _figures(ours, ours, throttle),
            "one_request_per_item": _figures(single, ours, throttle),
            "sequential_batch_of_20": _figures(batch, ours, throttle),
        },
        "window_off_latency_only": {
            "items": small_size.items + 1,
            "graphsync": _figures(free_ours, free_ours, None),
            "sequential_batch_of_20": _figures(free_batch, free_ours, None),
            "one_request_per_item": "as throttled: one at a time it never reaches the ceiling",
        },
        f"window_off_latency_{SLOW * 1000:g}_ms": {
            "items": small_size.items + 1,
            "graphsync": _figures(slow_ours, slow_ours, None),
            "sequential_batch_of_20": _figures(slow_batch, slow_ours, None),
        },
        "batch_concurrency": "full runs only"
        if ours_chained is None or free_chained is None or slow_chained is None
        else {
            "one_batch_at_a_time_throttled": _figures(ours, ours, throttle),
            "four_chained_batches_throttled": _figures(ours_chained, ours, throttle),
            f"one_batch_at_a_time_latency_{LATENCY * 1000:g}_ms": _figures(free_ours, free_ours, None),
            f"four_chained_batches_latency_{LATENCY * 1000:g}_ms": _figures(free_chained, free_ours, None),
            f"one_batch_at_a_time_latency_{SLOW * 1000:g}_ms": _figures(slow_ours, slow_ours, None),
            f"four_chained_batches_latency_{SLOW * 1000:g}_ms": _figures(slow_chained, slow_ours, None),
        },
    }


def run(*, quick: bool) -> dict[str, object]:
    with c.scratch() as tmp, c.sandbox_process() as base_url:
        figures: dict[str, object] = asyncio.run(
            _measure(500, QUICK, Path(tmp), base_url, quick=True)
            if quick
            else _measure(2_500, FULL, Path(tmp), base_url, quick=False)
        )
        return figures


if __name__ == "__main__":
    import json
    import sys

    print(json.dumps(run(quick="--quick" in sys.argv), indent=2))
