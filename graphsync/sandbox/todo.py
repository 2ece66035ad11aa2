"""Microsoft To Do lists, tasks and linked resources (api-reference/v1.0/api/todo-post-lists.md,
todotasklist-delta.md, todotasklist-post-tasks.md, todotask-get.md, todotask-update.md, todotask-delete.md,
todotask-delta.md, todotask-post-linkedresources.md). To Do ids do not change, so ``Prefer: IdType`` does
not apply.

A task's dates (dueDateTime, startDateTime, reminderDateTime, completedDateTime) are dateTimeTimeZone values
"in the specified time zone" (resources/todotask.md): the sandbox keeps the instant a value names and answers
it in UTC, as To Do does (the example in todotask-get.md answers a due date set in the Eastern zone as
``2020-08-25T04:00:00.0000000`` UTC, that day's local midnight). ``Prefer: outlook.timezone`` does not apply:
To Do's pages list no such header, and To Do ignores it (microsoft-graph-docs-contrib issue #5927).
"""

from __future__ import annotations

import uuid
from typing import Any

from graphsync.sandbox.attached import add_extensions_inline, extensions_endpoint, make_extension
from graphsync.sandbox.defaults import TODO_LISTS, new_item, tasks_of, todo_list_props
from graphsync.sandbox.delta import delta_page, known_token
from graphsync.sandbox.handling import Ctx, check_if_match, find, method_not_allowed, no_content, ok, touch
from graphsync.sandbox.reading import get_one, list_page, render
from graphsync.sandbox.schema import LINKED_RESOURCE, TODO_LIST, TODO_TASK, check_body, normalize_body_type
from graphsync.sandbox.store import Item
from graphsync.sandbox.timezones import graph_time, read_time, to_utc
from graphsync.sandbox.wire import Reply, bad_request, fail, not_found


def find_list(ctx: Ctx, list_id: str) -> Item:
    return find(ctx, list_id, "todoTaskList")


def find_task(ctx: Ctx, list_id: str, task_id: str) -> Item:
    return find(ctx, task_id, "todoTask", tasks_of(find_list(ctx, list_id)))


def _stable(item: Item) -> Item:
    item.rest_id = item.key
    return item


# --------------------------------------------------------------------------- lists


def lists(ctx: Ctx) -> Reply:
    coll = ctx.mailbox.collection(TODO_LISTS)
    if ctx.call.method == "GET":
        return list_page(ctx, coll, TODO_LIST)
    if ctx.call.method != "POST":
        raise method_not_allowed()
    props = check_body(TODO_LIST, ctx.call.body)
    name = props.get("displayName")
    if not isinstance(name, str) or not name.strip():
        raise bad_request("The list needs a displayName.", code="invalidRequest")
    item = _stable(new_item("todoTaskList", TODO_LISTS, todo_list_props(name), with_change_key=False))
    ctx.mailbox.put(item)
    return ok(render(ctx, item), 201)


def lists_delta(ctx: Ctx) -> Reply:
    if ctx.call.method != "GET":
        raise method_not_allowed()
    return delta_page(ctx, ctx.mailbox.collection(TODO_LISTS), TODO_LIST)


def one_list(ctx: Ctx, list_id: str) -> Reply:
    item = find_list(ctx, list_id)
    method = ctx.call.method
    if method == "GET":
        return get_one(ctx, item, TODO_LIST)
    if method == "PATCH":
        props = check_body(TODO_LIST, ctx.call.body)
        item.props.update(props)
        ctx.mailbox.put(item)
        return ok(render(ctx, item))
    if method == "DELETE":
        if item.props.get("wellknownListName") == "defaultList":
            raise fail(400, "invalidRequest", "The default task list cannot be deleted.")
        ctx.mailbox.drop_collection(tasks_of(item))
        ctx.mailbox.remove(item)
        return no_content()
    raise method_not_allowed()


# --------------------------------------------------------------------------- tasks


def tasks(ctx: Ctx, todo_list: Item) -> Reply:
    coll = ctx.mailbox.collection(tasks_of(todo_list))
    if ctx.call.method == "GET":
        return list_page(ctx, coll, TODO_TASK)
    if ctx.call.method != "POST":
        raise method_not_allowed()
    body = ctx.call.body
    props = check_body(TODO_TASK, body)
    normalize_body_type(props)
    linked = [_linked_resource(v) for v in _array(body.get("linkedResources"), "linkedResources")]
    for ext in _array(body.get("extensions"), "extensions"):
        make_extension("todoTask", ext)
    _as_instants(props)
    now = ctx.now()
    values: dict[str, Any] = {
        "importance": "normal",
        "isReminderOn": False,
        "status": "notStarted",
        "title": "",
        "categories": [],
        "hasAttachments": False,
        "body": {"content": "", "contentType": "text"},
        "bodyLastModifiedDateTime": now,
    }
    values.update(props)
    _completion(values, now)
    item = _stable(new_item("todoTask", coll.key, values, with_change_key=False))
    for resource in linked:
        item.linked[resource["id"]] = resource
    if "extensions" in body:
        add_extensions_inline(item, body["extensions"])
    ctx.mailbox.put(item)
    out = render(ctx, item)
    if linked:
        # The create response lists linked resources made with the task (todotasklist-post-tasks.md).
        out["linkedResources@odata.context"] = (
            f"{ctx.call.base_url}/v1.0/$metadata#users('{ctx.mailbox.upn}')/todo/lists('{todo_list.key}')"
            f"/tasks('{item.key}')/linkedResources"
        )
        out["linkedResources"] = linked
    return ok(out, 201)


