"""`graphsync conflicts` and `graphsync status` on a real conflict made through NAV and the sandbox."""

from __future__ import annotations

from graphsync.connectors.nav import NavTable
from tests.cli.conftest import World, config_text, graph, make_phone_conflict, outlook_contact


def test_status_before_any_sync_says_so(world: World) -> None:
    result = world.run("status")
    assert "No sync has run yet" in result.output
    assert world.run_json("status")["mailboxes"] == []


def test_conflict_listed_shown_and_resolved_keeping_nav(world: World) -> None:
    key = make_phone_conflict(world)
    (listed,) = world.run_json("conflicts", "list")
    assert listed["nav_key"] == key and listed["resolution"] is None
    assert [(f["field"], f["nav"], f["outlook"]) for f in listed["fields"]] == [
        ("businessPhones[0]", "1234567", "7654321")
    ]
    shown = world.run("conflicts", "show", key).output
    assert "businessPhones[0]" in shown and "1234567" in shown and "7654321" in shown
    # Every mapped field is shown, not only the conflicting one.
    assert "displayName" in shown and "A. Gibson's Law Firm" in shown
    title = 'CONT_COMP 5050:CT100006 "A. Gibson\'s Law Firm"'
    assert shown.startswith(f"{title} (mailbox eh@contoso.com; decision: waiting)")
    status = world.run_json("status")["mailboxes"][0]
    assert status["open_conflicts"] == 1 and status["links"]["CONT_COMP"] > 0

    resolved = world.run("conflicts", "resolve", key, "--keep", "nav")
    assert "next sync" in resolved.output
    assert world.run_json("conflicts", "list")[0]["resolution"] == "nav"
    world.run("sync")
    assert world.run_json("conflicts", "list") == []
    assert outlook_contact(world, "A. Gibson's Law Firm")["businessPhones"] == ["1234567"]


def test_resolve_all_now_keeping_outlook(world: World) -> None:
    make_phone_conflict(world)
    result = world.run("conflicts", "resolve", "--all", "--keep", "outlook", "--now")
    assert "Applied" in result.output
    assert world.run_json("conflicts", "list") == []
    with world.nav() as nav:
        record = nav.get(NavTable.CONTACT, ("CT100006",))
        assert record is not None and record["Phone No."] == "7654321"


def test_resolve_all_now_counts_the_conflicts_it_resolved_not_every_item_it_touched(world: World) -> None:
    """Issue 20: with one open conflict, `resolve --all --now` said "2 item(s)", counting another item that the
    same run re-read (its earlier write had failed)."""
    make_phone_conflict(world)
    other = outlook_contact(world, "Eco Office Inc.")
    graph(world, "PATCH", f"/me/contacts/{other['id']}", {"displayName": "x" * 120})  # too long for NAV's Name
    world.run("sync", expect=1)  # NAV refuses it: an item error, the item to be read again
    graph(world, "PATCH", f"/me/contacts/{other['id']}", {"displayName": "Eco Office Ltd"})
    result = world.run("conflicts", "resolve", "--all", "--keep", "outlook", "--now")
    assert "for 1 item(s)" in result.output
    assert world.run_json("conflicts", "list") == []
    with world.nav() as nav:
        names = [r["Name"] for r in nav.find(NavTable.CONTACT, {"Name": "Eco Office Ltd"})]
    assert names == ["Eco Office Ltd"]  # the other item was written too, just not counted as resolved


def test_unknown_conflict_key_and_missing_choice_are_usage_errors(world: World) -> None:
    make_phone_conflict(world)
    assert "5050:NOPE" in world.run("conflicts", "show", "5050:NOPE", expect=2).output
    assert "--all" in world.run("conflicts", "resolve", "--keep", "nav", expect=2).output
    assert world.run("conflicts", "resolve", "5050:NOPE", "--keep", "nav", expect=2).exit_code == 2
    # Nothing was recorded by the refused resolve.
    assert world.run_json("conflicts", "list")[0]["resolution"] is None


def test_status_table_names_runs_links_and_conflicts(world: World) -> None:
    make_phone_conflict(world)
    out = world.run("status").output
    assert "eh@contoso.com" in out and "attention" in out and "CONT_COMP" in out and "1 open" in out


def test_several_mailboxes_need_user_only_where_a_person_must_choose(world: World) -> None:
    make_phone_conflict(world)
    world.run("sync", "--user", "of@contoso.com")  # Otis Falls, app-only
    mailboxes = [m["mailbox"] for m in world.run_json("status")["mailboxes"]]
    assert mailboxes == ["eh@contoso.com", "of@contoso.com"]
    # The key is an open conflict of one mailbox only: that one is meant.
    assert world.run_json("conflicts", "show", "5050:CT100006")["mailbox"] == "eh@contoso.com"
    assert (
        world.run_json("conflicts", "show", "5050:CT100006", "--user", "eh@contoso.com")["nav_key"] == "5050:CT100006"
    )
    # --all has no key to tell the mailboxes apart: a person chooses.
    refused = world.run("conflicts", "resolve", "--all", "--keep", "nav", expect=2)
    assert "of@contoso.com" in refused.output and "--user" in refused.output
    assert "config error" not in refused.output  # an option, not the config file
    assert [c["mailbox"] for c in world.run_json("conflicts", "list")] == ["eh@contoso.com"]
    # A key that is no mailbox's conflict names itself.
    assert "5050:CT100001" in world.run("conflicts", "show", "5050:CT100001", expect=2).output


def test_resolve_now_refuses_a_sign_in_that_does_not_own_the_mailbox(world: World) -> None:
    make_phone_conflict(world)
    world.config.write_text(config_text().replace("eh@contoso.com", "of@contoso.com"), encoding="utf-8")
    refused = world.run("conflicts", "resolve", "--all", "--keep", "nav", "--now", expect=2)
    assert "a sign-in as eh@contoso.com" in refused.output
    assert world.run_json("conflicts", "list")[0]["resolution"] is None  # nothing recorded
