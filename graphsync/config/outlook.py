"""What an Outlook item of each kind has, so that a field map's Outlook path is checked when the config is
read, not by every later run's item errors (``businessPhonez[0]`` is refused with "did you mean
businessPhones[0]?").

The properties are Graph v1.0's, as its resource pages list them: api-reference/v1.0/resources/contact.md,
event.md and todotask.md, and the complex types they use (physicaladdress.md, emailaddress.md, itembody.md,
datetimetimezone.md, location.md). A path names one value graphsync can read and write as a NAV field: a
scalar property, one entry of a collection (``businessPhones[0]``), a property inside an object
(``businessAddress.city``, ``emailAddresses[1].address``), or one of the objects a conversion reads and
writes whole (a dateTimeTimeZone for ``datetime`` and ``date``, an itemBody for ``body``).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from enum import Enum


class Resource(Enum):
    """The Graph resource an entity's items are (the config's own names: it knows no connector). Each value is
    the matching `graphsync.connectors.outlook.Resource`'s."""

    CONTACT = "contact"
    EVENT = "event"
    TASK = "task"
    """A Microsoft To Do task (todoTask)."""


_PATH = re.compile(r"^[A-Za-z][A-Za-z0-9]*(\[\d+\])?(\.[A-Za-z][A-Za-z0-9]*(\[\d+\])?)*$")
_STEP = re.compile(r"^([A-Za-z][A-Za-z0-9]*)(?:\[(\d+)\])?$")


def is_valid_path(text: str) -> bool:
    """Whether ``text`` is a Graph property path as a field map writes it: dot-separated property names, each
    optionally indexed once (``businessPhones[0]``, ``emailAddresses[1].address``); `graphsync.mapping.paths`
    reads and writes items by it."""
    return bool(_PATH.match(text))


def _steps(path: str) -> list[tuple[str, int | None]]:
    """A valid path's steps: each property name and its index (None: not indexed)."""
    steps = []
    for part in path.split("."):
        m = _STEP.match(part)
        assert m is not None  # guaranteed by is_valid_path
        steps.append((m.group(1), int(m.group(2)) if m.group(2) is not None else None))
    return steps


@dataclass(frozen=True)
class Prop:
    type: str
    """A scalar type (``String``, ``Boolean``, ``Int32``, ``DateTimeOffset``, an enum's name) or a complex
    type's name (a key of `COMPLEX`, or one graphsync cannot map into, such as ``patternedRecurrence``)."""
    collection: bool = False
    writable: bool = True
    """False: Graph sets it (``createdDateTime``); only an outlook-to-nav entity can map it."""


def _props(text: str, type_: str = "String", **kw: bool) -> dict[str, Prop]:
    return dict.fromkeys(text.split(), Prop(type_, **kw))


COMPLEX: Mapping[str, Mapping[str, Prop]] = {
    "physicalAddress": _props("street city state countryOrRegion postalCode"),
    "emailAddress": _props("name address"),
    "itemBody": {"content": Prop("String"), "contentType": Prop("bodyType")},
    "dateTimeTimeZone": _props("dateTime timeZone"),
    "location": {
        **_props("displayName locationEmailAddress locationUri"),
        "address": Prop("physicalAddress"),
    },
}
"""The complex types a path may go into, with their properties."""

WHOLE_VALUES = frozenset({"dateTimeTimeZone", "itemBody"})
"""Complex types a conversion reads and writes whole: ``start`` (datetime), ``dueDateTime`` (date), ``body``."""

WHOLE_VALUES_OF: Mapping[Resource, frozenset[str]] = {Resource.EVENT: frozenset({"patternedRecurrence"})}
"""Complex types a conversion reads whole for one kind only: an event series' ``recurrence`` (the ``recurrence``
conversion, docs/engine.md "Recurring series"); a To Do task's recurrence has no conversion."""

SCALARS = frozenset(
    ("String", "Boolean", "Int32", "DateTimeOffset", "bodyType", "importance", "sensitivity", "freeBusyStatus")
) | {"taskStatus"}
"""Types a path may end at: text, booleans, numbers and enums (an enum maps through the ``option`` conversion)."""


