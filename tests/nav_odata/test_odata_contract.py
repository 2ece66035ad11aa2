"""The NAV connector contract, run against the OData connector talking HTTP to the NAV-style service."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from graphsync.connectors.nav import NavConnector
from graphsync.nav.odata.connector import ODataNav
from tests.nav.contract import NavContract


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
