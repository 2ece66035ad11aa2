"""Graph answers with properties missing, extra, of the wrong type, or carrying half a character: a run ends with
a report (item errors that say what is wrong) or a clear graphsync error, never another exception; and it does
no damage. Checked against snapshots of both sides taken before the run: NAV changes only where an edit made in
Outlook justifies it, nothing is deleted or doubled on either side, and the next ordinary (incremental) run, with
Graph answering normally again, brings both sides to exactly the edits made, with no item errors."""

from __future__ import annotations

import asyncio
import json
import random
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from graphsync.connectors.nav import NavTable
from graphsync.errors import GraphsyncError
from graphsync.sandbox import SandboxState
from tests.reliability.harness import (
    CATEGORY,
    USER,
    InProcess,
    assert_no_duplicates,
    dump,
    nav_key,
    serve_sandbox,
)
from tests.reliability.scenario import CONTACT_FIELDS, MEETING_FIELDS, TASK_FIELDS, patch_outlook, target_value

EXAMPLES = 20
# Malformed in place of a value of another JSON type: a reading that took them as they are would be wrong.
WRONG_TYPE: dict[type, list[Any]] = {
    str: [7, -1.5, True, [], {}, [None], {"x": 1}],
    dict: ["", "x", 7, [], [None], True],
    list: ["", "x", 7, {}, {"x": 1}, True],
    bool: ["yes", 1, [], {}],
    int: ["7", [], {}, True],
    float: ["7", [], {}],
}
# Not dropped: properties graphsync maps that Graph leaves out when they have no value (a task's dates, an
# item's expansions), which graphsync reads as "no value", a reading a test cannot tell from an edit; and
# categories, which decide whether an event is graphsync's at all. The others (a contact's or event's every
# property, a task's title, body, importance, status) Graph always sends: one left out makes the item wait as an
# item error, its NAV record untouched.
MAPPED = frozenset(
    [
        "startDateTime",
        "dueDateTime",
        "singleValueExtendedProperties",
        "linkedResources",
        "extensions",
        "categories",
    ]
)
LONE = "\ud83d"  # half an emoji: JSON can escape it (\ud83d), nothing can store it
DATE = re.compile(r"\d{4}-\d\d-\d\d")
STAMPS = {"Last Date Modified", "Last Time Modified", "Date Closed"}
MAPS = {"contact": CONTACT_FIELDS, "event": MEETING_FIELDS, "task": TASK_FIELDS}


@dataclass
class Mutating(httpx.AsyncBaseTransport):
    """Passes requests to the sandbox and, when armed, changes Graph's JSON answers on the way back: in each item
    of a page, a batch answer or a single item, with probability ``rate`` (and always in the first item it
    sees, so no armed run goes without), one property goes missing, gets a value of the wrong type (or, for a
    text, half a character; for a date, a date that does not exist) or gains a neighbour Graph never sent."""

    inner: httpx.AsyncBaseTransport = field(default_factory=httpx.AsyncHTTPTransport)
    rng: random.Random | None = None
    rate: float = 0.0
    changes: list[tuple[str, str, str]] = field(default_factory=list)
    """(how, property, the item's id) of each change made since `arm`."""
    rule: Callable[[dict[str, Any]], str | None] | None = None
    """Instead of chance: changes an item in place and says how (None: left as it was)."""

    def arm(self, seed: int, rate: float, rule: Callable[[dict[str, Any]], str | None] | None = None) -> None:
        self.rng, self.rate, self.changes, self.rule = random.Random(seed), rate, [], rule

    def disarm(self) -> None:
        self.rng = None

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        if self.rng is None or "json" not in response.headers.get("content-type", ""):
            return response
        data = json.loads(await response.aread())
        headers = {k: v for k, v in response.headers.items() if k.lower() not in ("content-length", "content-encoding")}
        return httpx.Response(
            response.status_code, headers=headers, content=json.dumps(self._walk(data)).encode(), request=request
        )

    def _walk(self, data: Any) -> Any:
        if isinstance(data, list):
            return [self._walk(x) for x in data]
        if not isinstance(data, dict):
            return data
        if "responses" in data:  # $batch: each answer's body
            return {**data, "responses": [{**r, "body": self._walk(r.get("body"))} for r in data["responses"]]}
        if "value" in data and isinstance(data["value"], list):
            return {**data, "value": [self._item(x) for x in data["value"]]}
        return self._item(data)

    def _item(self, item: Any) -> Any:
        rng = self.rng
        if rng is None or not isinstance(item, dict) or "error" in item:
            return item
        if self.rule is not None:
            item = dict(item)
            how = self.rule(item)
            if how is not None:
                self.changes.append((how, "", str(item.get("id"))))
            return item
        if self.changes and rng.random() >= self.rate:
            return item
        item = dict(item)
        keys = sorted(k for k in item if not k.startswith("@odata.context"))
        how = rng.choice(["drop", "odd", "extra"]) if keys else "extra"
        name = rng.choice(keys) if keys else f"extra{rng.randint(0, 99)}"
        if how == "drop" and name in MAPPED:
            how = "odd"
        if how == "drop":
            del item[name]
        elif how == "odd":
            item[name] = self._odd(rng, item[name])
        else:
            name = f"extra{rng.randint(0, 99)}"
            item[name] = rng.choice([None, 7, "x", [], {"x": 1}])
        self.changes.append((how, name, str(item.get("id"))))
        return item

    @staticmethod
    def _odd(rng: random.Random, value: Any) -> Any:
        if isinstance(value, str) and DATE.match(value) and rng.random() < 0.5:
            return "2026-02-30T25:61:00"
        if isinstance(value, str) and value and rng.random() < 0.3:
            at = rng.randint(0, len(value))
            return value[:at] + LONE + value[at:]
        if value is None:
            return rng.choice([7, [], {"x": 1}])
        return rng.choice(WRONG_TYPE.get(type(value), [7, [], {}]))