RESOURCES: Mapping[Resource, Mapping[str, Prop]] = {
    Resource.CONTACT: {
        **_props(
            "assistantName businessHomePage companyName department displayName fileAs generation givenName "
            "initials jobTitle manager middleName mobilePhone nickName officeLocation personalNotes profession "
            "spouseName surname title yomiCompanyName yomiGivenName yomiSurname"
        ),
        "birthday": Prop("DateTimeOffset"),
        **_props("businessPhones homePhones imAddresses children categories", collection=True),
        **_props("businessAddress homeAddress otherAddress", "physicalAddress"),
        "emailAddresses": Prop("emailAddress", collection=True),
        **_props("id changeKey parentFolderId", writable=False),
        **_props("createdDateTime lastModifiedDateTime", "DateTimeOffset", writable=False),
    },
    Resource.EVENT: {
        **_props("subject onlineMeetingProvider transactionId"),
        **_props(
            "allowNewTimeProposals hideAttendees isAllDay isOnlineMeeting isReminderOn responseRequested", "Boolean"
        ),
        "reminderMinutesBeforeStart": Prop("Int32"),
        "importance": Prop("importance"),
        "sensitivity": Prop("sensitivity"),
        "showAs": Prop("freeBusyStatus"),
        **_props("start end", "dateTimeTimeZone"),
        "body": Prop("itemBody"),
        "location": Prop("location"),
        "locations": Prop("location", collection=True),
        "categories": Prop("String", collection=True),
        "attendees": Prop("attendee", collection=True),
        "organizer": Prop("recipient"),
        "recurrence": Prop("patternedRecurrence"),
        **_props(
            "id changeKey bodyPreview iCalUId onlineMeetingUrl originalEndTimeZone originalStartTimeZone "
            "seriesMasterId type webLink",
            writable=False,
        ),
        **_props("hasAttachments isCancelled isDraft isOrganizer", "Boolean", writable=False),
        **_props("createdDateTime lastModifiedDateTime originalStart", "DateTimeOffset", writable=False),
        "onlineMeeting": Prop("onlineMeetingInfo", writable=False),
        "responseStatus": Prop("responseStatus", writable=False),
    },
    Resource.TASK: {
        "title": Prop("String"),
        "body": Prop("itemBody"),
        "importance": Prop("importance"),
        "status": Prop("taskStatus"),
        "isReminderOn": Prop("Boolean"),
        **_props("startDateTime dueDateTime reminderDateTime completedDateTime", "dateTimeTimeZone"),
        "categories": Prop("String", collection=True),
        "recurrence": Prop("patternedRecurrence"),
        "id": Prop("String", writable=False),
        "hasAttachments": Prop("Boolean", writable=False),
        **_props("createdDateTime lastModifiedDateTime bodyLastModifiedDateTime", "DateTimeOffset", writable=False),
    },
}

_NOUN = {Resource.CONTACT: "contacts", Resource.EVENT: "events", Resource.TASK: "To Do tasks"}


def mappable_paths(kind: Resource, *, writable: bool = True) -> list[str]:
    """Every path of ``kind`` a field may map (a collection's first entry standing for all), for suggestions."""
    return sorted(_leaves(RESOURCES[kind], "", writable=writable))


def _leaves(props: Mapping[str, Prop], prefix: str, *, writable: bool) -> Iterator[str]:
    for name, prop in props.items():
        if writable and not prop.writable:
            continue
        path = f"{prefix}{name}{'[0]' if prop.collection else ''}"
        if prop.type in SCALARS or prop.type in WHOLE_VALUES:
            yield path
        if prop.type in COMPLEX:
            yield from _leaves(COMPLEX[prop.type], f"{path}.", writable=writable)


def path_problem(kind: Resource, path: str, *, writable: bool = True) -> str | None:
    """None when ``path`` names a value of an Outlook item of ``kind`` a field can map; otherwise what would
    have been accepted (for a `ConfigError`'s ``expected``). ``writable`` False (an outlook-to-nav entity)
    also accepts what Graph sets and never takes (``lastModifiedDateTime``)."""
    noun = _NOUN[kind]
    if not is_valid_path(path):
        return "a Graph property path such as 'businessPhones[0]' or 'businessAddress.city'"
    steps = _steps(path)
    props: Mapping[str, Prop] = RESOURCES[kind]
    where = f"Outlook {noun}"
    for n, (name, index) in enumerate(steps):
        last = n == len(steps) - 1
        prop = props.get(name)
        if prop is None:
            return f"a property of {where}{_did_you_mean(kind, path, writable=writable)}"
        if writable and not prop.writable:
            return (
                f"a property graphsync can write: Graph sets {name} itself (an entity with direction "
                "'outlook-to-nav' may read it)"
            )
        if prop.collection and index is None:
            return f"one entry of the collection {name}, such as {name}[0]"
        if not prop.collection and index is not None:
            return f"{name} without an index: it holds one value, not a collection"
        if last:
            if prop.type in SCALARS or prop.type in WHOLE_VALUES or prop.type in WHOLE_VALUES_OF.get(kind, ()):
                return None
            if prop.type in COMPLEX:
                inner = ", ".join(f"{name}.{p}" for p in COMPLEX[prop.type])
                return f"one property of {name} ({_a(prop.type)}): {inner}"
            return f"a property graphsync can map: {name} is a {prop.type}, which no NAV field can hold"
        here = path.split(".")[: n + 1]
        if prop.type not in COMPLEX:
            kind_of = "a single value" if prop.type in SCALARS or prop.type in WHOLE_VALUES else _a(prop.type)
            return f"a path that ends at {'.'.join(here)}: it is {kind_of}, with no properties to go into"
        props = COMPLEX[prop.type]
        where = f"{_a(prop.type)} ({'.'.join(here)})"
    return None  # pragma: no cover - the loop returns at the last step


def _a(word: str) -> str:
    return f"{'an' if word[:1].lower() in 'aeiou' else 'a'} {word}"


def _did_you_mean(kind: Resource, path: str, *, writable: bool) -> str:
    close = difflib.get_close_matches(path, mappable_paths(kind, writable=writable), n=1, cutoff=0.6)
    return f" (did you mean {close[0]}?)" if close else " (graphsync entities show CODE lists the ones mapped)"
