"""`graphsync nav ...` through click's CliRunner, error paths included: a refused write changes nothing."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from graphsync.cli.main import cli


def _run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def _nav(db: Path, *args: str) -> Result:
    return _run("nav", "--db", str(db), *args)


def _dump(path: Path) -> list[str]:
    conn = sqlite3.connect(path)
    try:
        return list(conn.iterdump())
    finally:
        conn.close()


def _json(result: Result) -> object:
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


# ------------------------------------------------------------------ init


def test_init_creates_the_demo_company_and_refuses_to_overwrite(tmp_path: Path) -> None:
    db = tmp_path / "company.sqlite"
    result = _run("nav", "init", str(db))
    assert result.exit_code == 0, result.output
    assert "CRONUS" in result.output and "7 salespeople" in result.output
    before = db.read_bytes()
    again = _run("nav", "init", str(db))
    assert again.exit_code == 2
    # What is wrong and what to do, not "NAV could not be reached".
    assert f"there is already a NAV company at {db}" in again.stderr and "delete it first" in again.stderr
    assert "could not be reached" not in again.stderr
    assert db.read_bytes() == before


def test_init_empty(tmp_path: Path) -> None:
    db = tmp_path / "empty.sqlite"
    assert _run("nav", "init", "--empty", str(db)).exit_code == 0
    assert _json(_nav(db, "list", "contact", "--json")) == []


def test_path_comes_from_the_config(tmp_path: Path, company_path: Path) -> None:
    config = tmp_path / "graphsync.toml"
    config.write_text(f'[nav]\nkind = "embedded"\npath = "{company_path.name}"\n')
    result = _run("--config", str(config), "nav", "show", "contact", "CT100006", "--json")
    record = _json(result)
    assert isinstance(record, dict) and record["No."] == "CT100006"


def test_missing_company_suggests_init(tmp_path: Path) -> None:
    result = _nav(tmp_path / "nothing.sqlite", "list", "contact")
    assert result.exit_code == 1
    assert "graphsync nav init" in result.stderr
    assert not (tmp_path / "nothing.sqlite").exists()


# ------------------------------------------------------------------ reading


def test_show_contact_json_has_nav_field_names(company_path: Path) -> None:
    record = _json(_nav(company_path, "show", "contact", "CT100006", "--json"))
    assert isinstance(record, dict)
    assert record["No."] == "CT100006"
    assert record["Name"] == "A. Gibson's Law Firm"
    assert record["Territory Code"] == "EANG" and record["Salesperson Code"] == "EH"
    assert record["Type"] == "Company" and record["Company No."] == "CT100006"
    assert "Phone No." in record and "Next To-do Date" in record


def test_show_text_and_table_numbers(company_path: Path) -> None:
    result = _nav(company_path, "show", "5050", "CT200116")
    assert result.exit_code == 0, result.output
    assert "David Oliver Lawrence" in result.output and "ETag" in result.output


def test_show_unknown_record(company_path: Path) -> None:
    result = _nav(company_path, "show", "contact", "CT999999")
    assert result.exit_code == 1
    assert "The Contact does not exist" in result.stderr


def test_list_with_where(company_path: Path) -> None:
    persons = _json(_nav(company_path, "list", "contact", "--where", "Type=Person", "--json"))
    assert isinstance(persons, list)
    assert {p["No."] for p in persons} == {"CT200116", "CT200118", "CT100002"}
    table = _nav(company_path, "list", "salespeople")
    assert table.exit_code == 0 and "Ester Henderson" in table.output and "7 record(s)" in table.output


def test_show_attendee_takes_both_key_parts(company_path: Path) -> None:
    record = _json(_nav(company_path, "show", "attendee", "TD000001", "10000", "--json"))
    assert isinstance(record, dict) and record["Attendance Type"] == "To-do Organizer"
    assert _nav(company_path, "show", "attendee", "TD000001").exit_code == 2


# ------------------------------------------------------------------ writing


def test_create_meeting_for_a_contact_today_at_two(company_path: Path) -> None:
    result = _nav(
        company_path,
        "create",
        "todo",
        "Type=Meeting",
        "Contact No.=CT100006",
        "Date=today",
        "Start Time=14:00",
        "Description=discuss proposal",
        "--json",
    )
    todo = _json(result)
    assert isinstance(todo, dict)
    assert todo["Type"] == "Meeting" and todo["Description"] == "discuss proposal"
    assert todo["Date"] == dt.datetime.now(dt.UTC).date().isoformat()  # sync.time_zone defaults to UTC
    assert todo["Start Time"] == "14:00:00" and todo["Salesperson Code"] == "EH"
    attendees = _json(_nav(company_path, "list", "attendee", "--where", f"To-do No.={todo['No.']}", "--json"))
    assert isinstance(attendees, list)
    assert {(a["Attendee Type"], a["Attendee No."]) for a in attendees} == {
        ("Salesperson", "EH"),
        ("Contact", "CT100006"),
    }


def test_create_with_extra_attendees_is_all_or_nothing(company_path: Path) -> None:
    before = _dump(company_path)
    bad = _nav(
        company_path, "create", "todo", "Type=Meeting", "Contact No.=CT100006", "Date=2030-01-02", "--attendee", "ZZ"
    )
    assert bad.exit_code == 1
    assert "related table" in bad.stderr
    assert _dump(company_path) == before
    good = _nav(
        company_path,
        "create",
        "todo",
        "Type=Meeting",
        "Contact No.=CT100006",
        "Date=2030-01-02",
        "--attendee",
        "CT200118",
        "--attendee",
        "salesperson:HR",
    )
    assert good.exit_code == 0, good.output
    assert "Created To-do TD000004." in good.output
    attendees = _json(_nav(company_path, "list", "attendee", "--where", "To-do No.=TD000004", "--json"))
    assert isinstance(attendees, list) and {a["Attendee No."] for a in attendees} == {
        "EH",
        "CT100006",
        "CT200118",
        "HR",
    }


def test_set_by_field_name_and_number(company_path: Path) -> None:
    result = _nav(company_path, "set", "contact", "CT100006", "Phone No.=1234567", "--json")
    record = _json(result)
    assert isinstance(record, dict) and record["Phone No."] == "1234567"
    record = _json(_nav(company_path, "set", "contact", "CT100006", "102=law@gibson.example", "--json"))
    assert isinstance(record, dict) and record["E-Mail"] == "law@gibson.example"
    log = _json(_nav(company_path, "changelog", "--table", "contact", "--json"))
    assert isinstance(log, list)
    phone = [e for e in log if e["Field Caption"] == "Phone No."]
    assert phone[-1]["Old Value"] == "+44 1223 555 0106" and phone[-1]["New Value"] == "1234567"


def test_set_typed_values(company_path: Path) -> None:
    todo = _json(_nav(company_path, "set", "todo", "TD000003", "Closed=yes", "Duration=2d", "--json"))
    assert isinstance(todo, dict) and todo["Closed"] is True and todo["Status"] == "Completed"
    assert todo["Duration"] == 2 * 86_400_000


@pytest.mark.parametrize(
    ("args", "wording"),
    [
        (("set", "contact", "CT100006", "City=" + "X" * 35), "The length of the string is 35"),
        (("set", "contact", "CT100006", "Type=Partner"), "is not an option"),
        (("set", "todo", "TD000001", "Date=someday"), "can't be evaluated into type Date"),
        (("set", "contact", "CT100006", "Colour=red"), "does not exist in table 5050 Contact"),
        (("delete", "contact", "CT100006"), "there are one or more to-dos open"),
        (("delete", "attendee", "TD000001", "10000"), "You cannot delete a to-do organizer."),
        (("create", "contact", "No.=CT100006", "Name=Again"), "already exists"),
    ],
)
def test_nav_refusals_exit_1_and_change_nothing(company_path: Path, args: tuple[str, ...], wording: str) -> None:
    before = _dump(company_path)
    result = _nav(company_path, *args)
    assert result.exit_code == 1, result.output
    assert wording in result.stderr
    assert _dump(company_path) == before


@pytest.mark.parametrize(
    "args",
    [
        ("list", "widgets"),
        ("set", "contact", "CT100006", "Phone"),
        ("set", "contact", "CT100006"),
        ("show", "contact", "CT100006", "extra"),
        ("create", "contact", "Name=X", "--attendee", "CT100006"),
    ],
)
def test_usage_errors_exit_2(company_path: Path, args: tuple[str, ...]) -> None:
    before = _dump(company_path)
    assert _nav(company_path, *args).exit_code == 2
    assert _dump(company_path) == before


def test_validation_errors_name_the_field(company_path: Path) -> None:
    result = _nav(company_path, "set", "contact", "CT100006", "Post Code=" + "1" * 21)
    assert result.exit_code == 1
    assert result.stderr.strip().endswith("(field: Post Code)")


def test_delete(company_path: Path) -> None:
    result = _nav(company_path, "delete", "contact", "CT100005")
    assert result.exit_code == 0 and "Deleted Contact CT100005." in result.output
    assert _nav(company_path, "show", "contact", "CT100005").exit_code == 1
    log = _json(_nav(company_path, "changelog", "--table", "5050", "--json"))
    assert isinstance(log, list) and any(e["Type of Change"] == "Deletion" for e in log)


def test_changelog_text(company_path: Path) -> None:
    _nav(company_path, "set", "salesperson", "EH", "Phone No.=555")
    result = _nav(company_path, "changelog", "--limit", "1")
    assert result.exit_code == 0
    assert "Salesperson/Purchaser" in result.output and "555" in result.output and "1 entry" in result.output
