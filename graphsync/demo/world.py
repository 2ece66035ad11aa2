"""The demo's world: a fresh embedded CRONUS company, the Graph sandbox's mailboxes in a data file, and a config
that names both, in one folder; every sync goes through `graphsync.runtime.Runtime`, as ``graphsync sync``'s
does, so the demo shows what a person's run does (the config's ``[sync]`` window and mass-delete guard, the
state kept under the mailbox's own address).

The folder is left as a person goes on with it: ``cd FOLDER && graphsync sync`` (or ``status``, ``conflicts``)
works there at once, because the config's ``sandbox_data`` lets every command open the sandbox's file itself
(`graphsync.runtime.sandbox`) and ``graphsync sandbox serve`` there serves the same mailboxes at the config's
``base_url``.

Nothing here reaches a network, a keyring or the user's home directory: the sandbox is served in-process, and
the demo acts as Ester Henderson (salesperson EH, ``eh@contoso.com``) with the sandbox's delegated token form.
"""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from graphsync.auth.connections import Connections
from graphsync.auth.sandbox import SandboxTokenSource
from graphsync.config import Config, load_config
from graphsync.config.load import SANDBOX_URL, SANDBOX_USER
from graphsync.config.starter import SANDBOX_DATA
from graphsync.connectors.outlook import OutlookMailbox
from graphsync.errors import GraphError, GraphsyncError
from graphsync.nav.embedded import EmbeddedNav
from graphsync.runtime import MailboxTarget, RunReport, RunSettings, Runtime, StateStore
from graphsync.runtime.sandbox import AttachedSandbox
from graphsync.sandbox import SandboxState

DEMO_USER = SANDBOX_USER

NAV_FILE = "nav.sqlite"
STATE_FILE = "graphsync-state.sqlite"
CONFIG_FILE = "graphsync.toml"
DEMO_FILES = (CONFIG_FILE, NAV_FILE, SANDBOX_DATA, STATE_FILE)
"""What a demo folder holds; a folder holding any of them already is not written over without --force."""

CONFIG_TEMPLATE = f"""\
# Written by `graphsync demo`: the embedded CRONUS company ({NAV_FILE}), the Graph sandbox's mailboxes
# ({SANDBOX_DATA}) and the sync state ({STATE_FILE}), all in this folder. Commands run here open the
# sandbox's file themselves; `graphsync sandbox serve` here serves it at base_url for other tools as well.
[nav]
kind = "embedded"
path = "{NAV_FILE}"

[graph]
kind = "sandbox"
base_url = "{SANDBOX_URL}"
sandbox_user = "{{user}}"
sandbox_data = "{SANDBOX_DATA}"

[state]
path = "{STATE_FILE}"
"""


class DemoFolderInUseError(GraphsyncError):
    """``graphsync demo --dir FOLDER`` where a demo already is (without --force), or a config the demo did not
    write (never replaced: it may be a person's real setup)."""

    def __init__(self, *, folder: Path, found: tuple[str, ...], demo: bool = True) -> None:
        self.folder = folder
        self.found = found
        self.demo = demo
        """False: the folder's config was not written by the demo, and --force does not replace it."""
        super().__init__(f"{folder} already holds {', '.join(found)}")


def _written_by_demo(config: Path) -> bool:
    try:
        return config.read_text(encoding="utf-8").startswith(CONFIG_TEMPLATE.splitlines()[0])
    except (OSError, UnicodeDecodeError):
        return False


def prepare_folder(workdir: Path, *, force: bool) -> None:
    """Make ``workdir`` ready for a new demo: refused when it holds a demo's files, unless ``force`` (then
    they are removed, with their SQLite and lock companions); refused always when its config is not the
    demo's."""
    workdir.mkdir(parents=True, exist_ok=True)
    found = tuple(name for name in DEMO_FILES if (workdir / name).exists())
    config = workdir / CONFIG_FILE
    if config.exists() and not _written_by_demo(config):
        raise DemoFolderInUseError(folder=workdir, found=found, demo=False)
    if found and not force:
        raise DemoFolderInUseError(folder=workdir, found=found)
    for name in DEMO_FILES:
        for suffix in ("", "-wal", "-shm", "-journal", ".lock"):
            path = workdir / f"{name}{suffix}"
            if path.is_dir():
                shutil.rmtree(path)
            else:
                path.unlink(missing_ok=True)


