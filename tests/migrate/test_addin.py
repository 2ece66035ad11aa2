"""From NAV's Outlook add-in, end to end over the embedded company (its add-in tables as CRONUS left them) and the
sandbox holding the items the add-in made: config, links, then an ordinary run that creates nothing."""

from __future__ import annotations

import shutil
from typing import Any

from graphsync.connectors.nav import NavTable
from tests.migrate.conftest import EH, LT, World, nav_key_of

EH_KEYS = {"5050:CT100006", "5050:CT200116", "5050:CT200118", "5080:TD000001"}


def created(report: dict[str, Any]) -> dict[str, int]:
    return {side: sum(e[side]["created"] for e in report["entities"].values()) for side in ("nav", "outlook")}


def use_addin_config(world: World) -> dict[str, Any]:
    """Write the configs from the add-in's setup and put EH's in place."""
    out = world.script_json("migrate_addin", "config", "--apply")
    shutil.copy(world.root / "graphsync.addin.toml", world.config)
    return out


def test_config_carries_entities_user_fields_conditions_and_each_users_direction(world: World) -> None:
    dry = world.script_json("migrate_addin", "config")
    assert dry["dry_run"] and dry["written"] == [] and not list(world.root.glob("graphsync.addin*"))
    groups = {g["file"].split("/")[-1]: g for g in dry["groups"]}
    assert set(groups) == {"graphsync.addin.toml", "graphsync.addin.LT.toml", "graphsync.addin.OF.toml"}
    assert groups["graphsync.addin.toml"]["users"] == ["CRONUS\\ESTER"]
    assert dry["entities"] == {
        "CONT_PERS": "CONT_PERS",
        "CONT_COMP": "CONT_COMP",
        "CONT_SP": "CONT_SP",
        "APP": "MEETING",
        "TASK": "TASK",
    }
    notes = {n["note"] for n in dry["notes"]}
    assert "PagerNumber: Microsoft Graph has no such Contact property" in notes
    assert any("Canceled" in n for n in notes)
    use_addin_config(world)
    text = world.config.read_text()
    assert '[nav]\nkind = "embedded"' in text  # the config's own sections are kept
    of = (world.root / "graphsync.addin.OF.toml").read_text()
    assert 'direction = "nav-to-outlook"' in of and "[entities.MEETING]\nenabled = false" in of
    # The generated configs are valid graphsync configs: `entities show` binds them to NAV.
    shown = world.graphsync("entities", "show", "CONT_PERS").output
    assert "Territory Code" in shown
    assert world.graphsync("entities", "list").exit_code == 0


def links_then_a_sync_create_nothing(world: World) -> None:
    """With EH's config from the add-in in place: her links migrate (a dry run first, changing nothing; run
    again, all already done), then an ordinary run creates no item in Outlook and no record in NAV."""
    with world.nav() as nav:
        records_before = {t: len(list(nav.keys(t))) for t in (NavTable.CONTACT, NavTable.TODO)}
    before = world.contacts()
    dry = world.script_json("migrate_addin", "links", expect=0)
    assert dry["dry_run"] and dry["counts"]["planned"] == 4
    assert world.contacts() == before  # a dry run changes nothing
    done = world.script_json("migrate_addin", "links", "--apply")
    assert {r["nav_key"] for r in done["rows"] if r["result"] == "done"} == EH_KEYS
    again = world.script_json("migrate_addin", "links", "--apply")
    assert {r["result"] for r in again["rows"]} == {"already done"}
    contacts = [c for c in world.contacts() if nav_key_of(c)]
    assert {c["folder"] for c in contacts} == {"Dynamics NAV"}
    assert {nav_key_of(c) for c in contacts} == EH_KEYS - {"5080:TD000001"}
    assert not [c for c in world.contacts() if c["folder"] == "Contacts"]  # the originals were deleted
    (meeting,) = [e for e in world.events() if nav_key_of(e)]
    assert "Dynamics NAV" in meeting["categories"]
    sync = world.sync_json()
    assert created(sync) == {"nav": 0, "outlook": 0}, sync
    assert len(world.contacts()) == 3 and len(world.events()) == 1
    with world.nav() as nav:
        assert {t: len(list(nav.keys(t))) for t in (NavTable.CONTACT, NavTable.TODO)} == records_before
    assert created(world.sync_json()) == {"nav": 0, "outlook": 0}


