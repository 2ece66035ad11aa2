"""The NAV connector contract, run against the OData connector talking HTTP to the NAV-style service."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from graphsync.connectors.nav import NavConnector, NavTable
from graphsync.nav.odata.binding import Flavour, StampKind
from graphsync.nav.odata.connector import ODataNav
from graphsync.navservice.pages import Publication
from tests.nav.contract import NavContract
from tests.nav_odata.conftest import Served


class TestODataContract(NavContract):
    @pytest.fixture
    def nav(self, connect: Callable[..., ODataNav]) -> Iterator[NavConnector]:
        nav = connect()
        assert isinstance(nav, NavConnector)
        yield nav


class TestODataContractSmallPages(NavContract):
    """The same with two records a page: every read goes through @odata.nextLink."""

    @pytest.fixture
    def nav(self, connect: Callable[..., ODataNav]) -> Iterator[NavConnector]:
        yield connect(page_size=2)


class TestODataContractBusinessCentral(NavContract):
    """Served as Business Central: pages with SystemModifiedAt, read with the BC flavour."""

    @pytest.fixture
    def nav(self, served: Served, connect: Callable[..., ODataNav]) -> Iterator[NavConnector]:
        served.service.publication = Publication(system_modified_at=True)
        nav = connect(flavour=Flavour.BC)
        assert {s.stamp for s in nav.status() if s.table is NavTable.CONTACT} == {StampKind.DATETIME}
        yield nav
