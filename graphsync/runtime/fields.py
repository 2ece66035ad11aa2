"""Editing an entity's field map in the config file (``graphsync fields add / remove``).

The file is edited with tomlkit, so the person's comments and layout stay. The ``[entities]`` format states
only what differs from NAV's defaults (`graphsync.config.entities`): a field added is one more
``[[entities.CODE.fields]]`` table (replacing a default with the same Outlook target), a default field
removed is its target in ``remove``. Every edit is checked with the real config loader and bound to NAV's
table definition before the file is written, and the file is replaced in one step: a refused edit leaves
the file as it was.

Adding a field also switches NAV's change logging on for it, as NAV's "Register in Change Log Setup" did:
the embedded company is changed directly; NAV reached over OData cannot change its own setup, so the
result says what an administrator must do.
"""

from __future__ import annotations

import os
import shlex
from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any

import tomlkit
import tomlkit.items

from graphsync.config import Config, parse_config
from graphsync.config.entities import (
    DEFAULT_FIELDS,
    RESOURCES,
    Direction,
    EntityName,
    EntitySpec,
    FieldSpec,
    NavFieldRef,
)
from graphsync.config.outlook import path_problem
from graphsync.connectors.nav import FieldDef, NavConnector, TableDef
from graphsync.engine.binding import bind_entity
from graphsync.engine.entities import nav_table
from graphsync.errors import ConfigError

DEFAULTS_NOTE = (
    "NAV's default field map applies; the entries below add to it, or replace the default with the same "
    "Outlook target (graphsync entities show {code})"
)


class ChangeLogging(Enum):
    ENABLED = "enabled"
    """Change logging was switched on for the field in NAV."""
    ADMIN_NEEDED = "admin-needed"
    """This NAV cannot be set up from here: an administrator must add the field in Change Log Setup."""


@dataclass(frozen=True)
class FieldAdded:
    entity: EntityName
    field: FieldSpec
    nav_field: FieldDef
    table: TableDef
    change_logging: ChangeLogging


@dataclass(frozen=True)
class FieldRemoved:
    entity: EntityName
    target: str
    """The Outlook target removed (``businessPhones[0]``, ``user:Territory Code``), its user-defined name
    resolved through NAV (a field configured as ``nav = 15`` is ``user:Territory Code``)."""
    nav_fields: tuple[FieldDef, ...] = ()
    """The NAV field(s) the removed entry mapped."""
    still: tuple[str, ...] = ()
    """Other Outlook targets the same NAV field(s) still sync with after the removal."""


def resolved_target(field: FieldSpec, table: TableDef | None) -> str:
    """``field``'s Outlook target as a run names it: a user-defined field configured without a name is named
    after its NAV field (``nav = 15`` -> ``user:Territory Code``), which only NAV's table definition knows."""
    if not field.user_defined or field.outlook or table is None:
        return field.target
    try:
        return f"user:{table.field(field.nav[0]).name}"
    except KeyError:
        return field.target


def _mapped(spec: EntitySpec, table: TableDef) -> list[tuple[str, FieldSpec]]:
    return [(resolved_target(f, table), f) for f in spec.fields]


def _where(field: FieldSpec) -> str:
    return "NAV's default map" if field.key == "(built-in)" else field.key or "the config"


def entity_code(code: str) -> EntityName:
    try:
        return EntityName(code.strip().upper())
    except ValueError:
        raise ConfigError(
            file=None, key="CODE", expected="an entity code, one of " + ", ".join(e.value for e in EntityName), got=code
        ) from None


def _config_file(config: Config) -> Path:
    if config.file is None:
        raise ConfigError(
            file=None,
            key="--config",
            expected="a config file to edit (none is in use: the defaults are; create one with graphsync init)",
        )
    return config.file


def _nav_field(table: TableDef, ref: str) -> tuple[NavFieldRef, FieldDef]:
    """The field a person named by number or name, and the reference to write (as they gave it)."""
    key: NavFieldRef = int(ref) if ref.strip().isdigit() else ref.strip()
    try:
        return key, table.field(key)
    except KeyError:
        raise ConfigError(
            file=None,
            key="FIELD",
            expected=f"a field number or name of table {table.no} {table.name} (graphsync nav show lists them)",
            got=ref,
        ) from None


