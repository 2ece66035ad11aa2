"""Seeded edits on both sides of a sync, and the check that every one of them arrived (or waits as a conflict).

A `Ledger` remembers what the edits were: updates of mapped fields in NAV (through the embedded company, as
a NAV user would) and in Outlook (Graph requests, as a person's Outlook would), records made on either side,
and pairs of different edits of the same field on both sides (conflicts). Each (item, field) is edited at most
once, with a value no one else writes, so `check_converged` can tell an edit that arrived from one that was
lost.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from graphsync.config.entities import EntityName, default_entities
from graphsync.connectors.nav import NavTable
from graphsync.connectors.outlook import MeetingScope
from graphsync.engine.binding import bind_entity
from graphsync.engine.context import meeting_window
from graphsync.engine.entities import nav_table
from graphsync.engine.navside import NavSide
from graphsync.engine.report import SyncOptions
from graphsync.nav.embedded import EmbeddedNav
from tests.reliability.harness import CATEGORY, Outlook, dump, nav_key


class SyncedSides(Protocol):
    """What the scenario needs of a world: both sides, and the state store's links and conflicts. Both kinds of
    world sync with the built-in entities and sync window (no ``[entities]`` or ``[sync]`` in the config)."""

    def nav(self) -> EmbeddedNav: ...
    def outlook(self) -> Outlook: ...
    def links(self) -> dict[str, str]: ...
    def conflict_values(self) -> dict[tuple[str, str], tuple[str, str]]: ...


CONTACT_FIELDS = {"Phone No.": "businessPhones[0]", "City": "businessAddress.city", "Home Page": "businessHomePage"}
MEETING_FIELDS = {"Description": "subject", "Location": "location.displayName"}
TASK_FIELDS = {"Description": "title"}


def target_value(item: dict[str, Any], target: str) -> Any:
    """The value at an Outlook path such as ``businessPhones[0]`` or ``businessAddress.city``."""
    value: Any = item
    for part in target.split("."):
        name, _, index = part.partition("[")
        value = value.get(name) if isinstance(value, dict) else None
        if index and value is not None:
            i = int(index.rstrip("]"))
            value = value[i] if len(value) > i else None
    return value


@dataclass(frozen=True)
class Edit:
    side: str  # "nav" or "outlook"
    key: str  # NAV key as stamped, "5050:CT000001"
    nav_field: str
    target: str
    value: str


@dataclass
class Ledger:
    """What the trials did, to be found on both sides at the end."""

    rng: random.Random
    group: int
    edits: list[Edit] = field(default_factory=list)
    touched: set[tuple[str, str]] = field(default_factory=set)
    nav_created: list[tuple[str, str, str]] = field(default_factory=list)
    """(Outlook target of the name, name, NAV key)"""
    outlook_created: list[tuple[str, str, str]] = field(default_factory=list)
    """(Outlook target of the name, name, Outlook id)"""
    deleted: dict[str, str] = field(default_factory=dict)
    """NAV key -> the side it was deleted on."""
    deleted_ids: set[str] = field(default_factory=set)
    """Outlook ids of the records deleted (on either side) that were made in Outlook."""
    either: set[str] = field(default_factory=set)
    """NAV keys of items deleted in Outlook before any run recorded their link (a run was killed right after
    creating them): the deletion cannot be told from a create that never happened, so the item may come
    back; both sides must agree either way."""
    serial: int = 0

    def tag(self, trial: int) -> str:
        self.serial += 1
        return f"g{self.group}t{trial}n{self.serial}"


def _nav_records(world: SyncedSides) -> tuple[list[Any], list[Any]]:
    with world.nav() as nav:
        contacts = list(nav.find(NavTable.CONTACT, {}))
        todos = [
            t
            for t in nav.find(NavTable.TODO, {"Salesperson Code": "EH"})
            if t.fields["System To-do Type"] == "Organizer" and not t.fields["Closed"]
        ]
    return contacts, todos


def edit_both_sides(world: SyncedSides, ledger: Ledger, trial: int) -> None:
    rng = ledger.rng
    contacts, todos = _nav_records(world)
    with world.outlook() as outlook:
        items = {"contact": outlook.contacts(), "event": outlook.events(), "task": outlook.tasks()}
        linked_contacts = [c for c in items["contact"] if (c["navKey"] or "").startswith("5050:")]
        linked_events = [e for e in items["event"] if e["navKey"] and CATEGORY in e["categories"]]
        linked_tasks = [t for t in items["task"] if t["navKey"]]

        def free(key: str, target: str) -> bool:
            return (key, target) not in ledger.touched and key not in ledger.deleted

        for _ in range(rng.randint(1, 4)):
            action = rng.choice(
                ["nav-update", "nav-update", "outlook-update", "outlook-update", "create", "conflict", "delete"]
            )
            tag = ledger.tag(trial)
            if action == "nav-update":
                if rng.random() < 0.6:
                    rec = rng.choice(contacts)
                    nav_field, target = rng.choice(sorted(CONTACT_FIELDS.items()))
                    value = {"Phone No.": f"+44 {ledger.serial:04d}", "City": f"City {tag}"}.get(
                        nav_field, f"www.{tag}.example"
                    )
                else:
                    rec = rng.choice(todos)
                    fields = MEETING_FIELDS if rec.fields["Type"] == "Meeting" else TASK_FIELDS
                    nav_field, target = rng.choice(sorted(fields.items()))
                    value = f"{nav_field[:4]} {tag}"
                if not free(nav_key(rec), target):
                    continue
                with world.nav() as nav:
                    nav.modify(rec.table, rec.key, {nav_field: value}, if_match="*")
                ledger.edits.append(Edit("nav", nav_key(rec), nav_field, target, value))
                ledger.touched.add((nav_key(rec), target))
            elif action == "outlook-update":
                kind = rng.choice(["contact", "contact", "event", "task"])
                pool = {"contact": linked_contacts, "event": linked_events, "task": linked_tasks}[kind]
                if not pool:
                    continue
                item = rng.choice(pool)
                if kind == "contact":
                    nav_field, target = rng.choice(sorted(CONTACT_FIELDS.items()))
                    value = {"Phone No.": f"+33 {ledger.serial:04d}", "City": f"Ville {tag}"}.get(
                        nav_field, f"web.{tag}.example"
                    )
                elif kind == "event":
                    nav_field, target = rng.choice(sorted(MEETING_FIELDS.items()))
                    value = f"O{nav_field[:4]} {tag}"
                else:
                    nav_field, target, value = "Description", "title", f"OTitle {tag}"
                if not free(item["navKey"], target):
                    continue
                patch_outlook(outlook, kind, item, target, value)
                ledger.edits.append(Edit("outlook", item["navKey"], nav_field, target, value))
                ledger.touched.add((item["navKey"], target))
            elif action == "create":
                create_somewhere(world, outlook, ledger, tag)
            elif action == "delete":
                delete_somewhere(world, outlook, ledger, [*items["contact"], *linked_events, *linked_tasks])
            else:
                candidates = [c for c in linked_contacts if free(c["navKey"], "businessPhones[0]")]
                if not candidates:
                    continue
                item = rng.choice(candidates)
                key = item["navKey"]
                with world.nav() as nav:
                    nav.modify(
                        NavTable.CONTACT, (key.split(":")[1],), {"Phone No.": f"+1 {ledger.serial}"}, if_match="*"
                    )
                patch_outlook(outlook, "contact", item, "businessPhones[0]", f"+49 {ledger.serial}")
                ledger.edits.append(Edit("nav", key, "Phone No.", "businessPhones[0]", f"+1 {ledger.serial}"))
                ledger.edits.append(Edit("outlook", key, "Phone No.", "businessPhones[0]", f"+49 {ledger.serial}"))
                ledger.touched.add((key, "businessPhones[0]"))


def patch_outlook(outlook: Any, kind: str, item: dict[str, Any], target: str, value: str) -> None:
    """Set one Outlook path as a person's Outlook would: the rest of a list or complex property kept."""
    head, _, sub = target.partition(".")
    name, _, index = head.partition("[")
    new: Any = value
    if sub:
        new = {**(item.get(name) or {}), sub: value}
    elif index:
        i = int(index.rstrip("]"))
        items = list(item.get(name) or [])
        items[i : i + 1] = [value]
        new = items
    body = {name: new}
    if kind == "contact":
        outlook.call("PATCH", f"/me/contacts/{item['id']}", body)
    elif kind == "event":
        outlook.call("PATCH", f"/me/events/{item['id']}", body)
    else:
        lst = outlook.todo_list()
        outlook.call("PATCH", f"/me/todo/lists/{lst}/tasks/{item['id']}", body)


