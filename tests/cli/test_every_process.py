"""`graphsync sync --every` as a real process: SIGTERM after the first run stops it cleanly, exit code 0."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from graphsync.sandbox import SandboxState, serve
from tests.cli.conftest import USER, config_text


def test_sigterm_stops_the_loop_between_runs(tmp_path: Path, nav_template: Path) -> None:
    (tmp_path / "nav.sqlite").write_bytes(nav_template.read_bytes())
    env = {
        **os.environ,
        "GRAPHSYNC_STATE_DIR": str(tmp_path / "tokens"),
        "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",  # never the machine's keyring
        "HOME": str(tmp_path),
    }
    with serve(SandboxState.seeded(USER)) as base:
        (tmp_path / "graphsync.toml").write_text(config_text(base_url=f"{base}/v1.0"), encoding="utf-8")
        command = [sys.executable, "-m", "graphsync", "--log-format", "json", "sync", "--every", "1h", "--json"]
        process = subprocess.Popen(
            command, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        try:
            assert process.stdout is not None
            first = json.loads(process.stdout.readline())  # the first run's outcome, then the wait begins
            assert first["ok"] is True and first["mailbox"] == "eh@contoso.com"
            time.sleep(0.2)
            process.send_signal(signal.SIGTERM)
            out, err = process.communicate(timeout=30)
        finally:
            if process.poll() is None:
                process.kill()
    assert process.returncode == 0, err
    assert out.strip() == ""  # no second run: the stop came during the wait
    assert "stopped (received SIGTERM)" in err
    logged = [json.loads(line) for line in err.splitlines() if line.startswith("{")]
    assert any(e["message"] == "stopped: received SIGTERM" for e in logged)
