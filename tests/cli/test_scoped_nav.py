"""A mailbox's first NAV read narrowed to its salesperson's records (`graphsync.runtime.scoped`): NAV reads
one salesperson's worth, not the company's, and the outcome is the same as reading everything."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from graphsync.config.entities import default_entities
from graphsync.connectors.nav import ChangeSet, NavRecord, NavTable, Watermark
from graphsync.nav import schema
from graphsync.nav.embedded import EmbeddedNav
from graphsync.runtime import wiring
from graphsync.runtime.scoped import pushable_scopes
from tests.cli.conftest import World, config_text

pytestmark = pytest.mark.usefixtures("tenant_users")

OWN_CONTACTS = (
    '\n[entities.CONT_COMP]\ncondition = { "Salesperson Code" = "@owner" }\n'
    '\n[entities.CONT_PERS]\ncondition = { "Salesperson Code" = "@owner" }\n'
)


class CountingNav:
    """The embedded company, counting the records each read hands out, per table."""

    def __init__(self, nav: EmbeddedNav) -> None:
        self.nav = nav
        self.read: Counter[NavTable] = Counter()
        self.got: list[tuple[NavTable, tuple[object, ...]]] = []
        """Every record read by its key (`NavConnector.get`)."""

    def _count(self, table: NavTable, records: Iterator[NavRecord]) -> Iterator[NavRecord]:
        for record in records:
            self.read[table] += 1
            yield record

    def changes(self, table: NavTable, since: Watermark | None) -> ChangeSet:
        found = self.nav.changes(table, since)
        return ChangeSet(self._count(table, found.records), found.deletions, found.watermark, found.deletions_tracked)

    def find(self, table: NavTable, where: Mapping[str, object]) -> Iterator[NavRecord]:
        return self._count(table, iter(self.nav.find(table, where)))

    def get(self, table: NavTable, key: tuple[object, ...]) -> NavRecord | None:
        self.got.append((table, tuple(key)))
        return self.nav.get(table, key)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.nav, name)


def test_only_single_code_values_every_entity_of_a_table_shares_are_pushed() -> None:
    table_def = schema.table_def
    assert pushable_scopes(default_entities(), "eh", table_def) == {NavTable.TODO: {"Salesperson Code": "EH"}}
    from graphsync.config import parse_config

    def scopes(extra: str) -> dict[NavTable, dict[str, object]]:
        cfg = parse_config(extra, file=None, base=Path("."))
        return {k: dict(v) for k, v in pushable_scopes(cfg.entities, "eh", table_def).items() if k is NavTable.CONTACT}

    assert scopes(OWN_CONTACTS) == {NavTable.CONTACT: {"Salesperson Code": "EH"}}
    # Persons not narrowed: the companies' condition alone cannot narrow the table they share.
    assert scopes('[entities.CONT_COMP]\ncondition = { "Salesperson Code" = "@owner" }\n') == {}
    assert (
        scopes(
            '[entities.CONT_COMP]\ncondition = { "Salesperson Code" = ["EH", "OF"] }\n'
            '[entities.CONT_PERS]\ncondition = { "Salesperson Code" = ["EH", "OF"] }\n'
        )
        == {}
    )
    # A Text field compares case-insensitively in the engine: NAV's equality would not.
    assert (
        scopes(
            '[entities.CONT_COMP]\ncondition = { City = "London" }\n'
            '[entities.CONT_PERS]\ncondition = { City = "London" }\n'
        )
        == {}
    )


@pytest.fixture
def counting(world: World, monkeypatch: pytest.MonkeyPatch) -> list[CountingNav]:
    opened: list[CountingNav] = []

    def open_counting(config: Any) -> CountingNav:
        nav = CountingNav(EmbeddedNav(config.nav.embedded.path))
        opened.append(nav)
        return nav

    monkeypatch.setattr(wiring, "open_nav", open_counting)
    return opened


def _outlook(world: World, upn: str) -> list[tuple[str, str]]:
    from tests.cli.test_tenant import _graph

    folders = _graph(world, "GET", f"/users/{upn}/contactFolders")["value"]
    folder = next(f for f in folders if f["displayName"] == "Dynamics NAV")
    items = _graph(world, "GET", f"/users/{upn}/contactFolders/{folder['id']}/contacts?$top=500")["value"]
    tasks_lists = _graph(world, "GET", f"/users/{upn}/todo/lists")["value"]
    todo = next(t for t in tasks_lists if t["displayName"] == "Dynamics NAV")
    tasks = _graph(world, "GET", f"/users/{upn}/todo/lists/{todo['id']}/tasks")["value"]
    return sorted([("contact", c["displayName"]) for c in items] + [("task", t["title"]) for t in tasks])


def test_a_first_read_is_narrowed_to_the_owner_and_syncs_the_same(world: World, counting: list[CountingNav]) -> None:
    world.config.write_text(config_text(extra=OWN_CONTACTS), encoding="utf-8")
    with world.nav() as nav:
        nav.modify(NavTable.CONTACT, ("CT100006",), {"Salesperson Code": "LT"}, if_match="*")
        lt_contacts = [r for r in nav.find(NavTable.CONTACT, {"Salesperson Code": "LT"})]
        lt_todos = [r for r in nav.find(NavTable.TODO, {"Salesperson Code": "LT"})]
        all_contacts = len(list(nav.keys(NavTable.CONTACT)))
        all_todos = len(list(nav.keys(NavTable.TODO)))
    assert 0 < len(lt_contacts) < all_contacts and 0 < len(lt_todos) < all_todos
    world.run("sync", "--user", "lt@contoso.com")
    (nav,) = counting
    # Each table read once per kind that reads it, each time LT's records only: contacts once, to-dos three
    # times (meetings, their attendees' to-dos, tasks) instead of the whole company's each time.
    assert nav.read[NavTable.CONTACT] == len(lt_contacts)
    assert nav.read[NavTable.TODO] == 3 * len(lt_todos)
    narrowed = _outlook(world, "lt@contoso.com")
    assert ("contact", "A. Gibson's Law Firm") in narrowed

    # Once linked, a later read is the incremental one, unnarrowed: a contact that leaves LT is removed.
    with world.nav() as nav2:
        nav2.modify(NavTable.CONTACT, ("CT100006",), {"Salesperson Code": "OF"}, if_match="*")
    world.run("sync", "--user", "lt@contoso.com")
    assert ("contact", "A. Gibson's Law Firm") not in _outlook(world, "lt@contoso.com")


def test_narrowed_and_whole_reads_give_the_same_mailbox(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    from graphsync.runtime import scoped

    world.config.write_text(config_text(extra=OWN_CONTACTS), encoding="utf-8")
    with world.nav() as nav:
        nav.modify(NavTable.CONTACT, ("CT100006",), {"Salesperson Code": "LT"}, if_match="*")
    world.run("sync", "--user", "lt@contoso.com")
    narrowed = _outlook(world, "lt@contoso.com")
    monkeypatch.setattr(scoped, "pushable_scopes", lambda *args: {})
    world.run("sync", "--user", "lt@contoso.com", "--full")  # everything read again, nothing to change
    assert _outlook(world, "lt@contoso.com") == narrowed
    status = world.run_json("status", "--user", "lt@contoso.com")["mailboxes"][0]["runs"][0]
    assert not any(v for k, v in status["counts"].items() if k != "errors"), status


def test_a_stamped_unlinked_item_outside_the_narrowed_read_is_looked_up_by_its_key(
    world: World, counting: list[CountingNav]
) -> None:
    """What the narrowing rests on (`graphsync.runtime.scoped`): an Outlook item graphsync stamped, with no link
    (the state was forgotten), whose record the narrowed read does not list because it left the salesperson, is
    read from NAV by the key stamped on it, found out of scope and left alone, as a whole read leaves it; the
    salesperson's own stamped items are paired again, none made twice."""
    world.config.write_text(config_text(extra=OWN_CONTACTS), encoding="utf-8")
    with world.nav() as nav:
        nav.modify(NavTable.CONTACT, ("CT100006",), {"Salesperson Code": "LT"}, if_match="*")
    world.run("sync", "--user", "lt@contoso.com")
    before = _outlook(world, "lt@contoso.com")
    assert ("contact", "A. Gibson's Law Firm") in before and len(before) == len(set(before))

    world.run("state", "forget", "--user", "lt@contoso.com")
    with world.nav() as nav:
        nav.modify(NavTable.CONTACT, ("CT100006",), {"Salesperson Code": "OF"}, if_match="*")
        lt_contacts = len(list(nav.find(NavTable.CONTACT, {"Salesperson Code": "LT"})))
    counting.clear()
    out = world.run_json("sync", "--user", "lt@contoso.com")
    (nav,) = counting
    assert nav.read[NavTable.CONTACT] == lt_contacts  # narrowed: CT100006 is not in the read
    assert (NavTable.CONTACT, ("CT100006",)) in nav.got  # but its stamped item was looked up by key
    assert _outlook(world, "lt@contoso.com") == before  # left as it was; the others paired, none duplicated
    assert out["ok"] and out["entities"]["CONT_COMP"]["outlook"]["created"] == 0, out["entities"]
    assert not [i for i in out["items"] if (i["outlook"] or {}).get("op") in ("create", "delete")], out["items"]
