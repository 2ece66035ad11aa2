"""Fuzzed NAV values: at and past their field's length, and odd Unicode (combining marks, zero-width and
bidirectional controls, astral characters, control characters). NAV takes a value that fits as it is and
refuses one that does not with a NavValidationError, changing nothing; through a sync, a value Outlook holds
that NAV refuses is an item error of that item (the run ends normally, NAV is unchanged, later runs work),
and a value NAV holds reaches Outlook (exactly, or without the white space around it: the engine takes surrounding
white space for formatting, not for a value)."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graphsync.connectors.nav import NavRecord, NavTable
from graphsync.errors import NavValidationError
from graphsync.nav.embedded import EmbeddedNav
from graphsync.sandbox import SandboxState
from tests.reliability.harness import InProcess, serve_sandbox
from tests.reliability.scenario import patch_outlook, target_value

FUZZ = settings(
    derandomize=True,
    database=None,
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
PERSON = "CT200116"  # a CRONUS person, synced as CONT_PERS

# NAV field -> (length, Outlook target of CONT_PERS), Text fields only: they keep a value exactly as given.
TEXT_FIELDS = {
    "City": (30, "businessAddress.city"),
    "Phone No.": (30, "businessPhones[0]"),
    "Job Title": (30, "jobTitle"),
    "Address": (50, "businessAddress.street"),
    "Home Page": (80, "businessHomePage"),
    "First Name": (30, "givenName"),
}

odd = st.characters(
    codec="utf-8",
    categories=["L", "M", "N", "P", "S", "Zs", "Cf", "Co"],
    include_characters="\u200b\u200d\u202e\u2066\ufeff\u0301\U0001f600\U0001f468\u200d\U0001f469\t",
)


@st.composite
def field_values(draw: st.DrawFn) -> tuple[str, str]:
    """A Text field and a value of its length give or take a few characters, often odd, never blank at the ends
    (a person's Outlook trims nothing, but a blank value is 'no value', which is another test)."""
    name = draw(st.sampled_from(sorted(TEXT_FIELDS)))
    length = TEXT_FIELDS[name][0]
    size = draw(st.integers(min_value=max(1, length - 3), max_value=length + 4))
    value = draw(st.text(odd, min_size=size, max_size=size))
    return name, value


def _fields(record: NavRecord | None) -> dict[str, Any]:
    assert record is not None
    return dict(record.fields)


@FUZZ
@given(change=field_values())
def test_embedded_nav_takes_what_fits_and_refuses_the_rest_changing_nothing(
    tmp_path_factory: pytest.TempPathFactory, company: Path, change: tuple[str, str]
) -> None:
    name, value = change
    path = tmp_path_factory.mktemp("nav") / "nav.sqlite"
    shutil.copyfile(company, path)
    with EmbeddedNav(path) as nav:
        before = _fields(nav.get(NavTable.CONTACT, (PERSON,)))
        try:
            after = nav.modify(NavTable.CONTACT, (PERSON,), {name: value}, if_match="*")
        except NavValidationError as exc:
            assert len(value) > TEXT_FIELDS[name][0], (name, value, exc.message)
            assert exc.message.startswith("The length of the string is "), exc.message
            assert _fields(nav.get(NavTable.CONTACT, (PERSON,))) == before
        else:
            assert len(value) <= TEXT_FIELDS[name][0], (name, value)
            assert after.fields[name] == value
            assert _fields(nav.get(NavTable.CONTACT, (PERSON,)))[name] == value
        try:
            created = nav.insert(NavTable.CONTACT, {"Type": "Company", "Name": value[:60]})
        except NavValidationError:
            assert len(value[:60]) > 50
        else:
            assert created.fields["Name"] == value[:60] and len(value[:60]) <= 50


@dataclass
class Synced:
    world: InProcess
    runner: asyncio.Runner
    item: dict[str, Any]

    def sync(self) -> Any:
        return self.runner.run(self.world.sync())

    def outlook_item(self) -> dict[str, Any]:
        with self.world.outlook() as outlook:
            (item,) = [c for c in outlook.contacts() if c["navKey"] == f"5050:{PERSON}"]
        return item


@pytest.fixture(scope="module")
def synced(tmp_path_factory: pytest.TempPathFactory, company: Path) -> Iterator[Synced]:
    """One world for every example: the company synced once; each example edits one side and syncs."""
    state = SandboxState()
    with serve_sandbox(state) as (url, switch), asyncio.Runner() as runner:
        world = InProcess(tmp_path_factory.mktemp("synced"), company, url, state, switch)
        try:
            s = Synced(world, runner, {})
            assert not s.sync().errors
            yield s
        finally:
            runner.run(world.aclose())


@settings(FUZZ, max_examples=25)
@given(change=field_values(), from_outlook=st.booleans())
def test_odd_and_overlong_values_through_a_sync(synced: Synced, change: tuple[str, str], from_outlook: bool) -> None:
    name, value = change
    length, target = TEXT_FIELDS[name]
    nav = synced.world.nav_connector
    before = _fields(nav.get(NavTable.CONTACT, (PERSON,)))
    if from_outlook:
        with synced.world.outlook() as outlook:
            patch_outlook(outlook, "contact", synced.outlook_item(), target, value)
        report = synced.sync()
        errors = [e for e in report.errors if e.nav_key == f"5050:{PERSON}"]
        if len(value) > length:
            assert len(errors) == 1, [(i.plan.nav, i.plan.outlook, i.plan.conflicts) for i in report.items]
            (error,) = errors
            assert error.error == "NavValidationError", error
            assert error.message.startswith(f"The length of the string is {len(value)}"), error
            assert _fields(nav.get(NavTable.CONTACT, (PERSON,))) == before
        else:
            assert not errors, errors
            assert _fields(nav.get(NavTable.CONTACT, (PERSON,)))[name] in (value, value.strip())
    else:
        if len(value) > length:
            with pytest.raises(NavValidationError):
                nav.modify(NavTable.CONTACT, (PERSON,), {name: value}, if_match="*")
            return
        nav.modify(NavTable.CONTACT, (PERSON,), {name: value}, if_match="*")
        report = synced.sync()
        assert not report.errors, report.errors
        assert target_value(synced.outlook_item(), target) in (value, value.strip())
    # Whatever happened, the next run works: the side that was edited is set to a fitting value, and both sides
    # agree on it. (Setting the other side instead would be a conflict with the refused value, as it should.)
    good = f"ok {len(value)}"
    if from_outlook:
        with synced.world.outlook() as outlook:
            patch_outlook(outlook, "contact", synced.outlook_item(), target, good)
    else:
        nav.modify(NavTable.CONTACT, (PERSON,), {name: good}, if_match="*")
    report = synced.sync()
    assert not report.errors, report.errors
    assert target_value(synced.outlook_item(), target) == good
    assert _fields(nav.get(NavTable.CONTACT, (PERSON,)))[name] == good
