"""What items carry besides their properties: single-value extended properties (contacts, events, contact
folders, calendars) and open extensions (contacts, events, To Do tasks), inline in POST/PATCH or through an
item's ``/extensions``."""

from __future__ import annotations

import re
from typing import Any

from graphsync.sandbox.handling import Ctx, method_not_allowed, no_content, ok, touch
from graphsync.sandbox.store import Item
from graphsync.sandbox.wire import Reply, bad_request, fail, not_found

_EXT_PROP_ID = re.compile(
    r"^(String|Integer|Boolean|SystemTime|Double|Currency|Short|Long|Binary|Guid|Float|Object)\s+"
    r"(\{[0-9a-fA-F-]{36}\}\s+(Name|Id)\s+\S.*|0x[0-9a-fA-F]{1,4})$"
)


def parse_extended_properties(values: Any) -> list[tuple[str, str]]:
    """(id, value) pairs of a POST/PATCH body's ``singleValueExtendedProperties``, or Graph's 400."""
    if not isinstance(values, list):
        raise bad_request("singleValueExtendedProperties must be a JSON array.", code="RequestBodyRead")
    pairs = []
    for entry in values:
        if not isinstance(entry, dict) or set(entry) - {"id", "value", "@odata.type"}:
            raise bad_request(
                "Each singleValueExtendedProperties entry is an object with 'id' and 'value'.", code="RequestBodyRead"
            )
        pid, value = entry.get("id"), entry.get("value")
        if not isinstance(pid, str) or not _EXT_PROP_ID.match(pid.strip()):
            raise bad_request(
                f"The extended property id {pid!r} is not valid; use 'String {{guid}} Name PropertyName'.",
                code="ErrorInvalidProperty",
            )
        if not isinstance(value, str):
            raise bad_request(
                f"The value of extended property {pid!r} must be a string.", code="ErrorInvalidExtendedPropertyValue"
            )
        pairs.append((pid.strip(), value))
    return pairs


def check_extended_properties(values: Any) -> None:
    """Validate before anything is stored, so a bad entry leaves no partial item behind."""
    parse_extended_properties(values)


def set_extended_properties(item: Item, values: Any) -> None:
    """Apply ``singleValueExtendedProperties`` from a POST/PATCH body (added or overwritten by id)."""
    for pid, value in parse_extended_properties(values):
        item.ext_props[pid.lower()] = (pid, value)


def extension_id(kind: str, name: str) -> str:
    # Outlook items prefix open extensions' ids with their type; To Do uses the name as the id.
    return name if kind == "todoTask" else f"Microsoft.OutlookServices.OpenTypeExtension.{name}"


def make_extension(kind: str, body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise bad_request("Empty Payload. JSON content expected.")
    name = body.get("extensionName")
    odata_type = str(body.get("@odata.type", "")).lstrip("#")
    if odata_type.lower() != "microsoft.graph.opentypeextension":
        raise bad_request(
            'An open extension needs "@odata.type": "microsoft.graph.openTypeExtension".', code="RequestBodyRead"
        )
    if not isinstance(name, str) or not name:
        raise bad_request("An open extension needs an 'extensionName'.", code="RequestBodyRead")
    out = {k: v for k, v in body.items() if k != "id"}
    out["@odata.type"] = "#microsoft.graph.openTypeExtension"
    out["id"] = extension_id(kind, name)
    return out


def check_extensions(kind: str, values: Any) -> None:
    """Validate inline ``extensions`` of a POST/PATCH before anything is stored (None: none given)."""
    if values is None:
        return
    if not isinstance(values, list):
        raise bad_request("extensions must be a JSON array.", code="RequestBodyRead")
    for body in values:
        make_extension(kind, body)


def add_extensions_inline(item: Item, values: Any) -> None:
    if not isinstance(values, list):
        raise bad_request("extensions must be a JSON array.", code="RequestBodyRead")
    for body in values:
        ext = make_extension(item.kind, body)
        item.extensions[ext["extensionName"].lower()] = ext


def find_extension(item: Item, ext_id: str) -> dict[str, Any]:
    wanted = ext_id.lower()
    for key, ext in item.extensions.items():
        if wanted in (key, ext["id"].lower()):
            return ext
    raise not_found()


def extensions_endpoint(ctx: Ctx, item: Item, ext_id: str | None) -> Reply:
    """``/extensions`` and ``/extensions/{id}`` on an item: list, create, get, update, delete."""
    method = ctx.call.method
    mailbox = ctx.mailbox
    if ext_id is None:
        if method == "GET":
            return ok({"value": list(item.extensions.values())})
        if method == "POST":
            ext = make_extension(item.kind, ctx.call.body)
            key = ext["extensionName"].lower()
            if key in item.extensions:
                raise fail(409, "ErrorDuplicateOpenTypeExtension", "An extension with that name already exists.")
            item.extensions[key] = ext
            touch(ctx, item)
            mailbox.put(item)
            return ok(ext, 201)
        raise method_not_allowed()
    ext = find_extension(item, ext_id)
    if method == "GET":
        return ok(ext)
    if method == "PATCH":
        body = ctx.call.body
        if not isinstance(body, dict):
            raise bad_request("Empty Payload. JSON content expected.")
        ext.update({k: v for k, v in body.items() if k not in ("id", "extensionName", "@odata.type")})
        touch(ctx, item)
        mailbox.put(item)
        return ok(ext)
    if method == "DELETE":
        del item.extensions[ext["extensionName"].lower()]
        touch(ctx, item)
        mailbox.put(item)
        return no_content()
    raise method_not_allowed()
