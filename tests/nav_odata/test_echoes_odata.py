"""tests/engine/test_echoes_sandbox.py's scenario with NAV over OData: the ETags graphsync records and compares
are the server's (``@odata.etag`` of the PATCH's answer, of the change read), not the embedded company's."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import httpx

from graphsync.nav.embedded import EmbeddedNav
from graphsync.nav.odata.connector import ODataNav
from graphsync.navservice.pages import PROFILES
from graphsync.runtime.odata import required_fields
from graphsync.sandbox import SandboxState, create_app
from tests.engine.test_echoes_sandbox import Counted, echoes_cost_no_graph_read
from tests.engine.test_end_to_end_sandbox import USER, Setup
from tests.nav_odata.conftest import Served


async def test_echoes_over_odata_read_nothing_from_graph(
    tmp_path: Path, served: Served, connect: Callable[..., ODataNav], company: EmbeddedNav
) -> None:
    served.service.publication = PROFILES["nav2018-graphsync"]
    sandbox = SandboxState.seeded(USER)
    app = create_app(sandbox)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://sandbox/v1.0") as client:
        setup = Setup(tmp_path, client, nav=None, company=company)
        setup.nav = connect(required=required_fields(setup.entities))
        try:
            await echoes_cost_no_graph_read(Counted(setup, sandbox))
        finally:
            setup.store.close()
