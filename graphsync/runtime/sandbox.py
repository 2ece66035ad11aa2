"""The sandbox a config names by its data file (``[graph] sandbox_data``): found where ``base_url`` points, or
opened by the command itself, so that ``graphsync sync`` works in a folder without a server started first.

    with attached_sandbox(config, connections) as connections:   # Connections for Graph, maybe in-process
        ...

The sandbox keeps its mailboxes in memory and writes every change through to the file; two processes on one
file would each overwrite the other's changes. So whoever serves the file holds its lock (``<file>.lock``,
naming the process and, for ``graphsync sandbox serve``, the URL it serves at):

- ``graphsync sandbox serve`` holds it while it runs: commands whose ``base_url`` is that URL talk to it;
- otherwise a command takes the lock and serves the file in-process (``httpx.ASGITransport``, no port) for as
  long as it runs;
- a second command while another holds the file is refused (`SandboxInUseError`, exit 4 like a held
  mailbox lock) with what to do: wait, or serve the file once for everyone with ``graphsync sandbox serve``.

A lock left by a process that is gone (killed) is taken over, as the state store's mailbox lock is.
"""

from __future__ import annotations

import json
import os
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from graphsync.auth.connections import Connections
from graphsync.config import Config
from graphsync.config.model import GraphKind
from graphsync.errors import LockHeldError

LOOPBACK = frozenset({"127.0.0.1", "::1", "localhost"})


class SandboxInUseError(LockHeldError):
    """The sandbox's data file is served by another process that cannot be reached where the config points."""

    def __init__(self, *, data: Path, holder: str, url: str | None, wanted: str) -> None:
        self.data = data
        self.url = url
        """Where the holder serves the file (None: in-process, for its own use only)."""
        self.wanted = wanted
        """The config's graph.base_url."""
        super().__init__(mailbox=f"sandbox data {data}", holder=holder)


@dataclass(frozen=True)
class Holder:
    pid: int
    host: str
    url: str | None

    def describe(self) -> str:
        return f"pid {self.pid} on {self.host}" if self.pid > 0 else "a process starting up"

    @property
    def gone(self) -> bool:
        """A process of this host that no longer exists (a killed command): its lock can be taken over."""
        if self is _GONE:
            return True
        if self.pid <= 0 or self.host != socket.gethostname():
            return False
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return True
        except (PermissionError, OSError):
            return False
        return False


def lock_path(data: Path) -> Path:
    return data.with_name(data.name + ".lock")


_STARTING = 5.0
"""Seconds an unreadable lock file is taken for one being written (created, its holder not yet in it)."""


def _read_holder(path: Path) -> Holder | None:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        return Holder(int(raw["pid"]), str(raw["host"]), raw.get("url") or None)
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError):
        pass
    # Unreadable: being written this instant, or left half-written by a process that died between creating and
    # writing it. A fresh one is a holder starting up; an old one nobody can name is taken over.
    try:
        fresh = time.time() - path.stat().st_mtime < _STARTING
    except FileNotFoundError:
        return None
    return Holder(-1, socket.gethostname(), None) if fresh else _GONE


_GONE = Holder(0, "", None)


@dataclass
class SandboxLock:
    """The lock on a sandbox data file, held by this process until `release`."""

    path: Path

    def release(self) -> None:
        self.path.unlink(missing_ok=True)


def acquire(data: Path, *, url: str | None = None, wanted: str = "") -> SandboxLock:
    """Take the lock on ``data`` for this process (``url``: where it will serve the file). SandboxInUseError
    when a live process holds it."""
    path = lock_path(data)
    path.parent.mkdir(parents=True, exist_ok=True)
    me = json.dumps({"pid": os.getpid(), "host": socket.gethostname(), "url": url})
    for _ in range(3):
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            holder = _read_holder(path)
            if holder is None or holder.gone:
                path.unlink(missing_ok=True)
                continue
            raise SandboxInUseError(data=data, holder=holder.describe(), url=holder.url, wanted=wanted) from None
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(me)
        return SandboxLock(path)
    holder = _read_holder(path)
    raise SandboxInUseError(
        data=data, holder=holder.describe() if holder else "another process", url=None, wanted=wanted
    )


def same_server(a: str, b: str) -> bool:
    """Whether two base URLs reach the same loopback server (``localhost`` and ``127.0.0.1`` alike)."""
    pa, pb = urlsplit(a), urlsplit(b)
    if pa.port != pb.port or pa.scheme != pb.scheme:
        return False
    return pa.hostname == pb.hostname or (pa.hostname in LOOPBACK and pb.hostname in LOOPBACK)


class AttachedSandbox:
    """The config's sandbox data file, opened in this process: its state, its lock, a transport to it."""

    def __init__(self, data: Path, *, wanted: str) -> None:
        from graphsync.sandbox import SandboxState, create_app

        self.data = data
        self._lock = acquire(data, wanted=wanted)
        try:
            self.state = SandboxState.open(data)
        except BaseException:
            self._lock.release()
            raise
        self.transport: httpx.AsyncBaseTransport = httpx.ASGITransport(app=create_app(self.state))

    def close(self) -> None:
        try:
            self.state.close()
        finally:
            self._lock.release()


def open_sandbox(config: Config, connections: Connections) -> AttachedSandbox | None:
    """The sandbox to open in-process for ``config``, or None: Graph is reached as ``connections`` say (not
    a sandbox with a data file, a transport already given, or the file served at ``base_url``)."""
    data = config.graph.sandbox_data
    if config.graph.kind is not GraphKind.SANDBOX or data is None or connections.graph_transport is not None:
        return None
    holder = _read_holder(lock_path(data))
    if holder is not None and not holder.gone and holder.url and same_server(holder.url, config.graph.base_url):
        return None  # `graphsync sandbox serve` serves this file where the config points: talk to it there
    attached = AttachedSandbox(data, wanted=config.graph.base_url)
    if config.graph.sandbox_user:
        # The user this config's runs act as is one its sandbox holds (a request never makes a user, as in a
        # tenant: docs/sandbox.md, "Users"); any other one is made with `graphsync sandbox seed`.
        try:
            attached.state.seed_user(config.graph.sandbox_user)
        except BaseException:
            attached.close()
            raise
    return attached


@contextmanager
def attached_sandbox(config: Config, connections: Connections) -> Iterator[Connections]:
    """``connections`` with Graph pointed at the config's sandbox for the block (see the module docstring)."""
    attached = open_sandbox(config, connections)
    if attached is None:
        yield connections
        return
    try:
        yield replace(connections, graph_transport=attached.transport)
    finally:
        attached.close()
