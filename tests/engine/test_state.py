from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import sqlalchemy as sa

from graphsync.engine.state import (
    SCHEMA_VERSION,
    ContainersCursor,
    DeltaCursor,
    JournalDraft,
    Link,
    MapCursor,
    NavCursor,
    StateStore,
    locks,
    schema,
)
from graphsync.errors import LockHeldError, StateError


def test_new_store_is_at_the_current_schema_and_reopens(state_location: str) -> None:
    with StateStore(state_location) as store:
        assert store.schema_version == SCHEMA_VERSION
        store.mailbox("m").links.save([Link("CONT_COMP", "5050:CT1", "c-1", {"displayName": "A", "phone": None})])
    url = state_location if "://" in state_location else f"sqlite:///{state_location}"
    with StateStore(url) as store:
        link = store.mailbox("m").links.get_by_outlook("c-1")
        assert link is not None and link.base == {"displayName": "A", "phone": None}
        assert store.mailbox("other").links.get("5050:CT1") is None


def test_store_from_a_newer_graphsync_is_refused(state_location: str) -> None:
    with StateStore(state_location) as store, store.engine.begin() as conn:
        conn.execute(schema.schema_migrations.insert().values(version=SCHEMA_VERSION + 1, applied_at="later"))
    with pytest.raises(StateError, match="newer graphsync"):
        StateStore(state_location)


def test_stores_opened_at_once_on_an_empty_database_migrate_it_once(state_location: str) -> None:
    """Workers starting together on a new store: each creates the tables unless they take turns."""
    with ThreadPoolExecutor(6) as pool:
        stores = list(pool.map(lambda _: StateStore(state_location), range(6)))
    for store in stores:
        assert store.schema_version == SCHEMA_VERSION
        store.close()
    with StateStore(state_location) as store, store.engine.connect() as conn:
        versions = conn.execute(sa.select(schema.schema_migrations.c.version)).scalars().all()
    assert versions == list(range(1, SCHEMA_VERSION + 1))


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


def test_journal_conflicts_cursors_retries(state_location: str) -> None:
    with StateStore(state_location) as store:
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


def test_cursor_names_are_the_strings_stored_since_schema_1(state_location: str) -> None:
    """A state file written before the cursor names were typed reads the same: the typed names spell the
    strings the store has always held."""
    old = {"delta:contact": "d", "nav:5050:contact": "w", "map:CONT_COMP": "f", "runtime:containers": "c"}
    with StateStore(state_location) as store, store.engine.begin() as conn:
        conn.execute(schema.cursors.insert(), [{"mailbox": "m", "name": k, "value": v} for k, v in old.items()])
    with StateStore(state_location) as store:
        cursors = store.mailbox("m").cursors
        assert cursors.get(DeltaCursor("contact")) == "d"
        assert cursors.get(NavCursor(5050, "contact")) == "w"
        assert cursors.get(MapCursor("CONT_COMP")) == "f"
        assert cursors.get(ContainersCursor()) == "c"
        assert store.mailbox("other").cursors.get(DeltaCursor("contact")) is None


def test_a_mailbox_view_sees_only_its_mailbox(state_location: str) -> None:
    with StateStore(state_location) as store:
        a, b = store.mailbox("a@x"), store.mailbox("b@x")
        a.links.save([Link("TASK", "5080:TD1", "t-1", {})])
        a.retries.add("task", ["nav:5080:TD2"])
        a.conflicts.save(entity="TASK", nav_key="5080:TD1", outlook_id="t-1", fields=[])
        a.journal.add(JournalDraft(entity="TASK", target="outlook", nav_key="5080:TD1", outlook_id=None, payload={}))
        assert b.links.all() == [] and b.retries.waiting("task") == [] and b.conflicts.all() == []
        assert b.journal.pending() == [] and b.links.count() == {}
        with a.lock.held():
            b.lock.acquire()  # another mailbox's lock is its own


# ------------------------------------------------------------------ PostgreSQL: the cluster's lock


def _lock_session_pid(store: StateStore) -> int:
    """The server process of the store's lock session (the connection its advisory locks live on)."""
    with store.engine.connect() as conn:
        key = locks.advisory_key("m") & 0xFFFF_FFFF_FFFF_FFFF  # a bigint key is shown as two unsigned halves
        pid = conn.execute(
            sa.text(
                "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND objsubid = 1 "
                "AND classid::bigint = :high AND objid::bigint = :low"
            ),
            {"high": key >> 32, "low": key & 0xFFFF_FFFF},
        ).scalar()
    assert pid is not None, "no session holds the mailbox's advisory lock"
    return int(pid)


def test_a_postgresql_lock_is_held_across_stores_and_goes_with_its_session(
    postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(locks, "LIVENESS_INTERVAL", 0.0)
    with StateStore(postgres_url) as first, StateStore(postgres_url) as second:
        mine = first.mailbox("m").lock.acquire(holder="pid 1 on worker-a")
        with pytest.raises(LockHeldError) as e:
            second.mailbox("m").lock.acquire(holder="pid 2 on worker-b")
        assert e.value.holder == "pid 1 on worker-a"
        with pytest.raises(LockHeldError):  # nor twice from one store: one run per mailbox
            first.mailbox("m").lock.acquire()
        second.mailbox("other").lock.acquire()  # other mailboxes are independent
        assert first.mailbox("m").lock.still_held()
        # The first worker dies: the server ends its session (as when a killed process's socket closes), and
        # its advisory lock with it. Its row is still there, naming it; the second worker takes the lock over.
        pid = _lock_session_pid(first)
        with second.engine.connect() as conn:
            conn.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            # It returns once the signal is sent; the session (and its lock) ends a moment later.
            gone = sa.text("SELECT count(*) FROM pg_stat_activity WHERE pid = :pid")
            deadline = time.monotonic() + 10
            while conn.execute(gone, {"pid": pid}).scalar() and time.monotonic() < deadline:
                time.sleep(0.02)
        theirs = second.mailbox("m").lock.acquire(holder="pid 2 on worker-b")
        assert not first.mailbox("m").lock.still_held()  # the first one's run stops at its next chunk
        first.mailbox("m").lock.release(mine)  # a lost holder's release touches nothing of the new holder's
        with pytest.raises(LockHeldError) as e:
            first.mailbox("m").lock.acquire(holder="pid 1 on worker-a")
        assert e.value.holder == "pid 2 on worker-b"
        second.mailbox("m").lock.release(theirs)
        with first.mailbox("m").lock.held() as holder:  # released: free for anyone
            assert first.mailbox("m").lock.still_held() and holder.startswith("pid ")


def test_closing_a_store_releases_its_postgresql_locks(postgres_url: str) -> None:
    with StateStore(postgres_url) as first:
        first.mailbox("m").lock.acquire(holder="pid 1 on worker-a")
    with StateStore(postgres_url) as second:
        assert second.mailbox("m").lock.acquire(holder="pid 2 on worker-b") == "pid 2 on worker-b"


def test_a_database_server_that_does_not_answer_is_a_state_error_without_the_password() -> None:
    url = sa.make_url("postgresql+psycopg://graphsync@127.0.0.1:1/graphsync").set(password="s3cret-pw")
    with pytest.raises(StateError) as e:
        StateStore(url)
    assert "cannot be used" in e.value.reason and "127.0.0.1:1" in e.value.path
    assert "s3cret-pw" not in str(e.value) and "s3cret-pw" not in e.value.path
