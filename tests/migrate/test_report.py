"""The tenant report: per mailbox its salesperson, links by entity, open conflicts, item errors, last run and age;
and what it rests on, the origins the state store records."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

from graphsync.engine.origins import Origin
from graphsync.engine.state import StateStore
from graphsync.migrate.report import human_age
from graphsync.runtime.migration import report_lines
from graphsync.runtime.overview import tenant_overview
from tests.migrate.conftest import EH, World


def test_report_lists_every_salespersons_mailbox_and_the_synced_ones_in_detail(world: World) -> None:
    empty = world.script_json("tenant_report")
    assert {m["mailbox"] for m in empty["mailboxes"]} == {
        f"{c}@contoso.com" for c in ("bc", "eh", "hr", "jo", "lt", "of", "rb")
    }
    assert not (world.root / "state.sqlite").exists()  # a report makes no state store
    world.sync_json()
    world.graph(
        "PATCH",
        "/me/contacts/"
        + next(c["id"] for c in world.contacts() if c["displayName"] == "Lori Kane" and c["folder"] == "Dynamics NAV"),
        {"businessPhones": ["111"]},
    )
    with world.nav() as nav:
        from graphsync.connectors.nav import NavTable

        nav.modify(NavTable.CONTACT, ("CT200118",), {"Phone No.": "222"}, if_match="*")
    world.sync_json(expect=1)
    out = world.script_json("tenant_report")
    eh = next(m for m in out["mailboxes"] if m["mailbox"] == EH)
    assert eh["salesperson"] == "EH" and eh["open_conflicts"] == 1 and eh["item_errors"] == 0
    assert eh["links"]["CONT_SP"] == 7 and eh["linked"] == sum(eh["links"].values())
    assert eh["last_run_status"]
    assert eh["last_run_age_seconds"] is not None and eh["last_run_age_seconds"] < 600
    lines = list(csv.DictReader(io.StringIO((world.root / "tenant-report.csv").read_text())))
    row = next(r for r in lines if r["mailbox"] == EH)
    assert row["salesperson"] == "EH" and row["open_conflicts"] == "1" and row["CONT_SP"] == "7"
    assert next(r for r in lines if r["mailbox"] == "of@contoso.com")["last_run_age"] == "never"
    printed = world.script("tenant_report").output
    assert "eh@contoso.com" in printed and "never" in printed


def test_the_report_and_status_all_mailboxes_show_the_same_mailboxes_and_facts(world: World) -> None:
    """One source of the per-mailbox facts (`graphsync.runtime.overview`) and of the mailboxes
    (`graphsync.runtime.mailboxes.tenant_mailboxes`, what `sync --all-mailboxes` syncs)."""
    world.sync_json()
    report = {m["mailbox"]: m for m in world.script_json("tenant_report")["mailboxes"]}
    status = {
        m["mailbox"]: m for m in json.loads(world.graphsync("status", "--all-mailboxes", "--json").stdout)["mailboxes"]
    }
    assert report.keys() == status.keys() and EH in report
    for upn, line in report.items():
        shown = status[upn]
        assert line["salesperson"] == (shown["salesperson"] or "")
        assert line["links"] == shown["links_by_entity"] and line["linked"] == shown["links"]
        assert line["open_conflicts"] == shown["unresolved_conflicts"] and line["item_errors"] == shown["item_errors"]
        finished = shown["last_finished_run"]
        assert line["last_run_status"] == (finished["status"] if finished else None)


def test_ages_and_a_report_from_a_store_alone(tmp_path: object) -> None:
    assert [human_age(s) for s in (None, 5, 300, 7_500, 200_000)] == ["never", "5s", "5m", "2h 5m", "2d 7h"]
    with StateStore("sqlite://") as store:
        runs = store.mailbox("x@contoso.com").runs
        runs.finish(runs.begin(dry_run=False), status="ok", counts={})
        now = dt.datetime.fromisoformat(runs.recent()[0].finished_at or "") + dt.timedelta(hours=3)
        (line,) = report_lines(tenant_overview(store, []), now=now)
    assert line.mailbox == "x@contoso.com" and line.salesperson == "" and line.age == "3h 0m"


def test_the_engine_records_what_it_created_and_what_came_from_outlook(world: World) -> None:
    world.graph("POST", "/me/contactFolders", {"displayName": "Dynamics NAV"})
    world.sync_json()
    folder = next(f for f in world.graph("GET", "/me/contactFolders")["value"] if f["displayName"] == "Dynamics NAV")
    world.graph("POST", f"/me/contactFolders/{folder['id']}/contacts", {"givenName": "Made", "surname": "InOutlook"})
    world.sync_json()
    with world.store() as store:
        origins = store.mailbox(EH).origins.all()
    assert origins["5050:CT100006"] is Origin.CREATED
    made = [k for k, v in origins.items() if v is Origin.OUTLOOK]
    assert len(made) == 1 and made[0].startswith("5050:")
