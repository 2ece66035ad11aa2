"""`graphsync entities` and `graphsync fields`: the map as configured, and edits that keep the file's comments,
switch NAV's change logging on, and refuse bad input without touching the file."""

from __future__ import annotations

import tomllib

import pytest
from click.testing import CliRunner

from graphsync.cli.main import cli
from graphsync.config import load_config
from graphsync.config.entities import EntityName
from graphsync.connectors.nav import NavTable
from graphsync.graph.stamping import property_id
from graphsync.runtime.fields import ChangeLogging, add_field
from tests.cli.conftest import World, config_text, graph, outlook_contact
from tests.fakes.nav import FakeNav


def test_entities_list_and_show(world: World) -> None:
    listed = world.run_json("entities", "list")
    assert [e["code"] for e in listed] == ["CONT_COMP", "CONT_PERS", "CONT_SP", "MEETING", "TASK"]
    shown = world.run_json("entities", "show", "cont_comp")
    phone = next(f for f in shown["fields"] if f["outlook"] == "businessPhones[0]")
    assert phone["nav"] == "9 Phone No." and not phone["configured"]
    table = world.run("entities", "show", "MEETING").output
    assert "Type = 'Meeting'" in table and "subject" in table
    assert "CONTACTS" in world.run("entities", "show", "CONTACTS", expect=2).output


def test_fields_add_user_defined_keeps_comments_logs_changes_and_syncs(world: World) -> None:
    world.config.write_text("# my own note\n" + world.config.read_text(encoding="utf-8"), encoding="utf-8")
    with world.nav() as nav:
        nav.set_change_logging(NavTable.CONTACT, enabled=False)
    result = world.run("fields", "add", "CONT_COMP", "15", "--user-defined")
    assert "15 Territory Code" in result.output and "change logging is on" in result.output
    text = world.config.read_text(encoding="utf-8")
    assert text.startswith("# my own note\n")
    assert tomllib.loads(text)["entities"]["CONT_COMP"]["fields"] == [
        {"nav": 15, "user_defined": True, "outlook": "Territory Code"}
    ]
    with world.nav() as nav:
        nav.modify(NavTable.CONTACT, ("CT100006",), {"Territory Code": "LND", "Phone No.": "555"}, if_match="*")
        logged = {(r["Field No."], r["Primary Key Field 1 Value"]) for r in nav.change_log(NavTable.CONTACT)}
    assert logged == {(15, "CT100006")}  # only the field registered, as NAV's Change Log Setup does
    shown = world.run_json("entities", "show", "CONT_COMP")
    assert any(f["outlook"] == "user:Territory Code" and f["configured"] for f in shown["fields"])
    world.run("sync")

    world.run("fields", "remove", "CONT_COMP", "Territory Code")
    assert "fields" not in tomllib.loads(world.config.read_text(encoding="utf-8"))["entities"]["CONT_COMP"]


def test_fields_remove_a_default_and_add_it_back(world: World) -> None:
    world.run("fields", "remove", "CONT_COMP", "businessHomePage")
    assert tomllib.loads(world.config.read_text(encoding="utf-8"))["entities"]["CONT_COMP"]["remove"] == [
        "businessHomePage"
    ]
    shown = world.run_json("entities", "show", "CONT_COMP")
    assert all(f["outlook"] != "businessHomePage" for f in shown["fields"])
    world.run("fields", "add", "CONT_COMP", "103", "--outlook", "businessHomePage")
    section = tomllib.loads(world.config.read_text(encoding="utf-8"))["entities"]["CONT_COMP"]
    assert section["remove"] == [] and section["fields"] == [{"nav": 103, "outlook": "businessHomePage"}]


def test_fields_remove_by_nav_number_that_maps_twice_asks_which(world: World) -> None:
    # Name (2) maps to displayName and companyName on companies.
    result = world.run("fields", "remove", "CONT_COMP", "2", expect=2)
    assert "displayName" in result.output and "companyName" in result.output


def test_bad_field_edits_leave_the_file_unchanged(world: World) -> None:
    before = world.config.read_text(encoding="utf-8")
    assert "FIELD" in world.run("fields", "add", "CONT_COMP", "99999", "--user-defined", expect=2).output
    assert "--outlook" in world.run("fields", "add", "CONT_COMP", "15", expect=2).output
    bad_path = world.run("fields", "add", "CONT_COMP", "15", "--outlook", "not a path!", expect=2)
    assert "Graph property path" in bad_path.output
    assert "CODE" in world.run("fields", "add", "NOPE", "15", "--user-defined", expect=2).output
    assert "mapped field" in world.run("fields", "remove", "CONT_COMP", "nothing", expect=2).output
    world.run("fields", "add", "CONT_COMP", "15", "--user-defined")
    again = world.run("fields", "add", "CONT_COMP", "15", "--user-defined", expect=2).output
    assert "graphsync fields remove" in again
    world.run("fields", "remove", "CONT_COMP", "Territory Code")
    assert tomllib.loads(world.config.read_text(encoding="utf-8")) == tomllib.loads(before) | {
        "entities": {"CONT_COMP": {}}
    }