def _entity_table(doc: tomlkit.TOMLDocument, entity: EntityName) -> Any:
    """``[entities.CODE]`` of the document, made (with a note on the defaults) when absent."""
    if "entities" not in doc:
        doc["entities"] = tomlkit.table(is_super_table=True)
    entities: Any = doc["entities"]
    if entity.value not in entities:
        table = tomlkit.table()
        table.add(tomlkit.comment(DEFAULTS_NOTE.format(code=entity.value)))
        entities[entity.value] = table
    return entities[entity.value]


def _check(doc: tomlkit.TOMLDocument, file: Path, entity: EntityName, nav: NavConnector) -> EntitySpec:
    """The edited document as the loader reads it, bound to NAV: what the next run would use. Two entries that
    a run would name alike (``nav = 15`` and ``nav = "Territory Code"``, both user-defined) are refused."""
    config = parse_config(tomlkit.dumps(doc), file=str(file), base=file.resolve().parent)
    spec = config.entities.get(entity)
    table = nav.table_def(nav_table(spec.name))
    bind_entity(spec, table, time_zone=config.sync.time_zone)
    seen: dict[str, FieldSpec] = {}
    for target, f in _mapped(spec, table):
        if target in seen:
            raise ConfigError(
                file=str(file),
                key=f.key or f"entities.{entity.value}.fields",
                expected=f"one entry per Outlook target ({target.removeprefix('user:')} is also in "
                f"{_where(seen[target])})",
                got=target.removeprefix("user:"),
            )
        seen[target] = f
    return spec


def _write(file: Path, doc: tomlkit.TOMLDocument) -> None:
    """Replace the file in one step: a crash leaves the old file or the new one, never half of one."""
    temp = file.with_name(f".{file.name}.graphsync-edit")
    temp.write_text(tomlkit.dumps(doc), encoding="utf-8")
    os.replace(temp, file)


def add_field(
    config: Config,
    nav: NavConnector,
    *,
    entity: EntityName,
    field: str,
    outlook: str | None = None,
    user_defined: bool = False,
    read_only: bool = False,
) -> FieldAdded:
    """Map NAV field ``field`` (number or name) of ``entity``'s table to an Outlook property (``outlook``)
    or a user-defined field (named ``outlook``, default: the NAV field's name); write it to the config file
    and switch change logging on for it in NAV."""
    file = _config_file(config)
    spec = config.entities.get(entity)
    table = nav.table_def(nav_table(spec.name))
    ref, nav_field = _nav_field(table, field)
    if not user_defined and not outlook:
        raise ConfigError(
            file=None,
            key="--outlook",
            expected="the Graph property to map the field to (businessPhones[0], jobTitle...), or --user-defined",
        )
    if user_defined and not outlook:
        # The name is written out: the named property in every mailbox keeps it even if NAV renames the field.
        outlook = nav_field.name
    entry = tomlkit.table()
    entry["nav"] = ref
    if user_defined:
        entry["user_defined"] = True
    entry["outlook"] = outlook
    if read_only:
        entry["read_only"] = True
    if not user_defined:
        problem = path_problem(
            RESOURCES[spec.name], str(outlook), writable=spec.direction is not Direction.OUTLOOK_TO_NAV
        )
        if problem is not None:
            raise ConfigError(file=None, key="--outlook", expected=problem, got=outlook)
    doc = tomlkit.parse(file.read_text(encoding="utf-8"))
    target = f"user:{outlook}" if user_defined else str(outlook)
    mapped = _mapped(spec, table)
    existing = [f for t, f in mapped if t == target]
    if existing and existing[0].key != "(built-in)":
        raise ConfigError(
            file=None,
            key="--outlook" if outlook and not user_defined else "FIELD_NO",
            expected=f"an Outlook target not yet mapped ({target.removeprefix('user:')} already is, in "
            f"{_where(existing[0])}; remove it first: graphsync fields remove {entity.value} "
            f"{shlex.quote(target.removeprefix('user:'))})",
            got=outlook if outlook and not user_defined else field,
        )
    if user_defined:
        # A second user-defined field for the same NAV field would be a second property in every mailbox,
        # kept apart by nothing but its name.
        twin = [(t, f) for t, f in mapped if f.user_defined and t != target and nav_field.no in _numbers(table, f.nav)]
        if twin:
            name = twin[0][0].removeprefix("user:")
            raise ConfigError(
                file=None,
                key="FIELD_NO",
                expected=f"a NAV field not yet synced as a user-defined field ({nav_field.no} {nav_field.name} is: "
                f"{name!r}, in {_where(twin[0][1])}; to rename it, first: graphsync fields remove {entity.value} "
                f"{shlex.quote(name)})",
                got=field,
            )
    section = _entity_table(doc, entity)
    _unremove(section, target)
    if "fields" not in section:
        section["fields"] = tomlkit.aot()
    section["fields"].append(entry)
    new_spec = _check(doc, file, entity, nav)
    added = next(f for f in new_spec.fields if f.target == target)
    logging = _enable_change_logging(nav, spec, nav_field)
    _write(file, doc)
    return FieldAdded(entity, added, nav_field, table, logging)


