"""Adopting what EH's Outlook already holds (the add-in's items, left unmigrated, and a few made by hand): the
review CSV, its validation, the adoption, and an ordinary run that then creates no second copy."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from graphsync.connectors.nav import NavTable
from tests.migrate.conftest import World, nav_key_of


def review(world: World, name: str = "adoption-review.csv") -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO((world.root / name).read_text(encoding="utf-8"))))


def write(world: World, rows: list[dict[str, str]], name: str = "reviewed.csv") -> Path:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path = world.root / name
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


def handmade(world: World) -> None:
    """Two hand-made contacts for Christie Moon (no e-mail: they match her by name and company), one stranger."""
    for note in ("first", "second"):
        world.graph(
            "POST",
            "/me/contacts",
            {"givenName": "Christie", "surname": "Moon", "companyName": "Eco Office Inc.", "personalNotes": note},
        )
    world.graph("POST", "/me/contacts", {"givenName": "Some", "surname": "Stranger"})


def by_status(rows: list[dict[str, str]]) -> dict[str, list[dict[str, str]]]:
    out: dict[str, list[dict[str, str]]] = {}
    for r in rows:
        out.setdefault(r["status"], []).append(r)
    return out


def test_proposal_lists_matches_ambiguities_and_unmatched_with_evidence(world: World) -> None:
    handmade(world)
    before = world.contacts()
    out = world.script_json("adopt_existing")
    assert out["proposal"] == "adoption-review.csv"
    assert world.contacts() == before  # proposing changes nothing
    rows = review(world)
    groups = by_status(rows)
    matched = {r["nav_key"]: r for r in groups["matched"]}
    assert matched["5050:CT100006"]["evidence"] == "e-mail info@gibsonlaw.example"
    assert matched["5050:CT200118"]["adopt"] == "yes"
    assert matched["5080:TD000001"]["evidence"].startswith("subject 'Review the service agreement' and start")
    christie = [r for r in groups["ambiguous"] if r["nav_key"] == "5050:CT100002"]
    assert len(christie) == 2 and {r["adopt"] for r in christie} == {"no"}
    assert all("name 'Christie Moon' and company 'Eco Office Inc.'" in r["evidence"] for r in christie)
    assert any(r["outlook_name"] == "Some Stranger" and not r["nav_key"] for r in groups["unmatched"])
    assert any(r["nav_key"] == "13:OF" and not r["outlook_id"] for r in groups["unmatched"])


def test_reviewed_adoption_then_an_ordinary_run_makes_no_second_copy(world: World) -> None:
    handmade(world)
    world.script("adopt_existing")
    rows = review(world)
    first_christie = next(r for r in rows if r["nav_key"] == "5050:CT100002")
    first_christie["adopt"] = "yes"
    reviewed = write(world, rows)
    dry = world.script_json("adopt_existing", "--reviewed", str(reviewed))
    assert dry["dry_run"] and dry["counts"]["planned"] == 5
    done = world.script_json("adopt_existing", "--reviewed", str(reviewed), "--apply")
    assert {r["nav_key"] for r in done["rows"] if r["result"] == "done"} == {
        "5050:CT100006",
        "5050:CT200116",
        "5050:CT200118",
        "5050:CT100002",
        "5080:TD000001",
    }
    again = world.script_json("adopt_existing", "--reviewed", str(reviewed), "--apply")
    assert {r["result"] for r in again["rows"]} == {"already done"}
    # The hand-made contact holds none of Christie's NAV values: under the manual policy, each field the two sides
    # hold differently is a conflict for a person (no side is overwritten on a guess).
    sync = world.sync_json(expect=1)
    assert [i["nav_key"] for i in sync["items"] if i["conflicts"]] == ["5050:CT100002"]
    stamped: dict[str, list[Any]] = {}
    for item in world.contacts() + world.events():
        key = nav_key_of(item)
        if key:
            stamped.setdefault(key, []).append(item)
    assert all(len(items) == 1 for items in stamped.values()), stamped
    with world.nav() as nav:
        contacts = len(list(nav.keys(NavTable.CONTACT))) + len(list(nav.keys(NavTable.SALESPERSON)))
    assert len([k for k in stamped if not k.startswith("5080:")]) == contacts
    christie = [c for c in world.contacts() if c.get("givenName") == "Christie"]
    assert sorted((c["folder"], c["personalNotes"], nav_key_of(c)) for c in christie) == [
        ("Contacts", "second", None),
        ("Dynamics NAV", "first", "5050:CT100002"),
    ]
    assert any(c["displayName"] == "Some Stranger" and c["folder"] == "Contacts" for c in world.contacts())


def test_a_wrongly_edited_review_is_refused_with_the_line_and_nothing_changes(world: World) -> None:
    handmade(world)
    world.script("adopt_existing")
    rows = review(world)
    before = world.contacts()
    bad = [dict(r) for r in rows]
    bad[1]["adopt"] = "maybe"
    result = world.script("adopt_existing", "--reviewed", str(write(world, bad)), "--apply", expect=2)
    assert "line 3, column 'adopt': expected yes or no, got 'maybe'" in result.output
    twice = [dict(r) for r in rows]
    christie = [r for r in twice if r["nav_key"] == "5050:CT100002"]
    for r in christie:
        r["adopt"] = "yes"
    result = world.script("adopt_existing", "--reviewed", str(write(world, twice)), "--apply", expect=2)
    assert "one item per NAV record" in result.output
    missing = [{k: v for k, v in r.items() if k != "evidence"} for r in rows]
    result = world.script("adopt_existing", "--reviewed", str(write(world, missing)), "--apply", expect=2)
    assert "column '(header)'" in result.output
    stranger = next(r for r in rows if r["outlook_name"] == "Some Stranger")
    stranger["adopt"] = "yes"
    result = world.script("adopt_existing", "--reviewed", str(write(world, rows)), "--apply", expect=2)
    assert "column 'nav_key'" in result.output
    as_json = world.script_json("adopt_existing", "--reviewed", str(world.root / "nowhere.csv"), expect=2)
    assert as_json["exit_code"] == 2 and as_json["error"] == "ReviewFileError"
    assert world.contacts() == before
    with world.store() as store:
        assert store.mailbox("eh@contoso.com").links.all() == []


def test_a_mailbox_that_does_not_exist_is_bad_input(world: World) -> None:
    result = world.script("adopt_existing", "--user", "nobody", expect=2)
    assert "a mailbox of this tenant" in result.output
    result = world.script("adopt_existing", "--user", "nobody@contoso.com", expect=2)
    assert "Microsoft Graph has no user with this name" in result.output  # the sandbox, as Graph: 404
    world.sandbox.seed_user("nobody@contoso.com")  # a user of the tenant who is no salesperson
    result = world.script("adopt_existing", "--user", "nobody@contoso.com", expect=2)
    assert "matches no NAV salesperson" in result.output
    assert not (world.root / "adoption-review.csv").exists()


def test_an_item_already_in_graphsyncs_folder_is_stamped_in_place(world: World) -> None:
    folder = world.graph("POST", "/me/contactFolders", {"displayName": "Dynamics NAV"})
    made = world.graph(
        "POST",
        f"/me/contactFolders/{folder['id']}/contacts",
        {"displayName": "Officeland Of Manchester", "emailAddresses": [{"address": "sales@officeland.example"}]},
    )
    world.script("adopt_existing")
    rows = [r for r in review(world) if r["nav_key"] == "5050:CT100007"]
    assert [(r["status"], r["outlook_id"], r["outlook_folder"]) for r in rows] == [
        ("matched", made["id"], "Dynamics NAV")
    ]
    out = world.script_json("adopt_existing", "--reviewed", str(write(world, rows)), "--apply")
    (row,) = out["rows"]
    assert row["action"] == "stamp in place" and row["outlook_id"] == made["id"]
    (item,) = [c for c in world.contacts() if c["displayName"] == "Officeland Of Manchester"]
    assert item["id"] == made["id"] and nav_key_of(item) == "5050:CT100007"
