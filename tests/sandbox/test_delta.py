"""Delta rounds as concepts/delta-query-overview.md and contact-delta.md, event-delta.md, todotask-delta.md,
todotasklist-delta.md, contactfolder-delta.md describe them."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import httpx

from graphsync.sandbox import Faults, SandboxState
from tests.sandbox.conftest import USER, created, delta_round, graph_error

PAGE2 = {"Prefer": "odata.maxpagesize=2"}


async def contacts_folder(me: httpx.AsyncClient) -> str:
    return str((await created(me, "/me/contactFolders", {"displayName": "NAV"}))["id"])


async def test_first_round_pages_with_skiptoken_then_ends_with_deltatoken(me: httpx.AsyncClient) -> None:
    folder = await contacts_folder(me)
    ids = [(await created(me, f"/me/contactFolders/{folder}/contacts", {"givenName": f"P{n}"}))["id"] for n in range(5)]
    first = await me.get(f"/me/contactFolders/{folder}/contacts/delta", headers=PAGE2)
    body = first.json()
    assert len(body["value"]) == 2
    next_link = body["@odata.nextLink"]
    assert "$skiptoken=" in next_link and next_link.startswith("http://sandbox/v1.0/me/contactFolders/")
    entries, delta_link, pages = await delta_round(me, f"/me/contactFolders/{folder}/contacts/delta", headers=PAGE2)
    assert pages == 3
    assert sorted(e["id"] for e in entries) == sorted(ids)
    assert "$deltatoken=" in delta_link
    assert set(parse_qs(urlsplit(delta_link).query)) == {"$deltatoken"}


async def test_select_is_kept_in_the_tokens(me: httpx.AsyncClient) -> None:
    folder = await contacts_folder(me)
    for n in range(3):
        await created(me, f"/me/contactFolders/{folder}/contacts", {"givenName": f"P{n}", "surname": "S"})
    url = f"/me/contactFolders/{folder}/contacts/delta"
    entries, _, _ = await delta_round(me, url, params={"$select": "givenName"}, headers=PAGE2)
    assert all(set(e) == {"@odata.etag", "id", "givenName"} for e in entries)


async def test_next_round_has_changes_once_and_deletions_as_removed(me: httpx.AsyncClient) -> None:
    folder = await contacts_folder(me)
    base = f"/me/contactFolders/{folder}/contacts"
    keep, change, drop = [(await created(me, base, {"givenName": n}))["id"] for n in ("keep", "change", "drop")]
    _, link, _ = await delta_round(me, f"{base}/delta")

    for title in ("CEO", "CFO", "CTO"):
        await me.patch(f"{base}/{change}", json={"jobTitle": title})
    await me.delete(f"{base}/{drop}")
    added = (await created(me, base, {"givenName": "new"}))["id"]

    entries, link2, _ = await delta_round(me, link)
    by_id = {e["id"]: e for e in entries}
    assert len(entries) == len(by_id) == 3
    assert keep not in by_id
    assert by_id[change]["jobTitle"] == "CTO"
    assert by_id[drop] == {"id": drop, "@removed": {"reason": "deleted"}}
    assert by_id[added]["givenName"] == "new"

    # Nothing happened since: an empty round.
    assert (await delta_round(me, link2))[0] == []


async def test_a_used_delta_link_can_be_replayed(me: httpx.AsyncClient) -> None:
    folder = await contacts_folder(me)
    base = f"/me/contactFolders/{folder}/contacts"
    _, link, _ = await delta_round(me, f"{base}/delta")
    made = (await created(me, base, {"givenName": "x"}))["id"]
    once, _, _ = await delta_round(me, link)
    again, _, _ = await delta_round(me, link)
    assert [e["id"] for e in once] == [e["id"] for e in again] == [made]


async def test_changes_during_a_round_arrive_in_the_next(me: httpx.AsyncClient) -> None:
    folder = await contacts_folder(me)
    base = f"/me/contactFolders/{folder}/contacts"
    ids = [(await created(me, base, {"givenName": f"P{n}"}))["id"] for n in range(4)]
    page = (await me.get(f"{base}/delta", headers=PAGE2)).json()
    await me.patch(f"{base}/{ids[3]}", json={"jobTitle": "late"})
    rest, link, _ = await delta_round(me, page["@odata.nextLink"], headers=PAGE2)
    seen = [e["id"] for e in page["value"] + rest]
    assert len(seen) == len(set(seen))
    following, _, _ = await delta_round(me, link)
    assert [e["jobTitle"] for e in following] == ["late"]


async def test_invalidated_tokens_answer_410_and_a_fresh_round_works(
    me: httpx.AsyncClient, state: SandboxState
) -> None:
    folder = await contacts_folder(me)
    base = f"/me/contactFolders/{folder}/contacts"
    for n in range(3):
        await created(me, base, {"givenName": f"P{n}"})
    _, link, _ = await delta_round(me, f"{base}/delta")
    half = (await me.get(f"{base}/delta", headers=PAGE2)).json()["@odata.nextLink"]
    state.invalidate_delta_tokens(USER)
    graph_error(await me.get(link), 410, "syncStateNotFound")
    graph_error(await me.get(half), 410, "syncStateNotFound")
    entries, _, _ = await delta_round(me, f"{base}/delta")
    assert len(entries) == 3


async def test_garbage_or_foreign_tokens_answer_410(me: httpx.AsyncClient) -> None:
    first, second = (
        await contacts_folder(me),
        str((await created(me, "/me/contactFolders", {"displayName": "2"}))["id"]),
    )
    _, link, _ = await delta_round(me, f"/me/contactFolders/{first}/contacts/delta")
    token = parse_qs(urlsplit(link).query)["$deltatoken"][0]
    graph_error(
        await me.get(f"/me/contactFolders/{second}/contacts/delta?$deltatoken={token}"), 410, "syncStateInvalid"
    )
    graph_error(await me.get(f"/me/contactFolders/{first}/contacts/delta?$deltatoken=%%%"), 410, "syncStateInvalid")


async def test_contact_folder_delta(me: httpx.AsyncClient) -> None:
    made = await created(me, "/me/contactFolders", {"displayName": "NAV"})
    entries, link, _ = await delta_round(me, "/me/contactFolders/delta")
    assert [e["displayName"] for e in entries] == ["NAV"]
    await me.delete(f"/me/contactFolders/{made['id']}")
    entries, _, _ = await delta_round(me, link)
    assert entries == [{"id": made["id"], "@removed": {"reason": "deleted"}}]


async def test_sdk_style_delta_function_url_and_double_slash(me: httpx.AsyncClient) -> None:
    folder = await contacts_folder(me)
    response = await me.get(f"http://sandbox/v1.0//me/contactFolders/{folder}/contacts/delta()")
    assert response.status_code == 200 and "@odata.deltaLink" in response.json()


async def test_todo_list_and_task_delta(me: httpx.AsyncClient) -> None:
    todo = await created(me, "/me/todo/lists", {"displayName": "NAV"})
    entries, lists_link, _ = await delta_round(me, "/me/todo/lists/delta")
    assert {e["displayName"] for e in entries} == {"Tasks", "NAV"}
    tasks = f"/me/todo/lists/{todo['id']}/tasks"
    task = await created(me, tasks, {"title": "Call"})
    entries, link, _ = await delta_round(me, f"{tasks}/delta")
    assert [e["id"] for e in entries] == [task["id"]]
    await me.patch(f"{tasks}/{task['id']}", json={"status": "completed"})
    entries, link, _ = await delta_round(me, link)
    assert entries[0]["status"] == "completed" and entries[0]["completedDateTime"]
    await me.delete(f"{tasks}/{task['id']}")
    entries, _, _ = await delta_round(me, link)
    assert entries == [{"id": task["id"], "@removed": {"reason": "deleted"}}]
    assert (await delta_round(me, lists_link))[0] == []


def event(subject: str, start: str, end: str) -> dict[str, object]:
    return {
        "subject": subject,
        "start": {"dateTime": start, "timeZone": "UTC"},
        "end": {"dateTime": end, "timeZone": "UTC"},
    }


async def test_calendar_view_delta_window_and_events_that_leave_it(me: httpx.AsyncClient) -> None:
    inside = await created(me, "/me/events", event("in", "2024-03-10T09:00:00", "2024-03-10T10:00:00"))
    leaving = await created(me, "/me/events", event("leaving", "2024-03-11T09:00:00", "2024-03-11T10:00:00"))
    outside = await created(me, "/me/events", event("out", "2024-05-01T09:00:00", "2024-05-01T10:00:00"))
    straddling = await created(me, "/me/events", event("edge", "2024-02-29T23:00:00", "2024-03-01T01:00:00"))
    window = {"startdatetime": "2024-03-01T00:00:00Z", "enddatetime": "2024-04-01T00:00:00Z"}
    entries, link, _ = await delta_round(me, "/me/calendarView/delta", params=window, headers=PAGE2)
    assert {e["id"] for e in entries} == {inside["id"], leaving["id"], straddling["id"]}
    assert outside["id"] not in {e["id"] for e in entries}
    assert "startdatetime" not in link.lower()  # the window lives in the token

    moved = event("leaving", "2024-06-01T09:00:00", "2024-06-01T10:00:00")
    assert (await me.patch(f"/me/events/{leaving['id']}", json=moved)).status_code == 200
    await me.delete(f"/me/events/{inside['id']}")
    entries, _, _ = await delta_round(me, link)
    assert all(e["@odata.type"] == "#microsoft.graph.event" for e in entries)
    assert {e["id"]: e.get("@removed") for e in entries} == {
        leaving["id"]: {"reason": "deleted"},
        inside["id"]: {"reason": "deleted"},
    }


async def test_calendar_view_delta_needs_a_window_and_refuses_select(me: httpx.AsyncClient) -> None:
    graph_error(await me.get("/me/calendarView/delta"), 400, "ErrorInvalidParameter")
    window = {"startDateTime": "2024-03-01T00:00:00Z", "endDateTime": "2024-04-01T00:00:00Z", "$select": "subject"}
    graph_error(await me.get("/me/calendarView/delta", params=window), 400, "ErrorInvalidUrlQuery")


async def test_an_event_moved_to_another_calendar_leaves_the_calendar_view_delta(
    me: httpx.AsyncClient, state: SandboxState
) -> None:
    made = await created(me, "/me/events", event("moving", "2024-03-10T09:00:00", "2024-03-10T10:00:00"))
    other = await created(me, "/me/calendars", {"name": "Elsewhere"})
    window = {"startDateTime": "2024-03-01T00:00:00Z", "endDateTime": "2024-04-01T00:00:00Z"}
    prefer = {"Prefer": 'IdType="ImmutableId"'}
    entries, link, _ = await delta_round(me, "/me/calendarView/delta", params=window, headers=prefer)
    immutable = entries[0]["id"]
    moved = state.move_item(USER, made["id"], other["id"])
    assert moved.key == immutable
    entries, _, _ = await delta_round(me, link, headers=prefer)
    assert entries == [{"@odata.type": "#microsoft.graph.event", "id": immutable, "@removed": {"reason": "deleted"}}]
    assert (await me.get(f"/me/calendars/{other['id']}/events/{immutable}")).status_code == 200


async def test_delta_quirks_still_deliver_every_change(me: httpx.AsyncClient, state: SandboxState) -> None:
    state.set_faults(Faults(delta_quirks=True))
    folder = await contacts_folder(me)
    base = f"/me/contactFolders/{folder}/contacts"
    ids = [(await created(me, base, {"givenName": f"P{n}"}))["id"] for n in range(5)]
    first = (await me.get(f"{base}/delta", headers=PAGE2)).json()
    assert first["value"] == [] and "@odata.nextLink" in first
    entries, link, _ = await delta_round(me, f"{base}/delta", headers=PAGE2)
    seen = [e["id"] for e in entries]
    assert set(seen) == set(ids) and len(seen) > len(ids)  # complete, with repeats
    await me.patch(f"{base}/{ids[0]}", json={"jobTitle": "x"})
    entries, _, _ = await delta_round(me, link, headers=PAGE2)
    assert [e["id"] for e in entries] == [ids[0]]


async def test_calendar_view_delta_as_documented(me: httpx.AsyncClient) -> None:
    # delta-query-events.md: lower-case parameter names, two events a page, each typed.
    for day in (10, 10, 10, 11, 12):
        await created(me, "/me/events", event(f"d{day}", f"2016-12-{day}T20:30:00", f"2016-12-{day}T22:00:00"))
    url = "/me/calendarView/delta?startdatetime=2016-12-01T00:00:00Z&enddatetime=2016-12-30T00:00:00Z"
    entries, link, pages = await delta_round(me, url, headers=PAGE2)
    assert pages == 3 and len(entries) == 5
    assert all(e["@odata.type"] == "#microsoft.graph.event" for e in entries)
    assert entries[0]["start"]["timeZone"] == "UTC" and entries[0]["organizer"]["emailAddress"]["address"] == USER
    assert link.startswith("http://sandbox/v1.0/me/calendarView/delta?$deltatoken=")
