"""An in-memory `NavConnector`: NAV's table definitions, ETags per row version, number series, change sets
with watermarks and deletions, stale If-Match refusals and NAV's "contact with open to-dos" rule.

``crash_after_writes`` simulates a process killed at the Nth write: the write is done, then
`SimulatedCrash` is raised (the caller never learns the result, like a crash right after the commit).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from graphsync.connectors.nav import (
    ChangeSet,
    FieldType,
    NavDeletion,
    NavKey,
    NavRecord,
    NavTable,
    TableDef,
    Watermark,
)
from graphsync.errors import NavConcurrencyError, NavNotFoundError, NavRefusedError, NavValidationError
from graphsync.nav.schema import TABLES


class SimulatedCrash(BaseException):
    """The process "died" here. A BaseException so that no `except Exception` in the engine swallows it."""


_SERIES = {NavTable.CONTACT: "CT", NavTable.TODO: "TD"}


@dataclass
class _Row:
    fields: dict[str, object]
    version: int


def _blank(ftype: FieldType) -> object:
    return {
        FieldType.CODE: "",
        FieldType.TEXT: "",
        FieldType.INTEGER: 0,
        FieldType.BOOLEAN: False,
        FieldType.OPTION: "",
        FieldType.DURATION: 0,
    }.get(ftype)


class FakeNav:
    def __init__(self, *, deletions_tracked: bool = True) -> None:
        self.rows: dict[NavTable, dict[NavKey, _Row]] = {t: {} for t in TABLES}
        self.deleted: list[tuple[int, NavTable, NavKey]] = []
        self.version = 0
        self.series = {t: 0 for t in _SERIES}
        self.deletions_tracked = deletions_tracked
        self.writes = 0
        self.crash_after_writes: int | None = None
        self.change_reads = 0
        self.gets = 0
        self.last_change: dict[NavTable, int] = dict.fromkeys(TABLES, 0)

    # ------------------------------------------------------------------ helpers

    def _bump(self, table: NavTable) -> int:
        self.version += 1
        self.last_change[table] = self.version
        return self.version

    def _written(self) -> None:
        self.writes += 1
        if self.crash_after_writes is not None and self.writes >= self.crash_after_writes:
            self.crash_after_writes = None
            raise SimulatedCrash(f"crash after NAV write {self.writes}")

    def _record(self, table: NavTable, key: NavKey, row: _Row) -> NavRecord:
        return NavRecord(table, key, dict(row.fields), f'W/"{row.version}"')

    def _check(self, table: NavTable, values: Mapping[str, object]) -> dict[str, object]:
        tdef = TABLES[table]
        result: dict[str, object] = {}
        for name, value in values.items():
            try:
                f = tdef.field(name)
            except KeyError:
                raise NavValidationError(f"{tdef.name} has no field {name}", table=table, field=name) from None
            if f.type in (FieldType.CODE, FieldType.TEXT):
                text = "" if value is None else str(value)
                if len(text) > f.length:
                    raise NavValidationError(
                        f"The length of the string is {len(text)}, but it must be less than or equal to {f.length} "
                        f"characters. Value: {text}",
                        table=table,
                        field=f.name,
                    )
                value = text.upper() if f.type is FieldType.CODE else text
            elif f.type is FieldType.OPTION and value not in f.options:
                raise NavValidationError(f"{value!r} is not an option of {f.name}", table=table, field=f.name)
            elif f.type is FieldType.DATE and value is not None and not isinstance(value, dt.date):
                raise NavValidationError(f"{value!r} is not a date", table=table, field=f.name)
            result[f.name] = value
        return result

    def _derive(self, table: NavTable, key: NavKey, fields: dict[str, object]) -> None:
        if table is NavTable.CONTACT:
            if fields.get("Type") == "Company":
                fields["Company No."] = key[0]
                fields["Company Name"] = fields.get("Name", "")
            elif fields.get("Company No."):
                company = self.rows[NavTable.CONTACT].get((str(fields["Company No."]),))
                fields["Company Name"] = company.fields["Name"] if company else ""

    # ------------------------------------------------------------------ protocol

    def table_def(self, table: NavTable) -> TableDef:
        return TABLES[table]

    def changes(self, table: NavTable, since: Watermark | None) -> ChangeSet:
        self.change_reads += 1
        mark = int(since.value) if since else 0
        now = self.version
        if mark >= self.last_change[table]:
            # Nothing changed in this table since the watermark: answer without scanning (as an index would).
            return ChangeSet(iter([]), iter([]), Watermark(str(now)), deletions_tracked=self.deletions_tracked)
        records = [self._record(table, k, r) for k, r in sorted(self.rows[table].items()) if mark < r.version <= now]
        deletions = [NavDeletion(t, k) for v, t, k in self.deleted if t is table and mark < v <= now]
        return ChangeSet(
            records=iter(records),
            deletions=iter(deletions if self.deletions_tracked else []),
            watermark=Watermark(str(now)),
            deletions_tracked=self.deletions_tracked,
        )

    def get(self, table: NavTable, key: NavKey) -> NavRecord | None:
        self.gets += 1
        row = self.rows[table].get(key)
        return self._record(table, key, row) if row else None

    def find(self, table: NavTable, where: Mapping[str, object]) -> Iterator[NavRecord]:
        found = [
            self._record(table, k, r)
            for k, r in sorted(self.rows[table].items())
            if all(r.fields.get(name) == value for name, value in where.items())
        ]
        return iter(found)

    def insert(self, table: NavTable, values: Mapping[str, object]) -> NavRecord:
        tdef = TABLES[table]
        fields = {f.name: _blank(f.type) for f in tdef.fields}
        fields.update(self._check(table, values))
        if table in _SERIES and not fields[tdef.key[0]]:
            self.series[table] += 1
            fields[tdef.key[0]] = f"{_SERIES[table]}{100000 + self.series[table]:06d}"
        key = tuple(str(fields[k]) for k in tdef.key)
        if not all(key):
            raise NavValidationError(f"{tdef.name}: the key {tdef.key} must not be blank", table=table)
        if key in self.rows[table]:
            raise NavValidationError(f"The {tdef.name} already exists. {key}", table=table, key=key)
        self._derive(table, key, fields)
        row = _Row(fields, self._bump(table))
        self.rows[table][key] = row
        self._written()
        return self._record(table, key, row)

    def _current(self, table: NavTable, key: NavKey, if_match: str) -> _Row:
        row = self.rows[table].get(key)
        if row is None:
            raise NavNotFoundError(f"The {TABLES[table].name} does not exist. {key}", table=table, key=key)
        if if_match != "*" and if_match != f'W/"{row.version}"':
            raise NavConcurrencyError(
                f"Another user has modified the record for this {TABLES[table].name} after you retrieved it.",
                table=table,
                key=key,
            )
        return row

    def modify(self, table: NavTable, key: NavKey, values: Mapping[str, object], *, if_match: str) -> NavRecord:
        row = self._current(table, key, if_match)
        checked = self._check(table, values)
        if any(name in TABLES[table].key for name in checked if checked[name] != row.fields[name]):
            raise NavValidationError("a key field cannot be changed this way", table=table, key=key)
        row.fields.update(checked)
        self._derive(table, key, row.fields)
        row.version = self._bump(table)
        if table is NavTable.CONTACT and row.fields.get("Type") == "Company" and "Name" in checked:
            for other_key, other in self.rows[table].items():
                if other_key != key and other.fields.get("Company No.") == key[0]:
                    other.fields["Company Name"] = row.fields["Name"]
                    other.version = self._bump(table)
        self._written()
        return self._record(table, key, row)

    def delete(self, table: NavTable, key: NavKey, *, if_match: str) -> None:
        self._current(table, key, if_match)
        if table is NavTable.CONTACT:
            open_todos = [
                r
                for r in self.rows[NavTable.TODO].values()
                if r.fields["Contact No."] == key[0] and not r.fields["Closed"]
            ]
            if open_todos:
                raise NavRefusedError(
                    f"You cannot delete contact {key[0]} because there are one or more to-dos open.",
                    table=table,
                    key=key,
                )
        del self.rows[table][key]
        self.deleted.append((self._bump(table), table, key))
        self._written()

    def keys(self, table: NavTable) -> Iterator[NavKey]:
        return iter(sorted(self.rows[table]))

    def close(self) -> None:
        pass

    # ------------------------------------------------------------------ test conveniences

    def put(self, table: NavTable, **values: object) -> NavRecord:
        """Insert as a NAV user would (field names with spaces: pass a dict through ``**{...}``)."""
        return self.insert(table, values)

    def edit(self, table: NavTable, key: NavKey, **values: object) -> NavRecord:
        return self.modify(table, key, values, if_match="*")