@dataclass
class Synced:
    world: InProcess
    transport: Mutating
    runner: asyncio.Runner


@pytest.fixture(scope="module")
def synced(tmp_path_factory: pytest.TempPathFactory, company: Path) -> Iterator[Synced]:
    state = SandboxState.seeded(USER)
    transport = Mutating()
    with serve_sandbox(state) as (url, switch), asyncio.Runner() as runner:
        world = InProcess(tmp_path_factory.mktemp("graph"), company, url, state, switch, transport=transport)
        try:
            assert not runner.run(world.sync()).errors
            yield Synced(world, transport, runner)
        finally:
            runner.run(world.aclose())


# --------------------------------------------------------------------------- both sides, as snapshots


def nav_snapshot(world: InProcess) -> dict[str, dict[str, Any]]:
    """Every record graphsync could touch, by NAV key, without the stamps a justified write moves."""
    with world.nav() as nav:
        records = [*nav.find(NavTable.CONTACT, {}), *nav.find(NavTable.SALESPERSON, {}), *nav.find(NavTable.TODO, {})]
    return {nav_key(r): {k: v for k, v in r.fields.items() if k not in STAMPS} for r in records}


def outlook_snapshot(world: InProcess) -> dict[str, dict[str, Any]]:
    """Every item graphsync made or linked, by Outlook id: its NAV key and the values of its mapped fields."""
    with world.outlook() as outlook:
        kinds = {
            "contact": outlook.contacts(),
            "event": [e for e in outlook.events() if CATEGORY in e.get("categories", [])],
            "task": outlook.tasks(),
        }
    return {
        item["id"]: {"kind": kind, "navKey": item["navKey"], **{t: target_value(item, t) for t in MAPS[kind].values()}}
        for kind, items in kinds.items()
        for item in items
    }


@dataclass
class Edits:
    """What the example changed on purpose: NAV key -> NAV field -> value, and Outlook id -> target -> value."""

    nav: dict[str, dict[str, str]] = field(default_factory=dict)
    outlook: dict[str, dict[str, str]] = field(default_factory=dict)


def make_edits(world: InProcess, rng: random.Random, tag: str) -> Edits:
    """A few edits in Outlook (which the mutated run reads) and in NAV (which it writes to Outlook, reading
    Graph's answers), each of a field no other edit of this example touches, to a value nobody else writes."""
    edits = Edits()
    outlook = outlook_snapshot(world)
    # By NAV key: Outlook's ids are new every session, and the seed should choose the same records each time.
    items = sorted(
        (i for i, v in outlook.items() if v["navKey"] and not v["navKey"].startswith("13:")),
        key=lambda i: str(outlook[i]["navKey"]),
    )
    chosen = rng.sample(items, 6)
    with world.outlook() as client:
        live = {i["id"]: i for i in [*client.contacts(), *client.events(), *client.tasks()]}
        for n, outlook_id in enumerate(chosen):
            kind, key = outlook[outlook_id]["kind"], outlook[outlook_id]["navKey"]
            nav_field, target = rng.choice(sorted(MAPS[kind].items()))
            value = f"{tag}-{n}"
            if n % 2:
                patch_outlook(client, kind, live[outlook_id], target, value)
            else:
                table = NavTable.CONTACT if key.startswith("5050:") else NavTable.TODO
                world.nav_connector.modify(table, (key.split(":", 1)[1],), {nav_field: value}, if_match="*")
            edits.nav.setdefault(key, {})[nav_field] = value
            edits.outlook.setdefault(outlook_id, {})[target] = value
    return edits


