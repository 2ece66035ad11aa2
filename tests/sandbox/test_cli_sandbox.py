"""`graphsync sandbox serve` and `graphsync sandbox seed`."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
from click.testing import CliRunner

from graphsync.cli.main import cli
from graphsync.sandbox import SandboxState, serve


def test_serve_refuses_a_non_loopback_host_without_the_flag() -> None:
    result = CliRunner().invoke(cli, ["sandbox", "serve", "--host", "0.0.0.0"])
    assert result.exit_code == 2
    assert "--allow-remote" in result.output


def test_seed_into_a_data_file(tmp_path: Path) -> None:
    data = tmp_path / "sandbox.sqlite"
    result = CliRunner().invoke(cli, ["sandbox", "seed", "--data", str(data), "EH@contoso.com", "pm@contoso.com"])
    assert result.exit_code == 0, result.output
    state = SandboxState.open(data)
    assert sorted(state.mailboxes) == ["eh@contoso.com", "pm@contoso.com"]
    # The default containers came with the users.
    assert state.mailboxes["eh@contoso.com"].default_calendar
    state.close()


def test_seed_refuses_what_is_not_a_user_principal_name(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["sandbox", "seed", "--data", str(tmp_path / "s.sqlite"), "eh"])
    assert result.exit_code == 2 and "eh@contoso.com" in result.output


def test_seed_into_a_running_sandbox() -> None:
    state = SandboxState()
    with serve(state) as base:
        result = CliRunner().invoke(cli, ["sandbox", "seed", "--url", f"{base}/v1.0", "eh@contoso.com"])
    assert result.exit_code == 0, result.output
    assert list(state.mailboxes) == ["eh@contoso.com"]


def test_seed_names_the_fix_when_no_sandbox_runs() -> None:
    port = _free_port()
    result = CliRunner().invoke(cli, ["sandbox", "seed", "--url", f"http://127.0.0.1:{port}", "eh@contoso.com"])
    assert result.exit_code == 1
    assert "graphsync sandbox serve" in result.output


def test_serve_command_runs_a_server_that_keeps_its_data(tmp_path: Path) -> None:
    port, data = _free_port(), tmp_path / "sandbox.sqlite"
    command = [sys.executable, "-m", "graphsync", "sandbox", "serve", "--port", str(port), "--data", str(data)]
    headers = {"Authorization": "Bearer sandbox:eh@contoso.com"}
    for round_no in range(2):
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        try:
            base = f"http://127.0.0.1:{port}/v1.0"
            _wait_until_up(base)
            if round_no == 0:
                made = httpx.post(f"{base}/me/contacts", json={"givenName": "Kept"}, headers=headers)
                assert made.status_code == 201
            else:
                listed = httpx.get(f"{base}/me/contacts", headers=headers).json()["value"]
                assert [c["givenName"] for c in listed] == ["Kept"]
        finally:
            process.terminate()
            process.wait(timeout=10)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _wait_until_up(base: str) -> None:
    deadline = time.monotonic() + 15
    while True:
        try:
            httpx.get(f"{base}/me", timeout=1)
            return
        except httpx.TransportError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def test_serve_refuses_drop_rates_that_add_up_past_every_request() -> None:
    result = CliRunner().invoke(cli, ["sandbox", "serve", "--drop-rate", "0.6", "--drop-before-rate", "0.5"])
    assert result.exit_code == 2
    assert "--drop-rate/--drop-before-rate" in result.output
    assert "Traceback" not in result.output


def test_serve_command_sets_every_fault_flag() -> None:
    port = _free_port()
    flags = {
        "--error-rate": "0.1",
        "--without-retry-after": "0.5",
        "--drop-rate": "0.05",
        "--drop-before-rate": "0.02",
        "--spike-rate": "0.1",
        "--spike-seconds": "0.2",
        "--seed": "7",
    }
    command = [sys.executable, "-m", "graphsync", "sandbox", "serve", "--port", str(port)]
    command += [part for flag, value in flags.items() for part in (flag, value)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        _wait_until_up(f"http://127.0.0.1:{port}/v1.0")
        faults = httpx.get(f"http://127.0.0.1:{port}/_sandbox/state").json()["faults"]
    finally:
        process.terminate()
        process.wait(timeout=10)
    assert faults["errorRate"] == 0.1 and faults["withoutRetryAfter"] == 0.5
    assert faults["dropRate"] == 0.05 and faults["dropBeforeRate"] == 0.02
    assert faults["spikeRate"] == 0.1 and faults["spikeSeconds"] == 0.2 and faults["seed"] == 7


def test_serve_refuses_a_user_that_is_no_user_principal_name() -> None:
    result = CliRunner().invoke(cli, ["sandbox", "serve", "--user", "eh"])
    assert result.exit_code == 2 and "--user" in result.output and "eh@contoso.com" in result.output
