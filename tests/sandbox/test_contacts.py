"""Contact folders and contacts, sent as Microsoft's pages show them (user-post-contacts.md,
user-post-contactfolders.md, contactfolder-post-contacts.md, contact-get.md, contact-update.md,
contact-delete.md, singlevaluelegacyextendedproperty-*.md, opentypeextension-post-opentypeextension.md)."""

from __future__ import annotations

import httpx

from graphsync.sandbox import SandboxState
from tests.sandbox.conftest import NAV_KEY, USER, created, delta_round, graph_error

PAVEL = {
    "givenName": "Pavel",
    "surname": "Bansky",
    "emailAddresses": [{"address": "pavelb@contoso.com", "name": "Pavel Bansky"}],
    "businessPhones": ["+1 732 555 0102"],
}


async def folder(me: httpx.AsyncClient, name: str = "Dynamics NAV") -> str:
    return str((await created(me, "/me/contactFolders", {"displayName": name}))["id"])


async def test_create_contact_as_documented(me: httpx.AsyncClient) -> None:
    body = await created(me, "/me/contacts", PAVEL)
    assert body["@odata.etag"].startswith('W/"')
    assert body["displayName"] == "Pavel Bansky"
    assert body["emailAddresses"] == PAVEL["emailAddresses"]
    assert body["businessPhones"] == ["+1 732 555 0102"]
    for name in ("id", "changeKey", "createdDateTime", "lastModifiedDateTime", "parentFolderId"):
        assert body[name], name
    assert body["createdDateTime"].endswith("Z")
    assert body["@odata.etag"] == f'W/"{body["changeKey"]}"'
    # Properties a contact has but the request did not set are returned empty, as Graph does.
    assert body["homeAddress"] == {} and body["categories"] == [] and body["jobTitle"] is None


async def test_contact_lifecycle_in_a_folder(me: httpx.AsyncClient) -> None:
    folder_id = await folder(me)
    contact = await created(me, f"/me/contactFolders/{folder_id}/contacts", PAVEL)
    assert contact["parentFolderId"] == folder_id
    listed = (await me.get(f"/me/contactFolders/{folder_id}/contacts")).json()["value"]
    assert [c["id"] for c in listed] == [contact["id"]]
    assert (await me.get(f"/me/contacts/{contact['id']}")).json()["displayName"] == "Pavel Bansky"

    update = {
        "homeAddress": {"street": "123 Some street", "city": "Seattle", "state": "WA", "postalCode": "98121"},
        "birthday": "1974-07-22",
    }
    response = await me.patch(f"/me/contactFolders/{folder_id}/contacts/{contact['id']}", json=update)
    assert response.status_code == 200
    changed = response.json()
    assert changed["homeAddress"]["city"] == "Seattle"
    assert changed["changeKey"] != contact["changeKey"]
    assert changed["@odata.etag"] != contact["@odata.etag"]
    assert changed["lastModifiedDateTime"] >= contact["lastModifiedDateTime"]
    assert changed["createdDateTime"] == contact["createdDateTime"]

    deleted = await me.delete(f"/me/contacts/{contact['id']}")
    assert deleted.status_code == 204 and deleted.content == b""
    graph_error(await me.get(f"/me/contacts/{contact['id']}"), 404, "ErrorItemNotFound")


async def test_contacts_of_another_folder_are_not_found_through_this_one(me: httpx.AsyncClient) -> None:
    first, second = await folder(me, "A"), await folder(me, "B")
    contact = await created(me, f"/me/contactFolders/{first}/contacts", PAVEL)
    graph_error(await me.get(f"/me/contactFolders/{second}/contacts/{contact['id']}"), 404, "ErrorItemNotFound")


async def test_display_name_follows_name_parts_unless_given(me: httpx.AsyncClient) -> None:
    contact = await created(me, "/me/contacts", PAVEL)
    renamed = (await me.patch(f"/me/contacts/{contact['id']}", json={"givenName": "Paul"})).json()
    assert renamed["displayName"] == "Paul Bansky"
    kept = (await me.patch(f"/me/contacts/{contact['id']}", json={"surname": "B", "displayName": "PB"})).json()
    assert kept["displayName"] == "PB"


