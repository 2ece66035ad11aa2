"""Which published page stands for which NAV table, and which OData property for which NAV field.

Built once per connection from the service's ``$metadata`` and NAV's table definitions
(`graphsync.nav.schema`): a field the page does not expose is left out of the table's definition, and a
field graphsync must have (the key, or a field the config maps) that is missing is a ConfigError naming the
page, the field and the property NAV would publish it as.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from enum import Enum
from types import MappingProxyType

from graphsync.connectors.nav import FieldDef, FieldType, NavTable, TableDef
from graphsync.errors import ConfigError
from graphsync.nav import schema
from graphsync.nav.odata.metadata import EntitySetInfo
from graphsync.nav.odata.names import property_name

STAMP_FIELDS = ("Last Date Modified", "Last Time Modified")
BC_STAMPS = ("SystemModifiedAt", "lastModifiedDateTime")
"""Business Central's modified stamps (DateTimeOffset, UTC), in order of preference."""


class Flavour(Enum):
    """Which product answers: NAV 2017/2018 stamps records with Last Date/Time Modified, Business Central
    also with SystemModifiedAt."""

    NAV = "nav"
    BC = "bc"


class StampKind(Enum):
    NONE = "none"
    """No modified stamp (Salesperson, Attendee, Territory in NAV): changes are found by hash comparison."""
    DATE_AND_TIME = "date and time"
    """NAV's Last Date Modified plus, where published, Last Time Modified."""
    DATETIME = "datetime"
    """Business Central's SystemModifiedAt (or an API page's lastModifiedDateTime)."""


@dataclass(frozen=True)
class Stamp:
    kind: StampKind
    date_property: str = ""
    time_property: str = ""
    """Empty when the page does not publish Last Time Modified: the date alone then bounds the read."""
    datetime_property: str = ""

    def properties(self) -> tuple[str, ...]:
        return tuple(p for p in (self.date_property, self.time_property, self.datetime_property) if p)


@dataclass(frozen=True)
class TableBinding:
    table: NavTable
    service: str
    table_def: TableDef
    properties: Mapping[str, str]
    """NAV field name -> OData property, for every field in ``table_def``."""
    stamp: Stamp

    @property
    def key_properties(self) -> tuple[str, ...]:
        return tuple(self.properties[name] for name in self.table_def.key)

    def select(self) -> str:
        extra = [p for p in self.stamp.properties() if p not in self.properties.values()]
        return ",".join([*self.properties.values(), *extra])


def _missing(service: str, option: str, what: str, prop: str) -> ConfigError:
    return ConfigError(
        file=None,
        key=f"nav.odata.services.{option}",
        expected=(
            f"the page published as {service!r} to show {what} (OData property {prop}); add the field to the "
            "page (or publish a page that has it), or remove it from the field map"
        ),
        got=f"{service} without {prop}",
    )


def bind_table(
    table: NavTable,
    entity_set: EntitySetInfo,
    *,
    option: str,
    flavour: Flavour,
    required: Iterable[str | int] = (),
) -> TableBinding:
    """The binding of ``table`` to the published page ``entity_set``. ``option`` is the config key that
    named the page (for errors); ``required`` the NAV fields (names or numbers) to read, which the page must
    show. With none required, every field of the table the page shows is read; otherwise only the required
    ones, the key and the modified stamps (``$select`` asks for no more)."""
    nav_def = schema.table_def(table)
    props = entity_set.properties
    fields: list[FieldDef] = []
    mapping: dict[str, str] = {}
    for f in nav_def.fields:
        prop = property_name(f.name)
        if prop not in props:
            continue
        length = props[prop].max_length
        if f.type in (FieldType.CODE, FieldType.TEXT) and length:
            f = replace(f, length=length)
        fields.append(f)
        mapping[f.name] = prop
    for ref in (*nav_def.key, *required):
        try:
            name = nav_def.field(ref).name
        except KeyError:
            raise ConfigError(
                file=None,
                key=f"entities ({nav_def.name})",
                expected=f"a field of table {nav_def.no} {nav_def.name}",
                got=ref,
            ) from None
        if name not in mapping:
            raise _missing(
                entity_set.name, option, f"field {name!r} of table {nav_def.no} {nav_def.name}", property_name(name)
            )
    wanted = {nav_def.field(ref).name for ref in required}
    if wanted:
        wanted |= {*nav_def.key, *STAMP_FIELDS}
        fields = [f for f in fields if f.name in wanted]
        mapping = {name: prop for name, prop in mapping.items() if name in wanted}
    table_def = TableDef(no=nav_def.no, name=nav_def.name, fields=tuple(fields), key=nav_def.key)
    return TableBinding(
        table=table,
        service=entity_set.name,
        table_def=table_def,
        properties=MappingProxyType(mapping),
        stamp=_stamp(table_def, mapping, entity_set, flavour),
    )


def _stamp(table_def: TableDef, mapping: Mapping[str, str], entity_set: EntitySetInfo, flavour: Flavour) -> Stamp:
    if flavour is Flavour.BC:
        for prop in BC_STAMPS:
            if prop in entity_set.properties:
                return Stamp(StampKind.DATETIME, datetime_property=prop)
    if "Last Date Modified" in mapping:
        return Stamp(
            StampKind.DATE_AND_TIME,
            date_property=mapping["Last Date Modified"],
            time_property=mapping.get("Last Time Modified", ""),
        )
    return Stamp(StampKind.NONE)
