"""NAV's change log (tables 402-405): which changes are logged, the entries written, the deletions read back.

As in NAV, logging needs Change Log Setup's "Change Log Activated" and a Change Log Setup (Table) line whose
Log Insertion / Log Modification / Log Deletion is "All Fields", or "Some Fields" together with Change Log
Setup (Field) lines. Each logged field gets one Change Log Entry: on insertion its new value, on modification
old and new value, on deletion its old value (fields holding their blank value are skipped on insertion and
deletion, as NAV does).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from enum import Enum

from graphsync.connectors.nav import FieldDef, NavKey, NavTable, TableDef
from graphsync.nav import schema
from graphsync.nav.store import Store, q
from graphsync.nav.values import format_value

SETUP_KEY = ("",)


class ChangeKind(Enum):
    INSERTION = "Insertion"
    MODIFICATION = "Modification"
    DELETION = "Deletion"


_SCOPE_COLUMN = {
    ChangeKind.INSERTION: "Log Insertion",
    ChangeKind.MODIFICATION: "Log Modification",
    ChangeKind.DELETION: "Log Deletion",
}


@dataclass(frozen=True)
class FieldChange:
    field: FieldDef
    old: object
    new: object


def render_key(t: TableDef, key: NavKey) -> str:
    """The Primary Key text NAV writes (RecordRef.GetPosition): ``No.=CONST(CT100006)``."""
    return ",".join(f"{name}=CONST({value})" for name, value in zip(t.key, key, strict=True))


class ChangeLog:
    def __init__(self, store: Store) -> None:
        self._store = store

    # ------------------------------------------------------------------ setup

    def activated(self) -> bool:
        got = self._store.get(schema.CHANGE_LOG_SETUP, SETUP_KEY)
        return bool(got and got[0]["Change Log Activated"])

    def policy(self, table: NavTable, kind: ChangeKind) -> Callable[[int], bool]:
        """Which fields' changes of this kind are written to the change log, read from the setup once."""
        if table not in schema.BUSINESS_TABLES or not self.activated():
            return lambda field_no: False
        got = self._store.get(schema.CHANGE_LOG_SETUP_TABLE, (int(table),))
        scope = got[0][_SCOPE_COLUMN[kind]] if got else ""
        if scope == "All Fields":
            return lambda field_no: True
        if scope != "Some Fields":
            return lambda field_no: False
        lines = self._store.select(schema.CHANGE_LOG_SETUP_FIELD, {"Table No.": int(table)})
        logged = frozenset(int(str(row["Field No."])) for row, _ in lines if row[_SCOPE_COLUMN[kind]])
        return logged.__contains__

    def logs(self, table: NavTable, field_no: int, kind: ChangeKind) -> bool:
        """Whether a change of this kind to this field is written to the change log."""
        return self.policy(table, kind)(field_no)

    def deletions_tracked(self, table: NavTable) -> bool:
        """Deletions of a table can be read back when its first key field's deletion is logged: that field
        always holds a value, so every deleted record leaves an entry."""
        t = schema.table_def(table)
        return self.logs(table, t.field(t.key[0]).no, ChangeKind.DELETION)

    def set_logging(self, table: NavTable, fields: Iterable[FieldDef] | None, *, enabled: bool) -> None:
        """Turn logging of insertions, modifications and deletions on or off for some fields of a table, or
        for all of them (``fields`` None), activating the change log if needed. Runs inside the caller's
        transaction."""
        store = self._store
        setup = schema.CHANGE_LOG_SETUP
        if store.get(setup, SETUP_KEY) is None:
            store.insert(setup, {"Primary Key": "", "Change Log Activated": True})
        elif enabled:
            store.update(setup, SETUP_KEY, {"Change Log Activated": True})
        tdef = schema.table_def(table)
        line_table = schema.CHANGE_LOG_SETUP_TABLE
        field_table = schema.CHANGE_LOG_SETUP_FIELD
        line = store.get(line_table, (int(table),))
        selected = {f.no for f in fields} if fields is not None else None
        if selected is None:
            scope = "All Fields" if enabled else ""
            self._put_line(line is not None, table, scope)
            for row, _ in store.select(field_table, {"Table No.": int(table)}):
                store.delete(field_table, (int(table), row["Field No."]))
            return
        # Some fields: start from what is logged now, so that other fields keep their setting.
        logs = self.policy(table, ChangeKind.MODIFICATION)
        logged_now = {f.no for f in tdef.fields if logs(f.no)}
        wanted = (logged_now | selected) if enabled else (logged_now - selected)
        for row, _ in store.select(field_table, {"Table No.": int(table)}):
            store.delete(field_table, (int(table), row["Field No."]))
        all_fields = {f.no for f in tdef.fields}
        if wanted == all_fields:
            self._put_line(line is not None, table, "All Fields")
            return
        self._put_line(line is not None, table, "Some Fields" if wanted else "")
        for no in sorted(wanted):
            store.insert(
                field_table,
                {
                    "Table No.": int(table),
                    "Field No.": no,
                    "Log Insertion": True,
                    "Log Modification": True,
                    "Log Deletion": True,
                },
            )

    def _put_line(self, exists: bool, table: NavTable, scope: str) -> None:
        values: dict[str, object] = {"Log Insertion": scope, "Log Modification": scope, "Log Deletion": scope}
        if exists:
            self._store.update(schema.CHANGE_LOG_SETUP_TABLE, (int(table),), values)
        else:
            self._store.insert(schema.CHANGE_LOG_SETUP_TABLE, {"Table No.": int(table), **values})

    # ------------------------------------------------------------------ entries

    def write(
        self,
        *,
        table: NavTable,
        key: NavKey,
        kind: ChangeKind,
        changes: Iterable[FieldChange],
        user_id: str,
        now: dt.datetime,
    ) -> None:
        """One entry per logged field among ``changes`` (inside the caller's transaction)."""
        t = schema.table_def(table)
        entry = schema.CHANGE_LOG_ENTRY
        logs = self.policy(table, kind)
        logged = [c for c in changes if logs(c.field.no)]
        if not logged:
            return
        last = self._store.conn.execute(f"SELECT MAX({q('Entry No.')}) FROM {q(entry.name)}").fetchone()[0]
        next_no = int(last or 0) + 1
        pk_fields = [t.field(k) for k in t.key]
        for change in logged:
            row: dict[str, object] = {
                "Entry No.": next_no,
                "Date and Time": now,
                "Time": now.time(),
                "User ID": user_id[:50],
                "Table No.": int(table),
                "Field No.": change.field.no,
                "Type of Change": kind.value,
                "Old Value": format_value(change.field, change.old)[:250] if kind is not ChangeKind.INSERTION else "",
                "New Value": format_value(change.field, change.new)[:250] if kind is not ChangeKind.DELETION else "",
                "Primary Key": render_key(t, key)[:250],
                "Primary Key Field 1 No.": pk_fields[0].no,
                "Primary Key Field 1 Value": key[0][:50],
                "Primary Key Field 2 No.": pk_fields[1].no if len(pk_fields) > 1 else 0,
                "Primary Key Field 2 Value": key[1][:50] if len(key) > 1 else "",
            }
            self._store.insert(entry, row)
            next_no += 1

    def deleted_keys(self, table: NavTable, after: int, upto: int) -> Iterator[NavKey]:
        """Keys of records deleted with a row version in (after, upto], each once, oldest first."""
        t = schema.table_def(table)
        first = t.field(t.key[0]).no
        seen: set[NavKey] = set()
        last = after
        where = {"Table No.": int(table), "Type of Change": ChangeKind.DELETION.value, "Field No.": first}
        while True:
            page = self._store.changed_page(schema.CHANGE_LOG_ENTRY, last, upto, 500, where)
            if not page:
                return
            for row, rv in page:
                last = rv
                parts = [str(row["Primary Key Field 1 Value"]), str(row["Primary Key Field 2 Value"])]
                key: NavKey = tuple(parts[: len(t.key)])
                if key not in seen:
                    seen.add(key)
                    yield key
