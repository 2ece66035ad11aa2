"""A newcomer's path with the real defaults: no fake transport, no keyring, no server started by hand.

``graphsync init`` writes a config whose ``sandbox_data`` lets every command open the sandbox's file itself
(or use the sandbox ``graphsync sandbox serve`` serves from it), so ``init``, ``nav init`` and ``sync`` work in a
fresh folder one after the other; and each thing that goes wrong says what is wrong and what to do.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from graphsync.runtime.sandbox import acquire, lock_path
from graphsync.sandbox import SandboxState, serve
from tests.cli.newcomer import newcomer, run


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An empty folder as the working directory, the real Connections (nothing in-process), no keyring."""
    with newcomer(tmp_path, monkeypatch) as path:
        yield path


def test_init_nav_init_and_sync_work_without_a_server_or_a_sign_in(folder: Path) -> None:
    told = run("init").output
    assert "graphsync login" not in told and "graphsync nav init" in told  # a sandbox run needs no sign-in
    run("nav", "init")
    synced = run("sync")
    assert synced.stdout.splitlines()[-1] == "Synced eh@contoso.com: Outlook 15 created."
    assert (folder / "sandbox.sqlite").exists() and not lock_path(folder / "sandbox.sqlite").exists()
    # The next command opens the same mailboxes: nothing to do, nothing printed.
    assert run("sync").stdout == ""
    who = run("whoami").output
    assert "signed in as: eh@contoso.com" in who and "sign-in kept: none (the sandbox needs none" in who
    checks = {c["check"]: c for c in json.loads(run("doctor", "--json").stdout)}
    assert "opened" in checks["Graph"]["detail"] and checks["contact folder"]["status"] == "ok"


def test_a_sandbox_served_from_the_file_is_used_where_the_config_points(folder: Path) -> None:
    run("init")
    run("nav", "init")
    state = SandboxState.open(folder / "sandbox.sqlite")
    state.seed_user("eh@contoso.com")  # as `graphsync sandbox serve` does for the config's sandbox_user
    try:
        with serve(state) as url:
            lock = acquire(folder / "sandbox.sqlite", url=f"{url}/v1.0")
            try:
                config = (folder / "graphsync.toml").read_text(encoding="utf-8")
                (folder / "graphsync.toml").write_text(
                    config.replace("http://127.0.0.1:8765/v1.0", f"{url}/v1.0"), encoding="utf-8"
                )
                run("sync")
            finally:
                lock.release()
            # The server holds what the run wrote (it was not opened a second time beside it).
            assert any(m.upn == "eh@contoso.com" for m in state.mailboxes.values())
            assert state.request_counts("eh@contoso.com")
    finally:
        state.close()


def test_a_second_command_on_the_sandbox_file_is_told_what_to_do(folder: Path) -> None:
    run("init")
    run("nav", "init")
    lock = acquire(folder / "sandbox.sqlite")  # held by this live process, as a running command would
    try:
        refused = run("sync", expect=4)
        assert "open in another graphsync command" in refused.output and "graphsync sandbox serve" in refused.output
    finally:
        lock.release()
    run("sync")


def test_a_lock_left_by_a_killed_command_is_taken_over(folder: Path) -> None:
    run("init")
    run("nav", "init")
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    lock_path(folder / "sandbox.sqlite").write_text(
        json.dumps({"pid": int(gone.stdout), "host": os.uname().nodename, "url": None}), encoding="utf-8"
    )
    run("sync")


def test_a_state_path_in_a_missing_folder_says_so(folder: Path) -> None:
    run("init")
    run("nav", "init")
    config = (folder / "graphsync.toml").read_text(encoding="utf-8")
    (folder / "graphsync.toml").write_text(
        config.replace('path = "graphsync-state.sqlite"', 'path = "nowhere/state.sqlite"'), encoding="utf-8"
    )
    for args in (("sync",), ("sync", "--dry-run")):
        refused = run(*args, expect=2).output
        assert "state.path" in refused and f"{folder / 'nowhere'} does not exist: create it" in refused
        assert "not a graphsync state store" not in refused
    checks = {c["check"]: c for c in json.loads(run("doctor", "--json", expect=2).stdout)}
    assert checks["state store"]["status"] == "failed" and "does not exist" in checks["state store"]["fix"]


def test_no_sandbox_answering_names_both_ways_to_have_one(folder: Path) -> None:
    # A config without sandbox_data, pointing where nothing listens (port 9: discard, closed on loopback).
    (folder / "graphsync.toml").write_text('[graph]\nbase_url = "http://127.0.0.1:9/v1.0"\n', encoding="utf-8")
    refused = run("sync", expect=3).output
    assert "graphsync sandbox serve" in refused and "graphsync init" in refused


def test_config_error_is_said_only_of_the_config(folder: Path) -> None:
    run("init")
    not_config = run("conflicts", "show", "5050:CT100006", expect=2).output
    assert "config error" not in not_config and "no sync has run yet" in not_config
    assert "config error" not in run("sync", "--max-runs", "2", expect=2).output
    (folder / "graphsync.toml").write_text("[sync]\ncontact_foldr = 'x'\n", encoding="utf-8")
    assert "config error: graphsync.toml: sync.contact_foldr" in run("status", expect=2).output


def test_nav_takes_db_before_and_after_the_command(folder: Path) -> None:
    run("nav", "init", "--db", "a.sqlite")
    run("nav", "--db", "b.sqlite", "init")
    assert (folder / "a.sqlite").exists() and (folder / "b.sqlite").exists()
    run("nav", "set", "contact", "CT100006", "Phone No.=111", "--db", "a.sqlite")
    before = json.loads(run("nav", "--db", "a.sqlite", "show", "contact", "CT100006", "--json").stdout)
    after = json.loads(run("nav", "show", "contact", "CT100006", "--json", "--db", "b.sqlite").stdout)
    assert before["Phone No."] == "111" and after["Phone No."] != "111"