def delete_somewhere(world: SyncedSides, outlook: Any, ledger: Ledger, items: list[dict[str, Any]]) -> None:
    """Delete, on one side, a record the trials made that no edit has touched (an edit against a deletion is a
    case of its own); the other side must follow."""
    rng = ledger.rng
    keys_of = {i["id"]: i["navKey"] for i in items if i["navKey"]}
    made = [key for _, _, key in ledger.nav_created] + [keys_of.get(i, "") for _, _, i in ledger.outlook_created]
    edited = {key for key, _ in ledger.touched}
    candidates = sorted(k for k in made if k and k not in edited and k not in ledger.deleted)
    if not candidates:
        return
    key = rng.choice(candidates)
    made_in_outlook = {keys_of.get(i): i for _, _, i in ledger.outlook_created}
    table, _, number = key.partition(":")
    if rng.random() < 0.5:
        with world.nav() as nav:
            if nav.get(NavTable(int(table)), (number,)) is None:
                return
            nav.delete(NavTable(int(table)), (number,), if_match="*")
        ledger.deleted[key] = "nav"
        if key in made_in_outlook:
            ledger.deleted_ids.add(made_in_outlook[key])
        return
    found = [i for i in items if i["navKey"] == key]
    if not found:
        return
    item = found[0]
    if item["id"] not in world.links():
        ledger.either.add(key)
    if table == "5050":
        outlook.call("DELETE", f"/me/contacts/{item['id']}")
    elif "start" in item:
        outlook.call("DELETE", f"/me/events/{item['id']}")
    else:
        outlook.call("DELETE", f"/me/todo/lists/{outlook.todo_list()}/tasks/{item['id']}")
    ledger.deleted[key] = "outlook"
    if key in made_in_outlook and key not in ledger.either:
        ledger.deleted_ids.add(made_in_outlook[key])


