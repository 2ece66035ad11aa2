"""Fuzzed NAV values: at and past their field's length, and odd Unicode (C0 and C1 control characters, line and
paragraph separators, combining marks, zero-width and bidirectional controls, emoji and other astral characters,
characters whose upper case is longer than they are, and lone surrogates).

A length counts UTF-16 code units as NAV's does (an emoji takes two). NAV takes a value that fits (a Code
upper-cased and trimmed, a Text as it is) and refuses one that does not, or one with half a character in it,
with a NavValidationError, changing nothing. Through a sync, a value Outlook holds that NAV refuses is an item
error of that item (the run ends normally, NAV is unchanged, later runs work), and a value NAV holds reaches
Outlook exactly. Covered: Text and Code fields of a contact (CONT_PERS), and a to-do's Description and Location,
as a meeting (subject, location) and as a task (title)."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from graphsync.connectors.nav import NavRecord, NavTable
from graphsync.errors import NavValidationError
from graphsync.nav.embedded import EmbeddedNav
from graphsync.sandbox import SandboxState
from tests.reliability.harness import USER, InProcess, Outlook, serve_sandbox
from tests.reliability.scenario import patch_outlook, target_value

FUZZ = settings(
    derandomize=True,
    database=None,
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
PERSON = "CT200116"  # a CRONUS person, synced as CONT_PERS


@dataclass(frozen=True)
class Target:
    """A NAV field and where the default map puts it in Outlook."""

    kind: str  # "contact", "event" or "task": which item of the world it is
    field: str
    length: int
    code: bool
    outlook: str


TARGETS = [
    Target("contact", "City", 30, False, "businessAddress.city"),
    Target("contact", "Phone No.", 30, False, "businessPhones[0]"),
    Target("contact", "Job Title", 30, False, "jobTitle"),
    Target("contact", "Address", 50, False, "businessAddress.street"),
    Target("contact", "Home Page", 80, False, "businessHomePage"),
    Target("contact", "First Name", 30, False, "givenName"),
    Target("contact", "Post Code", 20, True, "businessAddress.postalCode"),
    Target("event", "Description", 50, False, "subject"),
    Target("event", "Location", 50, False, "location.displayName"),
    Target("task", "Description", 50, False, "title"),
]
POST_CODE = TARGETS[6]
TABLE = {"contact": NavTable.CONTACT, "event": NavTable.TODO, "task": NavTable.TODO}

CONTROLS = "".join(chr(c) for c in [*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0)])
MARKS = "\u0301\u0308\u20dd\ufe0f\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2069"
SEPARATORS = "\u2028\u2029\u0085\ufeff"
LONGER_UPPER = "\u00df\ufb01\u0149\u01f0\u0390\u1fb3"  # ß, ﬁ, ŉ, ǰ, ΐ, ᾳ: str.upper() makes 2 or 3 of each
ASTRAL = [
    "\U0001f600",
    "\U0001f468\u200d\U0001f469\u200d\U0001f467",
    "\U0001d11e",
    "\U00010428",
    "\U0001f1e9\U0001f1ea",
]

odd = st.characters(
    codec="utf-8",  # no surrogates here: a lone one is added on purpose, below
    categories=["L", "M", "N", "P", "S", "Zs", "Zl", "Zp", "Cf", "Co", "Cc"],
    include_characters=CONTROLS + MARKS + SEPARATORS + LONGER_UPPER + "\t",
)
solid = st.characters(categories=["L", "N", "S"], codec="utf-8") | st.sampled_from(ASTRAL + list(LONGER_UPPER))


def units(text: str) -> int:
    """Length as NAV counts it, worked out from the UTF-16 encoding (not from the product's own count)."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def nav_code(text: str) -> str:
    """What NAV's Code makes of a value: trimmed, each character upper-cased on its own (never longer)."""
    return "".join(u if len(u := c.upper()) == 1 else c for c in text.strip())


@st.composite
def values(draw: st.DrawFn, target: Target, *, lone: bool = True) -> str:
    """A value of the field's length give or take a few UTF-16 code units, often odd; it starts and ends with
    something that is not white space (surrounding white space is formatting to the engine, and a blank
    value is 'no value': other tests), and often ends with an astral character right at the limit."""
    size = draw(st.integers(min_value=target.length - 3, max_value=target.length + 4))
    tail = draw(st.sampled_from(["", *ASTRAL]) | solid)
    head = draw(solid)
    body = ""
    for c in draw(st.lists(odd, min_size=size, max_size=size)):
        if units(head + body + c + tail) > size:
            break
        body += c
    body += "x" * (size - units(head + body + tail))
    value = head + body + tail
    # Half an emoji, as a JSON escape (\ud83d) can carry it; 5, not 0: Hypothesis draws its minimum too often.
    if lone and draw(st.integers(0, 9)) == 5:
        at = draw(st.integers(1, len(value) - 1))
        value = value[:at] + draw(st.sampled_from(["\ud83d", "\ude00", "\udfff"])) + value[at:]
    assert units(value) in (size, size + 1), (size, value)
    return value


@st.composite
def changes(draw: st.DrawFn, kind: str) -> tuple[Target, str]:
    target = draw(st.sampled_from([t for t in TARGETS if t.kind == kind]))
    return target, draw(values(target))


def has_lone_surrogate(text: str) -> bool:
    return any(0xD800 <= ord(c) <= 0xDFFF for c in text)


def stored(target: Target, value: str) -> str | None:
    """What NAV holds after the value is assigned, or None when NAV must refuse it."""
    text = nav_code(value) if target.code else value
    if has_lone_surrogate(text) or units(text) > target.length:
        return None
    return text


def assert_refusal(target: Target, value: str, message: str) -> None:
    """NAV's refusal says what is wrong: half a character, or the length NAV counted against the field's."""
    if has_lone_surrogate(value):
        assert "lone surrogate (U+D" in message, message
        return
    text = nav_code(value) if target.code else value
    assert message.startswith(
        f"The length of the string is {units(text)}, but it must be less than or equal to {target.length} "
    ), message


def _fields(record: NavRecord | None) -> dict[str, Any]:
    assert record is not None
    return dict(record.fields)


def _todos(nav: EmbeddedNav) -> dict[str, str]:
    """The first meeting and the first task of EH's that `make_company` made: kind -> To-do No."""
    found = {}
    for kind, description in (("event", "Extra meeting 0"), ("task", "Extra task 0")):
        (todo,) = nav.find(NavTable.TODO, {"Description": description})
        found[kind] = todo.key[0]
    return found


KINDS = pytest.mark.parametrize("kind", ["contact", "event", "task"])  # each kind its share of the examples


@KINDS
@settings(FUZZ, max_examples=15)
@given(data=st.data())
def test_embedded_nav_takes_what_fits_and_refuses_the_rest_changing_nothing(
    tmp_path_factory: pytest.TempPathFactory, company: Path, kind: str, data: st.DataObject
) -> None:
    target, value = data.draw(changes(kind))
    path = tmp_path_factory.mktemp("nav") / "nav.sqlite"
    shutil.copyfile(company, path)
    with EmbeddedNav(path) as nav:
        key = (PERSON,) if target.kind == "contact" else (_todos(nav)[target.kind],)
        table = TABLE[target.kind]
        before = _fields(nav.get(table, key))
        expected = stored(target, value)
        event("refused" if expected is None else "taken")
        event("lone surrogate" if has_lone_surrogate(value) else "whole characters")
        try:
            after = nav.modify(table, key, {target.field: value}, if_match="*")
        except NavValidationError as exc:
            assert expected is None, (target, value, exc.message)
            assert_refusal(target, value, exc.message)
            exc.message.encode("utf-8")  # printable, loggable: no half character in it
            assert _fields(nav.get(table, key)) == before
        else:
            assert expected is not None, (target, value)
            assert after.fields[target.field] == expected
            assert _fields(nav.get(table, key))[target.field] == expected
        # A new record with the value as its name: all or nothing too (no number used, no half record).
        count = len(list(nav.find(NavTable.CONTACT, {})))
        name = Target("contact", "Name", 50, False, "displayName")
        try:
            created = nav.insert(NavTable.CONTACT, {"Type": "Company", "Name": value})
        except NavValidationError as exc:
            assert stored(name, value) is None, value
            assert_refusal(name, value, exc.message)
            assert len(list(nav.find(NavTable.CONTACT, {}))) == count
        else:
            assert created.fields["Name"] == value == stored(name, value)


@dataclass
class Synced:
    world: InProcess
    runner: asyncio.Runner
    todos: dict[str, str]

    def sync(self) -> Any:
        return self.runner.run(self.world.sync())

    def nav_key(self, target: Target) -> str:
        return f"5050:{PERSON}" if target.kind == "contact" else f"5080:{self.todos[target.kind]}"

    def nav_fields(self, target: Target) -> dict[str, Any]:
        no = PERSON if target.kind == "contact" else self.todos[target.kind]
        return _fields(self.world.nav_connector.get(TABLE[target.kind], (no,)))

    def modify_nav(self, target: Target, value: str) -> None:
        no = PERSON if target.kind == "contact" else self.todos[target.kind]
        self.world.nav_connector.modify(TABLE[target.kind], (no,), {target.field: value}, if_match="*")

    def outlook_item(self, outlook: Outlook, target: Target) -> dict[str, Any]:
        items = {"contact": outlook.contacts, "event": outlook.events, "task": outlook.tasks}[target.kind]()
        (item,) = [i for i in items if i["navKey"] == self.nav_key(target)]
        return item

    def outlook_value(self, target: Target) -> Any:
        with self.world.outlook() as outlook:
            return target_value(self.outlook_item(outlook, target), target.outlook)

    def patch_outlook(self, target: Target, value: str) -> None:
        with self.world.outlook() as outlook:
            patch_outlook(outlook, target.kind, self.outlook_item(outlook, target), target.outlook, value)


@pytest.fixture(scope="module")
def synced(tmp_path_factory: pytest.TempPathFactory, company: Path) -> Iterator[Synced]:
    """One world for every example: the company synced once; each example edits one side and syncs."""
    state = SandboxState.seeded(USER)
    with serve_sandbox(state) as (url, switch), asyncio.Runner() as runner:
        world = InProcess(tmp_path_factory.mktemp("synced"), company, url, state, switch)
        try:
            s = Synced(world, runner, _todos(world.nav_connector))
            assert not s.sync().errors
            yield s
        finally:
            runner.run(world.aclose())


# A lone surrogate cannot be typed into Outlook (its JSON body would not be UTF-8); Graph answers carrying one
# are test_fuzz_graph's. From NAV's side it is refused before anything is stored, which this test sees.
@KINDS
@settings(FUZZ, max_examples=10)
@given(data=st.data(), from_outlook=st.booleans())
def test_odd_and_overlong_values_through_a_sync(
    synced: Synced, kind: str, data: st.DataObject, from_outlook: bool
) -> None:
    target, value = data.draw(changes(kind))
    refused = stored(target, value) is None and not (from_outlook and has_lone_surrogate(value))
    event(f"{'outlook' if from_outlook else 'nav'} {'refused' if refused else 'taken'}")  # --hypothesis-show-statistics
    _through_a_sync(synced, target, value, from_outlook=from_outlook)


@pytest.mark.parametrize(
    ("target", "value", "from_outlook"),
    [
        (POST_CODE, "a" * 19 + "\U0001f600", True),  # one code unit past the limit
        (POST_CODE, "a" * 18 + "\U0001f600", True),  # right at it
        (POST_CODE, "a" * 19 + "\u00df", True),  # fits as NAV upper-cases it; str.upper()'s "SS" would not
        (POST_CODE, "ab \u00dfx", False),
        (TARGETS[7], "e" * 48 + "\U0001f600", True),  # a meeting's subject, at the limit
        (TARGETS[8], "e" * 49 + "\U0001f600", True),  # its location, past it
        (TARGETS[9], "e" * 49 + "\U0001f600", True),  # a task's title, past it
        (TARGETS[9], "e" * 49 + "\U0001f600", False),
    ],
)
def test_values_at_the_limit_through_a_sync(synced: Synced, target: Target, value: str, from_outlook: bool) -> None:
    _through_a_sync(synced, target, value, from_outlook=from_outlook)


def _through_a_sync(synced: Synced, target: Target, value: str, *, from_outlook: bool) -> None:
    if from_outlook and has_lone_surrogate(value):
        value = value.replace(next(c for c in value if has_lone_surrogate(c)), "")
    expected = stored(target, value)
    before = synced.nav_fields(target)
    if from_outlook:
        synced.patch_outlook(target, value)
        report = synced.sync()
        errors = [e for e in report.errors if e.nav_key == synced.nav_key(target)]
        if expected is None:
            assert len(errors) == 1, (errors, [(i.plan.nav, i.plan.outlook, i.plan.conflicts) for i in report.items])
            (error,) = errors
            assert error.error == "NavValidationError", error
            # The item error names the field NAV's words leave out; the entity and key are the error's own.
            assert error.message.startswith(f"{target.field}: "), error
            assert_refusal(target, value, error.message.removeprefix(f"{target.field}: "))
            assert synced.nav_fields(target) == before
        else:
            assert not errors, errors
            assert not report.errors, report.errors
            assert synced.nav_fields(target)[target.field] == expected
            # Outlook keeps what the person typed: the upper case NAV gives a Code is the same value to the engine.
            assert synced.outlook_value(target) in (value, expected)
    else:
        if expected is None:
            with pytest.raises(NavValidationError) as raised:
                synced.modify_nav(target, value)
            assert_refusal(target, value, raised.value.message)
            assert synced.nav_fields(target) == before
            return
        synced.modify_nav(target, value)
        report = synced.sync()
        assert not report.errors, report.errors
        assert synced.outlook_value(target) == expected
    # Whatever happened, the next run works: the side that was edited is set to a fitting value, and both sides
    # agree on it. (Setting the other side instead would be a conflict with the refused value, as it should.)
    good = f"OK {units(value)}"
    if from_outlook:
        synced.patch_outlook(target, good)
    else:
        synced.modify_nav(target, good)
    report = synced.sync()
    assert not report.errors, report.errors
    assert synced.outlook_value(target) == good
    assert synced.nav_fields(target)[target.field] == good
