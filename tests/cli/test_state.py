"""Ways out offered by the messages: ``graphsync state forget --user`` when the folder is lost, ``graphsync
state restore KEY`` when NAV keeps a record deleted in Outlook, and item errors that name the field."""

from __future__ import annotations

from graphsync.connectors.nav import NavTable
from graphsync.engine.state import StateStore
from tests.cli.conftest import USER, World, graph, outlook_contact


def _folder_id(world: World) -> str:
    folders = graph(world, "GET", "/me/contactFolders")["value"]
    return str(next(f["id"] for f in folders if f["displayName"] == "Dynamics NAV"))


def test_a_contact_nav_keeps_is_offered_back_and_restored(world: World) -> None:
    world.run("sync")
    contact = outlook_contact(world, "A. Gibson's Law Firm")  # CT100006 has an open meeting to-do
    graph(world, "DELETE", f"/me/contacts/{contact['id']}")
    refused = world.run("sync", expect=1).output
    assert "You cannot delete the CT100006 record of the Contact" in refused
    assert "complete or delete its open to-dos" in refused and "graphsync state restore 5050:CT100006" in refused
    errors = world.run_json("sync", expect=1)["errors"]
    assert errors[0]["fix"] == {"kind": "restore", "command": "graphsync state restore 5050:CT100006"}

    restored = world.run("state", "restore", "5050:CT100006").output
    assert "CONT_COMP 5050:CT100006: the next sync creates it again" in restored
    synced = world.run("sync").stdout
    assert 'CONT_COMP 5050:CT100006 "A. Gibson\'s Law Firm": Outlook created' in synced
    assert outlook_contact(world, "A. Gibson's Law Firm")["id"] != contact["id"]
    with world.nav() as nav:
        assert nav.get(NavTable.CONTACT, ("CT100006",)) is not None
    assert world.run("sync").stdout == ""  # settled: no error any more
    assert "5050:NOPE" in world.run("state", "restore", "5050:NOPE", expect=2).output


def test_a_lost_folder_names_the_command_that_starts_over_and_it_does(world: World) -> None:
    world.run("sync")
    with world.nav() as nav:
        before = sum(1 for _ in nav.keys(NavTable.CONTACT))
    graph(world, "DELETE", f"/me/contactFolders/{_folder_id(world)}")
    lost = world.run("sync", expect=1).output
    assert f"graphsync state forget --user {USER}" in lost
    forgot = world.run("state", "forget", "--user", USER).output
    assert f"Forgot the sync state of {USER}" in forgot and "15 link(s)" in forgot
    synced = world.run("sync").stdout
    # The 14 contacts again, in a new folder; the meeting in the calendar is found by its key, not made twice.
    assert synced.splitlines()[-1] == "Synced eh@contoso.com: Outlook 14 created."
    assert len(graph(world, "GET", f"/me/contactFolders/{_folder_id(world)}/contacts?$top=100")["value"]) == 14
    with world.nav() as nav:
        assert sum(1 for _ in nav.keys(NavTable.CONTACT)) == before  # nothing deleted in NAV
    assert world.run("sync").stdout == ""


def test_forget_without_losing_anything_pairs_the_items_again(world: World) -> None:
    world.run("sync")
    world.run("state", "forget", "--user", USER)
    again = world.run_json("sync")
    assert again["entities"]["CONT_COMP"]["outlook"]["created"] == 0  # found by the keys stamped on them
    contacts = graph(world, "GET", f"/me/contactFolders/{_folder_id(world)}/contacts?$top=100")["value"]
    assert len(contacts) == len({c["displayName"] for c in contacts})  # no duplicate


def test_forget_needs_a_known_mailbox_and_waits_for_a_run(world: World) -> None:
    world.run("sync")
    assert "--user" in world.run("state", "forget", "--user", "nobody@contoso.com", expect=2).output
    store = StateStore(world.root / "state.sqlite")
    store.mailbox(USER).lock.acquire(holder="pid 1 on another-host")
    store.close()
    assert "another graphsync run" in world.run("state", "forget", "--user", USER, expect=4).output


def test_a_value_too_long_for_nav_names_the_field_and_the_limit(world: World) -> None:
    world.run("sync")
    person = outlook_contact(world, "Lori Kane")
    graph(world, "PATCH", f"/me/contacts/{person['id']}", {"jobTitle": "x" * 67})
    refused = world.run("sync", expect=1).output
    assert "CONT_PERS 5050:CT200118 'Lori Kane': NAV refused: Job Title: The length of the string is 67" in refused
    assert "Shorten it to at most 30 characters" in refused
    # 29 letters and an emoji: 30 characters to a person, 31 UTF-16 units to NAV.
    graph(world, "PATCH", f"/me/contacts/{person['id']}", {"jobTitle": "y" * 29 + "🙂"})
    emoji = world.run("sync", expect=1).output
    assert "The value is 30 characters but 31 to NAV, which counts each emoji" in emoji
    status = world.run("status").output
    assert "Job Title: The length of the string is 31" in status and "counts each emoji" in status


def test_an_unlinked_salesperson_stays_out_of_outlook_until_restored(world: World) -> None:
    """Delete policy unlink (CONT_SP's default): deleted in Outlook, the salesperson's contact is not created
    again by a full sync; `graphsync state unlinked` lists it and `graphsync state restore` brings it back."""
    world.run("sync")
    contact = outlook_contact(world, "Ester Henderson")
    graph(world, "DELETE", f"/me/contacts/{contact['id']}")
    world.run("sync")
    assert world.run("sync", "--full").stdout == ""
    listed = world.run("state", "unlinked").output
    assert "13:EH" in listed and "deleted in Outlook (graphsync state restore KEY)" in listed
    (unlinked,) = world.run_json("state", "unlinked", "--json")
    assert (unlinked["nav_key"], unlinked["entity"], unlinked["reason"]) == ("13:EH", "CONT_SP", "outlook_deleted")

    restored = world.run("state", "restore", "13:EH").output
    assert "CONT_SP 13:EH: the next sync creates it again" in restored
    assert "Outlook created" in world.run("sync").stdout
    assert outlook_contact(world, "Ester Henderson")["id"] != contact["id"]
    assert world.run("state", "unlinked").output.strip() == "No unlinked records."
    assert world.run("sync", "--full").stdout == ""
