"""Every command has help text, and README documents every command path (`graphsync <group> <command>`)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from graphsync.cli.main import cli

README = Path(__file__).resolve().parents[2] / "README.md"


def command_paths(group: click.Group = cli, prefix: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    for name, command in sorted(group.commands.items()):
        path = (*prefix, name)
        if isinstance(command, click.Group):
            yield from command_paths(command, path)
        else:
            yield path


PATHS = list(command_paths())


def test_the_tree_holds_the_sync_facing_commands() -> None:
    for path in [
        ("sync",),
        ("status",),
        ("doctor",),
        ("conflicts", "list"),
        ("conflicts", "show"),
        ("conflicts", "resolve"),
        ("entities", "list"),
        ("entities", "show"),
        ("fields", "add"),
        ("fields", "remove"),
    ]:
        assert path in PATHS


@pytest.mark.parametrize("path", PATHS, ids=" ".join)
def test_every_command_has_help(path: tuple[str, ...]) -> None:
    result = CliRunner().invoke(cli, [*path, "--help"])
    assert result.exit_code == 0, result.output
    summary = result.output.split("\n\n")[1].strip()  # the docstring's first paragraph, after "Usage:"
    assert len(summary) > 20, f"graphsync {' '.join(path)} has no real help text"


def test_readme_documents_every_command() -> None:
    text = README.read_text(encoding="utf-8")
    missing = [f"graphsync {' '.join(p)}" for p in PATHS if f"graphsync {' '.join(p)}" not in text]
    assert not missing, "README.md does not document: " + ", ".join(missing)


def test_the_sync_facing_commands_load_heavy_libraries_only_when_they_run() -> None:
    """``graphsync --help`` and quick commands must not pay for SQLAlchemy, the Graph SDK or the sign-in libraries."""
    modules = ", ".join(f"graphsync.cli.{m}" for m in ("sync", "status", "conflicts", "entities", "doctor", "output"))
    heavy = ("sqlalchemy", "msgraph", "msgraph_core", "kiota_http", "msal", "azure.identity")
    code = f"import sys, {modules}; print([m for m in {heavy!r} if m in sys.modules])"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_docs_cli_describes_every_command() -> None:
    """docs/cli.md says it describes every command; init, login, whoami, demo, nav and sandbox were missing."""
    text = (README.parent / "docs" / "cli.md").read_text(encoding="utf-8")
    missing = [f"graphsync {' '.join(p)}" for p in PATHS if f"graphsync {' '.join(p)}" not in text]
    assert not missing, "docs/cli.md does not describe: " + ", ".join(missing)
