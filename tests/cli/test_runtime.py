"""The runtime as scripts and the demo use it, without the CLI: given parts are used and left open."""

from __future__ import annotations

import httpx

from graphsync.auth.connections import Connections
from graphsync.config import load_config
from graphsync.connectors.nav import NavTable
from graphsync.engine.state import ContainersCursor, StateStore
from graphsync.runtime import RunSettings, Runtime, summarize
from graphsync.sandbox import create_app
from tests.cli.conftest import USER, World


async def test_runtime_syncs_with_given_nav_and_store_and_leaves_them_open(world: World) -> None:
    config = load_config(world.config)
    connections = Connections(
        graph_transport=httpx.ASGITransport(app=create_app(world.sandbox)), state_dir=world.root / "state"
    )
    nav = world.nav()
    store = StateStore(world.root / "other-state.sqlite")
    try:
        async with Runtime(config, connections=connections, nav=nav, store=store) as rt:
            target = await rt.target(None)
            assert (target.upn, target.salesperson, target.user) == (USER, "EH", None)
            planned = await rt.sync(target, RunSettings(dry_run=True))
            assert store.mailbox(USER).cursors.get(ContainersCursor()) is None  # a dry run remembers nothing
            report = await rt.sync(target)
            assert report.ok
            by_entity = {s.entity.value: s for s in summarize(report)}
            assert (
                by_entity["CONT_COMP"].outlook.created
                == 4
                == len([i for i in planned.items if i.entity.value == "CONT_COMP"])
            )
            assert store.mailbox(USER).cursors.get(ContainersCursor()) is not None
        # Given parts stay open for their owner.
        assert nav.get(NavTable.CONTACT, ("CT100006",)) is not None
        assert store.mailbox(USER).links.count()["CONT_COMP"] == 4
    finally:
        nav.close()
        store.close()
