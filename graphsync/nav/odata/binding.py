"""Which published page stands for which NAV table, and which OData property for which NAV field.

Built once per connection from the service's ``$metadata`` and NAV's table definitions
(`graphsync.nav.schema`). A field is found under the property its name gives, or under a control name a
shipped page uses for it (`graphsync.nav.odata.catalogue.candidate_properties`). A field the page does not
show is left out of the table's definition and listed in ``TableDef.unavailable`` and `TableBinding.missing`:
the engine then syncs the fields that are there and ``graphsync doctor`` says what to add. Only a field the
engine itself needs with no way around it (the key, a contact's Type, a to-do's Type and System To-do Type,
an attendee's type and number, a field an entity's condition selects on) makes the table unusable, and the
connector refuses it with a ConfigError naming the page and the field (`TableBinding.refusal`).

Each table's modified stamp is read by its own rule (`Stamp`): Business Central's SystemModifiedAt where
the page shows it (UTC); else Last Date Modified (with Last Time Modified where shown), which is UTC on
Contact (SetLastDateTimeModified) and the writing session's local TODAY and TIME on To-do.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from enum import Enum
from types import MappingProxyType

from graphsync.connectors.nav import FieldDef, FieldType, NavTable, TableDef
from graphsync.errors import ConfigError
from graphsync.nav import schema
from graphsync.nav.odata.catalogue import COMPLETE_CONTROL, candidate_properties
from graphsync.nav.odata.metadata import EntitySetInfo

STAMP_FIELDS = ("Last Date Modified", "Last Time Modified")
BC_STAMPS = ("SystemModifiedAt", "lastModifiedDateTime")
"""Business Central's modified stamps (DateTimeOffset, UTC), in order of preference."""

ESSENTIAL_FIELDS: Mapping[NavTable, tuple[str, ...]] = MappingProxyType(
    {
        NavTable.CONTACT: ("Type",),
        NavTable.TODO: ("Type", "System To-do Type"),
        NavTable.ATTENDEE: ("Attendance Type", "Attendee Type", "Attendee No."),
    }
)
"""What the engine reads with no way around it, besides the key: the built-in selection of the entities
(companies and persons by Type; meetings and tasks by Type and System To-do Type: only organizer rows are
synced) and who a meeting's attendees are."""


class Flavour(Enum):
    """Which product answers: NAV 2017/2018 stamps records with Last Date/Time Modified, Business Central
    also with SystemModifiedAt."""

    NAV = "nav"
    BC = "bc"


class StampKind(Enum):
    NONE = "none"
    """No modified stamp the page lets graphsync filter on (Salesperson, Attendee, Territory in NAV; BC's
    shipped Contact Card, whose LastDateTimeModified is computed): changes are found by hash comparison."""
    DATE_AND_TIME = "date and time"
    """NAV's Last Date Modified plus, where published, Last Time Modified."""
    DATETIME = "datetime"
    """Business Central's SystemModifiedAt (or an API page's lastModifiedDateTime)."""


class StampZone(Enum):
    UTC = "UTC"
    """Contact's Last Date/Time Modified (SetLastDateTimeModified: NAV 2018 Table_5_050_Contact.al, BC
    CRM/Contact/Contact.Table.al) and Business Central's SystemModifiedAt."""
    SESSION = "the writing session's time zone"
    """To-do's Last Date/Time Modified: TODAY and TIME of the session that wrote (NAV 2018
    Table_5_080_To_do.al OnInsert/OnModify; BC CRM/Task/Todo.Table.al): a client user's own zone, or for a
    web-service session the Services Default Time Zone."""


LOCAL_STAMPS = frozenset({NavTable.TODO})
"""Tables whose Last Date/Time Modified is the session's local time (`StampZone.SESSION`)."""


@dataclass(frozen=True)
class Stamp:
    kind: StampKind
    date_property: str = ""
    time_property: str = ""
    """Empty when the page does not publish Last Time Modified: the date alone then bounds the read."""
    datetime_property: str = ""
    zone: StampZone = StampZone.UTC

    def properties(self) -> tuple[str, ...]:
        return tuple(p for p in (self.date_property, self.time_property, self.datetime_property) if p)


@dataclass(frozen=True)
class MissingField:
    """A field graphsync would read that the published page does not show."""

    table: NavTable
    service: str
    field: FieldDef
    prop: str
    """The OData property graphsync looked for first."""
    essential: bool
    """The engine cannot work without it: the table is refused (`TableBinding.refusal`)."""


