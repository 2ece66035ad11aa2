import subprocess
import sys

from click.testing import CliRunner

from graphsync import __version__
from graphsync.cli.main import cli


def test_version() -> None:
    result = CliRunner().invoke(cli, ["--version"])
    assert result.exit_code == 0
    assert __version__ in result.output


def test_help_lists_description() -> None:
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0
    assert "Two-way sync" in result.output


def test_python_dash_m() -> None:
    out = subprocess.run([sys.executable, "-m", "graphsync", "--version"], capture_output=True, text=True, check=True)
    assert __version__ in out.stdout
