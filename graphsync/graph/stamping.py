"""Where graphsync keeps the NAV key and user-defined fields on an Outlook item, and how it reads them back.

Contacts and events: single-value extended properties in one fixed property set,
``String {743511d1-4019-505e-ba7a-3f9c41900035} Name NAV Key`` and one ``Name <field>`` per configured
user-defined field. The names are fixed by configuration, never generated per record: named properties are a
finite per-mailbox resource (Exchange refuses new names once a mailbox's quota is spent).

To Do tasks have no extended properties in v1.0: the NAV key is a ``linkedResource`` (applicationName
``graphsync``, externalId the key), user-defined fields one open extension ``com.graphsync.navFields``
holding two parallel arrays (``fieldNames``, ``fieldValues``) so that any field name, spaces included, fits.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, NoReturn, cast
from urllib.parse import quote

from graphsync.connectors.outlook import ItemKind, OutlookItem
from graphsync.errors import GraphError
from graphsync.text import escaped

PROPERTY_SET = "743511d1-4019-505e-ba7a-3f9c41900035"
"""graphsync's extended-property set GUID (uuid5 of URL namespace, ``urn:graphsync:properties``). Never change
it: items stamped with another GUID would no longer be recognised."""
NAV_KEY_PROPERTY = "NAV Key"
TASK_APPLICATION = "graphsync"
TASK_EXTENSION = "com.graphsync.navFields"

EXTENDED = "singleValueExtendedProperties"


def property_id(name: str) -> str:
    return f"String {{{PROPERTY_SET}}} Name {name}"


def odata_quote(value: str) -> str:
    """A string literal for $filter: single quotes doubled, as OData requires."""
    return "'" + value.replace("'", "''") + "'"


def _extended(nav_key: str | None, user_fields: Mapping[str, str | None]) -> list[dict[str, str]]:
    props = [{"id": property_id(NAV_KEY_PROPERTY), "value": nav_key}] if nav_key is not None else []
    # An extended property cannot be removed through PATCH; an empty value stands for "no value" and is read
    # back as None.
    props += [{"id": property_id(name), "value": value or ""} for name, value in user_fields.items()]
    return props


def task_link(nav_key: str) -> dict[str, str]:
    return {"applicationName": TASK_APPLICATION, "externalId": nav_key, "displayName": f"Dynamics NAV {nav_key}"}


def task_extension(user_fields: Mapping[str, str | None]) -> dict[str, Any]:
    names = sorted(user_fields)
    return {
        "@odata.type": "microsoft.graph.openTypeExtension",
        "extensionName": TASK_EXTENSION,
        "fieldNames": names,
        "fieldValues": [user_fields[n] or "" for n in names],
    }


def stamp_create(
    kind: ItemKind,
    body: Mapping[str, Any],
    nav_key: str,
    user_fields: Mapping[str, str | None],
    *,
    category: str | None = None,
    transaction_id: str | None = None,
) -> dict[str, Any]:
    """The POST body for a new item: the caller's body plus the NAV key, user fields and, for events, the
    category that marks graphsync's meetings and the transactionId that makes a repeated create harmless."""
    out = dict(body)
    if kind is ItemKind.TASK:
        links = [r for r in out.get("linkedResources", []) if r.get("applicationName") != TASK_APPLICATION]
        out["linkedResources"] = [*links, task_link(nav_key)]
        if user_fields:
            out["extensions"] = [task_extension(user_fields)]
        return out
    out[EXTENDED] = _extended(nav_key, user_fields)
    if kind is ItemKind.EVENT:
        if category and category not in out.get("categories", []):
            out["categories"] = [*out.get("categories", []), category]
        if transaction_id:
            out["transactionId"] = transaction_id
    return out


def stamp_update(
    kind: ItemKind, body: Mapping[str, Any], user_fields: Mapping[str, str | None], *, nav_key: str | None
) -> dict[str, Any]:
    """The PATCH body. Contacts and events get the NAV key again (harmless when it is there, and it is how an
    item a person made in Outlook becomes linked) and the user fields inline; a task's extension is written
    by its own request (see `writes`)."""
    out = dict(body)
    if kind is not ItemKind.TASK and (user_fields or nav_key):
        out[EXTENDED] = _extended(nav_key or None, user_fields)
    return out


def query(**params: str) -> str:
    """A query string with OData's own punctuation left readable and everything else (spaces, braces,
    a NAV key's '&' or '#') percent-encoded, so that it also survives inside a $batch item's url."""
    return "&".join(f"${name}={quote(value, safe=SAFE_IN_QUERY)}" for name, value in params.items())


SAFE_IN_QUERY = "(),':/@*"


