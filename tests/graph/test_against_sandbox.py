"""GraphMailbox against the sandbox, in-process: behaviour as Graph documents it, throttling and lost answers."""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from collections.abc import AsyncIterator

import httpx
import pytest

from graphsync.auth.sandbox import SandboxTokenSource
from graphsync.connectors.outlook import ItemKind, OutlookItem, Removed, WriteAction, WriteOp
from graphsync.errors import ResyncNeededError
from graphsync.graph import BatchConcurrency, GraphMailbox, GraphMailboxOptions, RetryPolicy
from graphsync.sandbox import DropWhen, Faults, Limits, SandboxState, create_app
from tests.graph.conftest import Sleeps

USER = "eh@contoso.com"


@pytest.fixture
def state() -> SandboxState:
    return SandboxState.seeded(USER)


@pytest.fixture
async def client(state: SandboxState) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=create_app(state)), base_url="http://sandbox/v1.0"
    ) as c:
        yield c


def mailbox(client: httpx.AsyncClient, sleeps: Sleeps, *, app_only: bool = False, **options: object) -> GraphMailbox:
    opts = {"page_size": 7, "user_fields": ("Territory Code",), **options}
    return GraphMailbox(
        upn=USER if app_only else None,
        client=client,
        tokens=SandboxTokenSource(None if app_only else USER),
        options=GraphMailboxOptions(**opts),  # type: ignore[arg-type]
        sleep=sleeps,
        rng=random.Random(5),
    )


def meeting(key: str) -> WriteOp:
    when = {
        "start": {"dateTime": "2026-12-01T10:00:00", "timeZone": "UTC"},
        "end": {"dateTime": "2026-12-01T11:00:00", "timeZone": "UTC"},
    }
    return WriteOp(key, WriteAction.CREATE, ItemKind.EVENT, key, {"subject": key, **when})


def ops_for(kind: ItemKind, count: int) -> list[WriteOp]:
    if kind is ItemKind.EVENT:
        return [meeting(f"TD{n:04}") for n in range(count)]
    body = {"displayName": "x"} if kind is ItemKind.CONTACT else {"title": "x"}
    return [
        WriteOp(f"K{n}", WriteAction.CREATE, kind, f"K{n:04}", body, user_fields={"Territory Code": "LND"})
        for n in range(count)
    ]


async def everything(box: GraphMailbox, kind: ItemKind) -> list[OutlookItem]:
    items: dict[str, OutlookItem] = {}
    async for page in box.delta(kind, None).pages():
        for entry in page:
            if isinstance(entry, OutlookItem):
                items[entry.id] = entry
    return list(items.values())


@pytest.mark.parametrize("app_only", [False, True])
async def test_round_trip_for_every_kind(client: httpx.AsyncClient, sleeps: Sleeps, app_only: bool) -> None:
    box = mailbox(client, sleeps, app_only=app_only)
    for kind in ItemKind:
        results = await box.write(ops_for(kind, 9))
        assert all(r.ok for r in results), [r.error for r in results if not r.ok]
        ids = [r.item.id for r in results if r.item]
        got = await box.get_many(kind, ids, user_fields=["Territory Code"])
        assert [g.nav_key for g in got if g] == [op.nav_key for op in ops_for(kind, 9)]
        found = await box.find_by_nav_key(kind, ops_for(kind, 9)[4].nav_key, user_fields=["Territory Code"])
        assert found is not None and found.id == ids[4]
        assert len(await everything(box, kind)) == 9
    assert box.stats.throttled == 0


async def test_delta_reports_changes_and_deletions_then_a_dead_link(
    client: httpx.AsyncClient, state: SandboxState, sleeps: Sleeps
) -> None:
    box = mailbox(client, sleeps)
    results = await box.write(ops_for(ItemKind.CONTACT, 10))
    rnd = box.delta(ItemKind.CONTACT, None)
    async for _ in rnd.pages():
        pass
    link = rnd.delta_link
    first, second = (r.item for r in results[:2])
    assert first is not None and second is not None
    await box.write(
        [
            WriteOp(
                "u",
                WriteAction.UPDATE,
                ItemKind.CONTACT,
                "K0000",
                {"displayName": "renamed"},
                item_id=first.id,
                if_match=first.version,
            ),
            WriteOp("d", WriteAction.DELETE, ItemKind.CONTACT, "K0001", item_id=second.id),
        ]
    )
    changes = [e async for page in box.delta(ItemKind.CONTACT, link).pages() for e in page]
    assert {type(e).__name__: e.id for e in changes} == {"OutlookItem": first.id, "Removed": second.id}
    state.invalidate_delta_tokens(USER)
    with pytest.raises(ResyncNeededError):
        async for _ in box.delta(ItemKind.CONTACT, link).pages():
            pass


async def test_untagged_meetings_are_out_of_scope(client: httpx.AsyncClient, sleeps: Sleeps) -> None:
    box = mailbox(client, sleeps)
    [ours] = await box.write([meeting("TD1")])
    other = await client.post(
        "/me/events",
        headers={"Authorization": f"Bearer sandbox:{USER}", "Prefer": 'IdType="ImmutableId"'},
        json={"subject": "dentist", "start": meeting("x").body["start"], "end": meeting("x").body["end"]},
    )
    assert other.status_code == 201
    entries = [e async for page in box.delta(ItemKind.EVENT, None).pages() for e in page]
    assert ours.item is not None
    assert Removed(ItemKind.EVENT, other.json()["id"], "changed") in entries
    assert any(isinstance(e, OutlookItem) and e.id == ours.item.id for e in entries)


