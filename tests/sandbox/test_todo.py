"""Microsoft To Do as todo-post-lists.md, todotasklist-post-tasks.md, todotask-get.md, todotask-update.md,
todotask-delete.md, todotask-post-linkedresources.md and opentypeextension-post-opentypeextension.md show it."""

from __future__ import annotations

import httpx

from tests.sandbox.conftest import created, graph_error


async def nav_list(me: httpx.AsyncClient) -> str:
    return str((await created(me, "/me/todo/lists", {"displayName": "Travel items"}))["id"])


async def test_lists_default_and_created(me: httpx.AsyncClient) -> None:
    made = await created(me, "/me/todo/lists", {"displayName": "Travel items"})
    assert made["displayName"] == "Travel items"
    assert made["isOwner"] is True and made["isShared"] is False and made["wellknownListName"] == "none"
    listed = (await me.get("/me/todo/lists")).json()["value"]
    assert [(t["displayName"], t["wellknownListName"]) for t in listed] == [
        ("Tasks", "defaultList"),
        ("Travel items", "none"),
    ]
    default = listed[0]["id"]
    graph_error(await me.delete(f"/me/todo/lists/{default}"), 400, "invalidRequest")
    assert (await me.patch(f"/me/todo/lists/{made['id']}", json={"displayName": "Trips"})).json()[
        "displayName"
    ] == "Trips"
    assert (await me.delete(f"/me/todo/lists/{made['id']}")).status_code == 204


async def test_create_task_with_linked_resource_as_documented(me: httpx.AsyncClient) -> None:
    list_id = await nav_list(me)
    body = {
        "title": "A new task",
        "linkedResources": [
            {"webUrl": "http://microsoft.com", "applicationName": "Microsoft", "displayName": "Microsoft"}
        ],
    }
    task = await created(me, f"/me/todo/lists/{list_id}/tasks", body)
    assert task["@odata.etag"].startswith('W/"')
    assert task["title"] == "A new task" and task["status"] == "notStarted" and task["importance"] == "normal"
    assert task["isReminderOn"] is False
    assert task["body"] == {"content": "", "contentType": "text"}
    assert task["createdDateTime"] and task["lastModifiedDateTime"]
    (resource,) = task["linkedResources"]
    assert resource["applicationName"] == "Microsoft" and resource["webUrl"] == "http://microsoft.com"
    assert len(resource["id"]) == 36
    # A plain GET does not carry them; $expand does.
    read = (await me.get(f"/me/todo/lists/{list_id}/tasks/{task['id']}")).json()
    assert "linkedResources" not in read
    expanded = await me.get(f"/me/todo/lists/{list_id}/tasks/{task['id']}", params={"$expand": "linkedResources"})
    assert expanded.json()["linkedResources"] == [resource]


async def test_linked_resources_endpoint(me: httpx.AsyncClient) -> None:
    list_id = await nav_list(me)
    task = await created(me, f"/me/todo/lists/{list_id}/tasks", {"title": "Call"})
    url = f"/me/todo/lists/{list_id}/tasks/{task['id']}/linkedResources"
    body = {
        "webUrl": "https://nav.contoso.com/todo/TD000123",
        "applicationName": "Dynamics NAV",
        "displayName": "To-do TD000123",
        "externalId": "TD000123",
    }
    made = await created(me, url, body)
    assert made["externalId"] == "TD000123"
    listed = {k: v for k, v in made.items() if k != "@odata.type"}
    assert (await me.get(url)).json()["value"] == [listed]
    assert (await me.get(f"{url}/{made['id']}")).json() == made
    patched = (await me.patch(f"{url}/{made['id']}", json={"displayName": "TD000123 (moved)"})).json()
    assert patched["displayName"] == "TD000123 (moved)"
    graph_error(await me.post(url, json={"webUrl": "x"}), 400, "invalidRequest")
    assert (await me.delete(f"{url}/{made['id']}")).status_code == 204
    graph_error(await me.get(f"{url}/{made['id']}"), 404, "ErrorItemNotFound")


async def test_task_update_completion_and_etag(me: httpx.AsyncClient) -> None:
    list_id = await nav_list(me)
    tasks = f"/me/todo/lists/{list_id}/tasks"
    task = await created(
        me, tasks, {"title": "Call", "dueDateTime": {"dateTime": "2024-05-01T00:00:00", "timeZone": "UTC"}}
    )
    done = (await me.patch(f"{tasks}/{task['id']}", json={"status": "completed"})).json()
    assert done["completedDateTime"]["timeZone"] == "UTC"
    assert done["@odata.etag"] != task["@odata.etag"]
    reopened = (await me.patch(f"{tasks}/{task['id']}", json={"status": "notStarted"})).json()
    assert "completedDateTime" not in reopened
    stale = await me.patch(f"{tasks}/{task['id']}", json={"title": "x"}, headers={"If-Match": task["@odata.etag"]})
    graph_error(stale, 412, "ErrorIrresolvableConflict")
    graph_error(await me.patch(f"{tasks}/{task['id']}", json={"status": "done"}), 400, "RequestBodyRead")
    graph_error(await me.patch(f"{tasks}/{task['id']}", json={"flag": 1}), 400, "RequestBodyRead")
    assert (await me.delete(f"{tasks}/{task['id']}")).status_code == 204
    graph_error(await me.get(f"{tasks}/{task['id']}"), 404, "ErrorItemNotFound")


async def test_tasks_have_no_extended_properties_in_v1(me: httpx.AsyncClient) -> None:
    list_id = await nav_list(me)
    body = {
        "title": "x",
        "singleValueExtendedProperties": [{"id": "String {00000000-0000-0000-0000-000000000000} Name A", "value": "1"}],
    }
    graph_error(await me.post(f"/me/todo/lists/{list_id}/tasks", json=body), 400, "RequestBodyRead")


async def test_open_extension_on_a_task(me: httpx.AsyncClient) -> None:
    list_id = await nav_list(me)
    task = await created(me, f"/me/todo/lists/{list_id}/tasks", {"title": "Call"})
    url = f"/me/todo/lists/{list_id}/tasks/{task['id']}/extensions"
    extension = {"@odata.type": "microsoft.graph.openTypeExtension", "extensionName": "com.contoso.nav", "no": "TD1"}
    made = await created(me, url, extension)
    assert made["id"] == "com.contoso.nav"
    graph_error(await me.post(url, json=extension), 409, "ErrorDuplicateOpenTypeExtension")
    expand = {"$expand": "extensions($filter=id eq 'com.contoso.nav')"}
    read = (await me.get(f"/me/todo/lists/{list_id}/tasks/{task['id']}", params=expand)).json()
    assert read["extensions"][0]["no"] == "TD1"


async def test_tasks_of_another_list_are_not_found_through_this_one(me: httpx.AsyncClient) -> None:
    first, second = await nav_list(me), str((await created(me, "/me/todo/lists", {"displayName": "B"}))["id"])
    task = await created(me, f"/me/todo/lists/{first}/tasks", {"title": "Call"})
    graph_error(await me.get(f"/me/todo/lists/{second}/tasks/{task['id']}"), 404, "ErrorItemNotFound")
