"""Graph answers with properties missing, extra, null or of the wrong type: a run ends with a report or a clear
graphsync error (never another exception), and a run after it, with Graph answering normally again, finds the
state intact: nothing duplicated, every item linked once, no item errors."""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graphsync.connectors.nav import NavTable
from graphsync.errors import GraphsyncError
from graphsync.sandbox import SandboxState
from tests.reliability.harness import InProcess, assert_no_duplicates, nav_key, serve_sandbox

FUZZ = settings(
    derandomize=True,
    database=None,
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
ODD_VALUES: list[Any] = [None, 7, -1.5, True, "", "\u202e\u200b", [], {}, [None], {"x": 1}, "2026-02-30T25:61:00"]


class Mutating(httpx.AsyncBaseTransport):
    """Passes requests to the sandbox and, when set up, changes Graph's JSON answers on the way back: in each
    item of a page, a batch answer or a single item, some properties go missing, get odd values or gain
    neighbours Graph never sent."""

    def __init__(self) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.rng: random.Random | None = None
        self.rate = 0.0
        self.changes = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        if self.rng is None or "json" not in response.headers.get("content-type", ""):
            return response
        data = json.loads(await response.aread())
        headers = {k: v for k, v in response.headers.items() if k.lower() not in ("content-length", "content-encoding")}
        return httpx.Response(
            response.status_code, headers=headers, content=json.dumps(self._walk(data)).encode(), request=request
        )

    def _walk(self, data: Any) -> Any:
        if isinstance(data, list):
            return [self._walk(x) for x in data]
        if not isinstance(data, dict):
            return data
        if "responses" in data:  # $batch: each answer's body
            return {**data, "responses": [{**r, "body": self._walk(r.get("body"))} for r in data["responses"]]}
        if "value" in data and isinstance(data["value"], list):
            return {**data, "value": [self._item(x) for x in data["value"]]}
        return self._item(data)

    def _item(self, item: Any) -> Any:
        rng = self.rng
        if rng is None or not isinstance(item, dict) or rng.random() >= self.rate:
            return item
        item = dict(item)
        keys = sorted(item)
        how = rng.choice(["drop", "odd", "extra"])
        self.changes += 1
        if how == "drop" and keys:
            del item[rng.choice(keys)]
        elif how == "odd" and keys:
            item[rng.choice(keys)] = rng.choice(ODD_VALUES)
        else:
            item[f"extra{rng.randint(0, 99)}"] = rng.choice(ODD_VALUES)
        return item


@dataclass
class Synced:
    world: InProcess
    transport: Mutating
    runner: asyncio.Runner


@pytest.fixture(scope="module")
def synced(tmp_path_factory: pytest.TempPathFactory, company: Path) -> Iterator[Synced]:
    state = SandboxState()
    transport = Mutating()
    with serve_sandbox(state) as (url, switch), asyncio.Runner() as runner:
        world = InProcess(tmp_path_factory.mktemp("graph"), company, url, state, switch, transport=transport)
        try:
            assert not runner.run(world.sync()).errors
            yield Synced(world, transport, runner)
        finally:
            runner.run(world.aclose())


def _linked_once(world: InProcess) -> None:
    with world.outlook() as outlook:
        keys = sorted(c["navKey"] or "" for c in outlook.contacts())
    with world.nav() as nav:
        records = [*nav.find(NavTable.CONTACT, {}), *nav.find(NavTable.SALESPERSON, {})]
    assert keys == sorted(nav_key(r) for r in records)


@FUZZ
@given(
    seed=st.integers(min_value=0, max_value=2**32), rate=st.floats(min_value=0.02, max_value=0.6), full=st.booleans()
)
def test_odd_graph_answers_give_a_report_or_a_clear_error_and_leave_state_intact(
    synced: Synced, seed: int, rate: float, full: bool
) -> None:
    world, transport = synced.world, synced.transport
    with world.outlook() as outlook:  # something for the incremental rounds to read
        contact = next(c for c in outlook.contacts() if (c["navKey"] or "").startswith("5050:"))
        outlook.call("PATCH", f"/me/contacts/{contact['id']}", {"jobTitle": f"Title {seed % 1000}"})
    transport.rng, transport.rate = random.Random(seed), rate
    try:
        synced.runner.run(world.sync(full=full))
    except GraphsyncError as exc:
        assert str(exc), exc  # a clear error: graphsync's own, with its facts
    finally:
        transport.rng = None
    # Graph answers normally again: the next runs repair whatever the odd answers left, and nothing is doubled.
    synced.runner.run(world.sync(full=True))
    report = synced.runner.run(world.sync())
    assert not report.errors, report.errors
    assert_no_duplicates(world)
    _linked_once(world)


class NullIds(Mutating):
    """Answers every item read by id (alone or in a batch) with ``"id": null``."""

    def _walk(self, data: Any) -> Any:
        if isinstance(data, dict) and "responses" in data:
            return {**data, "responses": [{**r, "body": self._walk(r.get("body"))} for r in data["responses"]]}
        if isinstance(data, dict) and "id" in data and "value" not in data and "@odata.etag" in data:
            return {**data, "id": None}
        return data


def test_an_item_read_without_a_usable_id_stops_the_run_and_deletes_nothing(tmp_path: Path, company: Path) -> None:
    state = SandboxState()
    transport = NullIds()
    with serve_sandbox(state) as (url, switch), asyncio.Runner() as runner:
        world = InProcess(tmp_path, company, url, state, switch, transport=transport)
        try:
            assert not runner.run(world.sync()).errors
            with world.outlook() as outlook:
                contact = next(c for c in outlook.contacts() if c["navKey"] == "5050:CT000003")
                outlook.call("PATCH", f"/me/contacts/{contact['id']}", {"jobTitle": "Owner"})
            transport.rng = random.Random(0)
            with pytest.raises(GraphsyncError) as raised:
                runner.run(world.sync())
            assert getattr(raised.value, "code", None) == "malformedItem", raised.value
            transport.rng = None
            assert not runner.run(world.sync()).errors
            assert not runner.run(world.sync()).errors
            assert world.nav_connector.get(NavTable.CONTACT, ("CT000003",)) is not None
            assert world.links()[contact["id"]] == "5050:CT000003"
            _linked_once(world)
        finally:
            runner.run(world.aclose())
