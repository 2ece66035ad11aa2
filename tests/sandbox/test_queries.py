"""Query behaviours Graph documents and the sandbox reproduces, each test naming its doc page
(microsoftgraph/microsoft-graph-docs-contrib)."""

from __future__ import annotations

from typing import Any

import httpx

from tests.sandbox.conftest import created, graph_error

KEY = "String {743511d1-4019-505e-ba7a-3f9c41900035} Name NAV Key"
IMMUTABLE = {"Prefer": 'IdType="ImmutableId"'}


def _by_value(pid: str, value: str) -> dict[str, str]:
    return {"$filter": f"singleValueExtendedProperties/Any(ep: ep/id eq '{pid}' and ep/value eq '{value}')"}


async def _stamped(me: httpx.AsyncClient, value: str) -> dict[str, Any]:
    body = {"givenName": value, "singleValueExtendedProperties": [{"id": KEY, "value": value}]}
    return await created(me, "/me/contacts", body)


async def test_extended_property_value_filter_is_case_insensitive(me: httpx.AsyncClient) -> None:
    """api-reference/v1.0/api/singlevaluelegacyextendedproperty-get.md: "Filtering the value property of an
    extended property is case-insensitive"."""
    contact = await _stamped(me, "5050:CT100006")
    await _stamped(me, "5050:CT100007")
    for wanted in ("5050:CT100006", "5050:ct100006", "5050:Ct100006"):
        found = (await me.get("/me/contacts", params=_by_value(KEY, wanted))).json()["value"]
        assert [c["id"] for c in found] == [contact["id"]], wanted
    events_found = await me.get("/me/events", params=_by_value(KEY, "5050:ct100006"))
    assert events_found.status_code == 200 and events_found.json()["value"] == []


async def test_extended_property_name_in_a_filter_is_case_sensitive(me: httpx.AsyncClient) -> None:
    """api-reference/v1.0/api/singlevaluelegacyextendedproperty-get.md: "Filtering the string name (Name) in the
    id of an extended property is case-sensitive" (the GUID and the type are not names)."""
    contact = await _stamped(me, "5050:CT100006")
    other_case = KEY.replace("Name NAV Key", "Name nav key")
    assert (await me.get("/me/contacts", params=_by_value(other_case, "5050:CT100006"))).json()["value"] == []
    upper_guid = KEY.replace("743511d1", "743511D1").replace("String", "string")
    found = (await me.get("/me/contacts", params=_by_value(upper_guid, "5050:CT100006"))).json()["value"]
    assert [c["id"] for c in found] == [contact["id"]]


async def test_contacts_filtered_by_email_address(me: httpx.AsyncClient) -> None:
    """api-reference/v1.0/api/user-list-contacts.md, "Optional query parameters":
    ``$filter=emailAddresses/any(a:a/address eq 'garth@contoso.com')``, on the address sub-property only."""
    garth = await created(
        me,
        "/me/contacts",
        {"givenName": "Garth", "emailAddresses": [{"address": "other@x.com"}, {"address": "garth@contoso.com"}]},
    )
    await created(me, "/me/contacts", {"givenName": "Pavel", "emailAddresses": [{"address": "pavel@contoso.com"}]})
    await created(me, "/me/contacts", {"givenName": "Nobody"})
    wanted = {"$filter": "emailAddresses/any(a:a/address eq 'garth@contoso.com')"}
    assert [c["id"] for c in (await me.get("/me/contacts", params=wanted)).json()["value"]] == [garth["id"]]
    by_name = {"$filter": "emailAddresses/any(a:a/name eq 'Garth')"}
    graph_error(await me.get("/me/contacts", params=by_name), 400, "ErrorInvalidUrlQueryFilter")


async def test_contacts_filtered_and_expanded_by_open_extension(me: httpx.AsyncClient) -> None:
    """api-reference/v1.0/api/opentypeextension-get.md, "Filter for resource instances expanded with a matching
    extension": ``$filter=Extensions/any(f:f/id eq '{extensionId}')&$expand=Extensions($filter=id eq
    '{extensionId}')``, by the extension's name or its fully qualified id."""
    extension = {"@odata.type": "microsoft.graph.openTypeExtension", "extensionName": "Com.Contoso.Referral", "n": 1}
    tagged = await created(me, "/me/contacts", {"givenName": "A", "extensions": [extension]})
    await created(me, "/me/contacts", {"givenName": "B"})
    full_id = "Microsoft.OutlookServices.OpenTypeExtension.Com.Contoso.Referral"
    for name in ("Com.Contoso.Referral", full_id):
        params = {"$filter": f"Extensions/any(f:f/id eq '{name}')", "$expand": f"Extensions($filter=id eq '{name}')"}
        found = (await me.get("/me/contacts", params=params)).json()["value"]
        assert [c["id"] for c in found] == [tagged["id"]]
        assert [e["id"] for e in found[0]["extensions"]] == [full_id] and found[0]["extensions"][0]["n"] == 1


async def test_immutable_ids_leave_container_ids_alone(me: httpx.AsyncClient) -> None:
    """concepts/outlook-immutable-id.md, "Items that support immutable IDs": "Container types (mailFolder,
    calendar, etc.) do not support immutable ID, but their regular IDs were already constant"."""
    folder = await created(me, "/me/contactFolders", {"displayName": "Dynamics NAV"}, headers=IMMUTABLE)
    assert (await me.get("/me/contactFolders")).json()["value"][0]["id"] == folder["id"]
    calendar = await created(me, "/me/calendars", {"name": "NAV"})
    listed = (await me.get("/me/calendars", headers=IMMUTABLE)).json()["value"]
    assert calendar["id"] in [c["id"] for c in listed]
    primary = (await me.get("/me/calendar")).json()["id"]
    assert (await me.get("/me/calendar", headers=IMMUTABLE)).json()["id"] == primary
    contact = await created(me, f"/me/contactFolders/{folder['id']}/contacts", {"givenName": "x"}, headers=IMMUTABLE)
    assert contact["parentFolderId"] == folder["id"]
    # Items do have two forms.
    assert (await me.get(f"/me/contacts/{contact['id']}")).json()["id"] != contact["id"]


async def test_a_new_linked_resource_names_its_type(me: httpx.AsyncClient) -> None:
    """api-reference/v1.0/api/todotask-post-linkedresources.md, "Response": the 201 answer carries
    ``"@odata.type": "#microsoft.graph.linkedResource"`` with the resource's properties."""
    todo_list = await created(me, "/me/todo/lists", {"displayName": "Dynamics NAV"})
    task = await created(me, f"/me/todo/lists/{todo_list['id']}/tasks", {"title": "call"})
    body = {"webUrl": "https://x", "applicationName": "graphsync", "displayName": "NAV", "externalId": "5080:TD1"}
    made = await created(me, f"/me/todo/lists/{todo_list['id']}/tasks/{task['id']}/linkedResources", body)
    assert made["@odata.type"] == "#microsoft.graph.linkedResource"
    assert {k: made[k] for k in body} == body and made["id"]
