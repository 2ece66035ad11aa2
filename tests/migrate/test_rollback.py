"""Removing graphsync from a mailbox: created items deleted (found by their stamp), adopted ones kept without
stamps, the state forgotten; run again it finds nothing; a fresh initial load then makes one item per record."""

from __future__ import annotations

import shutil
from collections import Counter
from typing import Any

from graphsync.connectors.nav import NavTable
from tests.migrate.conftest import EH, World, nav_key_of


def stamped(world: World) -> Counter[str]:
    keys: Counter[str] = Counter()
    for item in world.contacts() + world.events() + world.tasks():
        key = nav_key_of(item)
        if key:
            keys[key] += 1
    return keys


def in_scope(world: World) -> int:
    """Records EH's default config syncs: every contact and salesperson, and her to-dos."""
    with world.nav() as nav:
        todos = [r for r in nav.changes(NavTable.TODO, None).records if r["Salesperson Code"] == "EH"]
        return len(list(nav.keys(NavTable.CONTACT))) + len(list(nav.keys(NavTable.SALESPERSON))) + len(todos)


def test_initial_load_rollback_then_fresh_initial_load_leaves_one_item_per_record(world: World) -> None:
    world.sync_json()
    before = stamped(world)
    assert len(before) == in_scope(world) and set(before.values()) == {1}
    moved = next(c for c in world.contacts() if nav_key_of(c) == "5050:CT100007")
    folder = world.graph("POST", "/me/contactFolders", {"displayName": "Customers"})
    world.sandbox.move_item(EH, moved["id"], folder["id"])  # found by its stamp, wherever it is
    dry = world.script_json("rollback", "--mode", "delete", expect=0)
    assert dry["dry_run"] and dry["counts"]["planned"] == len(before) + 1  # and forgetting the state
    assert stamped(world) == before
    done = world.script_json("rollback", "--mode", "delete", "--apply")
    assert done["counts"]["done"] == len(before) + 3  # the items, the empty folder and list, the state
    assert not stamped(world)
    assert not [c for c in world.contacts() if c["folder"] in ("Dynamics NAV", "Customers") and c.get("displayName")]
    with world.store() as store:
        box = store.mailbox(EH)
        assert box.links.all() == [] and box.runs.recent() == [] and box.origins.all() == {}
    again = world.script_json("rollback", "--mode", "delete", "--apply")
    assert again["rows"] == [] and again["ok"]
    world.sync_json()
    after = stamped(world)
    assert len(after) == in_scope(world) and set(after.values()) == {1}


def test_adopted_items_are_never_deleted_and_keep_mode_deletes_nothing(world: World) -> None:
    world.script("migrate_addin", "config", "--apply")
    shutil.copy(world.root / "graphsync.addin.toml", world.config)
    world.script("migrate_addin", "links", "--apply")
    world.graph("POST", "/me/contacts", {"givenName": "Hand", "surname": "Made"})
    world.sync_json()  # creates nothing: every record in EH's scope was linked by the add-in
    with world.nav() as nav:
        nav.insert(NavTable.CONTACT, {"Type": "Person", "Name": "Nina New", "Salesperson Code": "EH"})
    world.sync_json()  # graphsync creates Nina's contact
    keys = stamped(world)
    assert len(keys) == 5
    plan = world.script_json("rollback", "--mode", "delete")
    actions: dict[str, Any] = {r["nav_key"]: r for r in plan["rows"] if r["nav_key"]}
    assert [k for k, r in actions.items() if r["action"].startswith("delete")] == [
        next(k for k in keys if k not in ("5050:CT100006", "5050:CT200116", "5050:CT200118", "5080:TD000001"))
    ]
    assert all("origin: adopted" in r["detail"] for k, r in actions.items() if not r["action"].startswith("delete"))
    keep = world.script_json("rollback", "--mode", "keep", "--apply")
    assert keep["ok"] and not any(r["action"].startswith("delete") for r in keep["rows"])
    assert not stamped(world)
    names = {c["displayName"] for c in world.contacts()}
    assert {"Nina New", "Lori Kane", "Hand Made", "A. Gibson's Law Firm"} <= names
    (meeting,) = world.events()
    assert "Dynamics NAV" not in meeting["categories"]


def test_tenant_wide_rollback_covers_every_mailbox_the_state_knows(world: World) -> None:
    world.sync_json()
    world.sync_json("--user", "lt@contoso.com")
    done = world.script_json("rollback", "--mode", "delete", "--all-mailboxes", "--apply")
    assert set(done["mailboxes"]) == {"eh@contoso.com", "lt@contoso.com"}
    assert not stamped(world) and not [t for t in world.tasks("lt@contoso.com") if nav_key_of(t)]
    with world.store() as store:
        assert store.linked_mailboxes() == [] and store.mailboxes() == []