def tasks_delta(ctx: Ctx, list_id: str) -> Reply:
    if ctx.call.method != "GET":
        raise method_not_allowed()
    known_token(ctx)  # a token it cannot follow answers 410 even when the list is unknown too
    return delta_page(ctx, ctx.mailbox.collection(tasks_of(find_list(ctx, list_id))), TODO_TASK)


def one_task(ctx: Ctx, item: Item) -> Reply:
    method = ctx.call.method
    if method == "GET":
        return get_one(ctx, item, TODO_TASK)
    if method == "PATCH":
        check_if_match(ctx, item)
        body = ctx.call.body
        props = check_body(TODO_TASK, body)
        normalize_body_type(props)
        for ext in _array(body.get("extensions"), "extensions"):
            make_extension("todoTask", ext)
        _as_instants(props)
        now = ctx.now()
        if "body" in props and props["body"] != item.props.get("body"):
            item.props["bodyLastModifiedDateTime"] = now
        item.props.update(props)
        _completion(item.props, now)
        if "extensions" in body:
            add_extensions_inline(item, body["extensions"])
        touch(ctx, item)
        ctx.mailbox.put(item)
        return ok(render(ctx, item))
    if method == "DELETE":
        check_if_match(ctx, item)
        ctx.mailbox.remove(item)
        return no_content()
    raise method_not_allowed()


def task_extensions(ctx: Ctx, item: Item, ext_id: str | None) -> Reply:
    return extensions_endpoint(ctx, item, ext_id)


def linked_resources(ctx: Ctx, item: Item, resource_id: str | None) -> Reply:
    method = ctx.call.method
    if resource_id is None:
        if method == "GET":
            return ok({"value": list(item.linked.values())})
        if method == "POST":
            resource = _linked_resource(ctx.call.body)
            item.linked[resource["id"]] = resource
            touch(ctx, item)
            ctx.mailbox.put(item)
            return ok(_typed(resource), 201)
        raise method_not_allowed()
    found = item.linked.get(resource_id)
    if found is None:
        raise not_found("The requested linked resource was not found.")
    if method == "GET":
        return ok(_typed(found))
    if method == "PATCH":
        found.update(check_body(LINKED_RESOURCE, ctx.call.body))
        touch(ctx, item)
        ctx.mailbox.put(item)
        return ok(_typed(found))
    if method == "DELETE":
        del item.linked[resource_id]
        touch(ctx, item)
        ctx.mailbox.put(item)
        return no_content()
    raise method_not_allowed()


def _typed(resource: dict[str, Any]) -> dict[str, Any]:
    """One linked resource as an answer of its own names its type, as the examples in
    todotask-post-linkedresources.md and linkedresource-get.md ("Response") show; a listing does not."""
    return {"@odata.type": "#microsoft.graph.linkedResource", **resource}


def _linked_resource(body: Any) -> dict[str, Any]:
    props = check_body(LINKED_RESOURCE, body)
    if not props.get("applicationName") or not props.get("displayName"):
        # Both are required by todotask-post-linkedresources.md.
        raise bad_request("A linked resource needs applicationName and displayName.", code="invalidRequest")
    return {
        "id": str(uuid.uuid4()),
        "webUrl": props.get("webUrl"),
        "applicationName": props["applicationName"],
        "displayName": props["displayName"],
        "externalId": props.get("externalId"),
    }


def _array(value: Any, name: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise bad_request(f"'{name}' must be a JSON array.", code="RequestBodyRead")
    return value


_DATES = ("dueDateTime", "startDateTime", "reminderDateTime", "completedDateTime")


def _as_instants(props: dict[str, Any]) -> None:
    """A request's task dates as the instants they name, in UTC (validated before anything is stored)."""
    for name in _DATES:
        value = props.get(name)
        if value is not None:
            local, tz_name = read_time(value, name)
            props[name] = {"dateTime": graph_time(to_utc(local, tz_name)), "timeZone": "UTC"}


def _completion(props: dict[str, Any], now: str) -> None:
    """A task that became completed gets completedDateTime; one reopened loses it."""
    if props.get("status") == "completed":
        if not props.get("completedDateTime"):
            props["completedDateTime"] = {"dateTime": now.rstrip("Z"), "timeZone": "UTC"}
    else:
        props.pop("completedDateTime", None)
