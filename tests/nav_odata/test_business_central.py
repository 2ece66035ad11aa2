"""graphsync against Business Central online, through the command line: meetings cannot sync there, which
doctor and the first run say once, clearly, instead of an item error per event per run."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from graphsync.runtime.availability import meetings_online
from tests.cli.conftest import World, graph

ONLINE = 'flavour = "bc"\nonline = true\n'


def test_doctor_says_meetings_cannot_sync_on_business_central_online(odata_world: Callable[..., World]) -> None:
    world = odata_world("bc-graphsync", ONLINE)
    checks = {c["check"]: c for c in world.run_json("doctor", expect=1)}
    assert checks["NAV MEETING"]["status"] == "failed" and checks["NAV MEETING"]["detail"] == meetings_online()
    assert "[entities.MEETING] enabled = false" in checks["NAV MEETING"]["detail"]
    assert "SystemModifiedAt (UTC)" in checks["NAV contact"]["detail"]
    assert [c for c in checks.values() if c["status"] == "failed"] == [checks["NAV MEETING"]]
    world.config.write_text(world.config.read_text() + "\n[entities.MEETING]\nenabled = false\n")
    world.run("doctor")  # as the message says: then every check passes


def test_the_first_run_says_it_once_and_no_run_fails_on_it(
    odata_world: Callable[..., World], caplog: pytest.LogCaptureFixture
) -> None:
    world = odata_world("bc-graphsync", ONLINE)
    world.run("sync")  # exit 0: no item error for the demo company's meeting
    assert [r.getMessage() for r in caplog.records if r.name == "graphsync.runtime"] == [meetings_online()]
    assert graph(world, "GET", "/me/events")["value"] == []
    caplog.clear()
    world.run("sync")
    assert not [r for r in caplog.records if r.name == "graphsync.runtime"]
