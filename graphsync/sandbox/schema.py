"""The properties of each resource the sandbox serves, as in api-reference/v1.0/resources/*.md.

A request body naming a property that is not here (and not a navigation property the resource has) is
refused with 400 RequestBodyRead, as Graph does; a value of the wrong JSON type likewise.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from graphsync.sandbox.wire import bad_request
from graphsync.text import lone_surrogate

# Property kinds: JSON types, or a tuple of allowed enum strings.
STR, BOOL, INT, LIST, OBJ = "string", "boolean", "integer", "collection", "object"

IMPORTANCE = ("low", "normal", "high")
SENSITIVITY = ("normal", "personal", "private", "confidential")
SHOW_AS = ("free", "tentative", "busy", "oof", "workingElsewhere", "unknown")
TASK_STATUS = ("notStarted", "inProgress", "completed", "waitingOnOthers", "deferred")
BODY_TYPE = ("text", "html")

PropKind = str | tuple[str, ...]


def _names(text: str) -> list[str]:
    return text.split()


@dataclass(frozen=True)
class Resource:
    """One entity type: its writable properties, the server-managed ones (accepted and ignored on
    write, like Graph does for read-only values echoed back), and what it can carry besides."""

    name: str
    writable: Mapping[str, PropKind]
    read_only: frozenset[str]
    navigation: frozenset[str] = frozenset()
    has_change_key: bool = True

    @property
    def odata_type(self) -> str:
        return f"microsoft.graph.{self.name}"

    def selectable(self) -> frozenset[str]:
        return frozenset(self.writable) | self.read_only | {"id"}


CONTACT = Resource(
    "contact",
    {
        **dict.fromkeys(
            _names(
                "assistantName businessHomePage companyName department displayName fileAs generation givenName "
                "initials jobTitle manager middleName mobilePhone nickName officeLocation personalNotes profession "
                "spouseName surname title yomiCompanyName yomiGivenName yomiSurname birthday"
            ),
            STR,
        ),
        **dict.fromkeys(_names("businessPhones homePhones categories children emailAddresses imAddresses"), LIST),
        **dict.fromkeys(_names("businessAddress homeAddress otherAddress"), OBJ),
    },
    frozenset({"changeKey", "createdDateTime", "lastModifiedDateTime", "parentFolderId"}),
    frozenset({"singleValueExtendedProperties", "extensions"}),
)

CONTACT_FOLDER = Resource(
    "contactFolder",
    {"displayName": STR},
    frozenset({"parentFolderId"}),
    frozenset({"singleValueExtendedProperties"}),
    has_change_key=False,
)

CALENDAR = Resource(
    "calendar",
    {"name": STR, "color": STR, "hexColor": STR, "isDefaultCalendar": BOOL},
    frozenset(
        {
            "changeKey",
            "canEdit",
            "canShare",
            "canViewPrivateItems",
            "isRemovable",
            "isTallyingResponses",
            "owner",
            "allowedOnlineMeetingProviders",
            "defaultOnlineMeetingProvider",
        }
    ),
    frozenset({"singleValueExtendedProperties"}),
)

EVENT = Resource(
    "event",
    {
        "allowNewTimeProposals": BOOL,
        "attendees": LIST,
        "body": OBJ,
        "categories": LIST,
        "end": OBJ,
        "hideAttendees": BOOL,
        "importance": IMPORTANCE,
        "isAllDay": BOOL,
        "isOnlineMeeting": BOOL,
        "isReminderOn": BOOL,
        "location": OBJ,
        "locations": LIST,
        "onlineMeetingProvider": STR,
        "organizer": OBJ,
        "recurrence": OBJ,
        "reminderMinutesBeforeStart": INT,
        "responseRequested": BOOL,
        "sensitivity": SENSITIVITY,
        "showAs": SHOW_AS,
        "start": OBJ,
        "subject": STR,
        "transactionId": STR,
    },
    frozenset(
        {
            "bodyPreview",
            "changeKey",
            "createdDateTime",
            "lastModifiedDateTime",
            "hasAttachments",
            "iCalUId",
            "isCancelled",
            "isDraft",
            "isOrganizer",
            "onlineMeeting",
            "onlineMeetingUrl",
            "originalEndTimeZone",
            "originalStart",
            "originalStartTimeZone",
            "responseStatus",
            "seriesMasterId",
            "type",
            "webLink",
        }
    ),
    frozenset({"singleValueExtendedProperties", "extensions"}),
)

TODO_LIST = Resource(
    "todoTaskList",
    {"displayName": STR},
    frozenset({"isOwner", "isShared", "wellknownListName"}),
    has_change_key=False,
)

TODO_TASK = Resource(
    "todoTask",
    {
        "body": OBJ,
        "categories": LIST,
        "completedDateTime": OBJ,
        "dueDateTime": OBJ,
        "importance": IMPORTANCE,
        "isReminderOn": BOOL,
        "recurrence": OBJ,
        "reminderDateTime": OBJ,
        "startDateTime": OBJ,
        "status": TASK_STATUS,
        "title": STR,
    },
    frozenset({"bodyLastModifiedDateTime", "createdDateTime", "lastModifiedDateTime", "hasAttachments"}),
    frozenset({"linkedResources", "extensions"}),
    has_change_key=False,
)

LINKED_RESOURCE = Resource(
    "linkedResource",
    {"applicationName": STR, "displayName": STR, "externalId": STR, "webUrl": STR},
    frozenset(),
    has_change_key=False,
)

_PYTHON_TYPES: dict[str, type | tuple[type, ...]] = {STR: str, BOOL: bool, LIST: list, OBJ: dict, INT: int}


def check_body(resource: Resource, body: Any) -> dict[str, Any]:
    """The writable properties of ``body``, or 400 naming the first property Graph would refuse.

    Read-only properties and OData annotations are dropped; navigation properties are left to the caller.
    """
    if not isinstance(body, dict):
        raise bad_request("Empty Payload. JSON content expected.")
    out: dict[str, Any] = {}
    for name, value in body.items():
        kind = resource.writable.get(name)
        if kind is None:
            if name in resource.read_only or name == "id" or name.startswith("@") or name in resource.navigation:
                continue
            raise bad_request(
                f"The property '{name}' does not exist on type '{resource.odata_type}'. Make sure to only use "
                "property names that are defined by the type or mark the type as open type.",
                code="RequestBodyRead",
            )
        out[name] = value if value is None else _checked(resource, name, kind, value)
        if _lone_surrogate(value):
            # JSON can escape half a character (\ud83d), UTF-8 cannot hold one: stored, it would break every
            # later answer about the container. Real Graph keeps .NET strings; the sandbox refuses instead.
            raise bad_request(
                f"The value of property '{name}' holds half of a UTF-16 surrogate pair, which the sandbox "
                "cannot store.",
                code="RequestBodyRead",
            )
    return out


def _lone_surrogate(value: Any) -> bool:
    if isinstance(value, str):
        return lone_surrogate(value) is not None
    if isinstance(value, dict):
        return any(_lone_surrogate(k) or _lone_surrogate(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_lone_surrogate(v) for v in value)
    return False


def _checked(resource: Resource, name: str, kind: PropKind, value: Any) -> Any:
    """``value`` if it fits ``kind`` (enum members in their canonical case: Graph reads them in any case)."""
    if isinstance(kind, tuple):
        canonical = {k.lower(): k for k in kind}.get(value.lower()) if isinstance(value, str) else None
        if canonical is None:
            raise bad_request(
                f"Cannot convert the literal '{value}' to the expected type '{resource.odata_type}.{name}'; "
                f"expected one of: {', '.join(kind)}.",
                code="RequestBodyRead",
            )
        return canonical
    expected = _PYTHON_TYPES[kind]
    wrong_bool = kind == INT and isinstance(value, bool)
    if not isinstance(value, expected) or wrong_bool:
        raise bad_request(
            f"Cannot read the value of property '{name}' on type '{resource.odata_type}': a JSON {kind} is "
            f"expected, got {type(value).__name__}.",
            code="RequestBodyRead",
        )
    return value


def normalize_body_type(props: dict[str, Any]) -> None:
    """An itemBody's contentType is read in any case ("HTML" in Microsoft's own examples), kept lower-case."""
    body = props.get("body")
    if isinstance(body, dict) and isinstance(body.get("contentType"), str):
        props["body"] = {**body, "contentType": body["contentType"].lower()}