def create_somewhere(world: SyncedSides, outlook: Any, ledger: Ledger, tag: str) -> None:
    rng = ledger.rng
    what = rng.choice(["nav-company", "nav-task", "outlook-contact", "outlook-task", "outlook-event"])
    today = dt.date.today()
    if what == "nav-company":
        name = f"NCo {tag}"
        with world.nav() as nav:
            record = nav.insert(NavTable.CONTACT, {"Type": "Company", "Name": name, "Salesperson Code": "EH"})
        ledger.nav_created.append(("displayName", name, nav_key(record)))
    elif what == "nav-task":
        name = f"NTask {tag}"
        with world.nav() as nav:
            values = {"Type": " ", "Salesperson Code": "EH", "Description": name, "Date": today}
            record = nav.insert(NavTable.TODO, values)
        ledger.nav_created.append(("title", name, nav_key(record)))
    elif what == "outlook-contact":
        # As a person would: into the folder graphsync syncs (made by hand if no run has made it yet).
        folder = outlook.contact_folder(create=True)
        surname = f"OPerson {tag}"
        made = outlook.call("POST", f"/me/contactFolders/{folder}/contacts", {"givenName": "Olga", "surname": surname})
        ledger.outlook_created.append(("surname", surname, made["id"]))
    elif what == "outlook-task":
        lst = outlook.todo_list(create=True)
        title = f"OTask {tag}"
        made = outlook.call("POST", f"/me/todo/lists/{lst}/tasks", {"title": title})
        ledger.outlook_created.append(("title", title, made["id"]))
    else:
        subject = f"OEvent {tag}"
        day = today + dt.timedelta(days=rng.randint(1, 20))
        made = outlook.call(
            "POST",
            "/me/events",
            {
                "subject": subject,
                "categories": [CATEGORY],
                "start": {"dateTime": f"{day}T14:00:00", "timeZone": "UTC"},
                "end": {"dateTime": f"{day}T15:00:00", "timeZone": "UTC"},
            },
        )
        ledger.outlook_created.append(("subject", subject, made["id"]))


def synced_todos(world: SyncedSides) -> dict[str, EntityName]:
    """NAV key -> MEETING or TASK for every to-do the engine syncs for EH, by the engine's own rules: the built-in
    entities' selection (an organizer to-do of EH's; a meeting, or a task or phone call) and, for meetings, the
    default sync window."""
    options = SyncOptions(salesperson_code="EH")
    today = dt.datetime.now(ZoneInfo(options.time_zone)).date()
    window = meeting_window(today, MeetingScope())  # the default [sync] window, as the runs use it
    with world.nav() as nav:
        table = nav.table_def(NavTable.TODO)
        entities = [
            bind_entity(spec, table, time_zone=options.time_zone)
            for spec in default_entities()
            if nav_table(spec.name) is NavTable.TODO
        ]
        side = NavSide(nav, options.salesperson_code, window=window)
        synced = {}
        for record in nav.find(NavTable.TODO, {}):
            entity = side.route(entities, record)
            if entity is not None and not side.outside_window(entity, record):
                synced[nav_key(record)] = entity.name
    return synced


def conflict_pairs(ledger: Ledger) -> dict[tuple[str, str], tuple[str, str]]:
    """(NAV key, target) -> (NAV's value, Outlook's value) of every field the trials edited on both sides."""
    sides: dict[tuple[str, str], dict[str, str]] = {}
    for edit in ledger.edits:
        sides.setdefault((edit.key, edit.target), {})[edit.side] = edit.value
    return {pair: (values["nav"], values["outlook"]) for pair, values in sides.items() if len(values) == 2}