def test_fields_add_without_a_config_file_says_how_to_make_one(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(world.root)
    world.config.unlink()
    result = CliRunner().invoke(cli, ["fields", "add", "CONT_COMP", "15", "--user-defined"])
    assert result.exit_code == 2 and "graphsync init" in result.output


def test_a_nav_that_cannot_be_set_up_from_here_gets_admin_instructions(world: World) -> None:
    """A connector other than the embedded company (NAV over OData) cannot change Change Log Setup: the field
    is still mapped, and the result says an administrator must register it."""
    config = load_config(world.config)
    added = add_field(config, FakeNav(), entity=EntityName.CONT_COMP, field="Territory Code", user_defined=True)
    assert added.change_logging is ChangeLogging.ADMIN_NEEDED
    assert added.nav_field.no == 15
    assert tomllib.loads(world.config.read_text(encoding="utf-8"))["entities"]["CONT_COMP"]["fields"] == [
        {"nav": "Territory Code", "user_defined": True, "outlook": "Territory Code"}
    ]


UNNAMED_TERRITORY = "\n[[entities.CONT_COMP.fields]]\nnav = 15  # Territory Code\nuser_defined = true\n"
"""The demo's way of adding Territory Code: no name, so a run names it after the NAV field."""


def test_entities_show_names_a_user_defined_field_as_the_run_does(world: World) -> None:
    world.config.write_text(config_text(extra=UNNAMED_TERRITORY), encoding="utf-8")
    shown = world.run_json("entities", "show", "CONT_COMP")
    territory = next(f for f in shown["fields"] if f["nav"] == "15 Territory Code")
    assert territory["outlook"] == "user:Territory Code" and territory["user_defined"]
    table = world.run("entities", "show", "CONT_COMP").output
    row = next(line for line in table.splitlines() if "15 Territory Code" in line)
    assert "Territory Code" in row.split("│")[2] and "15" not in row.split("│")[2]
    # The sync writes the property under that very name.
    world.run("sync")
    with world.nav() as nav:
        nav.modify(NavTable.CONTACT, ("CT100006",), {"Territory Code": "LND"}, if_match="*")
    world.run("sync")
    contact = outlook_contact(world, "A. Gibson's Law Firm")
    expanded = graph(
        world,
        "GET",
        f"/me/contacts/{contact['id']}?$expand=singleValueExtendedProperties($filter=id eq "
        f"'{property_id('Territory Code')}')",
    )
    assert [p["value"] for p in expanded["singleValueExtendedProperties"]] == ["LND"]


def test_fields_add_refuses_a_nav_field_already_synced_as_user_defined(world: World) -> None:
    world.config.write_text(config_text(extra=UNNAMED_TERRITORY), encoding="utf-8")
    before = world.config.read_text(encoding="utf-8")
    same = world.run("fields", "add", "CONT_COMP", "15", "--user-defined", expect=2).output
    assert "Territory Code already is, in entities.CONT_COMP.fields[0]" in same
    assert "graphsync fields remove CONT_COMP 'Territory Code'" in same and "config error" not in same
    renamed = world.run("fields", "add", "CONT_COMP", "15", "--user-defined", "--outlook", "Territory", expect=2)
    assert "15 Territory Code is: 'Territory Code'" in renamed.output
    assert world.config.read_text(encoding="utf-8") == before
    # Removing it by name (the name the run uses) takes the entry out, and says the field is no longer synced.
    removed = world.run("fields", "remove", "CONT_COMP", "Territory Code").output
    assert "user-defined field Territory Code is removed" in removed
    assert "NAV field 15 Territory Code is no longer synced" in removed


def test_fields_remove_says_when_the_nav_field_still_syncs_elsewhere(world: World) -> None:
    # Phone No. (9) is businessPhones[0] by default; map it a second time, read-only, to the mobile phone.
    world.run("fields", "remove", "CONT_COMP", "mobilePhone")
    world.run("fields", "add", "CONT_COMP", "9", "--outlook", "mobilePhone", "--read-only")
    removed = world.run("fields", "remove", "CONT_COMP", "mobilePhone").output
    assert "Outlook property mobilePhone is removed" in removed
    assert "NAV field 9 Phone No. still syncs with businessPhones[0]" in removed
    assert "no longer synced" not in removed


def test_a_hand_written_duplicate_is_refused_at_the_next_edit(world: World) -> None:
    twice = UNNAMED_TERRITORY + '\n[[entities.CONT_COMP.fields]]\nnav = "Territory Code"\nuser_defined = true\n'
    world.config.write_text(config_text(extra=twice), encoding="utf-8")
    refused = world.run("fields", "add", "CONT_COMP", "103", "--outlook", "businessHomePage", expect=2).output
    assert "one entry per Outlook target (Territory Code is also in entities.CONT_COMP.fields[0])" in refused


def test_an_outlook_path_the_resource_lacks_is_refused_with_a_suggestion(world: World) -> None:
    before = world.config.read_text(encoding="utf-8")
    typo = world.run("fields", "add", "CONT_COMP", "9", "--outlook", "businessPhonez[0]", expect=2).output
    assert "--outlook" in typo and "did you mean businessPhones[0]?" in typo and "config error" not in typo
    event_only = world.run("fields", "add", "CONT_COMP", "2", "--outlook", "subject", expect=2).output
    assert "a property of Outlook contacts" in event_only
    whole = world.run("fields", "add", "CONT_COMP", "7", "--outlook", "homeAddress", expect=2).output
    assert "homeAddress.city" in whole
    assert world.config.read_text(encoding="utf-8") == before
    # A path the resource has is taken, and syncs.
    world.run("fields", "add", "CONT_COMP", "7", "--outlook", "homeAddress.city")
    world.run("sync")
    assert outlook_contact(world, "A. Gibson's Law Firm")["homeAddress"]["city"]
