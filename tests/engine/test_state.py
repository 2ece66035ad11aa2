from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from graphsync.engine.state import SCHEMA_VERSION, Link, StateStore
from graphsync.errors import LockHeldError, StateError


def test_new_store_is_at_the_current_schema_and_reopens(tmp_path: Path) -> None:
    with StateStore(tmp_path / "s.sqlite") as store:
        assert store.schema_version == SCHEMA_VERSION
        store.save_link(Link("m", "CONT_COMP", "5050:CT1", "c-1", {"displayName": "A", "phone": None}))
    with StateStore(f"sqlite:///{tmp_path / 's.sqlite'}") as store:
        link = store.link_by_outlook("m", "c-1")
        assert link is not None and link.base == {"displayName": "A", "phone": None}
        assert store.link_by_nav("other", "5050:CT1") is None


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
        holder = store.acquire_lock("m")
        with pytest.raises(LockHeldError) as e:
            store.acquire_lock("m")
        assert e.value.holder == holder
        store.acquire_lock("other")  # other mailboxes are independent
        store.release_lock("m", holder)
        store.acquire_lock("m", holder=f"pid 999999999 on {socket.gethostname()}")
        assert store.acquire_lock("m")  # that pid does not exist: the lock was left by a killed run


def test_journal_conflicts_cursors_retries(tmp_path: Path) -> None:
    with StateStore(tmp_path / "s.sqlite") as store:
        entry = store.journal_add(
            "m", entity="TASK", target="outlook", nav_key="5080:TD1", outlook_id=None, payload={"base": {}}
        )
        assert [j.id for j in store.journal_pending("m")] == [entry]
        store.journal_done(entry)
        assert store.journal_pending("m") == []
        store.set_cursor("m", "delta:task", "link-1")
        store.set_cursor("m", "delta:task", "link-2")
        assert store.cursor("m", "delta:task") == "link-2"
        store.save_link(Link("m", "TASK", "5080:TD1", "t-1", {}))
        store.save_conflict(
            "m",
            entity="TASK",
            nav_key="5080:TD1",
            outlook_id="t-1",
            fields=[{"field": "title", "base": "a", "nav": "b", "outlook": "c"}],
        )
        store.set_resolution("m", ["5080:TD1"], "nav")
        (conflict,) = store.conflicts("m")
        assert conflict.resolution == "nav" and conflict.fields[0]["outlook"] == "c"
        assert [link.nav_key for link in store.dirty_links("m")] == ["5080:TD1"]
        store.add_retry("m", "task", "outlook:t-9")
        assert store.retries("m", "task") == ["outlook:t-9"]
        store.clear_retries("m", "task", ["outlook:t-9"])
        assert store.retries("m", "task") == []
        store.drop_link("m", "5080:TD1")
        assert store.conflicts("m") == [] and store.count_links("m") == {}
