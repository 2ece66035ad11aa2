"""Which NAV records sync with which Outlook items, field by field: the ``[entities.*]`` config.

The built-in defaults mirror NAV's own Outlook synchronization (codeunit 5312 "Outlook Synch. Setup
Defaults"): CONT_COMP and CONT_PERS (Contact by Type) and CONT_SP (Salesperson) to Outlook contacts, MEETING
(to-dos of type Meeting) to calendar events, TASK (other to-dos) to Microsoft To Do tasks. A config only
states what differs: per entity its direction, policies, condition, fields added (``[[entities.X.fields]]``,
replacing a default with the same Outlook target) and default fields removed (``remove``).

NAV fields are named as NAV names them (``"Phone No."``) or by number (``9``); names are resolved against
the connected NAV's table definition when a run starts (`graphsync.engine.binding`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from enum import Enum
from typing import Any

from graphsync.config.outlook import Resource, path_problem
from graphsync.config.reader import Table

NavFieldRef = str | int
OWNER = "@owner"
"""In a condition: the salesperson code of the mailbox being synced."""
ATTENDEES_FIELD = "@attendees"
"""A computed MEETING field: the invited attendees (Send Invitation) as e-mail addresses."""
ATTENDEE_NOTE_FIELD = "@attendee_note"
"""A computed MEETING field: the attendees who are not invited, listed for the event body."""
VIRTUAL_FIELDS = (ATTENDEES_FIELD, ATTENDEE_NOTE_FIELD)


class EntityName(Enum):
    CONT_COMP = "CONT_COMP"
    CONT_PERS = "CONT_PERS"
    CONT_SP = "CONT_SP"
    MEETING = "MEETING"
    TASK = "TASK"


class Conversion(Enum):
    TEXT = "text"
    CODE = "code"
    """Upper-case, like NAV's Code fields."""
    COUNTRY = "country"
    """NAV Country/Region code <-> the country name Outlook shows."""
    OPTION = "option"
    """NAV option caption <-> a Graph enum value (``High`` <-> ``high``), through a value table."""
    DATETIME = "datetime"
    """A NAV date and time (in the configured time zone) <-> Graph dateTimeTimeZone."""
    DATE = "date"
    """A NAV date <-> a Graph dateTimeTimeZone at that day's midnight in the mailbox's time zone (To Do due
    dates)."""
    BOOLEAN = "boolean"
    INTEGER = "integer"
    DECIMAL = "decimal"
    BODY = "body"
    """NAV text <-> a Graph itemBody; HTML bodies are compared by their text."""
    ATTENDEES = "attendees"
    """The invited attendees (computed from NAV's Attendee table) <-> Graph event attendees."""
    RECURRENCE = "recurrence"
    """NAV's Recurring, Recurring Date Interval and Calc. Due Date From <- a series' Graph recurrence."""


class Direction(Enum):
    BIDIRECTIONAL = "bidirectional"
    NAV_TO_OUTLOOK = "nav-to-outlook"
    OUTLOOK_TO_NAV = "outlook-to-nav"


class ConflictPolicy(Enum):
    MANUAL = "manual"
    NAV_WINS = "nav-wins"
    OUTLOOK_WINS = "outlook-wins"


class DeletePolicy(Enum):
    DELETE = "delete"
    """A deletion on one side deletes the linked item on the other."""
    UNLINK = "unlink"
    """A deletion on one side forgets the link; the other side's item stays, no longer synced."""
    NEVER = "never"
    """A deletion is never propagated: the deleted side is created again from the other."""


@dataclass(frozen=True)
class FieldSpec:
    nav: tuple[NavFieldRef, ...]
    """One NAV field, or a date and a time field for a DATETIME."""
    outlook: str
    """A Graph property path, or for a user-defined field its name ("" = the NAV field's name)."""
    user_defined: bool = False
    read_only: bool = False
    """Read-only in NAV: the value flows NAV -> Outlook only; Outlook edits of it are not taken."""
    outlook_owned: bool = False
    """Outlook's to set: the value flows Outlook -> NAV only, and only when Outlook's changes (a NAV value
    Outlook does not hold is left as it is). A recurring series' pattern (built-in only)."""
    optional: bool = False
    """Built-in only: left out of the map when the connected NAV lacks its fields (an OData page that does not
    publish them), instead of refusing the entity."""
    conversion: Conversion | None = None
    """None: chosen from the NAV field type (and the path) when the map is bound."""
    values: tuple[tuple[str, str], ...] = ()
    """OPTION: (NAV caption, Graph value) pairs."""
    key: str = ""
    """Where the field was configured (``entities.CONT_COMP.fields[0]``), for error messages."""

    @property
    def target(self) -> str:
        """What identifies the field within its entity: the path, or ``user:<name>``."""
        if self.user_defined:
            return f"user:{self.outlook or self.nav[0]}"
        return self.outlook


