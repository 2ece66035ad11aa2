"""The add-in's setup as graphsync config: pure, from `AddinSetup` and NAV's table definitions.

Which graphsync entity an add-in entity is: its table and Outlook item class (Contact 5050 as a ContactItem is
CONT_PERS or CONT_COMP by its Type condition, Salesperson 13 is CONT_SP, To-do 5080 as an AppointmentItem is
MEETING, as a TaskItem TASK); any other is reported and not carried.

Per NAV user, from their Outlook Synch. User Setup lines: an entity they synced is enabled (the others are not),
with their Synch. Direction; the conditions of the entity and of the user's line are carried where graphsync's
conditions can say them (a field equal to one value, or to one of several: ``CONST(x)``, ``FILTER(a|b)``), a
value equal to the user's own salesperson code becoming ``@owner``; conditions graphsync applies anyway (a
contact's Type, a to-do's Type and System To-do Type) are left out, and any other is reported.

Field maps (element 0 of Outlook Synch. Field): each Outlook property is matched to the Graph property graphsync
writes (FullName -> displayName, Email1Address -> emailAddresses[0].address, ...; a user-defined field -> a
graphsync user-defined field of the same name). A field that maps what graphsync's default maps is left as it
is; one that maps another NAV field replaces the default; a default the add-in did not map is removed (except
the display name and a meeting's computed attendees and body); an Outlook property Graph has no equivalent of
(fax, pager and telex numbers, a meeting's organizer) is reported. "Read-Only in Microsoft Dynamics NAV"
becomes ``read_only``; "Read-Only in Outlook" has no graphsync equivalent and is reported.

Users whose settings come out the same share one config; the others get one each (`ConfigGroup`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import Enum

from graphsync.config.entities import (
    ATTENDEE_NOTE_FIELD,
    ATTENDEES_FIELD,
    OWNER,
    Condition,
    Direction,
    EntityName,
    default_entity,
)
from graphsync.connectors.nav import FieldType, NavTable, TableDef
from graphsync.engine.entities import nav_table
from graphsync.migrate.addin.tables import AddinEntity, AddinField, AddinFilter, AddinSetup

TableDefs = Callable[[NavTable], TableDef]

DIRECTIONS = {
    "Bidirectional": Direction.BIDIRECTIONAL,
    "Microsoft Dynamics NAV to Outlook": Direction.NAV_TO_OUTLOOK,
    "Outlook to Microsoft Dynamics NAV": Direction.OUTLOOK_TO_NAV,
}

_CONTACT_PROPERTIES = {
    "FullName": "displayName",
    "FirstName": "givenName",
    "MiddleName": "middleName",
    "LastName": "surname",
    "JobTitle": "jobTitle",
    "CompanyName": "companyName",
    "Department": "department",
    "OfficeLocation": "officeLocation",
    "Title": "title",
    "NickName": "nickName",
    "Initials": "initials",
    "Profession": "profession",
    "ManagerName": "manager",
    "AssistantName": "assistantName",
    "Spouse": "spouseName",
    "BusinessAddressStreet": "businessAddress.street",
    "BusinessAddressCity": "businessAddress.city",
    "BusinessAddressPostalCode": "businessAddress.postalCode",
    "BusinessAddressState": "businessAddress.state",
    "BusinessAddressCountry": "businessAddress.countryOrRegion",
    "BusinessTelephoneNumber": "businessPhones[0]",
    "Business2TelephoneNumber": "businessPhones[1]",
    "HomeTelephoneNumber": "homePhones[0]",
    "MobileTelephoneNumber": "mobilePhone",
    "Email1Address": "emailAddresses[0].address",
    "Email2Address": "emailAddresses[1].address",
    "Email3Address": "emailAddresses[2].address",
    "BusinessHomePage": "businessHomePage",
}
_APPOINTMENT_PROPERTIES = {
    "Subject": "subject",
    "Start": "start",
    "End": "end",
    "Duration": "end",
    "Location": "location.displayName",
    "AllDayEvent": "isAllDay",
    "Importance": "importance",
}
_TASK_PROPERTIES = {
    "Subject": "title",
    "StartDate": "startDateTime",
    "DueDate": "dueDateTime",
    "Importance": "importance",
    "Status": "status",
}
_PROPERTIES = {
    "ContactItem": _CONTACT_PROPERTIES,
    "AppointmentItem": _APPOINTMENT_PROPERTIES,
    "TaskItem": _TASK_PROPERTIES,
}
_RELATED: dict[tuple[int, int, int], int] = {
    # (entity table, related table, related field) -> the entity's own field holding the same value: the add-in
    # read a country's name (9), a post code's city and code (225) and a person's company name through tables
    # graphsync reads directly (the country name from the code, by graphsync's country conversion).
    (5050, 9, 2): 35,
    (5050, 225, 2): 7,
    (5050, 225, 1): 91,
    (5050, 5050, 2): 5052,
    (5050, 5050, 5052): 5052,
}
_KEPT = {"displayName", "attendees", "body"}
"""Defaults kept even when the add-in did not map them: Outlook needs a display name, and a meeting's attendees
and body are graphsync's own (from the Attendee table, as the add-in's Recipients element did)."""
_BUILT_IN_FIELDS = {
    EntityName.CONT_COMP: {5050},
    EntityName.CONT_PERS: {5050},
    EntityName.CONT_SP: set(),
    EntityName.MEETING: {8, 45},
    EntityName.TASK: {8, 45},
}
"""Fields (by number) of the conditions graphsync applies to each entity anyway (`BUILT_IN_SELECTION`)."""


class NoteKind(Enum):
    NOT_CARRIED = "not carried"
    CHANGED = "changed"


@dataclass(frozen=True)
class Note:
    """Something of the add-in's setup graphsync does differently, for the partner to read."""

    entity: str
    """The add-in's entity code."""
    text: str
    user: str = ""
    kind: NoteKind = NoteKind.NOT_CARRIED


