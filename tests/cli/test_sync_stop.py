"""The schedule's stop flag reaches the engine (`SyncOptions.should_stop`) for single runs and ``--every``."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

import graphsync.runtime.wiring as wiring
from graphsync.auth.connections import Connections
from graphsync.config import load_config
from graphsync.engine.report import RunReport
from graphsync.runtime import RunSettings, Runtime
from graphsync.sandbox import create_app
from graphsync.schedule import StopFlag
from tests.cli.conftest import World


def _capture(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    seen: list[Any] = []
    real = wiring.run

    async def spy(ctx: Any) -> RunReport:
        seen.append(ctx.options.should_stop)
        return await real(ctx)

    monkeypatch.setattr(wiring, "run", spy)
    return seen


@pytest.mark.parametrize("args", [("sync",), ("sync", "--every", "10s", "--max-runs", "1")])
def test_the_stop_flag_reaches_the_engine(world: World, monkeypatch: pytest.MonkeyPatch, args: tuple[str, ...]) -> None:
    seen = _capture(monkeypatch)
    world.run(*args)
    assert len(seen) == 1
    should_stop = seen[0]
    assert getattr(should_stop, "__self__", None).__class__ is StopFlag and should_stop.__name__ == "is_set"
    assert should_stop() is False


def test_a_set_stop_flag_stops_a_single_run(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    class SetFlag(StopFlag):
        def __init__(self) -> None:
            super().__init__()
            self.set("test")

    monkeypatch.setattr("graphsync.cli.sync.StopFlag", SetFlag)
    data = world.run_json("sync", "--json")
    assert data["stopped"] is True and data["items"] == []


async def test_runtime_passes_should_stop_to_the_run(world: World) -> None:
    config = load_config(world.config)
    connections = Connections(
        graph_transport=httpx.ASGITransport(app=create_app(world.sandbox)), state_dir=world.root / "state"
    )
    async with Runtime(config, connections=connections) as rt:
        target = await rt.target(None)
        report = await rt.sync(target, RunSettings(should_stop=lambda: True))
        assert report.stopped and report.items == ()
        report = await rt.sync(target)
        assert not report.stopped and report.ok and report.items