def test_links_then_an_ordinary_run_creates_nothing_in_outlook_or_nav(world: World) -> None:
    use_addin_config(world)
    links_then_a_sync_create_nothing(world)


def test_lts_task_is_found_by_title_and_due_date_and_moved_into_graphsyncs_list(world: World) -> None:
    world.script("migrate_addin", "config", "--apply")
    lt_config = world.root / "graphsync.addin.LT.toml"
    (original,) = [t for t in world.tasks(LT) if t["folder"] == "Tasks"]
    done = world.script_json("migrate_addin", "links", "--user", LT, "--apply", config=lt_config)
    (row,) = done["rows"]
    assert row["nav_key"] == "5080:TD000003" and row["result"] == "done" and "title and due date" in row["detail"]
    (task,) = world.tasks(LT)
    assert task["folder"] == "Dynamics NAV" and nav_key_of(task) == "5080:TD000003"
    assert task["title"] == original["title"] and task["id"] != original["id"]
    sync = world.sync_json("--user", LT, config=lt_config)
    assert created(sync) == {"nav": 0, "outlook": 0}, sync
    assert len(world.tasks(LT)) == 1
    assert EH not in {r["mailbox"] for r in done["rows"]}


def test_tenant_wide_links_go_to_each_users_mailbox_with_the_users_own_config(world: World) -> None:
    use_addin_config(world)
    out = world.script_json("migrate_addin", "links", "--all-mailboxes", "--apply", expect=1)
    done = {r["nav_key"] for r in out["rows"] if r["result"] == "done"}
    assert done == EH_KEYS and {r["mailbox"] for r in out["rows"] if r["result"] == "done"} == {EH}
    (skipped,) = [r for r in out["rows"] if r["result"] == "problem"]
    assert skipped["mailbox"] == LT and "graphsync.addin.LT.toml" in skipped["detail"]
    assert "CONT_COMP disabled in the add-in" in skipped["detail"]
    lt = world.script_json(
        "migrate_addin", "links", "--all-mailboxes", "--apply", config=world.root / "graphsync.addin.LT.toml", expect=1
    )
    assert [r["nav_key"] for r in lt["rows"] if r["result"] == "done"] == ["5080:TD000003"]
    assert [r["mailbox"] for r in lt["rows"] if r["result"] == "problem"] == [EH]


def test_links_whose_record_or_item_is_gone_or_whose_id_does_not_translate_are_reported(world: World) -> None:
    use_addin_config(world)
    with world.nav() as nav:
        nav.delete(NavTable.TODO, ("TD000001",), if_match="*")  # its attendees' to-do, so that they can go
        nav.delete(NavTable.CONTACT, ("CT200118",), if_match="*")
        nav._store.conn.execute(  # the add-in wrote its BLOB as it liked: here, garbage for CT200116
            'UPDATE "Outlook Synch. Link" SET "Outlook Entry ID" = ? WHERE "Record ID" = ?',
            ("0000BEEF", "Contact: CT200116"),
        )
    gibson = next(c for c in world.contacts() if c["displayName"] == "A. Gibson's Law Firm")
    world.graph("DELETE", f"/me/contacts/{gibson['id']}")
    out = world.script_json("migrate_addin", "links", "--apply", expect=1)
    problems = {r["nav_key"]: r["detail"] for r in out["rows"] if r["result"] == "problem"}
    assert problems["5050:CT200118"] == "the NAV record no longer exists"
    assert problems["5050:CT100006"] == "the Outlook item no longer exists"
    assert "translateExchangeIds could not translate it (ErrorInvalidIdMalformed" in problems["5050:CT200116"]
    assert problems["5080:TD000001"] == "the NAV record no longer exists"
    assert not [r for r in out["rows"] if r["result"] == "done"]