@dataclass(frozen=True)
class FieldEntry:
    """A ``[[entities.X.fields]]`` table."""

    nav: tuple[int, ...]
    nav_names: tuple[str, ...]
    outlook: str
    user_defined: bool = False
    read_only: bool = False


@dataclass(frozen=True)
class EntitySetting:
    name: EntityName
    enabled: bool
    direction: Direction = Direction.BIDIRECTIONAL
    condition: tuple[Condition, ...] = ()
    remove: tuple[str, ...] = ()
    fields: tuple[FieldEntry, ...] = ()


@dataclass(frozen=True)
class UserSetting:
    user_id: str
    salesperson: str | None
    entities: tuple[EntitySetting, ...]


@dataclass(frozen=True)
class ConfigGroup:
    """Users whose add-in setup comes out as the same graphsync config."""

    users: tuple[str, ...]
    salespeople: tuple[str, ...]
    entities: tuple[EntitySetting, ...]
    file_name: str

    def toml(self) -> str:
        return render_entities(self)


@dataclass(frozen=True)
class SetupProposal:
    groups: tuple[ConfigGroup, ...]
    notes: tuple[Note, ...]
    mapped: dict[str, EntityName] = field(default_factory=dict)
    """Add-in entity code -> graphsync entity."""


# --------------------------------------------------------------------------- which entity


def classify(entity: AddinEntity, setup: AddinSetup, tables: TableDefs) -> EntityName | None:
    if entity.table_no == NavTable.SALESPERSON and entity.outlook_item == "ContactItem":
        return EntityName.CONT_SP
    if entity.table_no == NavTable.TODO:
        return {"AppointmentItem": EntityName.MEETING, "TaskItem": EntityName.TASK}.get(entity.outlook_item)
    if entity.table_no != NavTable.CONTACT or entity.outlook_item != "ContactItem":
        return None
    types = tables(NavTable.CONTACT).field("Type").options
    for line in setup.conditions(entity.guid):
        if line.field_no == 5050 and line.case == "CONST":
            caption = _option(types, line.value)
            if caption in ("Person", "Company"):
                return EntityName.CONT_PERS if caption == "Person" else EntityName.CONT_COMP
    for f in setup.fields_of(entity.code):
        if f.field_no == 5050 and f.table_no == 0 and not f.outlook_property:
            caption = _option(types, f.default_value)
            if caption in ("Person", "Company"):
                return EntityName.CONT_PERS if caption == "Person" else EntityName.CONT_COMP
    return None