@pytest.mark.parametrize("kind", list(ItemKind))
async def test_throttled_and_dropped_requests_never_duplicate(
    client: httpx.AsyncClient, state: SandboxState, sleeps: Sleeps, kind: ItemKind
) -> None:
    box = mailbox(client, sleeps, retry=RetryPolicy(max_attempts=12))
    await box.provision()
    state.set_limits(Limits(concurrent=4))
    state.set_faults(
        Faults(error_rate=0.2, drop_rate=0.2, drop_when=DropWhen.AFTER_HANDLING, seed=11, retry_after=0.01)
    )
    results = await box.write(ops_for(kind, 60))
    state.set_faults(Faults())
    assert all(r.ok for r in results), [r.error for r in results if not r.ok]
    keys = Counter(
        i.nav_key for i in await box.get_many(kind, [r.item.id for r in results if r.item], user_fields=[]) if i
    )
    assert len(keys) == 60 and set(keys.values()) == {1}
    stored = await everything(box, kind)
    assert len(stored) == 60  # not one duplicate, although answers were lost after the work was done
    assert box.stats.retries > 0


async def test_a_meeting_moved_out_of_the_window_is_not_reported_deleted(
    client: httpx.AsyncClient, sleeps: Sleeps
) -> None:
    box = mailbox(client, sleeps)
    [moved, deleted] = await box.write([meeting("TD1"), meeting("TD2")])
    assert moved.item is not None and deleted.item is not None
    rnd = box.delta(ItemKind.EVENT, None)
    async for _ in rnd.pages():
        pass
    far = {
        "start": {"dateTime": "2031-01-01T10:00:00", "timeZone": "UTC"},
        "end": {"dateTime": "2031-01-01T11:00:00", "timeZone": "UTC"},
    }
    results = await box.write(
        [
            WriteOp("m", WriteAction.UPDATE, ItemKind.EVENT, "TD1", far, item_id=moved.item.id),
            WriteOp("d", WriteAction.DELETE, ItemKind.EVENT, "TD2", item_id=deleted.item.id),
        ]
    )
    assert all(r.ok for r in results)
    changes = [e async for page in box.delta(ItemKind.EVENT, rnd.delta_link).pages() for e in page]
    assert changes == [Removed(ItemKind.EVENT, deleted.item.id, "deleted")]


async def test_many_mailboxes_share_one_client_in_parallel(client: httpx.AsyncClient, state: SandboxState) -> None:
    users = [f"user{n}@contoso.com" for n in range(3)]
    for user in users:
        state.seed_user(user)
    boxes = [
        GraphMailbox(upn=u, client=client, tokens=SandboxTokenSource(None), options=GraphMailboxOptions())
        for u in users
    ]
    ops = ops_for(ItemKind.CONTACT, 45)
    results = await asyncio.gather(*(box.write(ops) for box in boxes))
    assert all(r.ok for per_box in results for r in per_box)
    for user, box in zip(users, boxes, strict=True):
        assert len(await everything(box, ItemKind.CONTACT)) == 45
        # Each mailbox got exactly its own writes: 45 creates (batch items) plus its folder and its list.
        assert state.request_counts(user).get("POST") == 45 + 2


@pytest.mark.parametrize("batches", list(BatchConcurrency))
@pytest.mark.parametrize("kind", list(ItemKind))
async def test_batches_stay_within_the_mailboxs_four_concurrent_requests(
    client: httpx.AsyncClient, state: SandboxState, sleeps: Sleeps, kind: ItemKind, batches: BatchConcurrency
) -> None:
    """concepts/throttling-limits.md, "Outlook service limits for JSON batching": each batch item is an
    Outlook request, four of one batch run at once, and past four concurrent requests per app and mailbox
    Outlook answers 429. A load of many batches must never knock on a full mailbox, in either of the two
    ways the page allows."""
    box = mailbox(client, sleeps, batches=batches)
    await box.provision()
    state.set_limits(Limits(concurrent=4))
    state.set_faults(Faults(latency=0.005))
    results = await box.write(ops_for(kind, 100))
    assert all(r.ok for r in results), [r.error for r in results if not r.ok]
    ids = [r.item.id for r in results if r.item]
    assert len([i for i in await box.get_many(kind, ids) if i]) == 100
    assert box.stats.throttled == 0 and box.stats.retries == 0


async def test_a_failed_item_of_a_chained_batch_costs_only_itself(
    client: httpx.AsyncClient, state: SandboxState, sleeps: Sleeps
) -> None:
    """concepts/json-batching.md, "Sequencing requests with the dependsOn property": the items after a failed
    one in a dependsOn chain fail with 424 without running; the client sends them again, and only the failed
    item keeps its error."""
    box = mailbox(client, sleeps, batches=BatchConcurrency.CHAINED)
    created = await box.write(ops_for(ItemKind.CONTACT, 6))
    items = [r.item for r in created if r.item]
    ops = [
        WriteOp(str(n), WriteAction.UPDATE, ItemKind.CONTACT, f"K{n:04}", {"displayName": f"new {n}"}, item_id=i.id)
        for n, i in enumerate(items)
    ]
    ops[2] = WriteOp(
        "2",
        WriteAction.UPDATE,
        ItemKind.CONTACT,
        "K0002",
        {"displayName": "x"},
        item_id=items[2].id,
        if_match='W/"stale"',
    )
    state.reset_counters()
    results = await box.write(ops)
    assert [r.ok for r in results] == [True, True, False, True, True, True]
    assert results[2].error is not None and results[2].error.status == 412
    # Every update ran once: the three after the failed one never ran in the first batch (424), and went
    # in a second one.
    assert state.request_counts(USER)["PATCH"] == 6 and state.batch_requests == 2
    got = await box.get_many(ItemKind.CONTACT, [i.id for i in items])
    names = [g.data["displayName"] for g in got if g]
    assert names == ["new 0", "new 1", items[2].data["displayName"], "new 3", "new 4", "new 5"]