@dataclass(frozen=True)
class TableBinding:
    table: NavTable
    service: str
    table_def: TableDef
    properties: Mapping[str, str]
    """NAV field name -> OData property, for every field in ``table_def``."""
    stamp: Stamp
    missing: tuple[MissingField, ...] = ()
    complete_property: str = ""
    """The to-do page's completion control (`graphsync.nav.odata.catalogue.COMPLETE_CONTROL`), when published."""
    guid_properties: frozenset[str] = frozenset()
    """Properties of type Edm.Guid: read into NAV's text form of a GUID (`graphsync.nav.odata.values.guid_text`)."""
    guide: str = "docs/odata.md"
    """Where the page to publish is described (named when the page is refused)."""

    @property
    def key_properties(self) -> tuple[str, ...]:
        return tuple(self.properties[name] for name in self.table_def.key)

    def select(self) -> str:
        extra = [p for p in self.stamp.properties() if p not in self.properties.values()]
        return ",".join([*self.properties.values(), *extra])

    @property
    def refusal(self) -> ConfigError | None:
        """Why graphsync cannot use this page, naming the page and the first essential field it lacks."""
        for m in self.missing:
            if m.essential:
                return ConfigError(
                    file=None,
                    key=f"nav.odata.services ({self.table_def.name})",
                    expected=(
                        f"the page published as {self.service!r} to show {m.field.name!r} (field {m.field.no} of "
                        f"table {self.table_def.no} {self.table_def.name}, OData property {m.prop}): graphsync "
                        "cannot use this table without it; add the field to the page, or publish the page "
                        f"{self.guide} describes"
                    ),
                    got=f"{self.service} without {m.prop}",
                )
        return None


def _resolve(nav_def: TableDef, ref: str | int) -> FieldDef:
    try:
        return nav_def.field(ref)
    except KeyError:
        raise ConfigError(
            file=None,
            key=f"entities ({nav_def.name})",
            expected=f"a field of table {nav_def.no} {nav_def.name}",
            got=ref,
        ) from None


def bind_table(
    table: NavTable,
    entity_set: EntitySetInfo,
    *,
    flavour: Flavour,
    required: Iterable[str | int] = (),
    essential: Iterable[str | int] = (),
    guide: str = "docs/odata.md",
) -> TableBinding:
    """The binding of ``table`` to the published page ``entity_set``. ``required`` names the NAV fields to
    read (names or numbers); with none, every field of the table the page shows is read, otherwise only the
    required ones, the key and the modified stamps (``$select`` asks for no more). ``essential`` names fields
    the engine cannot do without (besides `ESSENTIAL_FIELDS` and the key): missing, they refuse the table;
    ``guide`` is the document the refusal points to."""
    nav_def = schema.table_def(table)
    props = entity_set.properties
    present: list[FieldDef] = []
    mapping: dict[str, str] = {}
    for f in nav_def.fields:
        prop = next((p for p in candidate_properties(table, f.name) if p in props), None)
        if prop is None:
            continue
        length = props[prop].max_length
        if f.type in (FieldType.CODE, FieldType.TEXT) and length:
            f = replace(f, length=length)
        present.append(f)
        mapping[f.name] = prop
    needed = {*nav_def.key, *ESSENTIAL_FIELDS.get(table, ()), *(_resolve(nav_def, r).name for r in essential)}
    wanted = {_resolve(nav_def, r).name for r in required}
    missing = tuple(
        MissingField(table, entity_set.name, f, candidate_properties(table, f.name)[0], f.name in needed)
        for f in nav_def.fields
        if (f.name in needed or f.name in wanted) and f.name not in mapping
    )
    stamp = _stamp(table, mapping, entity_set, flavour)
    fields = present
    if wanted:
        keep = wanted | needed | set(STAMP_FIELDS)
        fields = [f for f in present if f.name in keep]
    kept = {f.name for f in fields}
    table_def = TableDef(
        no=nav_def.no,
        name=nav_def.name,
        fields=tuple(fields),
        key=nav_def.key,
        unavailable=tuple(f for f in nav_def.fields if f.name not in mapping),
    )
    return TableBinding(
        table=table,
        service=entity_set.name,
        table_def=table_def,
        properties=MappingProxyType({name: prop for name, prop in mapping.items() if name in kept}),
        stamp=stamp,
        missing=missing,
        complete_property=COMPLETE_CONTROL if table is NavTable.TODO and COMPLETE_CONTROL in props else "",
        guid_properties=frozenset(p for p in mapping.values() if props[p].edm_type == "Edm.Guid"),
        guide=guide,
    )


def _stamp(table: NavTable, mapping: Mapping[str, str], entity_set: EntitySetInfo, flavour: Flavour) -> Stamp:
    if flavour is Flavour.BC:
        for prop in BC_STAMPS:
            if prop in entity_set.properties:
                return Stamp(StampKind.DATETIME, datetime_property=prop)
    if "Last Date Modified" in mapping:
        return Stamp(
            StampKind.DATE_AND_TIME,
            date_property=mapping["Last Date Modified"],
            time_property=mapping.get("Last Time Modified", ""),
            zone=StampZone.SESSION if table in LOCAL_STAMPS else StampZone.UTC,
        )
    return Stamp(StampKind.NONE)