def _option(options: Sequence[str], value: str) -> str | None:
    text = value.strip()
    if text.isdigit() and int(text) < len(options):
        return options[int(text)]
    return next((o for o in options if o.lower() == text.lower()), None)


# --------------------------------------------------------------------------- field maps


def _nav_numbers(spec_nav: Sequence[object], table: TableDef) -> tuple[int, ...]:
    out = []
    for ref in spec_nav:
        try:
            out.append(table.field(ref if isinstance(ref, int | str) else str(ref)).no)
        except KeyError:
            out.append(-1)
    return tuple(out)


def _field_map(
    name: EntityName, entity: AddinEntity, setup: AddinSetup, tables: TableDefs
) -> tuple[tuple[FieldEntry, ...], tuple[str, ...], list[Note]]:
    """The [[fields]] entries and removed defaults that make graphsync's map the add-in's, and the notes."""
    spec = default_entity(name)
    table = tables(nav_table(spec.name))
    properties = _PROPERTIES.get(entity.outlook_item, {})
    notes: list[Note] = []
    targets: dict[str, tuple[list[int], bool]] = {}
    for f in setup.fields_of(entity.code):
        if not f.outlook_property:
            continue  # a default value the add-in gave new records (their Type): graphsync's selection does that
        read_only = f.read_only_status == "Read-Only in Microsoft Dynamics NAV"
        number = _own_field(f, entity)
        if number is None:
            if (f.table_no, f.field_no) == (NavTable.SALESPERSON, 2):
                text = "the salesperson; graphsync's meetings and tasks belong to the mailbox they are in"
            else:
                text = f"read through table {f.table_no}, which graphsync does not read"
            notes.append(Note(entity.code, f"{f.outlook_property}: {text}"))
            continue
        if f.read_only_status == "Read-Only in Outlook":
            notes.append(
                Note(
                    entity.code,
                    f"{f.outlook_property}: 'Read-Only in Outlook' has no graphsync equivalent; it syncs both ways",
                )
            )
        if f.user_defined:
            target = f"user:{f.outlook_property}"
        else:
            path = properties.get(f.outlook_property)
            if path is None:
                notes.append(
                    Note(
                        entity.code,
                        f"{f.outlook_property}: Microsoft Graph has no such {entity.outlook_item.removesuffix('Item')} "
                        "property",
                    )
                )
                continue
            target = path
        numbers, ro = targets.setdefault(target, ([], read_only))
        if number not in numbers:
            numbers.append(number)
        targets[target] = (numbers, ro or read_only)
    defaults = {f.target: f for f in spec.fields}
    entries: list[FieldEntry] = []
    for target, (numbers, read_only) in targets.items():
        if target == "end" and name is EntityName.MEETING:
            continue  # Duration or End: graphsync computes end from Ending Date and Time, as NAV keeps them
        default = defaults.get(target)
        nav = tuple(numbers[:2])
        if default is not None:
            default_nav = _nav_numbers(default.nav, table)
            # To Do keeps dates without times: the add-in's StartDate/DueDate times (Start Time, Ending Time)
            # have nowhere to go, so the date field alone is what is compared.
            same = set(default_nav) == set(nav) or (name is EntityName.TASK and default_nav[0] == nav[0])
            if same:
                if read_only and not default.read_only:
                    entries.append(_entry(default_nav, table, target, True))
                continue
        entries.append(_entry(nav, table, target, read_only or (default.read_only if default else False)))
    removed = tuple(
        t
        for t, f in defaults.items()
        if t not in targets
        and t not in _KEPT
        and not (t == "end" and name is EntityName.MEETING)
        and not any(isinstance(r, str) and r in (ATTENDEES_FIELD, ATTENDEE_NOTE_FIELD) for r in f.nav)
    )
    return tuple(entries), removed, notes


