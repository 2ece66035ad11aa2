"""Contact folders and contacts (api-reference/v1.0/api/user-post-contactfolders.md, contactfolder-delta.md,
contactfolder-post-contacts.md, contact-get.md, contact-update.md, contact-delete.md, contact-delta.md)."""

from __future__ import annotations

from typing import Any

from graphsync.sandbox.attached import (
    add_extensions_inline,
    check_extended_properties,
    check_extensions,
    extensions_endpoint,
    set_extended_properties,
)
from graphsync.sandbox.defaults import CONTACT_FOLDERS, contacts_of, new_item
from graphsync.sandbox.delta import delta_page, known_token
from graphsync.sandbox.handling import Ctx, check_if_match, find, method_not_allowed, no_content, ok, touch
from graphsync.sandbox.reading import get_one, list_page, render
from graphsync.sandbox.schema import CONTACT, CONTACT_FOLDER, check_body
from graphsync.sandbox.store import Item
from graphsync.sandbox.wire import Reply, bad_request, fail

_NAME_PARTS = ("givenName", "middleName", "surname")


def folder(ctx: Ctx, folder_id: str) -> Item:
    return find(ctx, folder_id, "contactFolder")


def default_folder(ctx: Ctx) -> Item:
    return ctx.mailbox.index[ctx.mailbox.default_contacts]


# --------------------------------------------------------------------------- folders


def folders(ctx: Ctx) -> Reply:
    coll = ctx.mailbox.collection(CONTACT_FOLDERS)
    if ctx.call.method == "GET":
        return list_page(ctx, coll, CONTACT_FOLDER)
    if ctx.call.method != "POST":
        raise method_not_allowed()
    body = ctx.call.body
    props = check_body(CONTACT_FOLDER, body)
    name = props.get("displayName")
    if not isinstance(name, str) or not name.strip():
        raise bad_request("The folder needs a displayName.", code="ErrorInvalidRequest")
    if any(f.props["displayName"].lower() == name.lower() for f in coll.items.values()):
        raise fail(409, "ErrorFolderExists", "A folder with the specified name already exists.")
    if "singleValueExtendedProperties" in body:
        check_extended_properties(body["singleValueExtendedProperties"])
    item = new_item("contactFolder", CONTACT_FOLDERS, {"displayName": name}, with_change_key=False)
    item.props["parentFolderId"] = ctx.mailbox.default_contacts
    if "singleValueExtendedProperties" in body:
        set_extended_properties(item, body["singleValueExtendedProperties"])
    ctx.mailbox.put(item)
    return ok(render(ctx, item), 201)


def folders_delta(ctx: Ctx) -> Reply:
    if ctx.call.method != "GET":
        raise method_not_allowed()
    return delta_page(ctx, ctx.mailbox.collection(CONTACT_FOLDERS), CONTACT_FOLDER)


def one_folder(ctx: Ctx, folder_id: str) -> Reply:
    item = folder(ctx, folder_id)
    method = ctx.call.method
    if method == "GET":
        return get_one(ctx, item, CONTACT_FOLDER)
    if item.key == ctx.mailbox.default_contacts:
        raise fail(403, "ErrorCannotDeleteObject", "The default Contacts folder cannot be changed or deleted.")
    if method == "PATCH":
        body = ctx.call.body
        props = check_body(CONTACT_FOLDER, body)
        if "singleValueExtendedProperties" in body:
            check_extended_properties(body["singleValueExtendedProperties"])
            set_extended_properties(item, body["singleValueExtendedProperties"])
        item.props.update(props)
        ctx.mailbox.put(item)
        return ok(render(ctx, item))
    if method == "DELETE":
        ctx.mailbox.drop_collection(contacts_of(item))
        ctx.mailbox.remove(item)
        return no_content()
    raise method_not_allowed()


# --------------------------------------------------------------------------- contacts


def contacts(ctx: Ctx, parent: Item) -> Reply:
    coll = ctx.mailbox.collection(contacts_of(parent))
    if ctx.call.method == "GET":
        return list_page(ctx, coll, CONTACT)
    if ctx.call.method != "POST":
        raise method_not_allowed()
    body = ctx.call.body
    props = check_body(CONTACT, body)
    if "singleValueExtendedProperties" in body:
        check_extended_properties(body["singleValueExtendedProperties"])
    check_extensions("contact", body.get("extensions"))
    values = dict(props)
    for name in ("fileAs", "personalNotes"):
        if name in values and values[name] is None:
            values[name] = ""
    if not values.get("displayName"):
        values["displayName"] = _composed_name(values)
    values["parentFolderId"] = parent.key
    item = new_item("contact", coll.key, values, with_change_key=True)
    if "singleValueExtendedProperties" in body:
        set_extended_properties(item, body["singleValueExtendedProperties"])
    if "extensions" in body:
        add_extensions_inline(item, body["extensions"])
    ctx.mailbox.put(item)
    return ok(render(ctx, item), 201)


def contacts_delta(ctx: Ctx, folder_id: str) -> Reply:
    if ctx.call.method != "GET":
        raise method_not_allowed()
    known_token(ctx)  # a token it cannot follow answers 410 even when the folder is unknown too
    return delta_page(ctx, ctx.mailbox.collection(contacts_of(folder(ctx, folder_id))), CONTACT)


def one_contact(ctx: Ctx, contact_id: str, parent: Item | None = None) -> Reply:
    item = find(ctx, contact_id, "contact", contacts_of(parent) if parent is not None else None)
    method = ctx.call.method
    if method == "GET":
        return get_one(ctx, item, CONTACT)
    if method == "PATCH":
        check_if_match(ctx, item)
        body = ctx.call.body
        props = check_body(CONTACT, body)
        if "singleValueExtendedProperties" in body:
            check_extended_properties(body["singleValueExtendedProperties"])
        check_extensions("contact", body.get("extensions"))
        names_changed = any(n in props for n in _NAME_PARTS) and "displayName" not in props
        item.props.update(props)
        if names_changed:
            # Outlook recomputes a display name from the name parts unless the update names one
            # (contact-update.md, displayName).
            item.props["displayName"] = _composed_name(item.props)
        if "singleValueExtendedProperties" in body:
            set_extended_properties(item, body["singleValueExtendedProperties"])
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


def contact_extensions(ctx: Ctx, contact_id: str, ext_id: str | None, parent: Item | None = None) -> Reply:
    item = find(ctx, contact_id, "contact", contacts_of(parent) if parent is not None else None)
    return extensions_endpoint(ctx, item, ext_id)


def _composed_name(props: dict[str, Any]) -> str:
    return " ".join(str(props[n]) for n in _NAME_PARTS if props.get(n))
