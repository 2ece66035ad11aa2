from __future__ import annotations

from collections.abc import Iterator

import pytest

from graphsync.connectors.nav import NavConnector
from graphsync.nav.embedded import EmbeddedNav
from tests.nav.contract import NavContract


class TestEmbeddedContract(NavContract):
    @pytest.fixture
    def nav(self, embedded: EmbeddedNav) -> Iterator[NavConnector]:
        assert isinstance(embedded, NavConnector)
        yield embedded