def _unremove(section: Any, target: str) -> None:
    """Adding back a default field that ``remove`` lists takes it off that list."""
    removed = section.get("remove")
    if removed is None:
        return
    for i in reversed(range(len(removed))):
        if removed[i] in (target, target.removeprefix("user:")):
            del removed[i]


def _enable_change_logging(nav: NavConnector, spec: EntitySpec, field: FieldDef) -> ChangeLogging:
    from graphsync.nav.embedded import EmbeddedNav

    if isinstance(nav, EmbeddedNav):
        nav.set_change_logging(nav_table(spec.name), fields=[field.no], enabled=True)
        return ChangeLogging.ENABLED
    return ChangeLogging.ADMIN_NEEDED


def remove_field(config: Config, nav: NavConnector, *, entity: EntityName, field: str) -> FieldRemoved:
    """Unmap one field of ``entity``, named by its Outlook target (``businessPhones[0]``), its user-defined
    name, or its NAV field (number or name) when that maps to one target only."""
    file = _config_file(config)
    spec = config.entities.get(entity)
    table = nav.table_def(nav_table(spec.name))
    target = _target(spec, table, field)
    removed = next(f for f in spec.fields if f.target == target)
    doc = tomlkit.parse(file.read_text(encoding="utf-8"))
    section = _entity_table(doc, entity)
    fields = section.get("fields")
    if fields is not None:
        for i in reversed(range(len(fields))):
            entry = fields[i]
            configured = _entry_target(entry)
            if configured == target:
                del fields[i]
        if len(fields) == 0:
            del section["fields"]
    if target in {f.target for f in DEFAULT_FIELDS[entity]}:
        if "remove" not in section:
            section["remove"] = tomlkit.array()
        section["remove"].append(target.removeprefix("user:"))
    after = _check(doc, file, entity, nav)
    _write(file, doc)
    numbers = _numbers(table, removed.nav)
    still = tuple(t for t, f in _mapped(after, table) if numbers & _numbers(table, f.nav))
    nav_fields = tuple(table.field(n) for n in sorted(numbers))
    return FieldRemoved(entity, resolved_target(removed, table), nav_fields, still)


def _entry_target(entry: Any) -> str:
    nav = entry.get("nav")
    first = nav[0] if isinstance(nav, list) else nav
    if entry.get("user_defined"):
        return f"user:{entry.get('outlook') or first}"
    return str(entry.get("outlook"))


def _target(spec: EntitySpec, table: TableDef, field: str) -> str:
    """The configured target of the entry ``field`` names: its Outlook path, its user-defined name (also the
    name a run gives an unnamed one, its NAV field's), or its NAV field when that maps to one target only."""
    targets = {f.target for f in spec.fields}
    for candidate in (field, f"user:{field}"):
        if candidate in targets:
            return candidate
    for f in spec.fields:
        if resolved_target(f, table) == f"user:{field}":
            return f.target
    try:
        wanted = table.field(int(field) if field.strip().isdigit() else field.strip()).no
    except KeyError:
        wanted = None
    matches = [f.target for f in spec.fields if wanted is not None and wanted in _numbers(table, f.nav)]
    if len(matches) == 1:
        return matches[0]
    matches = [resolved_target(f, table) for f in spec.fields if f.target in matches]
    mapped = ", ".join(sorted(resolved_target(f, table).removeprefix("user:") for f in spec.fields))
    expected = (
        f"one of the Outlook targets it maps to: {', '.join(matches)}"
        if matches
        else f"a mapped field of {spec.name.value}: {mapped}"
    )
    raise ConfigError(file=None, key="FIELD", expected=expected, got=field)


def _numbers(table: TableDef, refs: Iterable[NavFieldRef]) -> set[int]:
    numbers = set()
    for ref in refs:
        try:
            numbers.add(table.field(ref).no)
        except KeyError:
            continue  # computed fields (@attendees) have no number
    return numbers
