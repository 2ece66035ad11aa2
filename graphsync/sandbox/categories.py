"""The mailbox's master list of Outlook categories (api-reference/v1.0/api/outlookuser-list-mastercategories.md,
outlookuser-post-mastercategories.md, outlookcategory-get.md, outlookcategory-update.md,
outlookcategory-delete.md). Items may carry any category name; the master list only gives names colours."""

from __future__ import annotations

import uuid
from typing import Any

from graphsync.sandbox.handling import Ctx, method_not_allowed, no_content, ok
from graphsync.sandbox.schema import Resource, check_body
from graphsync.sandbox.store import Item
from graphsync.sandbox.wire import Reply, bad_request, fail, not_found

MASTER_CATEGORIES = "masterCategories"
COLORS = ("none", *(f"preset{n}" for n in range(25)))
CATEGORY = Resource("outlookCategory", {"displayName": "string", "color": COLORS}, frozenset(), has_change_key=False)


def _render(item: Item) -> dict[str, Any]:
    return {"id": item.key, "displayName": item.props["displayName"], "color": item.props["color"]}


def categories(ctx: Ctx) -> Reply:
    coll = ctx.mailbox.collection(MASTER_CATEGORIES)
    if ctx.call.method == "GET":
        return ok({"value": [_render(i) for i in coll.items.values()]})
    if ctx.call.method != "POST":
        raise method_not_allowed()
    props = check_body(CATEGORY, ctx.call.body)
    name = props.get("displayName")
    if not isinstance(name, str) or not name.strip():
        raise bad_request("A category needs a displayName.", code="ErrorInvalidRequest")
    if any(i.props["displayName"].lower() == name.lower() for i in coll.items.values()):
        # Inferred: the master list holds each name once.
        raise fail(409, "ErrorDuplicateCategory", f"A category named '{name}' already exists.")
    key = str(uuid.uuid4())
    item = Item(
        "outlookCategory", key, key, MASTER_CATEGORIES, {"displayName": name, "color": props.get("color") or "none"}
    )
    ctx.mailbox.put(item)
    return ok(_render(item), 201)


def one_category(ctx: Ctx, category_id: str) -> Reply:
    item = ctx.mailbox.collection(MASTER_CATEGORIES).items.get(category_id)
    if item is None:
        raise not_found()
    method = ctx.call.method
    if method == "GET":
        return ok(_render(item))
    if method == "PATCH":
        props = check_body(CATEGORY, ctx.call.body)
        if "displayName" in props and props["displayName"] != item.props["displayName"]:
            # outlookcategory-update.md: only the colour can change; the name is fixed once created.
            raise bad_request("A category's displayName cannot be changed; only its color.", code="ErrorInvalidRequest")
        if "color" in props:
            item.props["color"] = props["color"] or "none"
        ctx.mailbox.put(item)
        return ok(_render(item))
    if method == "DELETE":
        ctx.mailbox.remove(item)
        return no_content()
    raise method_not_allowed()
