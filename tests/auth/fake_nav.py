"""A NavConnector holding salespeople only, enough for mailbox matching."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from graphsync.connectors.nav import ChangeSet, NavKey, NavRecord, NavTable, TableDef, Watermark


class SalespeopleNav:
    def __init__(self, people: Mapping[str, tuple[str, str]]) -> None:
        """``people``: code -> (E-Mail, E-Mail 2)."""
        self.records: dict[NavKey, NavRecord] = {
            (code,): NavRecord(
                NavTable.SALESPERSON, (code,), {"Code": code, "Name": code, "E-Mail": e1, "E-Mail 2": e2}, "1"
            )
            for code, (e1, e2) in people.items()
        }

    def table_def(self, table: NavTable) -> TableDef:
        raise NotImplementedError

    def changes(self, table: NavTable, since: Watermark | None) -> ChangeSet:
        raise NotImplementedError

    def get(self, table: NavTable, key: NavKey) -> NavRecord | None:
        assert table is NavTable.SALESPERSON
        return self.records.get(key)

    def find(self, table: NavTable, where: Mapping[str, object]) -> Iterator[NavRecord]:
        raise NotImplementedError

    def insert(self, table: NavTable, values: Mapping[str, object]) -> NavRecord:
        raise NotImplementedError

    def modify(self, table: NavTable, key: NavKey, values: Mapping[str, object], *, if_match: str) -> NavRecord:
        raise NotImplementedError

    def delete(self, table: NavTable, key: NavKey, *, if_match: str) -> None:
        raise NotImplementedError

    def keys(self, table: NavTable) -> Iterator[NavKey]:
        assert table is NavTable.SALESPERSON
        return iter(list(self.records))

    def close(self) -> None:
        pass
