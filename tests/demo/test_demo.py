"""`graphsync demo` is README's first command: it must run offline, check every step, and exit 0; and
``demo --dir`` leaves a folder where README's next commands simply work."""

import asyncio
import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner

from graphsync.cli.main import cli
from graphsync.connectors.nav import NavTable
from graphsync.demo.steps import DemoCheckError, Step, _check
from graphsync.demo.world import open_world
from graphsync.nav.embedded import EmbeddedNav
from graphsync.runtime.sandbox import AttachedSandbox, lock_path
from tests.cli.newcomer import newcomer, run

USER = "eh@contoso.com"


def test_demo_runs_the_walkthrough_and_keeps_its_folder(tmp_path: Path) -> None:
    result = CliRunner(env={"COLUMNS": "200"}).invoke(cli, ["demo", "--dir", str(tmp_path / "d")])
    assert result.exit_code == 0, result.output
    out = result.output
    for expected in (
        "A meeting to-do in NAV becomes an Outlook event",
        "Next To-do Date",
        "businessPhones[0]",
        "Resolved keeping NAV",
        "[[entities.CONT_COMP.fields]]",
        "Territory Code = EANG",
        "Demo complete",
    ):
        assert expected in out
    # The folder holds what a person can go on with, and one line says how to start the sandbox again.
    assert {"nav.sqlite", "graphsync.toml", "graphsync-state.sqlite", "sandbox.sqlite"} <= {
        p.name for p in (tmp_path / "d").iterdir()
    }
    assert not lock_path(tmp_path / "d" / "sandbox.sqlite").exists()
    assert f"to start it again for other tools too: cd {tmp_path / 'd'} && graphsync sandbox serve" in out


def test_demo_twice_in_a_row_uses_fresh_temporary_folders() -> None:
    runner = CliRunner()
    for _ in range(2):
        result = runner.invoke(cli, ["demo"])
        assert result.exit_code == 0, result.output


