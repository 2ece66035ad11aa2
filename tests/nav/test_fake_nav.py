"""The engine tests' NAV fake keeps the NAV contract, and its crash injection crashes after the commit."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from graphsync.connectors.nav import NavConnector, NavTable
from tests.fakes.nav import FakeNav, SimulatedCrash
from tests.nav.contract import NavContract


class TestFakeNavContract(NavContract):
    @pytest.fixture
    def nav(self) -> Iterator[NavConnector]:
        nav = FakeNav(demo=True)
        assert isinstance(nav, NavConnector)
        yield nav
        nav.close()


def test_a_crash_comes_after_the_write_is_committed() -> None:
    nav = FakeNav(demo=True)
    nav.crash_after_writes = nav.writes + 2
    nav.edit(NavTable.CONTACT, ("CT100006",), **{"Phone No.": "111"})
    with pytest.raises(SimulatedCrash):
        nav.edit(NavTable.CONTACT, ("CT100001",), City="York")
    again = nav.get(NavTable.CONTACT, ("CT100001",))
    assert again is not None and again["City"] == "York"
    assert nav.crash_after_writes is None  # once only: the "restarted" process writes on
    nav.edit(NavTable.CONTACT, ("CT100001",), City="Hull")
    assert nav.writes == 3


def test_a_refused_write_is_no_write_and_no_crash() -> None:
    nav = FakeNav(demo=True)
    nav.crash_after_writes = nav.writes + 1
    with pytest.raises(Exception, match="to-dos"):
        nav.delete(NavTable.CONTACT, ("CT100006",), if_match="*")
    assert nav.writes == 0 and nav.crash_after_writes == 1


def test_an_empty_company_and_one_without_a_change_log() -> None:
    empty = FakeNav()
    assert list(empty.keys(NavTable.CONTACT)) == [] and list(empty.keys(NavTable.SALESPERSON)) == []
    assert empty.company.deletions_tracked(NavTable.CONTACT)
    assert not FakeNav(deletions_tracked=False).company.deletions_tracked(NavTable.CONTACT)
    assert not FakeNav(demo=True, deletions_tracked=False).company.deletions_tracked(NavTable.TODO)
