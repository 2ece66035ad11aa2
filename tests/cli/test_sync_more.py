"""`graphsync sync`: the mass-delete guard, app-only runs, verbose logs, and the progress bars' feed."""

from __future__ import annotations

import io

import pytest
from rich.console import Console
from rich.progress import Progress

from graphsync.cli.output import ProgressBars
from graphsync.engine.report import ProgressEvent
from graphsync.schedule import StopFlag
from tests.cli.conftest import USER, World, config_text, graph


def _delete_outlook_contacts(world: World) -> int:
    folders = graph(world, "GET", "/me/contactFolders")["value"]
    folder = next(f for f in folders if f["displayName"] == "Dynamics NAV")
    contacts = graph(world, "GET", f"/me/contactFolders/{folder['id']}/contacts?$top=500")["value"]
    people = [c for c in contacts if c.get("givenName") or c.get("surname")]
    for contact in people:
        graph(world, "DELETE", f"/me/contacts/{contact['id']}")
    return len(people)


def test_mass_delete_is_refused_with_the_way_out(world: World) -> None:
    # CRONUS has three persons: a guard of at least 2 deletions and 20% refuses deleting all of them.
    world.config.write_text(config_text(extra="\n[sync]\nmass_delete_min = 2\n"), encoding="utf-8")
    world.run("sync")
    links_before = world.run_json("status")["mailboxes"][0]["links"]
    assert _delete_outlook_contacts(world) == 3
    refused = world.run("sync", expect=1)
    assert "--allow-mass-delete" in refused.output and "CONT_PERS" in refused.output
    # Nothing was changed: the links are all still there.
    assert world.run_json("status")["mailboxes"][0]["links"] == links_before
    allowed = world.run_json("sync", "--allow-mass-delete", expect=None)
    assert allowed["entities"]["CONT_PERS"]["nav"]["deleted"] + allowed["entities"]["CONT_PERS"]["nav"]["errors"] > 0


def test_app_only_run_for_a_named_mailbox(world: World) -> None:
    report = world.run_json("sync", "--user", USER.upper(), "--entity", "CONT_SP")
    assert report["mailbox"] == USER and report["salesperson"] == "EH"
    assert world.run_json("status", "--user", USER)["mailboxes"][0]["mailbox"] == USER
    assert "--user" in world.run("status", "--user", "nobody@contoso.com", expect=2).output


def test_verbose_logs_requests_but_no_token(world: World) -> None:
    result = world.run("-v", "sync", "--entity", "CONT_SP")
    assert "sandbox:" not in result.output  # the fixture also searches every log record


def test_progress_bars_draw_one_bar_per_phase_and_kind() -> None:
    stream = io.StringIO()
    with Progress(console=Console(file=stream, force_terminal=True, width=100)) as progress:
        bars = ProgressBars(progress)
        bars(ProgressEvent("read", "contact", 0))
        bars(ProgressEvent("plan", "contact", 3, 10))
        bars(ProgressEvent("plan", "contact", 10, 10))
        bars(ProgressEvent("apply", "event", 1, 2))
        tasks = {t.description: (t.completed, t.total) for t in progress.tasks}
    assert tasks == {"read contacts": (0, None), "plan contacts": (10, 10), "apply events": (1, 2)}


def test_a_renamed_contact_folder_is_reported_not_made_again(world: World) -> None:
    world.run("sync")
    folders = graph(world, "GET", "/me/contactFolders")["value"]
    folder = next(f for f in folders if f["displayName"] == "Dynamics NAV")
    graph(world, "PATCH", f"/me/contactFolders/{folder['id']}", {"displayName": "Old NAV contacts"})
    result = world.run("sync", expect=1)
    assert "was renamed to 'Old NAV contacts'" in result.output
    names = [f["displayName"] for f in graph(world, "GET", "/me/contactFolders")["value"]]
    assert "Dynamics NAV" not in names  # no second folder, which would sync every contact again as new
    graph(world, "PATCH", f"/me/contactFolders/{folder['id']}", {"displayName": "Dynamics NAV"})
    world.run("sync")


def test_every_past_a_month_is_a_usage_error_not_a_traceback(world: World) -> None:
    result = world.run("sync", "--every", "99999999999h", expect=2)
    assert "--every: expected an interval of at most 31d" in result.output and "config error" not in result.output


def test_every_prints_nothing_between_runs_when_nothing_changed(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(StopFlag, "wait", lambda self, seconds: self.is_set())  # no real 10 s between runs
    world.run("sync")
    result = world.run("sync", "--every", "10s", "--max-runs", "3")
    assert result.stdout == ""
    assert "next run in" not in result.stderr  # the wait is said only when it is a back-off