def _entry(nav: tuple[int, ...], table: TableDef, target: str, read_only: bool) -> FieldEntry:
    names = tuple(table.field(n).name for n in nav)
    if target.startswith("user:"):
        name = target.removeprefix("user:")
        return FieldEntry(nav, names, "" if name == names[0] else name, user_defined=True, read_only=read_only)
    return FieldEntry(nav, names, target, read_only=read_only)


def _own_field(f: AddinField, entity: AddinEntity) -> int | None:
    """The entity's own field number a field map line reads (None: only through a table graphsync skips)."""
    if f.table_no == 0:
        return f.field_no
    return _RELATED.get((entity.table_no, f.table_no, f.field_no))


# --------------------------------------------------------------------------- conditions


def _conditions(
    name: EntityName, lines: Sequence[AddinFilter], owner: str | None, tables: TableDefs, code: str, user: str
) -> tuple[list[Condition], list[Note]]:
    table = tables(nav_table(name))
    out: list[Condition] = []
    notes: list[Note] = []
    for line in lines:
        if line.case == "FIELD" or line.field_no in _BUILT_IN_FIELDS[name]:
            continue
        try:
            f = table.field(line.field_no)
        except KeyError:
            notes.append(Note(code, f"condition on field {line.field_no}: no such field in table {table.no}", user))
            continue
        shown = f"{f.name}={line.case}({line.value})"
        if f.type is FieldType.BOOLEAN:
            notes.append(Note(code, f"condition {shown}: graphsync has no conditions on Boolean fields", user))
            continue
        parts = [line.value] if line.case == "CONST" else line.value.split("|")
        values: list[str] = []
        for part in parts:
            text = part.strip()
            if line.case == "FILTER" and (not text or any(c in text for c in "<>=.*?@&()'")):
                values = []
                break
            if f.type is FieldType.OPTION:
                caption = _option(f.options, text)
                if caption is None:
                    values = []
                    break
                text = caption
            elif f.type is FieldType.CODE:
                text = text.upper()
            values.append(OWNER if owner and f.type is FieldType.CODE and text == owner.upper() else text)
        if not values:
            notes.append(Note(code, f"condition {shown}: graphsync conditions are one value or several (a|b)", user))
            continue
        out.append(Condition(f.name, tuple(dict.fromkeys(values))))
    return out, notes


# --------------------------------------------------------------------------- per user, grouped


