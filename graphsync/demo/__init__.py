"""`graphsync demo`: the seed's walkthrough on the embedded CRONUS company and the sandbox, offline.

`graphsync.demo.world.open_world` builds the world; `graphsync.demo.steps` holds the steps, each of which
checks its own outcome; `run_demo` runs them in order and hands each finished step to a callback.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from graphsync.demo.steps import (
    Step,
    conflict_left_for_you,
    initial_sync,
    invitations_sent_once,
    meeting_to_event,
    move_event,
    phone_conflict,
    territory_field,
)
from graphsync.demo.world import open_world


async def run_demo(
    workdir: Path, *, show: Callable[[Step], None], force: bool = False, leave_conflict: bool = False
) -> list[Step]:
    """Run every step in ``workdir`` (``force``: replace a demo already there), handing each to ``show``.
    ``leave_conflict``: end with an open conflict for a person to resolve in the kept folder."""
    steps: list[Step] = []

    def done(step: Step) -> None:
        steps.append(step)
        show(step)

    async with open_world(workdir, force=force) as world:
        done(await initial_sync(world))
        step, todo_no, event_id = await meeting_to_event(world)
        done(step)
        done(await move_event(world, todo_no, event_id))
        for step in await phone_conflict(world):
            done(step)
        done(await territory_field(world))
        done(invitations_sent_once(world))
        if leave_conflict:
            done(await conflict_left_for_you(world))
    return steps
