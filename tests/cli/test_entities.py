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
from graphsync.runtime.fields import ChangeLogging, add_field
from tests.cli.conftest import World
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
