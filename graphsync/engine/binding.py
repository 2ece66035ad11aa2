"""Binding the entity config to the connected NAV: field names and numbers resolved, converters chosen.

Field references in config may be names or numbers; NAV's table definition (`NavConnector.table_def`)
decides what they mean, so the same config works on NAV versions that renamed a field. A reference that
names no field is a ConfigError naming the config key and the table.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from graphsync.config.entities import (
    BUILT_IN_SELECTION,
    OWNER,
    VIRTUAL_FIELDS,
    ConflictPolicy,
    DeletePolicy,
    Direction,
    EntityName,
    EntitySpec,
    FieldSpec,
)
from graphsync.connectors.nav import FieldType, NavConnector, NavTable, TableDef
from graphsync.connectors.outlook import ItemKind
from graphsync.engine.entities import item_kind, nav_table
from graphsync.errors import ConfigError
from graphsync.mapping.convert import Conversion, make_converter
from graphsync.mapping.fieldmap import EntityMap, FieldMap
from graphsync.mapping.paths import parse_path


@dataclass(frozen=True)
class BoundCondition:
    field: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class BoundEntity:
    """An entity ready to run: its map, its selection (built-in and configured) and its policies."""

    name: EntityName
    table: NavTable
    kind: ItemKind
    map: EntityMap
    selection: tuple[BoundCondition, ...]
    direction: Direction
    conflict_policy: ConflictPolicy
    delete_policy: DeletePolicy
    key_fields: tuple[str, ...]
    fingerprint: str
    """Changes whenever the field map changes: the engine then re-reads the entity in full, so that a
    field added to (or removed from) the map reaches items that were linked before."""

    @property
    def to_outlook(self) -> bool:
        return self.direction is not Direction.OUTLOOK_TO_NAV

    @property
    def to_nav(self) -> bool:
        return self.direction is not Direction.NAV_TO_OUTLOOK

    def matches(self, values: Mapping[str, object], owner: str) -> bool:
        """Whether a NAV record belongs to this entity for the mailbox whose salesperson is ``owner``."""
        for cond in self.selection:
            actual = values.get(cond.field)
            text = "" if actual is None else str(actual)
            wanted = {owner.upper() if v == OWNER else v for v in cond.values}
            if text not in wanted and text.upper() not in wanted:
                return False
        return True

    def insert_defaults(self, owner: str) -> dict[str, object]:
        """Values a record created from Outlook gets so that it belongs to this entity (single-valued conditions)."""
        result: dict[str, object] = {}
        for cond in self.selection:
            value = cond.values[0]
            result[cond.field] = owner.upper() if value == OWNER else value
        return result


def _conversion(spec: FieldSpec, types: tuple[FieldType, ...]) -> Conversion:
    if spec.conversion is not None:
        return spec.conversion
    if len(types) == 2:
        return Conversion.DATETIME
    kind = types[0]
    if spec.outlook.endswith("countryOrRegion"):
        return Conversion.COUNTRY
    return {
        FieldType.CODE: Conversion.CODE,
        FieldType.TEXT: Conversion.TEXT,
        FieldType.INTEGER: Conversion.INTEGER,
        FieldType.DURATION: Conversion.INTEGER,
        FieldType.DECIMAL: Conversion.DECIMAL,
        FieldType.BOOLEAN: Conversion.BOOLEAN,
        FieldType.OPTION: Conversion.OPTION,
        FieldType.DATE: Conversion.DATE,
    }.get(kind, Conversion.TEXT)


def _bind_field(spec: FieldSpec, table: TableDef, time_zone: str) -> FieldMap:
    names: list[str] = []
    types: list[FieldType] = []
    options: tuple[str, ...] = ()
    for i, ref in enumerate(spec.nav):
        if isinstance(ref, str) and ref in VIRTUAL_FIELDS:
            names.append(ref)
            types.append(FieldType.TEXT)
            continue
        try:
            fdef = table.field(ref)
        except KeyError:
            key = f"{spec.key}.nav" + (f"[{i}]" if len(spec.nav) > 1 else "")
            raise ConfigError(
                file=None, key=key, expected=f"a field of NAV table {table.no} {table.name}", got=ref
            ) from None
        if fdef.type is FieldType.DATETIME:
            raise ConfigError(
                file=None,
                key=f"{spec.key}.nav",
                expected="a Date and a Time field instead of a DateTime field",
                got=ref,
            )
        names.append(fdef.name)
        types.append(fdef.type)
        options = fdef.options
    conversion = _conversion(spec, tuple(types))
    if len(names) == 2 and conversion is not Conversion.DATETIME:
        raise ConfigError(
            file=None,
            key=f"{spec.key}.conversion",
            expected="'datetime' for a date and a time field",
            got=conversion.value,
        )
    if conversion is Conversion.OPTION and spec.values and options:
        unknown = [c for c, _ in spec.values if c not in options]
        if unknown:
            raise ConfigError(
                file=None,
                key=f"{spec.key}.values",
                expected="NAV option captions: " + ", ".join(map(repr, options)),
                got=unknown[0],
            )
    converter = make_converter(conversion, time_zone=time_zone, values=spec.values)
    virtual = any(n in VIRTUAL_FIELDS for n in names)
    if spec.user_defined:
        return FieldMap(
            id=f"user:{spec.outlook or names[0]}",
            nav_fields=tuple(names),
            converter=converter,
            user_field=spec.outlook or names[0],
            to_nav=not (spec.read_only or virtual),
            upper=types[0] is FieldType.CODE,
        )
    try:
        path = parse_path(spec.outlook)
    except ValueError:
        raise ConfigError(
            file=None,
            key=f"{spec.key}.outlook",
            expected="a Graph property path such as 'businessPhones[0]' or 'businessAddress.city'",
            got=spec.outlook,
        ) from None
    return FieldMap(
        id=spec.outlook,
        nav_fields=tuple(names),
        converter=converter,
        path=path,
        to_nav=not (spec.read_only or virtual),
    )


def bind_entity(spec: EntitySpec, table: TableDef, *, time_zone: str) -> BoundEntity:
    fields = tuple(_bind_field(f, table, time_zone) for f in spec.fields)
    selection = []
    for cond in (*BUILT_IN_SELECTION[spec.name], *spec.condition):
        try:
            name = table.field(cond.field).name
        except KeyError:
            raise ConfigError(
                file=None,
                key=f"entities.{spec.name.value}.condition",
                expected=f"a field of NAV table {table.no} {table.name}",
                got=cond.field,
            ) from None
        selection.append(BoundCondition(name, cond.values))
    fingerprint = hashlib.sha256(
        json.dumps([[f.id, f.nav_fields, type(f.converter).__name__, f.to_nav] for f in fields]).encode()
    ).hexdigest()[:16]
    return BoundEntity(
        name=spec.name,
        table=nav_table(spec.name),
        kind=item_kind(spec.name),
        map=EntityMap(fields),
        selection=tuple(selection),
        direction=spec.direction,
        conflict_policy=spec.conflict_policy,
        delete_policy=spec.delete_policy,
        key_fields=table.key,
        fingerprint=fingerprint,
    )


def user_field_names(entities: Iterable[EntitySpec], nav: NavConnector, *, time_zone: str = "UTC") -> tuple[str, ...]:
    """Every user-defined field name the enabled entities use: what the Graph client must be told
    (`GraphMailboxOptions.user_fields`) so that it reads and writes them as named properties."""
    names: list[str] = []
    for spec in entities:
        if spec.enabled:
            bound = bind_entity(spec, nav.table_def(nav_table(spec.name)), time_zone=time_zone)
            names.extend(n for n in bound.map.user_fields if n not in names)
    return tuple(names)
