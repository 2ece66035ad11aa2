"""A mailbox's first read of NAV, narrowed to its own records where the config lets NAV do the narrowing.

With per-salesperson conditions (``condition = { "Salesperson Code" = "@owner" }``, the default of MEETING
and TASK), each mailbox syncs only its salesperson's records, yet a read from no watermark (an initial load)
lists the whole table and leaves the engine to drop the others: for a tenant of M salespeople that is M
times the company read for one company's worth of items, and the CPU per item of a tenant-wide initial load
grows with the number of mailboxes (bench/README.md, tenant). `scoped_nav` asks NAV itself for the records
that can be in scope (`NavConnector.find`: SQL on the embedded company, ``$filter`` over OData), when that
gives the engine everything it needs:

- only a read from no watermark (an incremental read must also see records that *left* the condition, to
  remove them from Outlook);
- only when the mailbox had no link of the table's entities as the run first read the table: nothing was
  synced yet, so no record outside the scope matters (an Outlook item stamped with the key of a record
  outside it is looked up by key, and found out of scope, as before). Asked once per run and table: the
  to-dos are read once for meetings and once for tasks, and the tasks' read must not lose the narrowing
  because the meetings were linked in between (a task's read concerns tasks' links only, and there were
  none);
- only conditions every enabled entity of the table has, each a single value of a Code field (stored
  upper-case, so NAV's equality is the engine's, which compares case-insensitively).

The to-dos' attendees are narrowed with them: an attendee row of a to-do outside the scope would otherwise
make the engine read that to-do by key. Everything else goes straight through.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import replace

from graphsync.config.entities import OWNER, EntitiesConfig
from graphsync.connectors.nav import (
    ChangeSet,
    FieldType,
    NavConnector,
    NavKey,
    NavRecord,
    NavTable,
    TableDef,
    Watermark,
)
from graphsync.engine.entities import nav_table


def pushable_scopes(
    entities: EntitiesConfig, owner: str, table_def: Callable[[NavTable], TableDef]
) -> dict[NavTable, dict[str, object]]:
    """Per NAV table, the field = value conditions NAV can apply for ``owner``'s mailbox (see the module)."""
    scopes: dict[NavTable, dict[str, object]] = {}
    tables = {nav_table(spec.name) for spec in entities if spec.enabled}
    for table in tables:
        specs = [spec for spec in entities if spec.enabled and nav_table(spec.name) is table]
        common: dict[str, str] | None = None
        for spec in specs:
            single = {str(c.field): c.values[0] for c in spec.condition if len(c.values) == 1}
            common = single if common is None else {k: v for k, v in common.items() if single.get(k) == v}
        if not common:
            continue
        t = table_def(table)
        pushed: dict[str, object] = {}
        for ref, value in common.items():
            try:
                f = t.field(int(ref) if ref.isdigit() else ref)
            except KeyError:
                continue  # the engine reports a field that does not exist when it binds the config
            if f.type is FieldType.CODE:
                pushed[f.name] = owner.upper() if value == OWNER else value.upper()
        if pushed:
            scopes[table] = pushed
    return scopes


class ScopedNav:
    """``nav`` for one run, with a read of a scoped table from no watermark narrowed to ``scopes`` when
    ``unsynced(table)`` held as the run first read it."""

    def __init__(
        self,
        nav: NavConnector,
        scopes: Mapping[NavTable, Mapping[str, object]],
        unsynced: Callable[[NavTable], bool],
    ) -> None:
        self._nav = nav
        self._scopes = scopes
        self._unsynced = unsynced
        self._first: dict[NavTable, bool] = {}
        """Per table, whether it was unsynced when this run first read it."""

    def _scope(self, table: NavTable, since: Watermark | None) -> Mapping[str, object] | None:
        scope = self._scopes.get(table)
        if scope is None:
            return None
        if table not in self._first:
            self._first[table] = self._unsynced(table)
        return scope if since is None and self._first[table] else None

    def changes(self, table: NavTable, since: Watermark | None) -> ChangeSet:
        if table is NavTable.ATTENDEE:
            return self._attendees(since)
        scope = self._scope(table, since)
        everything = self._nav.changes(table, since)
        if scope is None:
            return everything
        # The change set's watermark is taken before its records are read, as always: a record changed
        # while this one is read is read again next run (harmless), never missed.
        return replace(everything, records=self._nav.find(table, scope))

    def _attendees(self, since: Watermark | None) -> ChangeSet:
        everything = self._nav.changes(NavTable.ATTENDEE, since)
        scope = self._scope(NavTable.TODO, since)
        if scope is None:
            return everything
        todos = {str(record.key[0]) for record in self._nav.find(NavTable.TODO, scope)}

        def ours(records: Iterator[NavRecord]) -> Iterator[NavRecord]:
            return (r for r in records if str(r.fields.get("To-do No.")) in todos)

        return replace(everything, records=ours(everything.records))

    # ------------------------------------------------------------------ the rest, as it is

    def table_def(self, table: NavTable) -> TableDef:
        return self._nav.table_def(table)

    def get(self, table: NavTable, key: NavKey) -> NavRecord | None:
        return self._nav.get(table, key)

    def find(self, table: NavTable, where: Mapping[str, object]) -> Iterator[NavRecord]:
        return self._nav.find(table, where)

    def insert(self, table: NavTable, values: Mapping[str, object]) -> NavRecord:
        return self._nav.insert(table, values)

    def modify(self, table: NavTable, key: NavKey, values: Mapping[str, object], *, if_match: str) -> NavRecord:
        return self._nav.modify(table, key, values, if_match=if_match)

    def delete(self, table: NavTable, key: NavKey, *, if_match: str) -> None:
        self._nav.delete(table, key, if_match=if_match)

    def keys(self, table: NavTable) -> Iterator[NavKey]:
        return self._nav.keys(table)

    def close(self) -> None:
        """The connector belongs to whoever opened it: closing a run's view of it leaves it open."""
