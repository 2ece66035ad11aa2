"""`graphsync sync --all-mailboxes` / `--user` repeated, and `graphsync status --all-mailboxes`: every
salesperson's mailbox in one process, a line per mailbox, a table or JSON at the end, the worst exit code,
and one mailbox's failure never stopping the others."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from graphsync.auth.connections import Connections
from graphsync.cli import auth as cli_auth
from graphsync.config.entities import EntityName
from graphsync.connectors.nav import NavTable
from graphsync.engine.state import StateStore
from graphsync.sandbox import Faults, create_app
from tests.cli.conftest import DEMO_MAILBOXES, World, config_text
from tests.services import end_lock_session, state_toml

pytestmark = pytest.mark.usefixtures("tenant_users")


def _by_mailbox(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {m["mailbox"]: m for m in data["mailboxes"]}


def test_all_mailboxes_syncs_every_salesperson_then_finds_nothing_to_do(world: World) -> None:
    result = world.run("sync", "--all-mailboxes", "--concurrency", "3", "--json")
    data = json.loads(result.stdout)
    assert data["ok"] and data["exit_code"] == 0 and data["concurrency"] == 3
    mailboxes = _by_mailbox(data)
    assert sorted(mailboxes) == DEMO_MAILBOXES
    assert {m["salesperson"] for m in mailboxes.values()} == {"BC", "EH", "HR", "JO", "LT", "OF", "RB"}
    # Each mailbox got NAV's contacts in its own folder, and only its salesperson's to-dos.
    for report in mailboxes.values():
        assert report["status"] == "ok" and report["source"] == "nav"
        assert report["entities"]["CONT_COMP"]["outlook"]["created"] > 0
    assert mailboxes["lt@contoso.com"]["entities"]["TASK"]["outlook"]["created"] == 1
    # One line per mailbox as it finished (on stderr: stdout carries the JSON).
    lines = [ln for ln in result.stderr.splitlines() if "@contoso.com (" in ln and ": ok in " in ln]
    assert len(lines) == len(DEMO_MAILBOXES)
    again = world.run("sync", "--all-mailboxes")
    assert "Tenant run: 7 mailboxes, 16 at a time" in again.stdout
    assert again.stdout.count("nothing to do") == len(DEMO_MAILBOXES)


def test_a_repeated_user_syncs_exactly_those_mailboxes(world: World) -> None:
    data = world.run_json("sync", "--user", "eh@contoso.com", "--user", "OF@contoso.com", "--user", "eh@contoso.com")
    assert sorted(_by_mailbox(data)) == ["eh@contoso.com", "of@contoso.com"]
    assert all(m["source"] == "command line" for m in data["mailboxes"])


def test_the_config_map_wins_over_a_salespersons_email(world: World) -> None:
    world.config.write_text(
        config_text(extra='\n[mailboxes]\n"ester.henderson@contoso.com" = "EH"\n"ghost@contoso.com" = "ZZ"\n'),
        encoding="utf-8",
    )
    for upn in ("ester.henderson@contoso.com", "ghost@contoso.com"):  # users of the tenant; ZZ is no salesperson
        world.sandbox.seed_user(upn)
    data = world.run_json("sync", "--all-mailboxes", "--entity", "CONT_SP", expect=2)
    mailboxes = _by_mailbox(data)
    assert "eh@contoso.com" not in mailboxes  # EH is synced under the mapped mailbox, not twice
    assert mailboxes["ester.henderson@contoso.com"]["salesperson"] == "EH"
    assert mailboxes["ester.henderson@contoso.com"]["source"] == "config"
    ghost = mailboxes["ghost@contoso.com"]
    assert ghost["status"] == "failed" and ghost["exit_code"] == 2 and "ZZ" in ghost["message"]
    assert sum(m["status"] == "ok" for m in mailboxes.values()) == len(DEMO_MAILBOXES)


def test_a_mailbox_the_tenant_does_not_have_fails_alone_naming_it_and_the_fix(world: World) -> None:
    world.config.write_text(config_text(extra='\n[mailboxes]\n"gone@contoso.com" = "EH"\n'), encoding="utf-8")
    data = world.run_json("sync", "--all-mailboxes", "--entity", "CONT_SP", expect=2)
    gone = _by_mailbox(data)["gone@contoso.com"]
    assert gone["status"] == "failed" and gone["exit_code"] == 2
    assert "no mailbox 'gone@contoso.com'" in gone["message"] and "[mailboxes]" in gone["message"]
    assert sum(m["status"] == "ok" for m in data["mailboxes"]) == len(DEMO_MAILBOXES) - 1  # EH is mapped to it
    one = world.run("sync", "--user", "nobody@contoso.com", expect=2)
    assert "no mailbox 'nobody@contoso.com'" in one.stderr and "sandbox seed" in one.stderr


def _refusing(world: World, refused: dict[str, int]) -> Connections:
    """The sandbox, except that Graph refuses the app the mailboxes of ``refused`` with that status (a
    mailbox outside the app's access policy)."""
    sandbox = httpx.ASGITransport(app=create_app(world.sandbox))

    class Refusing(httpx.AsyncBaseTransport):
        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            path = request.url.path.lower()
            for upn, status in refused.items():
                if f"/users/{upn}" in path or f"/users/{upn.replace('@', '%40')}" in path:
                    code = "InvalidAuthenticationToken" if status == 401 else "ErrorAccessDenied"
                    body = {"error": {"code": code, "message": "Access is denied. Check credentials and try again."}}
                    return httpx.Response(status, json=body)
            return await sandbox.handle_async_request(request)

    return Connections(graph_transport=Refusing(), state_dir=world.root / "state")


def test_one_mailboxs_failures_never_stop_the_others(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    world.run("sync", "--all-mailboxes")
    # A contact folder deleted in Outlook: that mailbox reports it and makes no new folder.
    folders = _graph(world, "GET", "/users/hr@contoso.com/contactFolders")["value"]
    folder = next(f for f in folders if f["displayName"] == "Dynamics NAV")
    _graph(world, "DELETE", f"/users/hr@contoso.com/contactFolders/{folder['id']}")
    # Another run holds one mailbox's lock.
    with StateStore(world.root / "state.sqlite") as store:
        store.mailbox("rb@contoso.com").lock.acquire(holder="pid 1 on another-host")
    # A NAV change every mailbox must get.
    with world.nav() as nav:
        nav.modify(NavTable.CONTACT, ("CT100006",), {"Phone No.": "1234567"}, if_match="*")
    refused = {"jo@contoso.com": 401, "lt@contoso.com": 403}
    monkeypatch.setattr(cli_auth, "connections", lambda: _refusing(world, refused))
    result = world.run("sync", "--all-mailboxes", "--json", expect=None)
    data = json.loads(result.stdout)
    mailboxes = _by_mailbox(data)
    status = {upn: (m["status"], m["exit_code"]) for upn, m in mailboxes.items()}
    assert status == {
        "bc@contoso.com": ("ok", 0),
        "eh@contoso.com": ("ok", 0),
        "hr@contoso.com": ("failed", 1),
        "jo@contoso.com": ("failed", 3),
        "lt@contoso.com": ("failed", 3),
        "of@contoso.com": ("ok", 0),
        "rb@contoso.com": ("locked", 4),
    }
    # The worst code wins: a mailbox the app may not open (3) over a failed run (1) and a held lock (4).
    assert result.exit_code == 3 and data["exit_code"] == 3 and not data["ok"]
    assert data["summary"] == {"ok": 3, "attention": 0, "stopped": 0, "locked": 1, "failed": 3}
    assert "was deleted" in mailboxes["hr@contoso.com"]["message"]
    assert "app-only token" in mailboxes["jo@contoso.com"]["message"]
    assert "pid 1 on another-host" in mailboxes["rb@contoso.com"]["message"]
    for upn in ("bc@contoso.com", "eh@contoso.com", "of@contoso.com"):
        assert mailboxes[upn]["entities"]["CONT_COMP"]["outlook"]["updated"] == 1
    # The table says the same, a row per mailbox, with the reason of each failure.
    monkeypatch.setattr(cli_auth, "connections", world.connections)
    table = world.run("sync", "--all-mailboxes", "--entity", "CONT_SP", expect=1).stdout  # 1: hr's folder
    assert "locked" in table and "another graphsync run is syncing mailbox rb@contoso.com" in table


def test_mailboxes_run_concurrently_up_to_the_limit(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    from graphsync.runtime import tenant

    running: list[int] = [0, 0]  # now, most at once
    real = tenant.sync_mailbox

    async def counted(*args: Any, **kwargs: Any) -> Any:
        running[0] += 1
        running[1] = max(running)
        try:
            return await real(*args, **kwargs)
        finally:
            running[0] -= 1

    monkeypatch.setattr(tenant, "sync_mailbox", counted)
    world.sandbox.set_faults(Faults(latency=0.005))
    world.run("sync", "--all-mailboxes", "--concurrency", "3", "--entity", "CONT_SP")
    assert running[1] == 3
    world.run("sync", "--all-mailboxes", "--concurrency", "1", "--entity", "CONT_SP")
    assert running[1] == 3 and running[0] == 0


def test_flags_that_do_not_go_together_exit_2(world: World) -> None:
    out = world.run("sync", "--all-mailboxes", "--user", "eh@contoso.com", expect=2).output
    assert "either --all-mailboxes or --user" in out
    assert "--concurrency" in world.run("sync", "--concurrency", "4", expect=2).output
    assert "user principal name" in world.run("sync", "--user", "a@x", "--user", "not an address", expect=2).output


def test_every_with_all_mailboxes_prints_a_json_line_per_tick(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    from graphsync.schedule import StopFlag

    monkeypatch.setattr(StopFlag, "wait", lambda self, seconds: self.is_set())  # no real 10 s between ticks
    result = world.run("sync", "--all-mailboxes", "--entity", "CONT_SP", "--every", "10s", "--max-runs", "2", "--json")
    ticks = [json.loads(ln) for ln in result.stdout.splitlines() if ln.startswith("{")]
    assert len(ticks) == 2 and all(t["ok"] and len(t["mailboxes"]) == len(DEMO_MAILBOXES) for t in ticks)
    assert "next run in" not in result.stderr  # quiet while all is well, as for one mailbox (a back-off is said)


def test_status_all_mailboxes_shows_the_tenant_at_a_glance(world: World) -> None:
    before = world.run_json("status", "--all-mailboxes")
    assert [m["mailbox"] for m in before["mailboxes"]] == DEMO_MAILBOXES
    assert all(m["last_run"] is None for m in before["mailboxes"])
    world.run("sync", "--user", "eh@contoso.com", "--user", "jo@contoso.com")
    world.run("sync", "--user", "outsider@contoso.com", "--entity", "CONT_SP", expect=2)  # no salesperson
    data = world.run_json("status", "--all-mailboxes")
    rows = _by_mailbox(data)
    eh = rows["eh@contoso.com"]
    assert eh["last_run"]["status"] == "ok" and eh["links"] > 0 and eh["age_seconds"] is not None
    assert eh["salesperson"] == "EH" and eh["source"] == "nav" and eh["open_conflicts"] == 0
    assert rows["bc@contoso.com"]["last_run"] is None
    table = world.run("status", "--all-mailboxes").stdout
    assert "Tenant: 7 mailboxes" in table and "never synced" in table and "eh@contoso.com" in table
    both = world.run("status", "--all-mailboxes", "--user", "x@y", expect=2)
    assert "either --all-mailboxes or --user" in both.output


def _graph(world: World, method: str, url: str) -> Any:
    import asyncio

    async def call() -> Any:
        transport = httpx.ASGITransport(app=create_app(world.sandbox))
        async with httpx.AsyncClient(transport=transport, base_url="http://sandbox.test/v1.0") as client:
            response = await client.request(method, url, headers={"Authorization": "Bearer sandbox-app"})
            assert response.status_code < 300, response.text
            return response.json() if response.content else None

    return asyncio.run(call())


def test_an_address_two_salespeople_share_fails_that_mailbox_naming_both(world: World) -> None:
    with world.nav() as nav:
        nav.modify(NavTable.SALESPERSON, ("OF",), {"E-Mail": "EH@contoso.com"}, if_match="*")
    data = world.run_json("sync", "--all-mailboxes", "--entity", "CONT_SP", expect=2)
    mailboxes = _by_mailbox(data)
    assert "of@contoso.com" not in mailboxes
    eh = mailboxes["eh@contoso.com"]
    assert eh["status"] == "failed" and eh["exit_code"] == 2 and "EH, OF" in eh["message"]
    assert sum(m["status"] == "ok" for m in mailboxes.values()) == len(DEMO_MAILBOXES) - 2


def test_tenant_bars_show_a_bar_per_running_mailbox() -> None:
    import io

    from rich.console import Console
    from rich.progress import Progress

    from graphsync.cli.tenant import TenantBars
    from graphsync.engine.report import ProgressEvent
    from graphsync.runtime.mailboxes import MailboxSource, TenantMailbox
    from graphsync.runtime.tenant import MailboxOutcome, OutcomeStatus

    a = TenantMailbox("a@x", "A", MailboxSource.NAV)
    b = TenantMailbox("b@x", "B", MailboxSource.NAV)
    with Progress(console=Console(file=io.StringIO(), force_terminal=True, width=120)) as progress:
        bars = TenantBars(progress, total=2)
        bars.start(a)
        bars.start(b)
        bars.for_mailbox(a)(ProgressEvent("apply", "contact", 40, 100))
        bars.done(MailboxOutcome(b, OutcomeStatus.OK, "B"))
        tasks = {t.description: (t.completed, t.total) for t in progress.tasks}
    assert tasks == {"mailboxes": (1, 2), "a@x apply contacts": (40, 100)}


def test_all_mailboxes_with_the_state_store_on_postgresql(world: World, postgres_url: str) -> None:
    world.config.write_text(config_text().replace('path = "state.sqlite"', state_toml(postgres_url)), "utf-8")
    data = world.run_json("sync", "--all-mailboxes", "--concurrency", "4")
    assert data["ok"] and len(data["mailboxes"]) == len(DEMO_MAILBOXES)
    status = world.run_json("status", "--all-mailboxes")
    assert status["state"] == state_toml(postgres_url).splitlines()[0].split('"')[1]  # without a password
    assert {m["mailbox"]: m["last_run"]["status"] for m in status["mailboxes"]} == dict.fromkeys(DEMO_MAILBOXES, "ok")


def test_a_run_whose_postgresql_lock_session_is_lost_stops_at_its_next_chunk(
    world: World, postgres_url: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Another worker may take a mailbox over once the lock session of the run holding it is gone: that run
    writes nothing more (the runtime makes the pipeline's stop check ask the lock), and the next run finishes
    what it left, nothing duplicated."""
    import asyncio

    from graphsync.config import load_config
    from graphsync.engine.state import locks
    from graphsync.runtime import ProgressEvent, RunReport, RunSettings, Runtime

    monkeypatch.setattr(locks, "LIVENESS_INTERVAL", 0.0)
    world.config.write_text(config_text().replace('path = "state.sqlite"', state_toml(postgres_url)), "utf-8")
    config = load_config(world.config)
    ended: list[ProgressEvent] = []

    async def cut_short() -> RunReport:
        async with Runtime(config, connections=world.connections()) as rt:
            target = await rt.target("eh@contoso.com")

            def progress(event: ProgressEvent) -> None:
                if event.phase == "apply" and not ended:  # the first chunk is written
                    end_lock_session(rt.store, target.upn)
                    ended.append(event)

            return await rt.sync(target, RunSettings(progress=progress))

    report = asyncio.run(cut_short())
    assert ended and ended[0].kind == "contact"
    assert report.stopped and report.run_id is not None
    assert any("its lock was lost" in r.getMessage() for r in caplog.records)
    assert any(counts.get("outlook_create") for counts in report.done.values()), report.done  # the first chunk
    assert not {EntityName.MEETING, EntityName.TASK} & {e for e, c in report.done.items() if any(c.values())}

    again = world.run_json("sync", "--user", "eh@contoso.com")
    assert again["ok"] and not again["stopped"]
    assert not world.run_json("sync", "--user", "eh@contoso.com")["items"]  # converged
    folders = _graph(world, "GET", "/users/eh@contoso.com/contactFolders")["value"]
    folder = next(f for f in folders if f["displayName"] == "Dynamics NAV")
    contacts = _graph(world, "GET", f"/users/eh@contoso.com/contactFolders/{folder['id']}/contacts?$top=999")["value"]
    assert contacts and len(contacts) == len({c["displayName"] for c in contacts})  # none made twice