async def test_malformed_and_unknown_ids(me: httpx.AsyncClient) -> None:
    graph_error(await me.get("/me/contacts/not-an-id"), 400, "ErrorInvalidIdMalformed")
    graph_error(await me.get("/me/contacts/AAMkADAwATM0MDAAMS0yMDkyLWVjMzYtMAAA"), 404, "ErrorItemNotFound")
    graph_error(
        await me.get("/me/contactFolders/AAMkADAwATM0MDAAMS0yMDkyLWVjMzYtMAAA/contacts"), 404, "ErrorItemNotFound"
    )


async def test_unknown_property_wrong_type_and_bad_json_are_400_and_store_nothing(
    me: httpx.AsyncClient, state: SandboxState
) -> None:
    error = graph_error(await me.post("/me/contacts", json={"givenName": "A", "shoeSize": 9}), 400, "RequestBodyRead")
    assert "shoeSize" in error["message"]
    graph_error(await me.post("/me/contacts", json={"businessPhones": "+1 555"}), 400, "RequestBodyRead")
    response = await me.post("/me/contacts", content=b"{not json", headers={"Content-Type": "application/json"})
    graph_error(response, 400, "BadRequest")
    graph_error(await me.post("/me/contacts", json=["a"]), 400, "BadRequest")
    bad_property = {"givenName": "A", "singleValueExtendedProperties": [{"id": "NavKey", "value": "1"}]}
    graph_error(await me.post("/me/contacts", json=bad_property), 400, "ErrorInvalidProperty")
    assert (await me.get("/me/contacts")).json()["value"] == []


async def test_if_match_is_honoured(me: httpx.AsyncClient) -> None:
    contact = await created(me, "/me/contacts", PAVEL)
    url = f"/me/contacts/{contact['id']}"
    ok = await me.patch(url, json={"jobTitle": "CEO"}, headers={"If-Match": contact["@odata.etag"]})
    assert ok.status_code == 200
    stale = await me.patch(url, json={"jobTitle": "CFO"}, headers={"If-Match": contact["@odata.etag"]})
    graph_error(stale, 412, "ErrorIrresolvableConflict")
    assert (await me.get(url)).json()["jobTitle"] == "CEO"
    graph_error(await me.delete(url, headers={"If-Match": contact["@odata.etag"]}), 412, "ErrorIrresolvableConflict")
    assert (await me.delete(url, headers={"If-Match": ok.json()["@odata.etag"]})).status_code == 204


async def test_select_top_and_paging(me: httpx.AsyncClient) -> None:
    for n in range(5):
        await created(me, "/me/contacts", {"givenName": f"P{n}"})
    page = (await me.get("/me/contacts", params={"$select": "givenName", "$top": "2"})).json()
    assert [set(c) for c in page["value"]] == [{"@odata.etag", "id", "givenName"}] * 2
    names = [c["givenName"] for c in page["value"]]
    while "@odata.nextLink" in page:
        page = (await me.get(page["@odata.nextLink"])).json()
        names += [c["givenName"] for c in page["value"]]
    assert names == [f"P{n}" for n in range(5)]
    graph_error(await me.get("/me/contacts", params={"$select": "shoeSize"}), 400, "RequestBroker--ParseUri")


async def test_prefer_maxpagesize_pages_and_is_acknowledged(me: httpx.AsyncClient) -> None:
    for n in range(3):
        await created(me, "/me/contacts", {"givenName": f"P{n}"})
    response = await me.get("/me/contacts", headers={"Prefer": "odata.maxpagesize=2"})
    assert len(response.json()["value"]) == 2
    assert "@odata.nextLink" in response.json()
    assert response.headers["Preference-Applied"] == "odata.maxpagesize=2"


async def test_default_page_is_ten(me: httpx.AsyncClient) -> None:
    for n in range(12):
        await created(me, "/me/contacts", {"givenName": f"P{n}"})
    page = (await me.get("/me/contacts")).json()
    assert len(page["value"]) == 10 and "@odata.nextLink" in page


