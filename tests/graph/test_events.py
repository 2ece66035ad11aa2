"""Event rounds: the category scope, tombstones of events that only left the window, dedicated calendars."""

from __future__ import annotations

import httpx
import pytest

from graphsync.connectors.outlook import ItemKind, OutlookItem, Removed, WriteAction, WriteOp
from graphsync.errors import ResyncNeededError
from graphsync.graph import GraphMailbox, GraphMailboxOptions
from graphsync.graph.events import Window
from tests.graph.conftest import NOW, MailboxFactory, json_of


def at(day: str, hour: int = 9) -> dict[str, str]:
    return {"dateTime": f"{day}T{hour:02}:00:00.0000000", "timeZone": "UTC"}


def meeting(key: str, day: str) -> WriteOp:
    body = {"subject": key, "start": at(day), "end": at(day, 10)}
    return WriteOp(key, WriteAction.CREATE, ItemKind.EVENT, key, body)


async def drain(mailbox: GraphMailbox, link: str | None) -> tuple[list[object], str]:
    rnd = mailbox.delta(ItemKind.EVENT, link)
    out: list[object] = []
    async for page in rnd.pages():
        out.extend(page)
    return out, rnd.delta_link


def test_window_is_whole_utc_days_around_now() -> None:
    window = Window.around(NOW, past_days=30, future_days=365)
    assert window.query() == "startDateTime=2026-05-16T00%3A00%3A00Z&endDateTime=2027-06-16T00%3A00%3A00Z"
    assert window.holds({"start": at("2026-06-01"), "end": at("2026-06-01", 10)}) is True
    assert window.holds({"start": at("2028-01-01"), "end": at("2028-01-01", 10)}) is False
    assert window.holds({"start": {"dateTime": "x"}, "end": at("2026-06-01")}) is None


async def test_tombstones_of_events_that_only_left_the_window_are_dropped(
    make_mailbox: MailboxFactory, outlook: httpx.AsyncClient
) -> None:
    """event-delta.md: an event moved out of the round's window is reported @removed, though it exists (the
    sandbox answers so); only the deleted one is a removal for graphsync."""
    mailbox = make_mailbox()
    results = await mailbox.write([meeting("TD1", "2026-06-20"), meeting("TD2", "2026-06-21")])
    first, link = await drain(mailbox, None)
    assert {e.id for e in first if isinstance(e, OutlookItem)} == {r.item.id for r in results if r.item}
    deleted, moved = (r.item.id for r in results if r.item)
    await mailbox.write([WriteOp("d", WriteAction.DELETE, ItemKind.EVENT, "TD1", item_id=deleted)])
    far = {"start": at("2028-01-01"), "end": at("2028-01-01", 10)}
    await json_of(await outlook.patch(f"/me/events/{moved}", json=far))  # the person moves it out of the window
    entries, _ = await drain(mailbox, link)
    assert entries == [Removed(ItemKind.EVENT, deleted, "deleted")]


async def test_dedicated_calendar_rounds_list_the_window(
    outlook: httpx.AsyncClient, make_mailbox: MailboxFactory
) -> None:
    options = GraphMailboxOptions(calendar="NAV meetings", page_size=5)
    mailbox = make_mailbox(options=options)
    containers = await mailbox.provision()
    assert containers.calendar_id is not None
    results = await mailbox.write([meeting(f"TD{n}", "2026-06-20") for n in range(7)])
    in_calendar = await json_of(await outlook.get(f"/me/calendars/{containers.calendar_id}/events?$top=50"))
    assert len(in_calendar["value"]) == 7
    assert (await json_of(await outlook.get("/me/calendar/events")))["value"] == []  # none in the primary one
    full, link = await drain(mailbox, None)
    assert len(full) == 7 and all(isinstance(e, OutlookItem) for e in full)
    ids = [r.item.id for r in results if r.item]
    await mailbox.write(
        [
            WriteOp("u", WriteAction.UPDATE, ItemKind.EVENT, "TD0", {"subject": "moved"}, item_id=ids[0]),
            WriteOp("d", WriteAction.DELETE, ItemKind.EVENT, "TD1", item_id=ids[1]),
        ]
    )
    changes, _ = await drain(mailbox, link)
    assert [e.id for e in changes if isinstance(e, OutlookItem)] == [ids[0]]
    assert [e for e in changes if isinstance(e, Removed)] == [Removed(ItemKind.EVENT, ids[1], "deleted")]


async def test_a_damaged_listing_link_needs_a_resync(make_mailbox: MailboxFactory) -> None:
    mailbox = make_mailbox(options=GraphMailboxOptions(calendar="NAV meetings"))
    with pytest.raises(ResyncNeededError):
        await drain(mailbox, "graphsync-listing:v1:not-base64!")
