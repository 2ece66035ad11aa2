"""How fast the Graph sandbox answers in-process (httpx's ASGI transport), so that later benchmarks measure
graphsync rather than the sandbox. Figures are requests (or items) per second."""

from __future__ import annotations

import asyncio
import tempfile
import time
from pathlib import Path

import httpx

from graphsync.sandbox import SandboxState, create_app

USER = "bench@contoso.com"
JSON = {"Content-Type": "application/json"}


async def _measure(quick: bool) -> dict[str, object]:
    state = SandboxState.seeded(USER)
    transport = httpx.ASGITransport(app=create_app(state))
    headers = {"Authorization": f"Bearer sandbox:{USER}"}
    simple = 2_000 if quick else 20_000
    items = 2_000 if quick else 50_000
    async with httpx.AsyncClient(transport=transport, base_url="http://sandbox/v1.0", headers=headers) as me:
        folder = (await me.post("/me/contactFolders", json={"displayName": "bench"})).json()["id"]
        contacts = f"/me/contactFolders/{folder}/contacts"

        started = time.perf_counter()
        for n in range(simple):
            await me.post(contacts, json={"givenName": f"P{n}", "surname": "Bench", "businessPhones": ["+1 555"]})
        create_rps = simple / (time.perf_counter() - started)

        some_id = (await me.get(contacts, params={"$top": "1"})).json()["value"][0]["id"]
        started = time.perf_counter()
        for _ in range(simple):
            await me.get(f"/me/contacts/{some_id}")
        get_rps = simple / (time.perf_counter() - started)

        started = time.perf_counter()
        batches = items // 20
        for b in range(batches):
            requests = [
                {"id": str(i), "method": "POST", "url": contacts, "headers": JSON, "body": {"givenName": f"B{b}.{i}"}}
                for i in range(20)
            ]
            await me.post("/$batch", json={"requests": requests})
        batch_items_per_second = batches * 20 / (time.perf_counter() - started)

        started = time.perf_counter()
        url = f"{contacts}/delta"
        seen = 0
        while True:
            page = (await me.get(url, headers={"Prefer": "odata.maxpagesize=1000"})).json()
            seen += len(page["value"])
            if "@odata.deltaLink" in page:
                break
            url = page["@odata.nextLink"]
        delta_items_per_second = seen / (time.perf_counter() - started)

        events = simple // 2
        started = time.perf_counter()
        for n in range(events):
            day, hour = 1 + n % 28, n % 20
            when = {"dateTime": f"2024-03-{day:02d}T{hour:02d}:00:00", "timeZone": "UTC"}
            until = {"dateTime": f"2024-03-{day:02d}T{hour + 1:02d}:00:00", "timeZone": "UTC"}
            await me.post("/me/events", json={"subject": f"E{n}", "start": when, "end": until})
        event_rps = events / (time.perf_counter() - started)
        started = time.perf_counter()
        url = "/me/calendarView/delta?startDateTime=2024-03-01T00:00:00Z&endDateTime=2024-03-15T00:00:00Z"
        in_window = 0
        while True:
            page = (await me.get(url, headers={"Prefer": "odata.maxpagesize=500"})).json()
            in_window += len(page["value"])
            if "@odata.deltaLink" in page:
                break
            url = page["@odata.nextLink"]
        view_delta_events_per_second = in_window / (time.perf_counter() - started)

    return {
        "simple_get_requests_per_second": round(get_rps),
        "create_event_requests_per_second": round(event_rps),
        "calendar_view_delta_events_per_second": round(view_delta_events_per_second),
        "persisted_create_requests_per_second": round(await _persisted_creates(simple // 4)),
        "create_requests_per_second": round(create_rps),
        "batch_created_items_per_second": round(batch_items_per_second),
        "delta_items_per_second": round(delta_items_per_second),
        "delta_items": seen,
    }


async def _persisted_creates(count: int) -> float:
    """Creates per second with ``--data`` persistence (every change written through to SQLite)."""
    with tempfile.TemporaryDirectory() as folder:
        state = SandboxState.open(Path(folder) / "sandbox.sqlite")
        state.seed_user(USER)
        transport = httpx.ASGITransport(app=create_app(state))
        headers = {"Authorization": f"Bearer sandbox:{USER}"}
        async with httpx.AsyncClient(transport=transport, base_url="http://sandbox/v1.0", headers=headers) as me:
            started = time.perf_counter()
            for n in range(count):
                await me.post("/me/contacts", json={"givenName": f"P{n}", "surname": "Bench"})
            elapsed = time.perf_counter() - started
        state.close()
    return count / elapsed


def run(*, quick: bool) -> dict[str, object]:
    return asyncio.run(_measure(quick))
