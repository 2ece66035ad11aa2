from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from graphsync.engine.state import (
    SCHEMA_VERSION,
    ContainersCursor,
    DeltaCursor,
    JournalDraft,
    Link,
    MapCursor,
    NavCursor,
    StateStore,
)
from graphsync.errors import LockHeldError, StateError


def test_new_store_is_at_the_current_schema_and_reopens(tmp_path: Path) -> None:
    with StateStore(tmp_path / "s.sqlite") as store:
        assert store.schema_version == SCHEMA_VERSION
        store.mailbox("m").links.save([Link("CONT_COMP", "5050:CT1", "c-1", {"displayName": "A", "phone": None})])
    with StateStore(f"sqlite:///{tmp_path / 's.sqlite'}") as store:
        link = store.mailbox("m").links.get_by_outlook("c-1")
        assert link is not None and link.base == {"displayName": "A", "phone": None}
        assert store.mailbox("other").links.get("5050:CT1") is None


def test_store_from_a_newer_graphsync_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite"
    StateStore(path).close()
    with sqlite3.connect(path) as db:
        db.execute("INSERT INTO schema_migrations VALUES (?, 'later')", (SCHEMA_VERSION + 1,))
    with pytest.raises(StateError, match="newer graphsync"):
        StateStore(path)


def test_a_file_that_is_not_a_database_is_a_state_error(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StateError) as e:
        StateStore(path)
    assert e.value.path == str(path)


def test_lock_is_exclusive_and_a_dead_holder_is_taken_over(tmp_path: Path) -> None:
    import socket

    with StateStore(tmp_path / "s.sqlite") as store:
        holder = store.mailbox("m").lock.acquire()
        with pytest.raises(LockHeldError) as e:
            store.mailbox("m").lock.acquire()
        assert e.value.holder == holder
        store.mailbox("other").lock.acquire()  # other mailboxes are independent
        store.mailbox("m").lock.release(holder)
        store.mailbox("m").lock.acquire(holder=f"pid 999999999 on {socket.gethostname()}")
        assert store.mailbox("m").lock.acquire()  # that pid does not exist: the lock was left by a killed run


def test_journal_conflicts_cursors_retries(tmp_path: Path) -> None:
    with StateStore(tmp_path / "s.sqlite") as store:
        entry = store.mailbox("m").journal.add(
            JournalDraft(entity="TASK", target="outlook", nav_key="5080:TD1", outlook_id=None, payload={"base": {}})
        )
        assert [j.id for j in store.mailbox("m").journal.pending()] == [entry]
        store.mailbox("m").journal.done([entry])
        assert store.mailbox("m").journal.pending() == []
        store.mailbox("m").cursors.set(DeltaCursor("task"), "link-1")
        store.mailbox("m").cursors.set(DeltaCursor("task"), "link-2")
        assert store.mailbox("m").cursors.get(DeltaCursor("task")) == "link-2"
        store.mailbox("m").links.save([Link("TASK", "5080:TD1", "t-1", {})])
        store.mailbox("m").conflicts.save(
            entity="TASK",
            nav_key="5080:TD1",
            outlook_id="t-1",
            fields=[{"field": "title", "base": "a", "nav": "b", "outlook": "c"}],
        )
        store.mailbox("m").conflicts.resolve(["5080:TD1"], "nav")
        (conflict,) = store.mailbox("m").conflicts.all()
        assert conflict.resolution == "nav" and conflict.fields[0]["outlook"] == "c"
        assert [link.nav_key for link in store.mailbox("m").links.dirty()] == ["5080:TD1"]
        store.mailbox("m").retries.add("task", ["outlook:t-9"])
        assert store.mailbox("m").retries.waiting("task") == ["outlook:t-9"]
        store.mailbox("m").retries.clear("task", ["outlook:t-9"])
        assert store.mailbox("m").retries.waiting("task") == []
        store.mailbox("m").links.drop(["5080:TD1"])
        assert store.mailbox("m").conflicts.all() == [] and store.mailbox("m").links.count() == {}


def test_cursor_names_are_the_strings_stored_since_schema_1(tmp_path: Path) -> None:
    """A state file written before the cursor names were typed reads the same: the typed names spell the
    strings the store has always held."""
    path = tmp_path / "s.sqlite"
    StateStore(path).close()
    old = {"delta:contact": "d", "nav:5050:contact": "w", "map:CONT_COMP": "f", "runtime:containers": "c"}
    with sqlite3.connect(path) as db:
        db.executemany("INSERT INTO cursors VALUES ('m', ?, ?)", old.items())
    with StateStore(path) as store:
        cursors = store.mailbox("m").cursors
        assert cursors.get(DeltaCursor("contact")) == "d"
        assert cursors.get(NavCursor(5050, "contact")) == "w"
        assert cursors.get(MapCursor("CONT_COMP")) == "f"
        assert cursors.get(ContainersCursor()) == "c"
        assert store.mailbox("other").cursors.get(DeltaCursor("contact")) is None


def test_a_mailbox_view_sees_only_its_mailbox(tmp_path: Path) -> None:
    with StateStore(tmp_path / "s.sqlite") as store:
        a, b = store.mailbox("a@x"), store.mailbox("b@x")
        a.links.save([Link("TASK", "5080:TD1", "t-1", {})])
        a.retries.add("task", ["nav:5080:TD2"])
        a.conflicts.save(entity="TASK", nav_key="5080:TD1", outlook_id="t-1", fields=[])
        a.journal.add(JournalDraft(entity="TASK", target="outlook", nav_key="5080:TD1", outlook_id=None, payload={}))
        assert b.links.all() == [] and b.retries.waiting("task") == [] and b.conflicts.all() == []
        assert b.journal.pending() == [] and b.links.count() == {}
        with a.lock.held():
            b.lock.acquire()  # another mailbox's lock is its own
