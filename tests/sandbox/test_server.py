"""The sandbox on a real socket (uvicorn), its control endpoint, and persistence with --data."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from graphsync.errors import StateError
from graphsync.sandbox import SandboxState, serve
from tests.sandbox.conftest import NAV_KEY, USER, client_for, delta_round

TOKEN = {"Authorization": f"Bearer sandbox:{USER}"}


def test_serve_runs_on_a_free_loopback_port_and_stops() -> None:
    with serve(SandboxState.seeded(USER)) as base:
        assert base.startswith("http://127.0.0.1:")
        response = httpx.get(f"{base}/v1.0/me", headers=TOKEN)
        assert response.status_code == 200 and response.json()["userPrincipalName"] == USER
        assert "date" in response.headers
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{base}/v1.0/me", headers=TOKEN, timeout=2)


def test_dropped_connection_over_a_real_socket() -> None:
    with serve(SandboxState.seeded(USER)) as base, httpx.Client(base_url=f"{base}", headers=TOKEN) as client:
        client.put("/_sandbox/faults", json={"dropRate": 1.0})
        with pytest.raises(httpx.RemoteProtocolError):
            client.post("/v1.0/me/contacts", json={"givenName": "A"})
        client.put("/_sandbox/faults", json={})
        assert [c["givenName"] for c in client.get("/v1.0/me/contacts").json()["value"]] == ["A"]


def test_control_endpoint_configures_a_running_sandbox() -> None:
    state = SandboxState.seeded(USER)
    with serve(state) as base, httpx.Client(base_url=base) as control:
        seeded = control.post("/_sandbox/users", json={"userPrincipalName": "PM@contoso.com", "displayName": "P M"})
        assert seeded.status_code == 201 and seeded.json()["userPrincipalName"] == "pm@contoso.com"

        limits = control.put("/_sandbox/limits", json={"windowRequests": 2, "windowSeconds": 60})
        assert limits.json() == {"concurrent": None, "windowRequests": 2, "windowSeconds": 60.0}
        statuses = [control.get("/v1.0/me", headers=TOKEN).status_code for _ in range(3)]
        assert statuses == [200, 200, 429]
        assert control.put("/_sandbox/limits", json={"outlook": True}).json()["concurrent"] == 4
        control.put("/_sandbox/limits", json={})

        assert control.get(f"/_sandbox/users/{USER}/requests").json() == {"GET": 3}
        made = control.post(
            "/v1.0/me/events",
            headers=TOKEN,
            json={
                "subject": "Review",
                "start": {"dateTime": "2024-05-01T10:00:00", "timeZone": "UTC"},
                "end": {"dateTime": "2024-05-01T11:00:00", "timeZone": "UTC"},
                "attendees": [{"emailAddress": {"address": "dana@contoso.com"}}],
            },
        )
        assert made.status_code == 201
        meetings = control.get("/_sandbox/meetingRequests", params={"organizer": USER}).json()["value"]
        assert [(m["attendee"], m["reason"]) for m in meetings] == [("dana@contoso.com", "invitation")]
        assert meetings[0]["eventId"] and meetings[0]["subject"] == "Review" and meetings[0]["organizer"] == USER

        folder = control.post("/v1.0/me/contactFolders", headers=TOKEN, json={"displayName": "NAV"}).json()
        other = control.post("/v1.0/me/contactFolders", headers=TOKEN, json={"displayName": "Other"}).json()
        contact = control.post(f"/v1.0/me/contactFolders/{folder['id']}/contacts", headers=TOKEN, json={}).json()
        moved = control.post(
            f"/_sandbox/users/{USER}/move", json={"id": contact["id"], "destinationId": other["id"]}
        ).json()
        assert moved["id"] != contact["id"]
        assert control.get(f"/v1.0/me/contacts/{moved['immutableId']}", headers=TOKEN).json()["id"] == moved["id"]
        bad_move = control.post(f"/_sandbox/users/{USER}/move", json={"id": moved["id"], "destinationId": moved["id"]})
        assert bad_move.status_code == 400
        link = control.get(f"/v1.0/me/contactFolders/{folder['id']}/contacts/delta", headers=TOKEN).json()
        assert control.post(f"/_sandbox/users/{USER}/invalidateDeltaTokens").status_code == 204
        assert control.get(link["@odata.deltaLink"], headers=TOKEN).status_code == 410

        summary = control.get("/_sandbox/state").json()
        assert {u["userPrincipalName"] for u in summary["users"]} == {USER, "pm@contoso.com"}
        assert control.post("/_sandbox/resetCounters").status_code == 204
        assert state.request_counts(USER) == {}


def test_control_endpoint_refuses_bad_settings() -> None:
    with serve() as base, httpx.Client(base_url=base) as control:
        for path, body in (
            ("/_sandbox/faults", {"errorRate": 2}),
            ("/_sandbox/faults", {"errorStatuses": [500]}),
            ("/_sandbox/faults", {"dropWhen": "sometimes"}),
            ("/_sandbox/faults", {"jitter": 1}),
            ("/_sandbox/limits", {"concurrent": 0}),
            ("/_sandbox/limits", {"burst": 1}),
            ("/_sandbox/users", {"userPrincipalName": "nobody"}),
        ):
            response = control.request("PUT" if "users" not in path else "POST", path, json=body)
            assert response.status_code == 400, (path, body)
            assert response.json()["error"]["message"]
        assert control.get("/_sandbox/nothing").status_code == 404
        assert control.get("/_sandbox/state").json()["faults"]["errorRate"] == 0.0
        assert control.put("/_sandbox/faults", json={"deltaQuirks": "yes"}).status_code == 400
        assert control.put("/_sandbox/faults", json={"deltaQuirks": True}).json()["deltaQuirks"] is True


async def test_state_persists_across_restarts(tmp_path: Path) -> None:
    path = tmp_path / "sandbox.sqlite"
    first = SandboxState.open(path)
    first.seed_user(USER)
    async with client_for(first, f"sandbox:{USER}") as me:
        folder = (await me.post("/me/contactFolders", json={"displayName": "NAV"})).json()
        base = f"/me/contactFolders/{folder['id']}/contacts"
        body = {"givenName": "Pavel", "singleValueExtendedProperties": [{"id": NAV_KEY, "value": "CT1"}]}
        kept = (await me.post(base, json=body)).json()
        gone = (await me.post(base, json={"givenName": "Gone"})).json()
        _, link, _ = await delta_round(me, f"{base}/delta")
        await me.delete(f"{base}/{gone['id']}")
        event = {
            "subject": "Once",
            "start": {"dateTime": "2024-05-01T10:00:00", "timeZone": "UTC"},
            "end": {"dateTime": "2024-05-01T11:00:00", "timeZone": "UTC"},
            "transactionId": "tx-1",
        }
        made_event = (await me.post("/me/events", json=event)).json()
    first.close()

    second = SandboxState.open(path)
    async with client_for(second, f"sandbox:{USER}") as me:
        read = (await me.get(f"{base}/{kept['id']}")).json()
        assert read["givenName"] == "Pavel" and read["changeKey"] == kept["changeKey"]
        wanted = f"singleValueExtendedProperties/Any(ep: ep/id eq '{NAV_KEY}' and ep/value eq 'CT1')"
        assert [c["id"] for c in (await me.get(base, params={"$filter": wanted})).json()["value"]] == [kept["id"]]
        # A delta link from before the restart still works, and sees the deletion made before it.
        entries, _, _ = await delta_round(me, link)
        assert entries == [{"id": gone["id"], "@removed": {"reason": "deleted"}}]
        # transactionId still deduplicates.
        assert (await me.post("/me/events", json=event)).json()["id"] == made_event["id"]
        # New ids keep counting after the old ones.
        newer = (await me.post(base, json={"givenName": "New"})).json()
        entries, _, _ = await delta_round(me, link)
        assert {e["id"] for e in entries} == {gone["id"], newer["id"]}
    second.close()


def test_a_file_that_is_not_a_sandbox_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.sqlite"
    path.write_text("this is not a database")
    with pytest.raises(StateError):
        SandboxState.open(path)


async def test_a_moved_item_survives_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "sandbox.sqlite"
    first = SandboxState.open(path)
    first.seed_user(USER)
    async with client_for(first, f"sandbox:{USER}") as me:
        a = (await me.post("/me/contactFolders", json={"displayName": "A"})).json()["id"]
        b = (await me.post("/me/contactFolders", json={"displayName": "B"})).json()["id"]
        contact = (await me.post(f"/me/contactFolders/{a}/contacts", json={"givenName": "Moving"})).json()
        _, link, _ = await delta_round(me, f"/me/contactFolders/{a}/contacts/delta")
        moved = first.move_item(USER, contact["id"], b)
    first.close()
    second = SandboxState.open(path)
    async with client_for(second, f"sandbox:{USER}") as me:
        listed = (await me.get(f"/me/contactFolders/{b}/contacts")).json()["value"]
        assert [c["id"] for c in listed] == [moved.rest_id]
        entries, _, _ = await delta_round(me, link)
        assert entries == [{"id": contact["id"], "@removed": {"reason": "deleted"}}]
    second.close()
