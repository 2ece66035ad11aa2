from __future__ import annotations

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
from tests.services import end_lock_session


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


def test_origins_go_with_their_links_and_forgetting_keeps_the_history_unless_asked(state_location: str) -> None:
    from graphsync.engine.origins import Origin

    with StateStore(state_location) as store:
        box, other = store.mailbox("m"), store.mailbox("other")
        box.links.save([Link("CONT_COMP", "5050:A", "o1", {}), Link("CONT_COMP", "5050:B", "o2", {})])
        box.origins.set({"5050:A": Origin.CREATED, "5050:B": Origin.OUTLOOK})
        other.origins.set({"5050:A": Origin.ADOPTED})
        box.links.drop(["5050:A"])
        assert box.origins.all() == {"5050:B": Origin.OUTLOOK}
        assert other.origins.all() == {"5050:A": Origin.ADOPTED}  # another mailbox's are its own
        run = box.runs.begin(dry_run=False)
        box.runs.finish(run, status="ok", counts={})
        assert store.linked_mailboxes() == ["m"] and store.mailboxes() == ["m"]
        with box.lock.held():
            removed = box.forget()
            assert removed["links"] == 1 and removed["link_origins"] == 1 and "runs" not in removed
            assert box.runs.recent() and store.linked_mailboxes() == []
            with pytest.raises(LockHeldError):
                box.lock.acquire()  # the lock is left to its holder
        assert box.forget(history=True)["runs"] == 1 and box.runs.recent() == []


def test_a_schema_1_store_is_migrated_to_the_current_schema_and_written_on(
    state_location: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Schemas 2 and on (link origins, unlinked records) added to a store an earlier graphsync made, on either
    database: the store keeps everything, and origins and `forget` work on it (tests/engine/test_state_files.py:
    real SQLite files)."""
    from graphsync.engine.origins import Origin

    with monkeypatch.context() as earlier:  # the graphsync before schema 2
        earlier.setattr(schema, "MIGRATIONS", schema.MIGRATIONS[:1])
        earlier.setattr(schema, "SCHEMA_VERSION", 1)
        with StateStore(state_location) as store:
            assert store.schema_version == 1 and not sa.inspect(store.engine).has_table("link_origins")
            box = store.mailbox("m")
            box.links.save([Link("CONT_COMP", "5050:A", "o1", {"displayName": "A"})])
            box.runs.finish(box.runs.begin(dry_run=False), status="ok", counts={"outlook_create": 1})
    with StateStore(state_location) as store:
        assert store.schema_version == SCHEMA_VERSION >= 3
        box = store.mailbox("m")
        assert box.links.get("5050:A") == Link("CONT_COMP", "5050:A", "o1", {"displayName": "A"})
        assert box.origins.all() == {}
        box.origins.set({"5050:A": Origin.CREATED})
        box.origins.set({"5050:A": Origin.ADOPTED})  # a key recorded again gets the new origin
        assert box.origins.all() == {"5050:A": Origin.ADOPTED}
        removed = box.forget(history=True)
        assert removed["links"] == removed["link_origins"] == removed["runs"] == 1
        assert store.linked_mailboxes() == [] and store.mailboxes() == []
        with store.engine.connect() as conn:
            versions = conn.execute(sa.select(schema.schema_migrations.c.version)).scalars().all()
        assert sorted(versions) == list(range(1, SCHEMA_VERSION + 1))


def test_cursors_set_many_writes_them_together_and_none_forgets_one(state_location: str) -> None:
    with StateStore(state_location) as store:
        box = store.mailbox("m")
        box.cursors.set_many({DeltaCursor("task"): "d-1", NavCursor(5080, "task"): "7", MapCursor("TASK"): "f-1"})
        box.cursors.set_many({DeltaCursor("task"): "d-2", NavCursor(5080, "task"): None, ContainersCursor(): "{}"})
        assert box.cursors.get(DeltaCursor("task")) == "d-2"
        assert box.cursors.get(NavCursor(5080, "task")) is None
        assert box.cursors.get(MapCursor("TASK")) == "f-1"  # not given: as it was
        assert box.cursors.get(ContainersCursor()) == "{}"
        assert store.mailbox("other").cursors.get(DeltaCursor("task")) is None
        box.cursors.set_many({})


@pytest.mark.parametrize("upsert", [True, False], ids=["upsert", "delete-then-insert"])
def test_origins_recorded_again_take_the_new_one_with_or_without_an_upsert(
    state_location: str, upsert: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    from graphsync.engine.origins import Origin
    from graphsync.engine.state import _db

    with StateStore(state_location) as store:
        if not upsert:  # the way of a dialect without ON CONFLICT
            monkeypatch.setitem(_db.upserts, ("link_origins", store.engine.dialect.name), None)
        box, other = store.mailbox("m"), store.mailbox("n")
        box.origins.set({"5050:A": Origin.CREATED, "5050:B": Origin.CREATED})
        other.origins.set({"5050:A": Origin.OUTLOOK})
        box.origins.set({"5050:A": Origin.ADOPTED, "5050:C": Origin.CREATED})
        assert box.origins.all() == {"5050:A": Origin.ADOPTED, "5050:B": Origin.CREATED, "5050:C": Origin.CREATED}
        assert other.origins.all() == {"5050:A": Origin.OUTLOOK}


# ------------------------------------------------------------------ PostgreSQL: the cluster's lock


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
        end_lock_session(second, "m")
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
