"""Binding the entity config to the connected NAV: field names and numbers resolved, converters chosen.

Field references in config may be names or numbers; NAV's table definition (`NavConnector.table_def`)
decides what they mean, so the same config works on NAV versions that renamed a field. A reference that
names no field is a ConfigError naming the config key and the table; one that names a field this NAV has
but does not expose (``TableDef.unavailable``: a published page that does not show it) leaves that field
out of the map, so that the rest syncs (``graphsync doctor`` lists what to add).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from functools import cached_property

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
from graphsync.mapping.convert import Conversion, DateConverter, make_converter
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
        for field, wanted in self._wanted(owner):
            actual = values.get(field)
            text = "" if actual is None else str(actual)
            if text not in wanted and text.upper() not in wanted:
                return False
        return True

    def _wanted(self, owner: str) -> tuple[tuple[str, frozenset[str]], ...]:
        """Each condition's field and the values it takes for ``owner``: worked out once per owner (a run asks
        for every record it reads)."""
        known = self._wanted_by_owner.get(owner)
        if known is None:
            known = self._wanted_by_owner[owner] = tuple(
                (cond.field, frozenset(owner.upper() if v == OWNER else v for v in cond.values))
                for cond in self.selection
            )
        return known

    @cached_property
    def _wanted_by_owner(self) -> dict[str, tuple[tuple[str, frozenset[str]], ...]]:
        return {}

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


def _unavailable(spec: FieldSpec, table: TableDef) -> bool:
    """Whether the map entry uses a field NAV has but this connection cannot read (its page lacks it)."""
    refs = [r for r in spec.nav if not (isinstance(r, str) and r in VIRTUAL_FIELDS)]
    return any(table.unavailable_field(r) is not None for r in refs)


def _bind_field(spec: FieldSpec, table: TableDef, time_zone: str, date_zone: str) -> FieldMap | None:
    """The bound field; None for an optional built-in field whose NAV fields the connected NAV lacks."""
    if spec.optional and any(not _has_field(table, ref) for ref in spec.nav):
        return None
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
    converter = make_converter(conversion, time_zone=time_zone, values=spec.values, date_zone=date_zone)
    virtual = any(n in VIRTUAL_FIELDS for n in names)
    if spec.user_defined:
        return FieldMap(
            id=f"user:{spec.outlook or names[0]}",
            nav_fields=tuple(names),
            converter=converter,
            user_field=spec.outlook or names[0],
            to_nav=not (spec.read_only or virtual),
            upper=types[0] is FieldType.CODE,
            to_outlook=not spec.outlook_owned,
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
        to_outlook=not spec.outlook_owned,
    )


def _has_field(table: TableDef, ref: str | int) -> bool:
    try:
        table.field(ref)
    except KeyError:
        return False
    return True


def bind_entity(spec: EntitySpec, table: TableDef, *, time_zone: str, date_zone: str = "UTC") -> BoundEntity:
    """``time_zone``: the zone of NAV's times; ``date_zone``: the one a date-only Outlook value is a day in (the
    mailbox's own, `OutlookMailbox.time_zone`)."""
    bound = (_bind_field(f, table, time_zone, date_zone) for f in spec.fields if not _unavailable(f, table))
    fields = tuple(f for f in bound if f is not None)
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
        json.dumps(
            [
                [f.id, f.nav_fields, type(f.converter).__name__, f.to_nav] + ([] if f.to_outlook else [False])
                for f in fields
            ]
        ).encode()
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


def in_date_zone(bound: Iterable[BoundEntity], zone: str) -> tuple[BoundEntity, ...]:
    """The entities with every date-only field a day in ``zone`` (the mailbox's, `OutlookMailbox.time_zone`):
    bound once per runtime, they are given each mailbox's zone when its run starts. The fingerprint stays: the
    zone is the mailbox's, not the map's."""
    result = []
    for entity in bound:
        fields = tuple(
            replace(f, converter=DateConverter(zone)) if isinstance(f.converter, DateConverter) else f
            for f in entity.map.fields
        )
        result.append(replace(entity, map=EntityMap(fields)) if fields != entity.map.fields else entity)
    return tuple(result)


def needs_date_zone(bound: Iterable[BoundEntity]) -> bool:
    """Whether any bound field is a date-only value (a To Do due date), which is a day in the mailbox's time
    zone: only then must a run ask the mailbox for it."""
    return any(isinstance(f.converter, DateConverter) for entity in bound for f in entity.map.fields)
