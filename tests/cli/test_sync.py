"""`graphsync sync` against the embedded company and the in-process sandbox."""

from __future__ import annotations

from tests.cli.conftest import World


def test_first_sync_creates_outlook_contacts_then_nothing(world: World) -> None:
    first = world.run_json("sync")
    assert first["ok"] and first["exit_code"] == 0
    assert first["mailbox"] == "eh@contoso.com" and first["salesperson"] == "EH"
    assert first["entities"]["CONT_COMP"]["outlook"]["created"] > 0
    second = world.run_json("sync")
    assert all(side[k] == 0 for e in second["entities"].values() for side in (e["nav"], e["outlook"]) for k in side)
