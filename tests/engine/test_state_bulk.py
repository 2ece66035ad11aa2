"""The state store's bulk writes: one statement (or one per IN-list chunk) for many rows."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from graphsync.engine.state import DeltaCursor, JournalDraft, Link, StateStore, _db, links, retries, schema
from graphsync.engine.state import journal as journal_module
from graphsync.errors import StateError

MAX_VARIABLES = 999
"""SQLite's bound-variable limit before 3.32; the tests impose it so that an unchunked IN list of more
keys fails here as it would on such a SQLite."""
MANY = 1200


@pytest.fixture
def store(state_location: str) -> Iterator[StateStore]:
    """The store under test, on SQLite and on PostgreSQL (`state_location`)."""
    with StateStore(state_location) as opened:
        if opened.engine.dialect.name == "sqlite":

            @sa.event.listens_for(opened.engine, "connect")
            def _limit(dbapi_conn: Any, _record: Any) -> None:
                dbapi_conn.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, MAX_VARIABLES)

            opened.engine.dispose()  # connections opened before the listener would not have the limit
        yield opened


@pytest.fixture
def sqlite_store(store: StateStore) -> StateStore:
    """`store` where a test checks SQLite's own behaviour (its rowids, its driver's fast paths)."""
    if store.engine.dialect.name != "sqlite":
        pytest.skip("checks what SQLite alone does")
    return store


def _link(nav_key: str, **fields: Any) -> Link:
    values: dict[str, Any] = {"outlook_id": f"o-{nav_key}", "base": {"displayName": nav_key}} | fields
    return Link(entity="CONT_COMP", nav_key=nav_key, **values)


def _drafts(count: int) -> list[JournalDraft]:
    return [
        JournalDraft(entity="TASK", target="outlook", nav_key=f"k{i}", outlook_id=None, payload={"n": i})
        for i in range(count)
    ]


def _updated_at(store: StateStore, nav_key: str) -> str:
    with store.engine.connect() as conn:
        value = conn.execute(sa.select(schema.links.c.updated_at).where(schema.links.c.nav_key == nav_key)).scalar()
    return str(value)


# ------------------------------------------------------------------ links


def test_save_links_inserts_then_updates_and_round_trips_every_field(
    store: StateStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(links, "now", lambda: "2024-01-01T00:00:00.000+00:00")
    store.mailbox("m").links.save([_link("a"), _link("b", base={"x": "ü", "y": None}, dirty=True, stamped=False)])
    assert store.mailbox("m").links.count() == {"CONT_COMP": 2}
    assert _updated_at(store, "a") == "2024-01-01T00:00:00.000+00:00"

    monkeypatch.setattr(links, "now", lambda: "2024-01-02T00:00:00.000+00:00")
    changed = _link("a", outlook_id="o-new", base={"displayName": "A2"}, outlook_version="v2", nav_etag="e2")
    store.mailbox("m").links.save([changed, _link("c")])
    found = store.mailbox("m").links.by_nav(["a", "b", "c"])
    assert found["a"] == changed
    assert found["b"] == _link("b", base={"x": "ü", "y": None}, dirty=True, stamped=False)
    assert store.mailbox("m").links.count() == {"CONT_COMP": 3}
    assert _updated_at(store, "a") == "2024-01-02T00:00:00.000+00:00"
    assert _updated_at(store, "b") == "2024-01-01T00:00:00.000+00:00"  # not in the batch


def test_save_links_with_a_key_twice_keeps_the_last(store: StateStore) -> None:
    store.mailbox("m").links.save([_link("a", outlook_id="first"), _link("a", outlook_id="second")])
    assert [link.outlook_id for link in store.mailbox("m").links.all()] == ["second"]


def test_save_link_and_an_empty_batch(store: StateStore) -> None:
    store.mailbox("m").links.save([])
    store.mailbox("m").links.save([_link("a")])
    store.mailbox("m").links.save([_link("a", dirty=True)])
    assert store.mailbox("m").links.get("a") == _link("a", dirty=True)
    assert store.mailbox("m").links.get_by_outlook("o-a") == _link("a", dirty=True)
    assert store.mailbox("m").links.get_by_outlook("o-missing") is None
    assert store.mailbox("other").links.get("a") is None


def test_save_links_without_an_upsert_dialect_updates_then_inserts(
    store: StateStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The fallback other dialects take: pretend this database had no ON CONFLICT.
    monkeypatch.setitem(_db.upserts, ("links", store.engine.dialect.name), None)
    store.mailbox("m").links.save([_link("a"), _link("b")])
    store.mailbox("m").links.save([_link("a", outlook_id="o-2"), _link("c")])
    assert {link.nav_key: link.outlook_id for link in store.mailbox("m").links.all()} == {
        "a": "o-2",
        "b": "o-b",
        "c": "o-c",
    }


def test_lookups_by_many_keys_are_chunked(store: StateStore) -> None:
    keys = [f"k{i}" for i in range(MANY)]
    store.mailbox("m").links.save(_link(key) for key in keys)
    assert sorted(store.mailbox("m").links.by_nav([*keys, "missing"])) == sorted(keys)
    assert len(store.mailbox("m").links.by_outlook([f"o-{key}" for key in keys])) == MANY


def test_link_ids_give_the_keys_of_many_links_without_their_base(store: StateStore) -> None:
    keys = [f"k{i:04d}" for i in range(MANY)]
    store.mailbox("m").links.save(_link(key) for key in keys)
    store.mailbox("other").links.save([Link(entity="TASK", nav_key="k0001", outlook_id="x", base={})])
    by_nav = store.mailbox("m").links.ids_by_nav([*keys, "missing"])
    assert sorted(by_nav) == [(key, f"o-{key}", "CONT_COMP") for key in keys]
    by_outlook = store.mailbox("m").links.ids_by_outlook(["o-k0001", "o-k0002", "x"])
    assert sorted(ids.nav_key for ids in by_outlook) == ["k0001", "k0002"]
    paged = list(store.mailbox("m").links.iter_ids(page=500))
    assert [ids.nav_key for ids in paged] == keys  # NAV key order, across pages
    assert list(store.mailbox("m").links.iter_ids(entities=["TASK"])) == []
    assert [ids.outlook_id for ids in store.mailbox("other").links.iter_ids()] == ["x"]


def test_drop_links_removes_links_and_their_conflicts(store: StateStore) -> None:
    keys = [f"k{i}" for i in range(MANY)]
    store.mailbox("m").links.save(_link(key) for key in keys)
    store.mailbox("m").conflicts.save(entity="CONT_COMP", nav_key="k3", outlook_id="o-k3", fields=[])
    store.mailbox("m").conflicts.save(entity="CONT_COMP", nav_key="k1100", outlook_id="o-k1100", fields=[])
    store.mailbox("m").links.drop(keys[:1150])
    assert sorted(link.nav_key for link in store.mailbox("m").links.all()) == sorted(keys[1150:])
    assert store.mailbox("m").conflicts.all() == []
    store.mailbox("m").links.drop(["k1199"])
    assert store.mailbox("m").links.get("k1199") is None and store.mailbox("m").links.count() == {"CONT_COMP": 49}


def test_mark_dirty_many_marks_only_the_given_links_of_the_mailbox(store: StateStore) -> None:
    keys = [f"k{i}" for i in range(MANY)]
    store.mailbox("m").links.save(_link(key) for key in keys)
    store.mailbox("other").links.save([Link("CONT_COMP", "k0", "o-k0", {})])
    store.mailbox("m").links.mark_dirty([*keys[100:], "missing"])
    assert sorted(link.nav_key for link in store.mailbox("m").links.dirty()) == sorted(keys[100:])
    assert store.mailbox("other").links.dirty() == []
    store.mailbox("m").links.mark_dirty(["k0"])
    assert store.mailbox("m").links.get("k0") == _link("k0", dirty=True)


# ------------------------------------------------------------------ retries


def test_add_retries_and_clear_retries_in_bulk(store: StateStore, monkeypatch: pytest.MonkeyPatch) -> None:
    refs = [f"outlook:t-{i:04}" for i in range(MANY)]
    monkeypatch.setattr(retries, "now", lambda: "early")
    store.mailbox("m").retries.add("task", refs[:10])
    monkeypatch.setattr(retries, "now", lambda: "late")
    store.mailbox("m").retries.add("task", [*refs, refs[0]])  # the first ten are there already, one given twice
    store.mailbox("m").retries.add("contact", [refs[0]])
    assert store.mailbox("m").retries.waiting("task") == refs
    with store.engine.connect() as conn:
        assert conn.execute(sa.select(schema.retries.c.added_at).distinct()).scalars().all() == ["late"]

    store.mailbox("m").retries.clear("task", refs[:1100])
    assert store.mailbox("m").retries.waiting("task") == refs[1100:]
    assert store.mailbox("m").retries.waiting("contact") == [refs[0]]  # another kind is untouched


# ------------------------------------------------------------------ journal


def test_journal_add_many_returns_the_ids_in_order(store: StateStore) -> None:
    first = store.mailbox("m").journal.add(
        JournalDraft(entity="TASK", target="nav", nav_key=None, outlook_id="t-0", payload={})
    )
    ids = store.mailbox("m").journal.add_many(_drafts(MANY))
    assert len(set(ids)) == MANY and first not in ids
    pending = {entry.id: entry for entry in store.mailbox("m").journal.pending()}
    assert [pending[i].payload for i in ids] == [{"n": i} for i in range(MANY)]
    assert [pending[i].nav_key for i in ids] == [f"k{i}" for i in range(MANY)]
    assert store.mailbox("m").journal.add_many([]) == []


def test_journal_add_many_without_ordered_returning_goes_row_by_row(
    store: StateStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(store.engine.dialect, "insert_executemany_returning_sort_by_parameter_order", False)
    ids = store.mailbox("m").journal.add_many(_drafts(5))
    assert [store_entry.payload for store_entry in store.mailbox("m").journal.pending()] == [{"n": i} for i in range(5)]
    assert [entry.id for entry in store.mailbox("m").journal.pending()] == ids


def _largest_rowid_taken(store: StateStore) -> None:
    with store.engine.begin() as conn:
        conn.execute(
            schema.journal.insert().values(
                id=2**63 - 1, mailbox="m", entity="TASK", target="nav", payload="{}", created_at="2026-01-01"
            )
        )


def test_journal_add_many_refuses_when_sqlite_gives_no_consecutive_ids(tmp_path: Path) -> None:
    """Past the largest rowid SQLite picks new ones at random: the ids of many entries added in one executemany
    are then not the chunk's, and the chunk is refused (rolled back) instead of being recorded under ids that
    belong to no entry or to others. (SQLite's own behaviour: a store of its own, not the parametrised one.)"""
    with StateStore(tmp_path / "s.sqlite") as store:
        _largest_rowid_taken(store)
        with pytest.raises(StateError, match="run out"):
            store.mailbox("m").journal.add_many(_drafts(journal_module.FEW + 1))
        assert [entry.id for entry in store.mailbox("m").journal.pending()] == [2**63 - 1]


def test_journal_add_many_of_a_few_entries_gets_each_ones_own_id(tmp_path: Path) -> None:
    """A chunk's usual one or two entries go in one statement each and get the rowid SQLite gave each, even the
    random ones it picks past the largest."""
    with StateStore(tmp_path / "s.sqlite") as store:
        _largest_rowid_taken(store)
        ids = store.mailbox("m").journal.add_many(_drafts(journal_module.FEW))
        pending = {entry.id: entry for entry in store.mailbox("m").journal.pending()}
        assert len(set(ids)) == journal_module.FEW and 2**63 - 1 not in ids
        assert [pending[i].payload for i in ids] == [{"n": i} for i in range(journal_module.FEW)]


def test_journal_done_many_deletes_only_the_given_ids(store: StateStore) -> None:
    ids = store.mailbox("m").journal.add_many(_drafts(MANY))
    store.mailbox("m").journal.done([*ids[:1100], ids[0], 999_999])
    assert [entry.id for entry in store.mailbox("m").journal.pending()] == ids[1100:]
    store.mailbox("m").journal.done([ids[1100]])
    assert [entry.id for entry in store.mailbox("m").journal.pending()] == ids[1101:]
    store.mailbox("m").journal.done([])


# ------------------------------------------------------------------ transactions


def test_bulk_writes_outside_a_transaction_are_committed_each(store: StateStore, state_location: str) -> None:
    store.mailbox("m").links.save([_link("a")])
    ids = store.mailbox("m").journal.add_many(_drafts(3))
    with StateStore(state_location) as other:
        assert other.mailbox("m").links.get("a") == _link("a")
        assert [entry.id for entry in other.mailbox("m").journal.pending()] == ids


def test_bulk_writes_inside_a_transaction_show_only_to_it_until_commit(store: StateStore, state_location: str) -> None:
    with StateStore(state_location) as other:
        with store.transaction():
            store.mailbox("m").links.save([_link("a"), _link("b")])
            ids = store.mailbox("m").journal.add_many(_drafts(3))
            store.mailbox("m").journal.done(ids[:1])
            store.mailbox("m").retries.add("task", ["outlook:x"])
            assert sorted(store.mailbox("m").links.by_nav(["a", "b"])) == ["a", "b"]
            assert [entry.id for entry in store.mailbox("m").journal.pending()] == ids[1:]
            assert other.mailbox("m").links.count() == {} and other.mailbox("m").journal.pending() == []
        assert sorted(other.mailbox("m").links.by_nav(["a", "b"])) == ["a", "b"]
        assert [entry.id for entry in other.mailbox("m").journal.pending()] == ids[1:]
        assert other.mailbox("m").retries.waiting("task") == ["outlook:x"]


def test_a_failed_transaction_leaves_nothing(store: StateStore) -> None:
    store.mailbox("m").links.save([_link("kept")])
    kept = store.mailbox("m").journal.add_many(_drafts(2))
    with pytest.raises(RuntimeError), store.transaction():
        store.mailbox("m").links.save([_link("new"), _link("kept", dirty=True)])
        store.mailbox("m").journal.add_many(_drafts(3))
        store.mailbox("m").journal.done(kept)
        store.mailbox("m").links.drop(["kept"])
        store.mailbox("m").retries.add("task", ["outlook:x"])
        store.mailbox("m").cursors.set(DeltaCursor("task"), "link-1")
        raise RuntimeError("the run failed")
    assert store.mailbox("m").links.all() == [_link("kept")]
    assert [entry.id for entry in store.mailbox("m").journal.pending()] == kept
    assert (
        store.mailbox("m").retries.waiting("task") == [] and store.mailbox("m").cursors.get(DeltaCursor("task")) is None
    )


def test_the_postgresql_upsert_compiles_to_on_conflict() -> None:
    # The SQL alone (the tests above run it against the real server).
    from sqlalchemy.dialects import postgresql

    upsert = _db.upsert_for(schema.links, postgresql.dialect())
    assert upsert is not None
    sql = " ".join(str(upsert.compile(dialect=postgresql.dialect())).split())
    assert "ON CONFLICT (mailbox, nav_key) DO UPDATE SET" in sql
    assert "base = excluded.base" in sql and "updated_at = excluded.updated_at" in sql
    assert "SET mailbox" not in sql and "nav_key = excluded" not in sql
    assert _db.upsert_for(schema.links, sa.create_engine("sqlite://").dialect) is not None