def expand_value(kind: ItemKind, user_fields: Sequence[str]) -> str:
    """The $expand value that brings the NAV key and the named user fields along with an item."""
    if kind is ItemKind.TASK:
        # Inferred, not documented word for word: Graph documents $expand=extensions($filter=id eq '...') on a
        # task and lists linkedResources inline; the unfiltered form returns graphsync's extension among any
        # others, and `read_item` picks it by name.
        return "linkedResources,extensions"
    ids = " or ".join(f"id eq {odata_quote(property_id(n))}" for n in (NAV_KEY_PROPERTY, *user_fields))
    return f"{EXTENDED}($filter={ids})"


def nav_key_filter(nav_key: str) -> str:
    """The $filter value for contacts/events stamped with ``nav_key``."""
    pid = odata_quote(property_id(NAV_KEY_PROPERTY))
    return f"{EXTENDED}/Any(ep: ep/id eq {pid} and ep/value eq {odata_quote(nav_key)})"


def version_of(kind: ItemKind, data: Mapping[str, Any]) -> str | None:
    value = data.get("@odata.etag") if kind is ItemKind.TASK else data.get("changeKey") or data.get("@odata.etag")
    return str(value) if value is not None else None


# The JSON type of each property graphsync reads, as Graph defines it; null is always allowed (no value).
# A value of another type is a malformed answer: read as text or as "no value", it would be written to NAV.
_CONTACT_TEXTS = (
    "displayName",
    "givenName",
    "middleName",
    "surname",
    "jobTitle",
    "companyName",
    "mobilePhone",
    "businessHomePage",
)
_PROPERTY_TYPES: Mapping[str, type] = {
    **dict.fromkeys(
        (
            "id",
            "changeKey",
            "@odata.etag",
            *_CONTACT_TEXTS,
            "subject",
            "importance",
            "title",
            "status",
            "lastModifiedDateTime",
            "createdDateTime",
        ),
        str,
    ),
    **dict.fromkeys(("businessAddress", "location", "start", "end", "body", "startDateTime", "dueDateTime"), dict),
    **dict.fromkeys(("businessPhones", "categories"), list),
    **dict.fromkeys(("emailAddresses", "attendees", EXTENDED, "linkedResources", "extensions"), list),
    "isAllDay": bool,
}
_LIST_OF: Mapping[str, type] = {
    "businessPhones": str,
    "categories": str,
    "emailAddresses": dict,
    "attendees": dict,
    EXTENDED: dict,
    "linkedResources": dict,
    "extensions": dict,
}


_ALWAYS_SENT: Mapping[ItemKind, tuple[str, ...]] = {
    # Outlook sends every property of a contact or an event, null (or an empty object or array) when it
    # has none: one left out is not a cleared value, and reading it as one would clear the NAV field. These
    # are the ones the default field maps read. To Do leaves out what a task does not have (a due date),
    # so a task's missing date is a cleared one; its title, body, importance and status are always sent.
    ItemKind.CONTACT: (
        "givenName",
        "middleName",
        "surname",
        "displayName",
        "companyName",
        "jobTitle",
        "mobilePhone",
        "businessHomePage",
        "businessAddress",
        "businessPhones",
        "emailAddresses",
    ),
    ItemKind.EVENT: ("subject", "body", "importance", "location", "isAllDay", "start", "end", "attendees"),
    ItemKind.TASK: ("title", "body", "importance", "status"),
}


_ALWAYS_SENT_SETS = {kind: frozenset(names) for kind, names in _ALWAYS_SENT.items()}


def _json_type(value: object) -> str:
    return {dict: "an object", list: "an array", str: "a string", bool: "a boolean"}.get(type(value), "a number")


def _shown(value: object) -> str:
    """A value for a message, with any lone surrogate escaped, so that the message can be printed and logged."""
    text = value if isinstance(value, str) else repr(value)
    return escaped(text)[:60]


_EVERY_KIND = frozenset(("id", "changeKey", "@odata.etag", "lastModifiedDateTime", "createdDateTime", "categories"))
_PROPERTIES_OF: Mapping[ItemKind, frozenset[str]] = {
    # Of `_PROPERTY_TYPES`, those the Graph resource has (contact, event, todoTask): a contact has no subject,
    # so a contact's "subject" is nothing graphsync reads, whatever its type.
    ItemKind.CONTACT: _EVERY_KIND
    | {*_CONTACT_TEXTS, "title", "businessAddress", "businessPhones", "emailAddresses", EXTENDED},
    ItemKind.EVENT: _EVERY_KIND
    | {"subject", "importance", "location", "start", "end", "body", "isAllDay", "attendees", EXTENDED},
    ItemKind.TASK: _EVERY_KIND
    | {"title", "status", "importance", "body", "startDateTime", "dueDateTime", "linkedResources", "extensions"},
}
_VALUE_CHECKS: Mapping[ItemKind, tuple[tuple[str, type], ...]] = {
    kind: tuple((n, t) for n, t in _PROPERTY_TYPES.items() if n in properties and n not in _LIST_OF)
    for kind, properties in _PROPERTIES_OF.items()
}
_LIST_CHECKS: Mapping[ItemKind, tuple[tuple[str, type], ...]] = {
    kind: tuple((n, t) for n, t in _LIST_OF.items() if n in properties) for kind, properties in _PROPERTIES_OF.items()
}
"""Per kind, what `check_shape` checks: each property's JSON type, and each list's entries' type; fewer per item
than every kind's properties."""


