"""The NAV connector contract, run against the OData connector talking HTTP to the NAV-style service: once per
server profile (NAV 2018 and Business Central, with the shipped pages or set up as docs/odata.md says), with
two-record pages, and with option values in each form a server may use."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace

import pytest

from graphsync.connectors.nav import NavConnector, NavTable
from graphsync.nav.odata.binding import Flavour, StampKind
from graphsync.nav.odata.connector import ODataNav
from graphsync.nav.odata.names import OptionForm
from graphsync.navservice.pages import PROFILES
from tests.nav.contract import NavContract
from tests.nav_odata.conftest import Served


def profile_connector(served: Served, connect: Callable[..., ODataNav], profile: str) -> ODataNav:
    """A connector set up as graphsync would be against that server (BC: the BC flavour, online)."""
    served.service.publication = PROFILES[profile]
    if profile.startswith("bc-"):
        return connect(flavour=Flavour.BC, online=True)
    return connect()


class TestODataContract(NavContract):
    @pytest.fixture(params=sorted(PROFILES))
    def nav(
        self, request: pytest.FixtureRequest, served: Served, connect: Callable[..., ODataNav]
    ) -> Iterator[NavConnector]:
        nav = profile_connector(served, connect, request.param)
        assert isinstance(nav, NavConnector)
        yield nav


class TestODataContractSmallPages(NavContract):
    """The same with two records a page: every read goes through @odata.nextLink."""

    @pytest.fixture
    def nav(self, connect: Callable[..., ODataNav]) -> Iterator[NavConnector]:
        yield connect(page_size=2)


class TestODataContractOptionForms(NavContract):
    """A server writing option values as captions (NAV 2017's form, as assumed here) or with the blank option
    as ``_x0020_``: the connector reads them and writes them back in the same form."""

    @pytest.fixture(params=[OptionForm.CAPTIONS, OptionForm.NAMES_SPACE])
    def nav(
        self, request: pytest.FixtureRequest, served: Served, connect: Callable[..., ODataNav]
    ) -> Iterator[NavConnector]:
        served.service.publication = replace(PROFILES["nav2018-graphsync"], options=request.param)
        nav = connect()
        list(nav.find(NavTable.TODO, {}))  # what the engine does first: read, which shows the form
        assert nav.option_form is request.param
        yield nav


def test_business_central_reads_changes_by_system_modified_at(served: Served, connect: Callable[..., ODataNav]) -> None:
    nav = profile_connector(served, connect, "bc-graphsync")
    stamps = {s.table: s.stamp for s in nav.status()}
    assert stamps[NavTable.CONTACT] is StampKind.DATETIME and stamps[NavTable.TODO] is StampKind.DATETIME
    standard = profile_connector(served, connect, "bc-standard")
    # The shipped Contact Card has only the computed LastDateTimeModified: every run compares all contacts.
    assert {s.table: s.stamp for s in standard.status()}[NavTable.CONTACT] is StampKind.NONE