def check_damage(
    world: InProcess, nav_before: dict[str, dict[str, Any]], outlook_before: dict[str, dict[str, Any]], edits: Edits
) -> None:
    """Right after the mutated run: every field on either side is what it was or what an edit made it (an edit
    may not have arrived yet); nothing deleted, nothing new."""
    nav_after = nav_snapshot(world)
    assert nav_after.keys() == nav_before.keys(), nav_after.keys() ^ nav_before.keys()
    for key, fields in nav_after.items():
        for name, value in fields.items():
            allowed = {nav_before[key][name], edits.nav.get(key, {}).get(name, nav_before[key][name])}
            assert value in allowed, (key, name, value, allowed)
    outlook_after = outlook_snapshot(world)
    assert outlook_after.keys() == outlook_before.keys(), outlook_after.keys() ^ outlook_before.keys()
    for outlook_id, item in outlook_after.items():
        for target, value in item.items():
            was = outlook_before[outlook_id][target]
            allowed = {was, edits.outlook.get(outlook_id, {}).get(target, was)}
            assert value in allowed, (outlook_id, target, value, allowed)


def check_converged(
    world: InProcess, nav_before: dict[str, dict[str, Any]], outlook_before: dict[str, dict[str, Any]], edits: Edits
) -> None:
    """After the repair run: both sides hold exactly the edits, and nothing else changed."""
    expected_nav = {k: {**f, **edits.nav.get(k, {})} for k, f in nav_before.items()}
    nav_after = nav_snapshot(world)
    assert nav_after.keys() == expected_nav.keys(), nav_after.keys() ^ expected_nav.keys()
    assert not differences(nav_after, expected_nav), differences(nav_after, expected_nav)
    expected_outlook = {i: {**v, **edits.outlook.get(i, {})} for i, v in outlook_before.items()}
    outlook_after = outlook_snapshot(world)
    assert outlook_after.keys() == expected_outlook.keys(), outlook_after.keys() ^ expected_outlook.keys()
    assert not differences(outlook_after, expected_outlook), differences(outlook_after, expected_outlook)
    assert_no_duplicates(world)
    links = world.links()
    assert {i: v["navKey"] for i, v in expected_outlook.items()} == links, dump(links)


def differences(got: dict[str, dict[str, Any]], expected: dict[str, dict[str, Any]]) -> list[tuple[str, str, Any, Any]]:
    """(record, field, what it holds, what it should hold) wherever the two differ."""
    return [
        (k, f, v, expected[k].get(f)) for k, fields in got.items() for f, v in fields.items() if v != expected[k].get(f)
    ]


def clear(errors: Any) -> None:
    """Item errors say which item and what is wrong, in graphsync's words."""
    for e in errors:
        assert e.error and e.message and (e.nav_key or e.outlook_id), e
        assert "Traceback" not in e.message and "object at 0x" not in e.message, e
        e.message.encode("utf-8")  # printable: no half character in it


# Seeds, not Hypothesis: every example changes the one world the next starts from, so an example cannot be
# replayed or shrunk; each seed is its own test, and a failure names the seed that shows it.
@pytest.mark.parametrize("seed", range(EXAMPLES))
def test_odd_graph_answers_give_a_report_or_a_clear_error_and_do_no_damage(synced: Synced, seed: int) -> None:
    rng = random.Random(seed)
    rate, full = rng.uniform(0.02, 0.6), seed % 3 == 2  # a full run reads everything, an incremental one the edits
    world, transport, runner = synced.world, synced.transport, synced.runner
    nav_before, outlook_before = nav_snapshot(world), outlook_snapshot(world)
    edits = make_edits(world, rng, f"fz{seed}")
    transport.arm(seed, rate)
    try:
        report = runner.run(world.sync(full=full))
    except GraphsyncError as exc:
        assert str(exc), exc  # a clear error: graphsync's own, with its facts
        str(exc).encode("utf-8")  # printable, as the CLI and the log will write it
        outcome: Any = exc
    else:
        clear(report.errors)
        outcome = report.errors
    finally:
        transport.disarm()
    assert transport.changes, "the run read no answer to change"
    check_damage(world, nav_before, outlook_before, edits)
    # Graph answers normally again: an ordinary run repairs whatever the odd answers left undone.
    report = runner.run(world.sync())
    assert not report.errors, (report.errors, transport.changes)
    print("mutated run:", full, outcome, transport.changes)  # shown when the example fails
    check_converged(world, nav_before, outlook_before, edits)
    assert not runner.run(world.sync()).items  # and then there is nothing left to do


PERSON = "5050:CT200116"


def _no_id(item: dict[str, Any]) -> str | None:
    return "drop id" if item.pop("id", None) is not None else None


def _number_as_name(item: dict[str, Any]) -> str | None:
    item["givenName"] = 7
    return "givenName 7"