def check_shape(kind: ItemKind, data: Mapping[str, Any]) -> None:
    """GraphError ``malformedItem`` naming the property when a property graphsync reads has the wrong JSON type.
    (A text with half a character in it is well-formed JSON: NAV refuses it as that item's error.)"""
    get = data.get
    # Every item read passes here: exact type tests first (JSON gives exactly these types), isinstance only
    # to be sure before refusing.
    for name, expected in _VALUE_CHECKS[kind]:
        value = get(name)
        if value is not None and type(value) is not expected and not isinstance(value, expected):
            _malformed(kind, data, name, value)
    for name, element in _LIST_CHECKS[kind]:
        value = get(name)
        if value is None:
            continue
        if type(value) is not list and not isinstance(value, list):
            _malformed(kind, data, name, value)
        for v in cast("list[Any]", value):  # a list: its type was just checked
            if v is not None and type(v) is not element and not isinstance(v, element):
                _malformed(kind, data, name, value)


def _malformed(kind: ItemKind, data: Mapping[str, Any], name: str, value: object) -> NoReturn:
    raise GraphError(
        f"Graph answered a {kind.value} ({_shown(data.get('id'))}) whose {name} is not what Graph sends: "
        f"{_json_type(value)} ({_shown(value)})",
        code="malformedItem",
    )


def _item_id(kind: ItemKind, data: Mapping[str, Any], *, required: bool) -> str:
    raw_id = data.get("id", "")
    if not isinstance(raw_id, str) or (required and not raw_id):
        # An item read in full without a usable id would be linked to an id that names nothing, and the next
        # run would take that for a deletion in Outlook (and delete the NAV record).
        raise GraphError(f"Graph answered a {kind.value} without a usable id ({raw_id!r})", code="malformedItem")
    return raw_id


def written_item(
    kind: ItemKind, data: Mapping[str, Any], *, item_id: str, nav_key: str | None, user_fields: Mapping[str, str | None]
) -> OutlookItem:
    """The item Graph answered a write with (``item_id`` when the answer names none), holding the NAV key and
    user fields written: Graph does not echo extended properties on POST or PATCH, so what was written is
    what is stored. Checked as `read_item` checks what it reads, and built once (a create's answer is read
    for every item of an initial load)."""
    check_shape(kind, data)
    answered = _item_id(kind, data, required=False)
    return OutlookItem(kind, answered or item_id, data, version_of(kind, data), nav_key, user_fields)


def read_item(kind: ItemKind, data: Mapping[str, Any], *, user_fields: Sequence[str] | None = None) -> OutlookItem:
    """An `OutlookItem` from Graph JSON. ``user_fields`` None: the item was read without its stamps (a delta
    page), so nav_key and user_fields stay None; otherwise they are read from what was expanded. A property of
    the wrong type is a GraphError ``malformedItem`` (`check_shape`)."""
    check_shape(kind, data)
    item_id = _item_id(kind, data, required=user_fields is not None)
    version = version_of(kind, data)
    # A delta page may hold stubs: the engine fetches a partial item whole before it reads its fields, and
    # does not read one that is partial still (an item error, the NAV record left as it is).
    always = _ALWAYS_SENT[kind]
    missing = () if _ALWAYS_SENT_SETS[kind] <= data.keys() else tuple(n for n in always if n not in data)
    if user_fields is None:
        return OutlookItem(kind, item_id, data, version, missing=missing)
    if kind is ItemKind.TASK:
        nav_key = next(
            (
                str(r.get("externalId"))
                for r in data.get("linkedResources") or []
                if r.get("applicationName") == TASK_APPLICATION and r.get("externalId")
            ),
            None,
        )
        stored: dict[str, str] = {}
        for ext in data.get("extensions") or []:
            if ext.get("extensionName") == TASK_EXTENSION or str(ext.get("id", "")).endswith(TASK_EXTENSION):
                stored = dict(zip(ext.get("fieldNames") or [], ext.get("fieldValues") or [], strict=False))
        fields = {n: (stored.get(n) or None) for n in user_fields}
        return OutlookItem(kind, item_id, data, version, nav_key, fields, missing)
    values = {str(p.get("id", "")).lower(): p.get("value") for p in data.get(EXTENDED) or []}
    nav_key = values.get(property_id(NAV_KEY_PROPERTY).lower()) or None
    fields = {n: (values.get(property_id(n).lower()) or None) for n in user_fields}
    return OutlookItem(kind, item_id, data, version, nav_key, fields, missing)