@dataclass
class DemoWorld:
    workdir: Path
    config_path: Path
    config: Config
    nav: EmbeddedNav
    sandbox: SandboxState
    transport: httpx.AsyncBaseTransport
    client: httpx.AsyncClient
    """Outlook's own requests (a person's edits), straight to the sandbox, not through graphsync."""
    store: StateStore
    runtime: Runtime
    target: MailboxTarget
    user: str = DEMO_USER

    @property
    def base_url(self) -> str:
        return self.config.graph.base_url

    @property
    def salesperson(self) -> str:
        return self.target.salesperson

    @property
    def mailbox(self) -> OutlookMailbox:
        """graphsync's Graph client for the mailbox, as a run builds it (addressed by the mailbox's address)."""
        return self.runtime.mailbox(self.target)

    def _runtime(self) -> Runtime:
        return make_runtime(self.config, self.transport, nav=self.nav, store=self.store, user=self.user)

    async def append_config(self, text: str) -> None:
        """Add TOML to the config file and reload it: how a person changes a field map, without code."""
        with self.config_path.open("a", encoding="utf-8") as f:
            f.write("\n" + text)
        self.config = load_config(self.config_path)
        await self.runtime.aclose()
        self.runtime = self._runtime()

    async def sync(self) -> RunReport:
        """One run, as ``graphsync sync`` makes it."""
        return await self.runtime.sync(self.target, RunSettings())

    async def outlook(
        self, method: str, path: str, *, body: dict[str, Any] | None = None, params: dict[str, str] | None = None
    ) -> Any:
        """A request as the user's Outlook would make it, straight to the Graph API (not through graphsync)."""
        response = await self.client.request(
            method,
            path.lstrip("/"),
            json=body,
            params=params,
            headers={"Authorization": f"Bearer {await SandboxTokenSource(self.user).token()}"},
        )
        if response.status_code >= 300:
            raise GraphError(response.text, status=response.status_code, method=method, url=path)
        return response.json() if response.content else None


def make_runtime(
    config: Config, transport: httpx.AsyncBaseTransport, *, nav: EmbeddedNav, store: StateStore, user: str
) -> Runtime:
    """The runtime a demo run uses: the config's, with Graph served in-process and the demo's user as the
    signed-in person (no keyring is read)."""
    return Runtime(
        config,
        connections=Connections(graph_transport=transport),
        nav=nav,
        store=store,
        tokens={None: SandboxTokenSource(user)},
    )


@contextlib.asynccontextmanager
async def open_world(workdir: Path, *, force: bool = False) -> AsyncIterator[DemoWorld]:
    """Create the company, the sandbox's data file and the config in ``workdir``, serve the sandbox in-process,
    and close everything after (the files stay)."""
    prepare_folder(workdir, force=force)
    config_path = workdir / CONFIG_FILE
    config_path.write_text(CONFIG_TEMPLATE.format(user=DEMO_USER), encoding="utf-8")
    config = load_config(config_path)
    assert config.graph.sandbox_data is not None
    nav = EmbeddedNav.create(config.nav.embedded.path if config.nav.embedded else workdir / NAV_FILE, demo=True)
    attached = AttachedSandbox(config.graph.sandbox_data, wanted=config.graph.base_url)
    attached.state.seed_user(DEMO_USER, display_name="Ester Henderson")
    store = StateStore(config.state.path)
    runtime = make_runtime(config, attached.transport, nav=nav, store=store, user=DEMO_USER)
    try:
        async with httpx.AsyncClient(transport=attached.transport, base_url=config.graph.base_url + "/") as client:
            target = await runtime.target(None)
            world = DemoWorld(
                workdir=workdir,
                config_path=config_path,
                config=config,
                nav=nav,
                sandbox=attached.state,
                transport=attached.transport,
                client=client,
                store=store,
                runtime=runtime,
                target=target,
            )
            try:
                yield world
            finally:
                await world.runtime.aclose()
    finally:
        await runtime.aclose()
        store.close()
        nav.close()
        attached.close()