@dataclass(frozen=True)
class Condition:
    """Records match when the NAV field's value is one of ``values`` (``@owner`` = the mailbox owner)."""

    field: NavFieldRef
    values: tuple[str, ...]


@dataclass(frozen=True)
class EntitySpec:
    name: EntityName
    """Which entity; its NAV table and Outlook item kind follow from it (`graphsync.engine.entities`)."""
    fields: tuple[FieldSpec, ...]
    enabled: bool = True
    direction: Direction = Direction.BIDIRECTIONAL
    conflict_policy: ConflictPolicy = ConflictPolicy.MANUAL
    delete_policy: DeletePolicy = DeletePolicy.DELETE
    condition: tuple[Condition, ...] = ()
    """The user's condition (config); the entity's built-in selection (`BUILT_IN_SELECTION`) always applies too."""


@dataclass(frozen=True)
class EntitiesConfig:
    entities: tuple[EntitySpec, ...]
    """In processing order: companies before persons (a person refers to its company by key)."""

    def get(self, name: EntityName) -> EntitySpec:
        for spec in self.entities:
            if spec.name is name:
                return spec
        raise KeyError(name)

    def __iter__(self) -> Iterator[EntitySpec]:
        return iter(self.entities)


# ----------------------------------------------------------------------------- built-in selection

BUILT_IN_SELECTION: Mapping[EntityName, tuple[Condition, ...]] = {
    EntityName.CONT_COMP: (Condition("Type", ("Company",)),),
    EntityName.CONT_PERS: (Condition("Type", ("Person",)),),
    EntityName.CONT_SP: (),
    EntityName.MEETING: (Condition("Type", ("Meeting",)), Condition("System To-do Type", ("Organizer",))),
    EntityName.TASK: (Condition("Type", ("", "Phone Call")), Condition("System To-do Type", ("Organizer",))),
}
"""What makes a record belong to an entity, whatever the config says (NAV's entity definitions)."""

PRIORITY_TO_IMPORTANCE = (("Low", "low"), ("Normal", "normal"), ("High", "high"))
STATUS_TO_TODO = (
    ("Not Started", "notStarted"),
    ("In Progress", "inProgress"),
    ("Completed", "completed"),
    ("Waiting", "waitingOnOthers"),
    ("Postponed", "deferred"),
)


def _f(nav: NavFieldRef | tuple[NavFieldRef, ...], outlook: str, **kw: Any) -> FieldSpec:
    refs = nav if isinstance(nav, tuple) else (nav,)
    return FieldSpec(nav=refs, outlook=outlook, key="(built-in)", **kw)


_ADDRESS = (
    _f("Address", "businessAddress.street"),
    _f("City", "businessAddress.city"),
    _f("Post Code", "businessAddress.postalCode"),
    _f("County", "businessAddress.state"),
    _f("Country/Region Code", "businessAddress.countryOrRegion", conversion=Conversion.COUNTRY),
)
_CONTACT_COMMON = (
    *_ADDRESS,
    _f("Phone No.", "businessPhones[0]"),
    _f("Mobile Phone No.", "mobilePhone"),
    _f("E-Mail", "emailAddresses[0].address"),
    _f("E-Mail 2", "emailAddresses[1].address"),
    _f("Home Page", "businessHomePage"),
    _f("Salesperson Code", "", user_defined=True),
)