async def test_extended_property_set_inline_read_by_expand_and_found_by_filter(me: httpx.AsyncClient) -> None:
    folder_id = await folder(me)
    base = f"/me/contactFolders/{folder_id}/contacts"
    body = {**PAVEL, "singleValueExtendedProperties": [{"id": NAV_KEY, "value": "CT000042"}]}
    contact = await created(me, base, body)
    assert "singleValueExtendedProperties" not in contact  # the POST response does not echo them
    await created(me, base, {"givenName": "Other"})

    expand = {"$expand": f"singleValueExtendedProperties($filter=id eq '{NAV_KEY}')"}
    read = (await me.get(f"/me/contacts/{contact['id']}", params=expand)).json()
    assert read["singleValueExtendedProperties"] == [{"id": NAV_KEY, "value": "CT000042"}]

    lacking = (await me.get(base, params=expand)).json()["value"]
    assert [("singleValueExtendedProperties" in c) for c in lacking] == [True, False]

    wanted = f"singleValueExtendedProperties/Any(ep: ep/id eq '{NAV_KEY}' and ep/value eq 'CT000042')"
    found = (await me.get(base, params={"$filter": wanted})).json()["value"]
    assert [c["id"] for c in found] == [contact["id"]]

    changed = {"singleValueExtendedProperties": [{"id": NAV_KEY, "value": "CT000043"}]}
    assert (await me.patch(f"/me/contacts/{contact['id']}", json=changed)).status_code == 200
    assert (await me.get(base, params={"$filter": wanted})).json()["value"] == []
    moved = wanted.replace("CT000042", "CT000043")
    assert len((await me.get(base, params={"$filter": moved})).json()["value"]) == 1


async def test_filter_by_property_and_unsupported_filters(me: httpx.AsyncClient) -> None:
    await folder(me, "Dynamics NAV")
    await folder(me, "Private")
    found = (await me.get("/me/contactFolders", params={"$filter": "displayName eq 'Dynamics NAV'"})).json()
    assert [f["displayName"] for f in found["value"]] == ["Dynamics NAV"]
    graph_error(
        await me.get("/me/contactFolders", params={"$filter": "startswith(displayName, 'D')"}),
        400,
        "ErrorInvalidUrlQueryFilter",
    )


async def test_folders_list_create_conflict_and_extended_properties(me: httpx.AsyncClient) -> None:
    body = {"displayName": "Dynamics NAV", "singleValueExtendedProperties": [{"id": NAV_KEY, "value": "root"}]}
    made = await created(me, "/me/contactFolders", body)
    assert made["displayName"] == "Dynamics NAV" and made["parentFolderId"]
    graph_error(await me.post("/me/contactFolders", json={"displayName": "dynamics nav"}), 409, "ErrorFolderExists")
    listed = (await me.get("/me/contactFolders")).json()["value"]
    assert [f["id"] for f in listed] == [made["id"]]
    expand = {"$expand": f"singleValueExtendedProperties($filter=id eq '{NAV_KEY}')"}
    read = (await me.get(f"/me/contactFolders/{made['id']}", params=expand)).json()
    assert read["singleValueExtendedProperties"][0]["value"] == "root"


async def test_deleting_a_folder_deletes_its_contacts(me: httpx.AsyncClient) -> None:
    folder_id = await folder(me)
    contact = await created(me, f"/me/contactFolders/{folder_id}/contacts", PAVEL)
    assert (await me.delete(f"/me/contactFolders/{folder_id}")).status_code == 204
    graph_error(await me.get(f"/me/contacts/{contact['id']}"), 404, "ErrorItemNotFound")


async def test_immutable_ids_on_request(me: httpx.AsyncClient) -> None:
    prefer = {"Prefer": 'IdType="ImmutableId"'}
    contact = await created(me, "/me/contacts", PAVEL, headers=prefer)
    plain = (await me.get("/me/contacts")).json()["value"][0]
    assert plain["id"] != contact["id"]
    response = await me.get(f"/me/contacts/{contact['id']}", headers=prefer)
    assert response.json()["id"] == contact["id"]
    assert 'IdType="ImmutableId"' in response.headers["Preference-Applied"]
    # Either form addresses the item.
    assert (await me.get(f"/me/contacts/{plain['id']}")).status_code == 200


