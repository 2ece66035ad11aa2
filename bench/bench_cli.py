"""What the command line adds around a sync: start-up time, and whole `graphsync sync` invocations.

- ``help_seconds``: ``graphsync --help`` in a fresh interpreter (imports only; sign-in libraries and the
  Graph SDK are loaded by the commands that need them).
- ``first_sync_seconds`` / ``no_change_sync_seconds``: ``graphsync sync --json`` through click's runner on a
  copy of the embedded CRONUS company, the sandbox mounted in-process: config load, NAV open, the identity
  look-up, the run and the summary, per invocation.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
import keyring  # noqa: E402
import keyring.backends.fail  # noqa: E402
from click.testing import CliRunner  # noqa: E402

from graphsync.auth.connections import Connections  # noqa: E402
from graphsync.cli import auth as cli_auth  # noqa: E402
from graphsync.cli.main import cli  # noqa: E402
from graphsync.nav.embedded import EmbeddedNav  # noqa: E402
from graphsync.sandbox import SandboxState, create_app  # noqa: E402

CONFIG = """[nav]
path = "nav.sqlite"
[graph]
kind = "sandbox"
base_url = "http://sandbox.bench/v1.0"
sandbox_user = "eh@contoso.com"
[state]
path = "state.sqlite"
"""


def _help_seconds() -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "graphsync", "--help"], check=True, capture_output=True, cwd=ROOT)
    return time.perf_counter() - started


def _sync_seconds(runs: int) -> tuple[float, float]:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        EmbeddedNav.create(folder / "nav.sqlite", demo=True).close()
        (folder / "graphsync.toml").write_text(CONFIG, encoding="utf-8")
        state = SandboxState.seeded("eh@contoso.com")  # the config's sandbox_user
        previous_connections, previous_keyring = cli_auth.connections, keyring.get_keyring()
        # The bench must not read or write the machine's keyring or home folder.
        cli_auth.connections = lambda: Connections(
            graph_transport=httpx.ASGITransport(app=create_app(state)), state_dir=folder / "tokens"
        )
        keyring.set_keyring(keyring.backends.fail.Keyring())
        try:
            timings = []
            for _ in range(runs + 1):
                started = time.perf_counter()
                result = CliRunner().invoke(cli, ["--config", str(folder / "graphsync.toml"), "sync", "--json"])
                timings.append(time.perf_counter() - started)
                if result.exit_code != 0:
                    raise RuntimeError(f"graphsync sync failed: {result.output}")
        finally:
            cli_auth.connections = previous_connections
            keyring.set_keyring(previous_keyring)
    return timings[0], statistics.median(timings[1:])


def run(*, quick: bool) -> dict[str, object]:
    runs = 2 if quick else 10
    first, no_change = _sync_seconds(runs)
    return {
        "help_seconds": round(_help_seconds(), 3),
        "first_sync_seconds": round(first, 3),
        "no_change_sync_seconds": round(no_change, 3),
        "no_change_runs": runs,
    }


if __name__ == "__main__":
    print(run(quick="--quick" in sys.argv))
