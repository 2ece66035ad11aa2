"""`graphsync demo` is README's first command: it must run offline, check every step, and exit 0."""

from pathlib import Path

import pytest
from click.testing import CliRunner

from graphsync.cli.main import cli
from graphsync.demo.steps import DemoCheckError, Step, _check


def test_demo_runs_the_walkthrough_and_keeps_its_folder(tmp_path: Path) -> None:
    result = CliRunner(env={"COLUMNS": "200"}).invoke(cli, ["demo", "--dir", str(tmp_path / "d")])
    assert result.exit_code == 0, result.output
    out = result.output
    for expected in (
        "A meeting to-do in NAV becomes an Outlook event",
        "Next To-do Date",
        "businessPhones[0]",
        "Resolved keeping NAV",
        "[[entities.CONT_COMP.fields]]",
        "Territory Code = EANG",
        "Demo complete",
    ):
        assert expected in out
    # The folder holds what a person can go on with: the company, a config that loads, the state.
    assert {"nav.sqlite", "graphsync.toml", "graphsync-state.sqlite"} <= {p.name for p in (tmp_path / "d").iterdir()}


def test_demo_twice_in_a_row_uses_fresh_temporary_folders() -> None:
    runner = CliRunner()
    for _ in range(2):
        result = runner.invoke(cli, ["demo"])
        assert result.exit_code == 0, result.output


def test_a_failed_check_is_an_error_naming_the_step() -> None:
    with pytest.raises(DemoCheckError) as e:
        _check("move", False, "to-do dated 2026-01-02", "2026-01-01")
    assert e.value.step == "move"
    assert isinstance(Step(title="t", did=(), seen=()), Step)