def test_demo_twice_in_one_folder_says_how_to_go_on_or_start_over(tmp_path: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(cli, ["demo", "--dir", str(tmp_path)]).exit_code == 0
    before = (tmp_path / "graphsync-state.sqlite").read_bytes()
    again = runner.invoke(cli, ["demo", "--dir", str(tmp_path)])
    assert again.exit_code == 2
    assert "already holds a graphsync demo" in again.output and "--force" in again.output
    assert "could not be reached" not in again.output
    assert (tmp_path / "graphsync-state.sqlite").read_bytes() == before
    forced = runner.invoke(cli, ["demo", "--dir", str(tmp_path), "--force"])
    assert forced.exit_code == 0, forced.output


def test_demo_never_replaces_a_config_it_did_not_write(tmp_path: Path) -> None:
    mine = '[graph]\nkind = "microsoft"\ntenant_id = "contoso.com"\nclient_id = "x"\n'
    (tmp_path / "graphsync.toml").write_text(mine, encoding="utf-8")
    refused = CliRunner().invoke(cli, ["demo", "--dir", str(tmp_path), "--force"])
    assert refused.exit_code == 2 and "the demo did not write" in refused.output
    assert (tmp_path / "graphsync.toml").read_text(encoding="utf-8") == mine


def test_a_failed_check_is_an_error_naming_the_step() -> None:
    with pytest.raises(DemoCheckError) as e:
        _check("move", False, "to-do dated 2026-01-02", "2026-01-01")
    assert e.value.step == "move"
    assert isinstance(Step(title="t", did=(), seen=()), Step)


# ----------------------------------------------------------------------------- the folder afterwards


@pytest.fixture
def demo_folder(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """``graphsync demo --dir D`` then ``cd D``, with the real Connections and no keyring, as README says."""
    folder = tmp_path_factory.mktemp("demo") / "d"
    assert CliRunner().invoke(cli, ["demo", "--dir", str(folder)]).exit_code == 0
    with newcomer(folder, monkeypatch) as path:
        yield path


def outlook(folder: Path, method: str, url: str, body: dict[str, Any] | None = None) -> Any:
    """Outlook's own request on the folder's sandbox (opened as a command would, then closed)."""
    attached = AttachedSandbox(folder / "sandbox.sqlite", wanted="")

    async def call() -> Any:
        async with httpx.AsyncClient(transport=attached.transport, base_url="http://sandbox/v1.0/") as client:
            response = await client.request(
                method, url.lstrip("/"), json=body, headers={"Authorization": f"Bearer sandbox:{USER}"}
            )
            assert response.status_code < 300, response.text
            return response.json() if response.content else None

    try:
        return asyncio.run(call())
    finally:
        attached.close()


def test_the_demo_folder_syncs_where_the_demo_stopped(demo_folder: Path) -> None:
    # Nothing is created again and no invitation is sent again: the state is the mailbox's own, and the
    # sandbox's mailboxes are the ones the demo wrote. The one thing open is the conflict left for a person.
    again = json.loads(run("sync", "--json", expect=1).stdout)
    assert again["mailbox"] == USER and [i["nav_key"] for i in again["items"]] == ["5050:CT100006"]
    assert all(n == 0 for e in again["entities"].values() for side in ("nav", "outlook") for n in e[side].values())
    assert [m["mailbox"] for m in json.loads(run("status", "--json").stdout)["mailboxes"]] == [USER]
    status = run("status").output
    assert f"Mailbox {USER}:" in status and "Mailbox me:" not in status
    assert "just now" in status and "T0" not in status  # ages, not ISO times (--json keeps those)
    shown = json.loads(run("entities", "show", "CONT_COMP", "--json").stdout)
    assert any(f["outlook"] == "user:Territory Code" for f in shown["fields"])


def test_readme_commands_in_the_demo_folder_resolve_the_conflict_left_open(demo_folder: Path) -> None:
    assert "conflict on businessHomePage" in run("sync", expect=1).output
    assert "5050:CT100006" in run("conflicts", "list").output
    assert "gibson.example/new" in run("conflicts", "show", "5050:CT100006").output  # no --user needed
    resolved = run("conflicts", "resolve", "5050:CT100006", "--keep", "outlook").output
    assert "Keeping outlook's values for 5050:CT100006" in resolved
    assert "NAV updated Home Page" in run("sync").output
    with EmbeddedNav(demo_folder / "nav.sqlite") as nav:
        record = nav.get(NavTable.CONTACT, ("CT100006",))
    assert record is not None and record.fields["Home Page"] == "gibson.example/new"
    assert run("sync").stdout == ""
    # An edit in Outlook travels too: the sandbox's file is the mailbox the demo wrote.
    folders = outlook(demo_folder, "GET", "/me/contactFolders")["value"]
    nav_folder = next(f["id"] for f in folders if f["displayName"] == "Dynamics NAV")
    contacts = outlook(demo_folder, "GET", f"/me/contactFolders/{nav_folder}/contacts?$top=100")["value"]
    contact = next(c for c in contacts if c["displayName"] == "A. Gibson's Law Firm")
    outlook(demo_folder, "PATCH", f"/me/contacts/{contact['id']}", {"businessPhones": ["222"]})
    assert "NAV updated Phone No." in run("sync").output


def test_the_demo_runs_as_a_users_run_does_with_the_configs_window(tmp_path: Path) -> None:
    """The demo's syncs go through the runtime: the config's [sync] window applies (the demo's own wiring
    ignored it, and its mass-delete settings)."""

    async def scenario() -> tuple[int, int]:
        async with open_world(tmp_path / "w") as world:
            await world.append_config("[sync]\nwindow_past_days = 0\nwindow_future_days = 7\n")
            far = dt.date.today() + dt.timedelta(days=30)
            world.nav.insert_todo(
                {
                    "Type": "Meeting",
                    "Contact No.": "CT100006",
                    "Salesperson Code": "EH",
                    "Description": "far away",
                    "Date": far,
                    "Start Time": dt.time(10, 0),
                    "Duration": 3_600_000,
                },
                attendees=[],
            )
            report = await world.sync()
            meetings = [i for i in report.items if i.title == "far away"]
            assert any(i.entity.value == "MEETING" for i in report.items)  # the demo data's own meeting: in it
            return len(meetings), world.config.sync.window_future_days

    meetings, window = asyncio.run(scenario())
    assert window == 7 and meetings == 0  # out of the window: not created in Outlook