def check_converged(world: SyncedSides, ledger: Ledger) -> None:
    contacts, todos = _nav_records(world)
    with world.outlook() as outlook:
        out_contacts, out_events, out_tasks = outlook.contacts(), outlook.events(), outlook.tasks()
    mine = [e for e in out_events if CATEGORY in e["categories"]]
    links = world.links()
    for linked in [*out_contacts, *mine, *out_tasks]:
        assert links.get(linked["id"]) == linked["navKey"], dump(linked)
    by_key = {i["navKey"]: i for i in [*out_contacts, *mine, *out_tasks]}
    # Every NAV contact and salesperson has exactly one Outlook contact, and every Outlook item is linked.
    with world.nav() as nav:
        salespeople = list(nav.find(NavTable.SALESPERSON, {}))
    assert sorted(c["navKey"] or "" for c in out_contacts) == sorted(nav_key(r) for r in [*contacts, *salespeople])
    assert all(i["navKey"] for i in [*mine, *out_tasks]), dump([i for i in [*mine, *out_tasks] if not i["navKey"]])
    # Every to-do the engine syncs has exactly one item of its kind (a meeting an event in the category, any
    # other a task in the list), and no such item is without its to-do.
    synced = synced_todos(world)
    for kind, found in ((EntityName.MEETING, mine), (EntityName.TASK, out_tasks)):
        expected = sorted(key for key, entity in synced.items() if entity is kind)
        assert sorted(i["navKey"] for i in found) == expected, (kind, dump([i["navKey"] for i in found]), expected)
    nav_by_key = {nav_key(r): r for r in [*contacts, *todos]}
    by_id = {i["id"]: i for i in [*out_contacts, *mine, *out_tasks]}
    for key, side in ledger.deleted.items():
        table, _, number = key.partition(":")
        with world.nav() as nav:
            in_nav = nav.get(NavTable(int(table)), (number,)) is not None
        if key in ledger.either:
            assert (key in by_key) == in_nav, f"{key}, deleted in Outlook before it was linked, is on one side only"
            continue
        assert key not in by_key, f"{key} deleted in {side} is still in Outlook: {dump(by_key[key])}"
        assert not in_nav, f"{key} deleted in {side} is still in NAV"
    for target, name, key in ledger.nav_created:
        if key in ledger.deleted:
            continue
        item = by_key.get(key)
        assert key in nav_by_key and item is not None, f"{name} ({key}) created in NAV is not in Outlook"
        if (key, target) not in ledger.touched:
            assert item[target] == name, dump(item)
    for target, name, item_id in ledger.outlook_created:
        if item_id in ledger.deleted_ids:
            assert item_id not in by_id, f"{name} deleted is still in Outlook"
            assert not [r for r in [*contacts, *todos] if name in r.fields.values()], f"{name} deleted is in NAV"
            continue
        item = by_id.get(item_id)
        assert item is not None, f"{name} created in Outlook is gone"
        assert item["navKey"] in nav_by_key, f"{name}'s NAV record is missing: {dump(item)}"
        if (item["navKey"], target) not in ledger.touched:
            assert item[target] == name, dump(item)
    # A conflict is open exactly where the trials edited a field on both sides (an edited item is never deleted,
    # see `delete_somewhere`), holding the two values they wrote; every other edit is on both sides.
    expected_conflicts = conflict_pairs(ledger)
    conflicts = world.conflict_values()
    assert conflicts == expected_conflicts, dump(
        {
            "unexpected": {f"{k} {t}": v for (k, t), v in conflicts.items() if expected_conflicts.get((k, t)) != v},
            "missing": {f"{k} {t}": v for (k, t), v in expected_conflicts.items() if conflicts.get((k, t)) != v},
        }
    )
    lost = []
    for edit in ledger.edits:
        if (edit.key, edit.target) in expected_conflicts:
            continue
        record = nav_by_key.get(edit.key)
        item = by_key.get(edit.key)
        nav_value = None if record is None else record.fields[edit.nav_field]
        outlook_value = None if item is None else target_value(item, edit.target)
        if nav_value != edit.value or outlook_value != edit.value:
            lost.append((edit, nav_value, outlook_value))
    assert not lost, dump(lost)


def quiet(report: dict[str, Any]) -> bool:
    """A `graphsync sync --json` outcome that wrote nothing on either side."""
    return not any(
        n for counts in report["entities"].values() for side in ("nav", "outlook") for n in counts[side].values()
    )
