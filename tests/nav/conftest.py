from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from graphsync.nav.embedded import EmbeddedNav


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One CRONUS company made once per run; tests copy it instead of rebuilding it."""
    path = tmp_path_factory.mktemp("nav") / "template.sqlite"
    EmbeddedNav.create(path, user_id="TEMPLATE").close()
    return path


@pytest.fixture
def company_path(demo_template: Path, tmp_path: Path) -> Path:
    path = tmp_path / "nav.sqlite"
    path.write_bytes(demo_template.read_bytes())
    return path


@pytest.fixture
def embedded(company_path: Path) -> Iterator[EmbeddedNav]:
    nav = EmbeddedNav(company_path, user_id="TESTER")
    yield nav
    nav.close()
