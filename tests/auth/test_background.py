from __future__ import annotations

import asyncio
import threading

import pytest

from graphsync.auth.background import in_daemon_thread


async def test_result_and_error_come_back() -> None:
    assert await in_daemon_thread(lambda: threading.current_thread().daemon) is True

    def fail() -> None:
        raise ValueError("no")

    with pytest.raises(ValueError):
        await in_daemon_thread(fail)


async def test_cancelling_does_not_wait_for_the_person() -> None:
    release = threading.Event()
    started = threading.Event()

    def wait_for_person() -> str:
        started.set()
        release.wait(10)
        return "signed in"

    task = asyncio.create_task(in_daemon_thread(wait_for_person))
    await asyncio.to_thread(started.wait, 5)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(task, 1)  # returns at once although the work still blocks
    release.set()
