"""Ctrl-C is the shell's exit code 130 (128 + SIGINT), as real processes: a run stopped by it did not simply
succeed (it exited 0 before). SIGTERM between ``--every`` runs stays a clean stop (test_every_process.py)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from graphsync.cli.runs import interrupted_code
from graphsync.sandbox import Faults, SandboxState, serve
from graphsync.schedule import StopFlag
from tests.cli.conftest import USER, config_text


def _start(tmp_path: Path, base: str, *args: str) -> subprocess.Popen[str]:
    """``graphsync ARGS`` as a real process in ``tmp_path``, against the sandbox at ``base``."""
    (tmp_path / "graphsync.toml").write_text(config_text(base_url=f"{base}/v1.0"), encoding="utf-8")
    env = {
        **os.environ,
        "GRAPHSYNC_STATE_DIR": str(tmp_path / "tokens"),
        "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",  # never the machine's keyring
        "HOME": str(tmp_path),
    }
    command = [sys.executable, "-m", "graphsync", *args]
    return subprocess.Popen(command, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _interrupt(process: subprocess.Popen[str]) -> str:
    """Ctrl-C to ``process``; its stderr once it ended."""
    try:
        process.send_signal(signal.SIGINT)
        return process.communicate(timeout=60)[1]
    finally:
        if process.poll() is None:
            process.kill()


def test_ctrl_c_during_a_run_exits_130_and_says_where_it_stopped(tmp_path: Path, nav_template: Path) -> None:
    (tmp_path / "nav.sqlite").write_bytes(nav_template.read_bytes())
    slow = SandboxState.seeded(USER)
    slow.set_faults(Faults(latency=0.25))  # every request takes a while: the signal lands mid-run
    with serve(slow) as base:
        process = _start(tmp_path, base, "sync")
        time.sleep(2.0)  # past start-up and the first requests
        assert process.poll() is None
        err = _interrupt(process)
    assert process.returncode == 130, err
    assert "stopped (received SIGINT)" in err and "Traceback" not in err


def test_ctrl_c_between_every_runs_exits_130(tmp_path: Path, nav_template: Path) -> None:
    (tmp_path / "nav.sqlite").write_bytes(nav_template.read_bytes())
    with serve(SandboxState.seeded(USER)) as base:
        process = _start(tmp_path, base, "sync", "--every", "1h", "--json")
        assert process.stdout is not None
        assert json.loads(process.stdout.readline())["ok"] is True
        time.sleep(0.2)
        err = _interrupt(process)
    assert process.returncode == 130, err
    assert "stopped (received SIGINT)" in err


def test_the_exit_code_of_each_way_to_stop() -> None:
    nothing = StopFlag()
    assert interrupted_code(nothing, cut_short=False) is None
    ctrl_c = StopFlag()
    ctrl_c.set("received SIGINT", signum=signal.SIGINT)
    assert interrupted_code(ctrl_c, cut_short=False) == 130
    term = StopFlag()
    term.set("received SIGTERM", signum=signal.SIGTERM)
    assert interrupted_code(term, cut_short=True) == 143  # a run cut short
    assert interrupted_code(term, cut_short=False) is None  # a loop stopped between runs, as a service is
