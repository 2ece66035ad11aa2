"""The seed's walkthrough with both sides over HTTP: NAV reached over OData (the NAV-style service over a
fresh CRONUS company) and Outlook through the Graph client and the sandbox — the same steps as
tests/engine/test_end_to_end_sandbox.py, whose embedded-company run they mirror."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import httpx

from graphsync.nav.embedded import EmbeddedNav
from graphsync.nav.odata.connector import ODataNav
from graphsync.runtime.odata import required_fields
from graphsync.sandbox import SandboxState, create_app
from tests.engine.test_end_to_end_sandbox import Setup, walkthrough


async def test_walkthrough_with_nav_over_odata_and_outlook_over_graph(
    tmp_path: Path, connect: Callable[..., ODataNav], company: EmbeddedNav
) -> None:
    app = create_app(SandboxState())
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://sandbox/v1.0") as client:
        setup = Setup(tmp_path, client, nav=None, company=company)
        # The connector must read every field the walkthrough's entities map, Territory Code included.
        setup.nav = connect(required=required_fields(setup.entities))
        try:
            assert isinstance(setup.nav, ODataNav)
            await walkthrough(setup)
        finally:
            setup.store.close()
