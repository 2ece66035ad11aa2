"""Delta links the sandbox did not issue (another instance, a restart without the data file, an older data
file, a garbled token) answer 410 as Graph answers a sync state it no longer has (delta-query-overview.md,
"Token duration" and "Synchronization reset"; errors.md: syncStateNotFound), per delta resource, even when
the folder or list in the link's path is as foreign as the token; and graphsync's engine, handed such links,
runs a full round instead of failing and creates nothing twice."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Awaitable, Callable
from dataclasses import replace
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest

from graphsync.auth.sandbox import SandboxTokenSource
from graphsync.config.entities import default_entities
from graphsync.connectors.nav import NavTable
from graphsync.connectors.outlook import ItemKind
from graphsync.engine.binding import user_field_names
from graphsync.engine.read import delta_cursor
from graphsync.engine.report import RunReport, SyncOptions
from graphsync.engine.state import StateStore
from graphsync.engine.sync import run_sync
from graphsync.graph import GraphMailbox, GraphMailboxOptions
from graphsync.graph.events import CalendarViewLink
from graphsync.nav.embedded import EmbeddedNav
from graphsync.sandbox import SandboxState, create_app
from tests.sandbox.conftest import USER, client_for, created, delta_round, graph_error

PAGE1 = {"Prefer": "odata.maxpagesize=1"}
WINDOW = {"startDateTime": "2020-01-01T00:00:00Z", "endDateTime": "2040-01-01T00:00:00Z"}
Start = Callable[[httpx.AsyncClient], Awaitable[str]]


async def contacts_start(client: httpx.AsyncClient) -> str:
    folder = (await created(client, "/me/contactFolders", {"displayName": "NAV"}))["id"]
    for n in range(2):
        await created(client, f"/me/contactFolders/{folder}/contacts", {"givenName": f"P{n}"})
    return f"/me/contactFolders/{folder}/contacts/delta"


async def events_start(client: httpx.AsyncClient) -> str:
    for n in range(2):
        body = {
            "subject": f"E{n}",
            "start": {"dateTime": f"2030-01-0{n + 1}T10:00:00", "timeZone": "UTC"},
            "end": {"dateTime": f"2030-01-0{n + 1}T11:00:00", "timeZone": "UTC"},
        }
        await created(client, "/me/events", body)
    return f"/me/calendarView/delta?{urlencode(WINDOW)}"


async def tasks_start(client: httpx.AsyncClient) -> str:
    todo_list = (await client.get("/me/todo/lists")).json()["value"][0]["id"]
    for n in range(2):
        await created(client, f"/me/todo/lists/{todo_list}/tasks", {"title": f"T{n}"})
    return f"/me/todo/lists/{todo_list}/tasks/delta"


RESOURCES = pytest.mark.parametrize(
    "start", [contacts_start, events_start, tasks_start], ids=["contacts", "calendarView", "tasks"]
)


async def links_of(client: httpx.AsyncClient, start: Start) -> tuple[str, str]:
    """A nextLink (mid-round) and a deltaLink (end of round) of one resource."""
    url = await start(client)
    next_link = (await client.get(url, headers=PAGE1)).json()["@odata.nextLink"]
    _, delta_link, _ = await delta_round(client, url)
    return next_link, delta_link


def with_token(link: str, name: str, value: str) -> str:
    """``link`` with only the given token in its query (for the same sandbox or another one)."""
    parts = urlsplit(link)
    origin = f"{parts.scheme}://{parts.netloc}" if parts.netloc else ""
    return f"{origin}{parts.path}?{urlencode({name: value})}"


@RESOURCES
async def test_links_of_another_instance_answer_410_sync_state_not_found(start: Start) -> None:
    async with (
        client_for(SandboxState.seeded(USER), f"sandbox:{USER}") as other,
        client_for(SandboxState.seeded(USER), f"sandbox:{USER}") as here,
    ):
        foreign = await links_of(other, start)
        own_start = await start(here)
        for link in foreign:
            # The path's folder or list id is foreign too: still 410, not 404 ErrorItemNotFound.
            graph_error(await here.get(link), 410, "syncStateNotFound")
            # The same foreign token on a folder or list this sandbox does know.
            query = parse_qs(urlsplit(link).query)
            name, value = next((k, v[0]) for k, v in query.items() if k in ("$skiptoken", "$deltatoken"))
            graph_error(await here.get(with_token(own_start, name, value)), 410, "syncStateNotFound")
        # A fresh round still works.
        entries, _, _ = await delta_round(here, own_start)
        assert len(entries) == 2


@RESOURCES
async def test_garbled_tokens_answer_410_sync_state_invalid(start: Start) -> None:
    async with (
        client_for(SandboxState.seeded(USER), f"sandbox:{USER}") as other,
        client_for(SandboxState.seeded(USER), f"sandbox:{USER}") as here,
    ):
        foreign_next, _ = await links_of(other, start)
        own_next, own_delta = await links_of(here, start)
        for link, name in ((own_next, "$skiptoken"), (own_delta, "$deltatoken"), (foreign_next, "$skiptoken")):
            for garbage in ("%%%", "bm90IGEgdG9rZW4", "x" * 40):
                graph_error(await here.get(with_token(link, name, garbage)), 410, "syncStateInvalid")


async def test_an_empty_deltatoken_is_a_first_request(me: httpx.AsyncClient) -> None:
    # The Location header of Graph's 410 "synchronization reset" is the initial query with an empty
    # $deltaToken (delta-query-overview.md): following it must start a full round.
    for start in (contacts_start, events_start):
        url = await start(me)
        sep = "&" if "?" in url else "?"
        entries, _, _ = await delta_round(me, f"{url}{sep}$deltatoken=")
        assert len(entries) == 2


async def test_a_link_of_a_restart_without_the_data_file_answers_410(tmp_path: Path) -> None:
    state = SandboxState.open(tmp_path / "sandbox.db")
    state.seed_user(USER)
    async with client_for(state, f"sandbox:{USER}") as client:
        _, link = await links_of(client, contacts_start)
    state.close()
    async with client_for(SandboxState.seeded(USER), f"sandbox:{USER}") as client:
        graph_error(await client.get(link), 410, "syncStateNotFound")


async def test_a_link_newer_than_a_restored_data_file_answers_410(tmp_path: Path) -> None:
    data, backup = tmp_path / "sandbox.db", tmp_path / "backup.db"
    state = SandboxState.open(data)
    state.seed_user(USER)
    async with client_for(state, f"sandbox:{USER}") as client:
        url = await contacts_start(client)
        _, old_link, _ = await delta_round(client, url)
        state.close()
        shutil.copy(data, backup)
    state = SandboxState.open(data)
    async with client_for(state, f"sandbox:{USER}") as client:
        await created(client, url.removesuffix("/delta"), {"givenName": "after the backup"})
        _, new_link, _ = await delta_round(client, url)
    state.close()
    shutil.copy(backup, data)
    state = SandboxState.open(data)
    async with client_for(state, f"sandbox:{USER}") as client:
        # Same generation, but past the restored file's last change: following it would skip changes.
        graph_error(await client.get(new_link), 410, "syncStateNotFound")
        assert (await client.get(old_link)).status_code == 200
    state.close()


async def test_an_own_link_to_a_deleted_folder_still_answers_404(me: httpx.AsyncClient) -> None:
    url = await contacts_start(me)
    _, link, _ = await delta_round(me, url)
    assert (await me.delete(url.removesuffix("/contacts/delta"))).status_code == 204
    graph_error(await me.get(link), 404, "ErrorItemNotFound")


# --------------------------------------------------------------------------- graphsync's engine


def _count(state: SandboxState, kind: str) -> int:
    mailbox = state.mailbox(USER)
    return sum(1 for coll in mailbox.collections.values() for item in coll.items.values() if item.kind == kind)


async def test_engine_run_with_foreign_delta_links_does_a_full_round_without_duplicates(tmp_path: Path) -> None:
    state = SandboxState.seeded(USER)
    seen: list[tuple[str, int]] = []

    async def record(response: httpx.Response) -> None:
        seen.append((str(response.request.url), response.status_code))

    company = EmbeddedNav.create(tmp_path / "nav.sqlite", demo=True)
    store = StateStore(tmp_path / "state.sqlite")
    entities = default_entities()
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=create_app(state)),
        base_url="http://sandbox/v1.0",
        event_hooks={"response": [record]},
    ) as client:
        box = GraphMailbox(
            upn=None,
            client=client,
            tokens=SandboxTokenSource(USER),
            options=GraphMailboxOptions(user_fields=user_field_names(entities, company)),
        )

        async def sync() -> RunReport:
            options = SyncOptions(salesperson_code="EH")
            return await run_sync(nav=company, mailbox=box, store=store, entities=entities, options=options)

        try:
            assert (await sync()).ok
            # Something of every kind was synced, so every kind's link is exercised below.
            contact_key = company.insert(
                NavTable.CONTACT, {"Type": "Company", "Name": "Foreign Link Ltd.", "Salesperson Code": "EH"}
            ).key
            company.insert(
                NavTable.TODO,
                {
                    "Type": "Meeting",
                    "Contact No.": contact_key[0],
                    "Salesperson Code": "EH",
                    "Description": "after the foreign links",
                    "Date": dt.date.today() + dt.timedelta(days=1),
                    "Start Time": dt.time(9, 0),
                },
            )
            assert (await sync()).ok
            before = {kind: _count(state, kind) for kind in ("contact", "event", "todoTask")}
            assert before["contact"] > 0 and before["event"] > 0

            # The store now holds delta links another sandbox instance issued for the same user.
            async with client_for(SandboxState.seeded(USER), f"sandbox:{USER}") as other:
                foreign = {
                    ItemKind.CONTACT: (await links_of(other, contacts_start))[1],
                    ItemKind.EVENT: (await links_of(other, events_start))[1],
                    ItemKind.TASK: (await links_of(other, tasks_start))[1],
                }
            for kind, link in foreign.items():
                cursors = store.mailbox(box.mailbox).cursors
                kept = cursors.get(delta_cursor(kind))
                assert kept is not None
                if kind is ItemKind.EVENT:
                    # graphsync keeps a calendar link with its window (graphsync.graph.events.CalendarViewLink).
                    window = CalendarViewLink.decode(kept)
                    assert window is not None
                    link = replace(window, link=link).encode()
                cursors.set(delta_cursor(kind), link)
            company.modify(NavTable.CONTACT, contact_key, {"Phone No.": "555 0100"}, if_match="*")
            seen.clear()

            report = await sync()
            assert report.ok, report.errors
            assert {kind: _count(state, kind) for kind in before} == before
            # Each foreign link was answered 410 and followed by a full round (no token) of that resource.
            for link in foreign.values():
                answered = [status for url, status in seen if url == str(httpx.URL(link))]
                assert answered == [410], (link, answered)
            for marker in ("/contacts/delta", "/calendarView/delta", "/tasks/delta"):
                fresh = [u for u, s in seen if marker in u and "token=" not in u and s == 200]
                assert fresh, marker
            for kind in foreign:
                stored = store.mailbox(box.mailbox).cursors.get(delta_cursor(kind))
                assert stored is not None and stored not in foreign.values()
                if kind is ItemKind.EVENT:
                    unwrapped = CalendarViewLink.decode(stored)
                    assert unwrapped is not None and unwrapped.link != foreign[kind]
            found = await box.find_by_nav_key(ItemKind.CONTACT, f"5050:{contact_key[0]}")
            assert found is not None and found.data["businessPhones"] == ["555 0100"]
            # The next run follows the new links: no 410 any more.
            seen.clear()
            assert (await sync()).ok
            assert all(status != 410 for _, status in seen)
        finally:
            store.close()
            company.close()
