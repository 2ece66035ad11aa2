"""`graphsync sync`: dry run, entity choice, the schedule loop, logging, and every failure path's exit code."""

from __future__ import annotations

import json
import logging

import httpx
import keyring
import keyring.backends.fail
import pytest

from graphsync.auth.connections import Connections
from graphsync.cli import auth as cli_auth
from graphsync.connectors.nav import NavTable
from graphsync.engine.state import StateStore
from tests.cli.conftest import USER, World, config_text, graph, outlook_contact

# A port nothing listens on: the sandbox is "down".
CLOSED = "http://127.0.0.1:9/v1.0"


def test_dry_run_plans_and_writes_nothing(world: World) -> None:
    planned = world.run_json("sync", "--dry-run")
    assert planned["dry_run"] and planned["run_id"] is None
    assert planned["entities"]["CONT_COMP"]["outlook"]["created"] > 0
    assert any(i["outlook"] and i["outlook"]["op"] == "create" for i in planned["items"])
    shown = world.run("sync", "--dry-run").output
    # Each planned change with its value, as --json has it, and the counts labelled as planned.
    assert 'CONT_COMP 5050:CT100006 "A. Gibson\'s Law Firm": Outlook create' in shown
    assert '    Outlook displayName: "A. Gibson\'s Law Firm"' in shown
    assert "nothing was written" in shown and "to create" in shown
    # Nothing reached Outlook (not even the folder and list a first run makes), nor a state store.
    assert not (world.root / "state.sqlite").exists()
    folders = graph(world, "GET", "/me/contactFolders")["value"]
    assert "Dynamics NAV" not in [f["displayName"] for f in folders]
    assert "Dynamics NAV" not in [t["displayName"] for t in graph(world, "GET", "/me/todo/lists")["value"]]
    assert world.run_json("status")["mailboxes"] == []
    real = world.run_json("sync")
    assert real["entities"]["CONT_COMP"]["outlook"]["created"] == planned["entities"]["CONT_COMP"]["outlook"]["created"]


def test_entity_choice_limits_the_run(world: World) -> None:
    only = world.run_json("sync", "--entity", "cont_sp")
    assert list(only["entities"]) == ["CONT_SP"]
    assert {i["entity"] for i in only["items"]} == {"CONT_SP"}


def test_unknown_entity_is_a_usage_error(world: World) -> None:
    result = world.run("sync", "--entity", "CONTACTS", expect=2)
    assert "--entity" in result.output and "CONT_COMP" in result.output


def test_output_says_what_changed_and_nothing_when_nothing_did(world: World) -> None:
    first = world.run("sync").stdout.splitlines()
    # One line per changed item, then one summary line; no table of zeros.
    assert 'CONT_COMP 5050:CT100006 "A. Gibson\'s Law Firm": Outlook created' in first
    assert first[-1] == "Synced eh@contoso.com: Outlook 15 created."
    assert len(first) == 16 and "│" not in "".join(first)
    assert world.run("sync").stdout == ""  # nothing changed: nothing printed
    with world.nav() as nav:
        nav.modify(NavTable.CONTACT, ("CT100006",), {"Phone No.": "1234567"}, if_match="*")
    assert world.run("sync").stdout.splitlines() == [
        'CONT_COMP 5050:CT100006 "A. Gibson\'s Law Firm": Outlook updated businessPhones[0]',
        "Synced eh@contoso.com: Outlook 1 updated.",
    ]
    contact = outlook_contact(world, "A. Gibson's Law Firm")
    graph(world, "PATCH", f"/me/contacts/{contact['id']}", {"businessPhones": ["7654321"]})
    # A NAV-side change is named by the NAV field.
    assert "NAV updated Phone No." in world.run("sync").stdout


def test_dry_run_shows_old_and_new_values(world: World) -> None:
    world.run("sync")
    with world.nav() as nav:
        nav.modify(NavTable.CONTACT, ("CT100006",), {"Phone No.": "1234567"}, if_match="*")
    shown = world.run("sync", "--dry-run").stdout.splitlines()
    assert "    Outlook businessPhones[0]: '+44 1223 555 0106' -> '1234567'" in shown
    assert shown[-1].endswith("nothing was written): Outlook 1 to update.")
    world.run("sync")
    assert world.run("sync", "--dry-run").stdout.strip().endswith("nothing would change.")


