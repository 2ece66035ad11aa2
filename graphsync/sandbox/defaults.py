"""What a new mailbox holds, and the server-side properties each new item starts with."""

from __future__ import annotations

from collections.abc import Mapping
from contextvars import ContextVar
from typing import Any

from graphsync.sandbox.store import IMMUTABLE_PREFIX, REST_PREFIX, Item, Mailbox, new_change_key, new_id
from graphsync.sandbox.wire import iso_z, now_utc

CONTACT_FOLDERS = "contactFolders"
CALENDARS = "calendars"
TODO_LISTS = "todoLists"
ROOT = "root"
"""The collection holding the default Contacts folder: it is not one of ``/contactFolders``' children."""


_NO_TIME = "0001-01-01T00:00:00Z"

CONTACT_DEFAULTS: Mapping[str, Any] = {
    "categories": [],
    "birthday": None,
    "fileAs": "",
    "displayName": "",
    "givenName": None,
    "initials": None,
    "middleName": None,
    "nickName": None,
    "surname": None,
    "title": None,
    "yomiGivenName": None,
    "yomiSurname": None,
    "yomiCompanyName": None,
    "generation": None,
    "imAddresses": [],
    "jobTitle": None,
    "companyName": None,
    "department": None,
    "officeLocation": None,
    "profession": None,
    "businessHomePage": None,
    "assistantName": None,
    "manager": None,
    "homePhones": [],
    "mobilePhone": None,
    "businessPhones": [],
    "spouseName": None,
    "personalNotes": "",
    "children": [],
    "emailAddresses": [],
    "homeAddress": {},
    "businessAddress": {},
    "otherAddress": {},
}

EVENT_DEFAULTS: Mapping[str, Any] = {
    "categories": [],
    "transactionId": None,
    "originalStartTimeZone": "UTC",
    "originalEndTimeZone": "UTC",
    "iCalUId": "",
    "reminderMinutesBeforeStart": 15,
    "isReminderOn": True,
    "hasAttachments": False,
    "subject": "",
    "bodyPreview": "",
    "importance": "normal",
    "sensitivity": "normal",
    "isAllDay": False,
    "isCancelled": False,
    "isOrganizer": True,
    "responseRequested": True,
    "seriesMasterId": None,
    "showAs": "busy",
    "type": "singleInstance",
    "webLink": "",
    "onlineMeetingUrl": None,
    "isOnlineMeeting": False,
    "onlineMeetingProvider": "unknown",
    "allowNewTimeProposals": True,
    "isDraft": False,
    "hideAttendees": False,
    "recurrence": None,
    "onlineMeeting": None,
    "responseStatus": {"response": "organizer", "time": _NO_TIME},
    "body": {"contentType": "html", "content": ""},
    "location": {"displayName": "", "locationType": "default", "uniqueIdType": "unknown", "address": {}},
    "locations": [],
    "attendees": [],
}

UNSET_DEFAULTS: Mapping[str, Mapping[str, Any]] = {"contact": CONTACT_DEFAULTS, "event": EVENT_DEFAULTS}
"""What a contact or event property is while nobody has set it. Items store only what was set (and what the
server manages), and rendering fills in the rest: 100,000 contacts would otherwise hold 100,000 copies."""


def contacts_of(folder: Item) -> str:
    return f"contacts/{folder.key}"


def events_of(calendar: Item) -> str:
    return f"events/{calendar.key}"


def tasks_of(todo_list: Item) -> str:
    return f"tasks/{todo_list.key}"


NEXT_KEY: ContextVar[str | None] = ContextVar("NEXT_KEY", default=None)
"""The immutable id the next new item gets instead of a random one: how `graphsync.sandbox.legacy` puts in an
item whose MAPI entry id an earlier Outlook client recorded (the entry id carries the id)."""

CONTAINER_KINDS = frozenset({"contactFolder", "calendar", "todoTaskList"})
"""Containers have one id: "Container types (mailFolder, calendar, etc.) do not support immutable ID, but their
regular IDs were already constant" (concepts/outlook-immutable-id.md, "Items that support immutable IDs"), so
``Prefer: IdType="ImmutableId"`` leaves their ids as they are."""


def new_item(kind: str, collection: str, props: dict[str, Any], *, with_change_key: bool) -> Item:
    now = iso_z(now_utc())
    change_key = new_change_key()
    base: dict[str, Any] = {}
    if kind in ("contact", "event", "todoTask"):
        base = {"createdDateTime": now, "lastModifiedDateTime": now}
    if with_change_key:
        base["changeKey"] = change_key
    base.update(props)
    rest_id = new_id(REST_PREFIX)
    key = rest_id if kind in CONTAINER_KINDS else (NEXT_KEY.get() or new_id(IMMUTABLE_PREFIX))
    return Item(kind, key, rest_id, collection, base, change_key)


def create_default_containers(mailbox: Mailbox) -> None:
    contacts = new_item("contactFolder", ROOT, {"displayName": "Contacts", "parentFolderId": ""}, with_change_key=False)
    mailbox.put(contacts)
    mailbox.default_contacts = contacts.key
    calendar = new_item("calendar", CALENDARS, calendar_props("Calendar", mailbox, default=True), with_change_key=True)
    mailbox.put(calendar)
    mailbox.default_calendar = calendar.key
    tasks = new_item(
        "todoTaskList", TODO_LISTS, todo_list_props("Tasks", well_known="defaultList"), with_change_key=False
    )
    mailbox.put(tasks)


def calendar_props(name: str, mailbox: Mailbox, *, default: bool = False) -> dict[str, Any]:
    return {
        "name": name,
        "color": "auto",
        "hexColor": "",
        "isDefaultCalendar": default,
        "canShare": True,
        "canViewPrivateItems": True,
        "canEdit": True,
        "isRemovable": not default,
        "isTallyingResponses": True,
        "allowedOnlineMeetingProviders": ["teamsForBusiness"],
        "defaultOnlineMeetingProvider": "teamsForBusiness",
        "owner": {"name": mailbox.display_name, "address": mailbox.upn},
    }


def todo_list_props(name: str, *, well_known: str = "none") -> dict[str, Any]:
    return {"displayName": name, "isOwner": True, "isShared": False, "wellknownListName": well_known}