def _no_job_title(item: dict[str, Any]) -> str | None:
    return "drop jobTitle" if item.pop("jobTitle", "absent") != "absent" else None


def _half_a_character(item: dict[str, Any]) -> str | None:
    item["businessAddress"] = {**(item.get("businessAddress") or {}), "city": "Le" + LONE + "eds"}
    return "city with a lone surrogate"


@pytest.mark.parametrize(
    ("rule", "outcome"),
    [
        # Once skipped: the delta link moved past the change, and the edit never reached NAV.
        (_no_id, "malformedItem: usable id"),
        # Once read as the text "7" and written to NAV as the person's First Name (and Name).
        (_number_as_name, "malformedItem: givenName"),
        # NAV refuses it for that item alone; SQLite could not have stored it.
        (_half_a_character, "NavValidationError: lone surrogate"),
        # Once read as a cleared Job Title, and NAV's cleared with it; now that item waits for a whole answer.
        (_no_job_title, "GraphError: without jobTitle"),
    ],
    ids=["no id", "a number for a name", "half a character", "a mapped property left out"],
)
def test_each_kind_of_malformed_answer_found_by_the_fuzzing(
    synced: Synced, rule: Callable[[dict[str, Any]], str | None], outcome: str
) -> None:
    """The answers about one person's contact are malformed, every time, in one way; the person had edited its
    City. The run ends as it must, nothing is damaged, and the next ordinary run brings the edit to NAV."""
    world, transport, runner = synced.world, synced.transport, synced.runner
    nav_before, outlook_before = nav_snapshot(world), outlook_snapshot(world)
    (outlook_id,) = [i for i, v in outlook_before.items() if v["navKey"] == PERSON]
    city = f"City {rule.__name__}"
    with world.outlook() as outlook:
        (item,) = [c for c in outlook.contacts() if c["id"] == outlook_id]
        patch_outlook(outlook, "contact", item, "businessAddress.city", city)
    edits = Edits(nav={PERSON: {"City": city}}, outlook={outlook_id: {"businessAddress.city": city}})
    transport.arm(0, 0.0, lambda item: rule(item) if item.get("id") == outlook_id else None)
    try:
        kind, _, words = outcome.partition(": ")
        if kind == "malformedItem":
            with pytest.raises(GraphsyncError) as raised:
                runner.run(world.sync())
            assert getattr(raised.value, "code", None) == "malformedItem", raised.value
            assert words in str(raised.value), raised.value
        else:
            report = runner.run(world.sync())
            (error,) = report.errors
            assert (error.nav_key, error.error) == (PERSON, kind), error
            assert words in error.message, error
            clear(report.errors)
    finally:
        transport.disarm()
    assert transport.changes
    check_damage(world, nav_before, outlook_before, edits)
    report = runner.run(world.sync())
    assert not report.errors, report.errors
    check_converged(world, nav_before, outlook_before, edits)
    assert not runner.run(world.sync()).items


class NullIds(Mutating):
    """Answers every item read by id (alone or in a batch) with ``"id": null``."""

    def _walk(self, data: Any) -> Any:
        if isinstance(data, dict) and "responses" in data:
            return {**data, "responses": [{**r, "body": self._walk(r.get("body"))} for r in data["responses"]]}
        if isinstance(data, dict) and "id" in data and "value" not in data and "@odata.etag" in data:
            return {**data, "id": None}
        return data


def test_an_item_read_without_a_usable_id_stops_the_run_and_deletes_nothing(tmp_path: Path, company: Path) -> None:
    state = SandboxState.seeded(USER)
    transport = NullIds()
    with serve_sandbox(state) as (url, switch), asyncio.Runner() as runner:
        world = InProcess(tmp_path, company, url, state, switch, transport=transport)
        try:
            assert not runner.run(world.sync()).errors
            with world.outlook() as outlook:
                contact = next(c for c in outlook.contacts() if c["navKey"] == "5050:CT000003")
                outlook.call("PATCH", f"/me/contacts/{contact['id']}", {"jobTitle": "Owner"})
            transport.rng = random.Random(0)
            with pytest.raises(GraphsyncError) as raised:
                runner.run(world.sync())
            assert getattr(raised.value, "code", None) == "malformedItem", raised.value
            transport.rng = None
            assert not runner.run(world.sync()).errors
            assert not runner.run(world.sync()).errors
            assert world.nav_connector.get(NavTable.CONTACT, ("CT000003",)) is not None
            assert world.links()[contact["id"]] == "5050:CT000003"
            with world.outlook() as outlook:
                keys = sorted(c["navKey"] or "" for c in outlook.contacts())
            with world.nav() as nav:
                records = [*nav.find(NavTable.CONTACT, {}), *nav.find(NavTable.SALESPERSON, {})]
            assert keys == sorted(nav_key(r) for r in records)
        finally:
            runner.run(world.aclose())