DEFAULT_FIELDS: Mapping[EntityName, tuple[FieldSpec, ...]] = {
    EntityName.CONT_COMP: (
        _f("Name", "displayName"),
        _f("Name", "companyName", read_only=True),
        *_CONTACT_COMMON,
    ),
    EntityName.CONT_PERS: (
        _f("Name", "displayName"),
        _f("First Name", "givenName"),
        _f("Middle Name", "middleName"),
        _f("Surname", "surname"),
        _f("Job Title", "jobTitle"),
        _f("Company Name", "companyName", read_only=True),
        *_CONTACT_COMMON,
    ),
    EntityName.CONT_SP: (
        _f("Name", "displayName"),
        _f("Job Title", "jobTitle"),
        _f("E-Mail", "emailAddresses[0].address"),
        _f("E-Mail 2", "emailAddresses[1].address"),
        _f("Phone No.", "businessPhones[0]"),
    ),
    EntityName.MEETING: (
        _f("Description", "subject"),
        _f(("Date", "Start Time"), "start", conversion=Conversion.DATETIME),
        _f(("Ending Date", "Ending Time"), "end", conversion=Conversion.DATETIME),
        _f("All Day Event", "isAllDay"),
        _f("Location", "location.displayName"),
        _f("Priority", "importance", conversion=Conversion.OPTION, values=PRIORITY_TO_IMPORTANCE),
        _f(ATTENDEES_FIELD, "attendees", conversion=Conversion.ATTENDEES, read_only=True),
        _f(ATTENDEE_NOTE_FIELD, "body", conversion=Conversion.BODY, read_only=True),
        # A series made in Outlook is one recurring to-do (docs/engine.md, "Recurring series").
        _f(
            ("Recurring", "Recurring Date Interval", "Calc. Due Date From"),
            "recurrence",
            conversion=Conversion.RECURRENCE,
            outlook_owned=True,
            optional=True,
        ),
    ),
    EntityName.TASK: (
        _f("Description", "title"),
        _f("Date", "startDateTime", conversion=Conversion.DATE),
        _f("Ending Date", "dueDateTime", conversion=Conversion.DATE),
        _f("Priority", "importance", conversion=Conversion.OPTION, values=PRIORITY_TO_IMPORTANCE),
        _f("Status", "status", conversion=Conversion.OPTION, values=STATUS_TO_TODO),
    ),
}

RESOURCES: Mapping[EntityName, Resource] = {
    EntityName.CONT_COMP: Resource.CONTACT,
    EntityName.CONT_PERS: Resource.CONTACT,
    EntityName.CONT_SP: Resource.CONTACT,
    EntityName.MEETING: Resource.EVENT,
    EntityName.TASK: Resource.TASK,
}
"""The Graph resource an entity's field map paths are checked against (`graphsync.config.outlook`): the same
as the Outlook item kind the engine makes of it (`graphsync.engine.entities.item_kind`, tested)."""

_OWN_TODOS = (Condition("Salesperson Code", (OWNER,)),)
_DEFAULT_CONDITION: Mapping[EntityName, tuple[Condition, ...]] = {
    EntityName.MEETING: _OWN_TODOS,
    EntityName.TASK: _OWN_TODOS,
}


def default_entity(name: EntityName) -> EntitySpec:
    condition = _DEFAULT_CONDITION.get(name, ())
    # A salesperson is NAV master data that a contact deleted in someone's Outlook must never delete (nor
    # may NAV re-create one from Outlook): deletions of CONT_SP only unlink by default.
    delete = DeletePolicy.UNLINK if name is EntityName.CONT_SP else DeletePolicy.DELETE
    return EntitySpec(name=name, fields=DEFAULT_FIELDS[name], condition=condition, delete_policy=delete)


def default_entities() -> EntitiesConfig:
    """NAV's defaults: what an empty config syncs."""
    return EntitiesConfig(tuple(default_entity(name) for name in EntityName))


# ----------------------------------------------------------------------------- reading TOML

_USER_FIELD_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ./_-]{0,63}$")


def parse_entities(t: Table) -> EntitiesConfig:
    """``[entities]`` -> `EntitiesConfig`: the defaults with what the table changes."""
    specs = {name: default_entity(name) for name in EntityName}
    for name in t.names():
        try:
            entity = EntityName(name.upper())
        except ValueError:
            raise t.error(name, "an entity name, one of " + ", ".join(e.value for e in EntityName), name) from None
        specs[entity] = _entity(t.table(name, required=True), specs[entity])
    t.done()
    return EntitiesConfig(tuple(specs[name] for name in EntityName))


