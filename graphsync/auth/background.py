"""Waiting for a person without holding the process hostage.

A sign-in blocks until someone finishes it in a browser (MSAL's device-code polling, its local redirect
server). `asyncio.to_thread` would run that in the default executor, whose threads the interpreter joins at
exit: after Ctrl+C the process would hang until the sign-in timed out (fifteen minutes for a device code).
A daemon thread is abandoned instead.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


async def in_daemon_thread(work: Callable[[], T], *, name: str = "graphsync-sign-in") -> T:
    """The result of the blocking ``work``, run in a daemon thread; cancelling the wait abandons the thread."""
    loop = asyncio.get_running_loop()
    future: asyncio.Future[T] = loop.create_future()

    def settle(result: T | None, error: BaseException | None) -> None:
        if future.done():
            return
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(result)  # type: ignore[arg-type]  # None only travels with an error

    def run() -> None:
        result: T | None = None
        error: BaseException | None = None
        try:
            result = work()
        except BaseException as exc:
            error = exc
        try:
            loop.call_soon_threadsafe(settle, result, error)
        except RuntimeError:
            pass  # the loop is closed: whoever waited gave up (cancelled), nobody needs the outcome

    threading.Thread(target=run, name=name, daemon=True).start()
    return await future