def propose(setup: AddinSetup, tables: TableDefs) -> SetupProposal:
    notes: list[Note] = []
    mapped: dict[str, EntityName] = {}
    maps: dict[EntityName, tuple[tuple[FieldEntry, ...], tuple[str, ...]]] = {}
    for entity in setup.entities:
        name = classify(entity, setup, tables)
        if name is None:
            notes.append(
                Note(
                    entity.code,
                    f"table {entity.table_no} as {entity.outlook_item or 'no item'}: not an entity graphsync syncs",
                )
            )
            continue
        if name in mapped.values():
            notes.append(
                Note(
                    entity.code,
                    f"a second add-in entity for {name.value}: only "
                    f"{next(c for c, n in mapped.items() if n is name)} is carried",
                )
            )
            continue
        mapped[entity.code] = name
        entries, removed, field_notes = _field_map(name, entity, setup, tables)
        maps[name] = (entries, removed)
        notes.extend(field_notes)
    users: list[UserSetting] = []
    for user in setup.sync_users():
        owner = setup.salesperson_of(user)
        settings: list[EntitySetting] = []
        lines = {s.entity_code: s for s in setup.setups_of(user)}
        for name in EntityName:
            code = next((c for c, n in mapped.items() if n is name), None)
            line = lines.get(code) if code is not None else None
            if code is None or line is None:
                settings.append(EntitySetting(name, enabled=False))
                continue
            addin_entity = setup.entity(code)
            assert addin_entity is not None
            conditions, condition_notes = _conditions(
                name, [*setup.conditions(addin_entity.guid), *setup.conditions(line.guid)], owner, tables, code, user
            )
            notes.extend(condition_notes)
            merged = list(default_entity(name).condition)
            for c in conditions:
                merged = [m for m in merged if m.field != c.field] + [c]
            direction = DIRECTIONS.get(line.direction)
            if direction is None:
                notes.append(Note(code, f"synch. direction {line.direction!r} unknown: bidirectional", user))
                direction = Direction.BIDIRECTIONAL
            entries, removed = maps[name]
            settings.append(EntitySetting(name, True, direction, tuple(merged), removed, entries))
        users.append(UserSetting(user, owner, tuple(settings)))
    groups: dict[tuple[EntitySetting, ...], list[UserSetting]] = {}
    for u in users:
        groups.setdefault(u.entities, []).append(u)
    ordered = sorted(groups.items(), key=lambda item: (-len(item[1]), item[1][0].user_id))
    result = []
    for n, (entities, members) in enumerate(ordered):
        codes = tuple(u.salesperson or "" for u in members)
        slug = codes[0] if codes[0] else "".join(c if c.isalnum() else "-" for c in members[0].user_id.lower())
        result.append(
            ConfigGroup(
                tuple(u.user_id for u in members),
                codes,
                entities,
                "graphsync.addin.toml" if n == 0 else f"graphsync.addin.{slug}.toml",
            )
        )
    return SetupProposal(tuple(result), tuple(dict.fromkeys(notes)), mapped)


# --------------------------------------------------------------------------- TOML


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _condition_toml(conditions: Sequence[Condition]) -> str:
    parts = []
    for c in conditions:
        value = _quote(c.values[0]) if len(c.values) == 1 else "[" + ", ".join(_quote(v) for v in c.values) + "]"
        parts.append(f"{_quote(str(c.field))} = {value}")
    return "{ " + ", ".join(parts) + " }"


def render_entities(group: ConfigGroup) -> str:
    """The ``[entities.*]`` tables of a group's config."""
    who = ", ".join(f"{u} ({s})" if s else u for u, s in zip(group.users, group.salespeople, strict=True))
    lines = [
        "# Entities carried over from NAV's Outlook Synchronization add-in (scripts/migrate_addin.py config)",
        f"# for the NAV users {who}.",
    ]
    for e in group.entities:
        lines.append("")
        lines.append(f"[entities.{e.name.value}]")
        lines.append(f"enabled = {'true' if e.enabled else 'false'}")
        if not e.enabled:
            continue
        lines.append(f"direction = {_quote(e.direction.value)}")
        if e.condition:
            lines.append(f"condition = {_condition_toml(e.condition)}")
        if e.remove:
            lines.append("remove = [" + ", ".join(_quote(t) for t in e.remove) + "]")
        for f in e.fields:
            lines.append("")
            lines.append(f"[[entities.{e.name.value}.fields]]")
            nav = str(f.nav[0]) if len(f.nav) == 1 else "[" + ", ".join(map(str, f.nav)) + "]"
            lines.append(f"nav = {nav}  # {', '.join(f.nav_names)}")
            if f.outlook:
                lines.append(f"outlook = {_quote(f.outlook)}")
            if f.user_defined:
                lines.append("user_defined = true")
            if f.read_only:
                lines.append("read_only = true")
    return "\n".join(lines) + "\n"


def config_text(base: str | None, group: ConfigGroup) -> str:
    """A whole config file: ``base`` (the current config's text, its own ``[entities]`` left out; None: the
    embedded defaults) followed by the group's entities."""
    import tomlkit

    head = ""
    if base:
        doc = tomlkit.parse(base)
        doc.pop("entities", None)
        head = tomlkit.dumps(doc).rstrip() + "\n\n"
    return head + render_entities(group)