def test_bad_config_exits_2_naming_the_key(world: World) -> None:
    world.config.write_text(config_text(extra='\n[sync]\ncontact_foldr = "x"\n'), encoding="utf-8")
    result = world.run("sync", expect=2)
    assert "sync.contact_foldr" in result.output


def test_sandbox_down_exits_3_and_says_start_it(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    world.config.write_text(config_text(base_url=CLOSED), encoding="utf-8")
    monkeypatch.setattr(cli_auth, "connections", lambda: Connections(state_dir=world.root / "state"))
    result = world.run("sync", expect=3)
    assert "graphsync sandbox serve" in result.output


def test_rejected_credentials_exit_3(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        body = {"error": {"code": "InvalidAuthenticationToken", "message": "Access token is empty."}}
        return httpx.Response(401, json=body)

    transport = httpx.MockTransport(refuse)
    monkeypatch.setattr(cli_auth, "connections", lambda: Connections(graph_transport=transport))
    result = world.run("sync", expect=3)
    assert "graphsync login" in result.output


def test_rejected_app_token_names_the_app_registration_not_a_sign_in(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        body = {"error": {"code": "InvalidAuthenticationToken", "message": "Invalid audience."}}
        return httpx.Response(401, json=body)

    transport = httpx.MockTransport(refuse)
    monkeypatch.setattr(cli_auth, "connections", lambda: Connections(graph_transport=transport))
    result = world.run("sync", "--user", "eh@contoso.com", expect=3)
    assert "app-only token" in result.output and "Invalid audience." in result.output
    assert "application permissions" in result.output
    assert "run: graphsync login" not in result.output


def test_no_keyring_uses_the_configured_sandbox_user(world: World) -> None:
    keyring.set_keyring(keyring.backends.fail.Keyring())  # the fixture restores the previous backend
    assert world.run_json("sync")["mailbox"] == USER


def test_no_keyring_and_no_sandbox_user_exits_3(world: World) -> None:
    keyring.set_keyring(keyring.backends.fail.Keyring())
    world.config.write_text(config_text().replace(f'sandbox_user = "{USER}"', 'sandbox_user = ""'), encoding="utf-8")
    result = world.run("sync", expect=3)
    assert "keyring" in result.output


def test_mailbox_without_salesperson_exits_2(world: World) -> None:
    world.sandbox.seed_user("nobody@contoso.com")  # a user of the tenant who is no salesperson
    world.config.write_text(config_text().replace(USER, "nobody@contoso.com"), encoding="utf-8")
    result = world.run("sync", expect=2)
    assert "nobody@contoso.com" in result.output and "[mailboxes]" in result.output


def _hold_lock(world: World) -> None:
    store = StateStore(world.root / "state.sqlite")
    store.mailbox(USER).lock.acquire(holder="pid 1 on another-host")
    store.close()


def test_lock_held_exits_4(world: World) -> None:
    _hold_lock(world)
    result = world.run("sync", expect=4)
    assert "another graphsync run" in result.output
    # Machines reading --json get the failure as JSON on stdout too.
    failed = world.run_json("sync", expect=4)
    assert failed["ok"] is False and failed["exit_code"] == 4 and failed["error"] == "LockHeldError"


def test_every_skips_a_tick_while_the_lock_is_held(world: World) -> None:
    _hold_lock(world)
    result = world.run("sync", "--every", "10s", "--max-runs", "1", expect=0)
    assert "skipped: another run holds the lock" in result.output


def test_every_runs_once_per_tick_and_prints_json_lines(world: World) -> None:
    result = world.run("sync", "--every", "10s", "--max-runs", "1", "--json", expect=0)
    (line,) = [ln for ln in result.stdout.splitlines() if ln.startswith("{")]
    assert json.loads(line)["ok"] is True


def test_every_needs_a_valid_interval_and_max_runs_needs_every(world: World) -> None:
    assert "--every" in world.run("sync", "--every", "5s", expect=2).output
    assert "--max-runs" in world.run("sync", "--max-runs", "2", expect=2).output


def test_json_log_format_logs_the_run_without_tokens(world: World, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    result = world.run("--log-format", "json", "sync", "--entity", "CONT_SP")
    assert result.exit_code == 0
    assert any("sync of eh@contoso.com finished" in r.getMessage() for r in caplog.records)
    lines = [json.loads(ln) for ln in result.stderr.splitlines() if ln.startswith("{")]
    finished = next(e for e in lines if "finished" in e["message"])
    assert finished["level"] == "info" and finished["mailbox"] == USER and "counts" in finished