async def test_open_extension_on_a_contact(me: httpx.AsyncClient) -> None:
    contact = await created(me, "/me/contacts", PAVEL)
    url = f"/me/contacts/{contact['id']}/extensions"
    extension = {
        "@odata.type": "microsoft.graph.openTypeExtension",
        "extensionName": "Com.Contoso.Referral",
        "companyName": "Wingtip Toys",
        "dealValue": 500050,
    }
    made = await created(me, url, extension)
    assert made["id"] == "Microsoft.OutlookServices.OpenTypeExtension.Com.Contoso.Referral"
    assert made["dealValue"] == 500050
    read = (await me.get(f"{url}/Com.Contoso.Referral")).json()
    assert read["companyName"] == "Wingtip Toys"
    expanded = (
        await me.get(
            f"/me/contacts/{contact['id']}", params={"$expand": "extensions($filter=id eq 'Com.Contoso.Referral')"}
        )
    ).json()
    assert expanded["extensions"][0]["extensionName"] == "Com.Contoso.Referral"
    patched = await me.patch(f"{url}/Com.Contoso.Referral", json={"dealValue": 1})
    assert patched.json()["dealValue"] == 1
    assert (await me.delete(f"{url}/Com.Contoso.Referral")).status_code == 204
    graph_error(await me.get(f"{url}/Com.Contoso.Referral"), 404, "ErrorItemNotFound")
    graph_error(await me.post(url, json={"extensionName": "X"}), 400, "RequestBodyRead")


async def test_unsupported_method_is_405(me: httpx.AsyncClient) -> None:
    graph_error(await me.put("/me/contacts", json={}), 405, "Request_BadRequest")


async def test_mailboxes_are_separate(app_client: httpx.AsyncClient) -> None:
    await created(app_client, f"/users/{USER}/contacts", PAVEL)
    assert (await app_client.get("/users/pm@contoso.com/contacts")).json()["value"] == []


async def test_a_move_changes_the_rest_id_but_not_the_immutable_id(me: httpx.AsyncClient, state: SandboxState) -> None:
    first, second = await folder(me, "A"), await folder(me, "B")
    prefer = {"Prefer": 'IdType="ImmutableId"'}
    contact = await created(me, f"/me/contactFolders/{first}/contacts", PAVEL)
    immutable = (await me.get(f"/me/contacts/{contact['id']}", headers=prefer)).json()["id"]
    _, old_link, _ = await delta_round(me, f"/me/contactFolders/{first}/contacts/delta")

    moved = state.move_item(USER, contact["id"], second)
    assert moved.key == immutable and moved.rest_id != contact["id"]
    graph_error(await me.get(f"/me/contacts/{contact['id']}"), 404, "ErrorItemNotFound")
    now = (await me.get(f"/me/contacts/{immutable}", headers=prefer)).json()
    assert now["id"] == immutable
    plain = (await me.get(f"/me/contacts/{immutable}")).json()
    assert plain["id"] == moved.rest_id and plain["parentFolderId"] == second
    # The old folder's delta reports it gone; the new folder lists it.
    entries, _, _ = await delta_round(me, old_link)
    assert entries == [{"id": contact["id"], "@removed": {"reason": "deleted"}}]
    assert [c["id"] for c in (await me.get(f"/me/contactFolders/{second}/contacts")).json()["value"]] == [moved.rest_id]


async def test_orderby_one_property(me: httpx.AsyncClient) -> None:
    for name in ("b", "C", "a"):
        await created(me, "/me/contacts", {"givenName": name})
    listed = (await me.get("/me/contacts", params={"$orderby": "givenName desc"})).json()["value"]
    assert [c["givenName"] for c in listed] == ["C", "b", "a"]
    graph_error(await me.get("/me/contacts", params={"$orderby": "shoeSize"}), 400, "ErrorInvalidUrlQuery")


async def test_percent_encoded_segments_are_decoded_one_by_one(me: httpx.AsyncClient) -> None:
    assert (await me.get("/users/eh%40contoso.com/contacts")).status_code == 200
    # An encoded '/' belongs to the id: the path still names one contact (unknown here), not two segments.
    graph_error(await me.get("/me/contacts/AAMkAGI2%2FTAAA%2BAAAAAAAAA%3D"), 404, "ErrorItemNotFound")


async def test_create_folder_as_documented_with_parent_folder_id(me: httpx.AsyncClient) -> None:
    # user-post-contactfolders.md sends parentFolderId too; it is read-only and the folder lands under Contacts.
    root = (await me.get("/me/contactFolders", params={"$top": "1"})).json()
    assert root["value"] == []
    made = await created(me, "/me/contactFolders", {"parentFolderId": "parentFolderId-value", "displayName": "NAV"})
    contact = await created(me, "/me/contacts", {"givenName": "x"})
    assert made["parentFolderId"] == contact["parentFolderId"]
