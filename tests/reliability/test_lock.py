"""Two runs on the same mailbox at once: the second refuses with exit code 4 and names the lock's holder."""

from __future__ import annotations

import shutil
from pathlib import Path

from graphsync.sandbox import SandboxState
from tests.reliability.harness import USER, World, config_text, serve_sandbox, subprocess_env


def test_a_second_run_on_the_same_mailbox_refuses_with_exit_code_4(tmp_path: Path, company: Path) -> None:
    shutil.copyfile(company, tmp_path / "nav.sqlite")
    state = SandboxState.seeded(USER)
    with serve_sandbox(state) as (url, switch):
        world = World(tmp_path, url, switch, state, subprocess_env(tmp_path))
        world.config.write_text(config_text(url), encoding="utf-8")
        # The first run is held at its fifth Graph request: it has its mailbox, its salesperson and the lock.
        switch.arm(5, pause=True)
        first = world.start("sync")
        try:
            assert switch.hit.wait(60), "the first run never reached its fifth request"
            second = world.run("sync")
            assert second.code == 4, (second.code, second.stdout, second.stderr)
            assert "Traceback" not in second.stderr
            (line,) = second.stderr.strip().splitlines()
            assert line.startswith("error: another graphsync run is syncing mailbox " + USER), line
            assert f"pid {first.pid} on " in line, line
            # Nothing of the second run reached Outlook beyond finding out who the mailbox is.
            assert second.requests <= 2, second.requests
        finally:
            switch.release()
        stdout, stderr = first.communicate(timeout=60)
        assert first.returncode == 0, (stdout[-2000:], stderr[-2000:])
        # The lock went with the first run: a third run takes it.
        assert world.sync().code == 0