def _entity(t: Table, base: EntitySpec) -> EntitySpec:
    enabled = t.boolean("enabled", base.enabled)
    direction = t.enum("direction", Direction, base.direction)
    conflict = t.enum("conflict_policy", ConflictPolicy, base.conflict_policy)
    delete = t.enum("delete_policy", DeletePolicy, base.delete_policy)
    condition = _condition(t) if t.has("condition") else base.condition
    removed = t.str_list("remove", ())
    fields = list(base.fields)
    targets = {f.target for f in fields}
    for i, target in enumerate(removed):
        if target not in targets and f"user:{target}" not in targets:
            expected = "the Outlook target of a default field (" + ", ".join(sorted(targets)) + ")"
            raise t.error(f"remove[{i}]", expected, target)
        fields = [f for f in fields if f.target not in (target, f"user:{target}")]
    for ft in t.array_of_tables("fields"):
        spec = _field(ft, RESOURCES[base.name], direction)
        fields = [f for f in fields if f.target != spec.target] + [spec]
    t.done()
    return replace(
        base,
        enabled=enabled,
        direction=direction,
        conflict_policy=conflict,
        delete_policy=delete,
        condition=condition,
        fields=tuple(fields),
    )


def _nav_ref(t: Table, key: str, value: object) -> NavFieldRef:
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise t.error(key, 'a NAV field name ("Phone No.") or number (9)', value)
    if isinstance(value, str) and not value.strip():
        raise t.error(key, 'a NAV field name ("Phone No.") or number (9)', value)
    return value


def _condition(t: Table) -> tuple[Condition, ...]:
    ct = t.table("condition")
    result = []
    for name in ct.names():
        raw = ct.raw(name)
        values = raw if isinstance(raw, list) else [raw]
        if not values or not all(isinstance(v, str | int) and not isinstance(v, bool) for v in values):
            raise ct.error(
                name, "a value or an array of values the field must equal ('@owner' = the mailbox's salesperson)", raw
            )
        ref: NavFieldRef = int(name) if name.isdigit() else name
        result.append(Condition(ref, tuple(str(v) for v in values)))
    ct.done()
    return tuple(result)


def _field(t: Table, kind: Resource, direction: Direction) -> FieldSpec:
    raw = t.raw("nav")
    refs = (
        tuple(_nav_ref(t, f"nav[{i}]", v) for i, v in enumerate(raw))
        if isinstance(raw, list)
        else (_nav_ref(t, "nav", raw),)
    )
    if not 1 <= len(refs) <= 2:
        raise t.error("nav", "one NAV field, or two (a date and a time)", raw)
    user_defined = t.boolean("user_defined", False)
    problem: str | None = None
    read_only = t.boolean("read_only", False)
    conversion = t.enum("conversion", Conversion, None) if t.has("conversion") else None
    values_table = t.table("values")
    values = tuple((caption, values_table.text(caption, allow_empty=False)) for caption in values_table.names())
    values_table.done()
    if user_defined:
        outlook = t.text("outlook", "")
        name = outlook or (refs[0] if isinstance(refs[0], str) else "")
        if name and not _USER_FIELD_NAME.match(name):
            raise t.error("outlook", "a user-defined field name: letters, digits, spaces, . / _ - (at most 64)", name)
        if len(refs) != 1:
            raise t.error("nav", "one NAV field (a user-defined field holds one value)", raw)
    else:
        outlook = t.text("outlook")
        # Checked against the entity's Graph resource: a path it does not have would fail every item of every
        # run. What Graph sets itself can only be read, by an entity that writes nothing to Outlook.
        problem = path_problem(kind, outlook, writable=direction is not Direction.OUTLOOK_TO_NAV)
    if any(isinstance(r, str) and r.startswith("@") for r in refs):
        raise t.error("nav", "a NAV field of the table (computed '@' fields are built in)", raw)
    key = t.key_path("")[:-1]
    t.done()  # an unknown key (a typo of a key's name) is said before what its neighbours hold
    if problem is not None:
        raise t.error("outlook", problem, outlook)
    return FieldSpec(
        nav=refs,
        outlook=outlook,
        user_defined=user_defined,
        read_only=read_only,
        conversion=conversion,
        values=values,
        key=key,
    )
