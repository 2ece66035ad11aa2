"""A command line as a newcomer has it: the real Connections (no fake transport), no OS keyring, a folder of
their own as the working directory. For the tests that follow README's path (test_new_user, tests/demo)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import keyring
import keyring.backends.fail
import pytest
from click.testing import CliRunner, Result

from graphsync.auth.connections import Connections
from graphsync.cli import auth as cli_auth
from graphsync.cli.main import cli


@contextmanager
def newcomer(folder: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """``folder`` as the working directory, token files beside it, no keyring on the machine."""
    monkeypatch.chdir(folder)
    monkeypatch.delenv("GRAPHSYNC_CONFIG", raising=False)
    tokens = folder.parent / f"{folder.name}-tokens"
    monkeypatch.setenv("GRAPHSYNC_STATE_DIR", str(tokens))
    monkeypatch.setattr(cli_auth, "connections", lambda: Connections(state_dir=tokens))
    previous = keyring.get_keyring()
    keyring.set_keyring(keyring.backends.fail.Keyring())
    try:
        yield folder
    finally:
        keyring.set_keyring(previous)


def run(*args: str, expect: int = 0) -> Result:
    """``graphsync ARGS`` in the working directory; the exit code must be ``expect``."""
    result = CliRunner().invoke(cli, list(args))
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    assert result.exit_code == expect, result.output
    return result
