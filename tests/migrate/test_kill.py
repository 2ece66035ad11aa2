"""A migration killed with SIGKILL and run again: never a duplicate, and the run after finds nothing to do.

The add-in link migration (and a rollback) run as real processes of scripts/*.py against the sandbox served on
a loopback port in this process (its state outlives the killed process); each is killed at each of its writes
to Graph in turn, held before the sandbox handles the write or after it did (the answer lost), as
tests/reliability does for `graphsync sync`."""

from __future__ import annotations

import json
import shutil
import sys
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from graphsync.demo.addin import stage_addin_items
from graphsync.engine.state import StateStore
from graphsync.migrate.addin.setup import propose
from graphsync.migrate.addin.tables import read_setup
from graphsync.nav.embedded import EmbeddedNav
from graphsync.sandbox import SandboxState
from tests.migrate.conftest import EH, NAV_KEY, SCRIPTS, nav_key_of
from tests.reliability.harness import World, config_text, serve_sandbox, subprocess_env

EH_KEYS = {"5050:CT100006", "5050:CT200116", "5050:CT200118", "5080:TD000001"}


@dataclass
class ScriptWorld(World):
    """The reliability harness's world, running a script instead of ``graphsync``."""

    script: str = "migrate_addin.py"

    def command(self, *args: str) -> list[str]:
        if args and args[0] == "sync":
            return [sys.executable, "-m", "graphsync", "--config", str(self.config), *args]
        head = list(args[:1]) if self.script == "migrate_addin.py" else []
        rest = args[1:] if head else args
        return [sys.executable, str(SCRIPTS / self.script), *head, "--config", str(self.config), *rest]

    def get(self, url: str) -> Any:
        headers = {"Authorization": f"Bearer sandbox:{EH}", "Prefer": 'IdType="ImmutableId"'}
        with httpx.Client(base_url=f"{self.base_url}/v1.0", headers=headers) as client:
            response = client.get(url)
            assert response.status_code == 200, response.text
            return response.json()

    def stamped(self) -> tuple[Counter[str], int]:
        """Items per NAV key stamped on them, and how many contacts are left in the default folder."""
        expand = f"?$top=999&$expand=singleValueExtendedProperties($filter=id eq '{NAV_KEY}')"
        items = list(self.get(f"/me/events{expand}")["value"])
        for folder in self.get("/me/contactFolders")["value"]:
            items += self.get(f"/me/contactFolders/{folder['id']}/contacts{expand}")["value"]
        default = self.get(f"/me/contacts{expand}")["value"]
        keys = Counter(k for item in [*items, *default] if (k := nav_key_of(item)))
        return keys, len(default)


@pytest.fixture
def make_world(tmp_path: Path, company: Path) -> Iterator[Any]:
    worlds: list[Any] = []

    def make(name: str) -> ScriptWorld:
        root = tmp_path / name
        root.mkdir()
        shutil.copyfile(company, root / "nav.sqlite")
        state = SandboxState.seeded(EH, "lt@contoso.com")
        with EmbeddedNav(root / "nav.sqlite") as nav:
            stage_addin_items(nav, state)
            entities = propose(read_setup(nav), nav.table_def).groups[0].toml()
        serving = serve_sandbox(state)
        url, switch = serving.__enter__()
        worlds.append(serving)
        w = ScriptWorld(root, url, switch, state, subprocess_env(root))
        w.config.write_text(config_text(url, extra=entities), encoding="utf-8")
        return w

    yield make
    for serving in worlds:
        serving.__exit__(None, None, None)


def finished(world: ScriptWorld, *args: str) -> dict[str, Any]:
    result = world.run(*args, "--json")
    assert result.code == 0, (result.stdout[-2000:], result.stderr[-2000:])
    assert "Traceback" not in result.stderr
    return dict(json.loads(result.stdout))


@pytest.mark.parametrize("after", [False, True], ids=["before-handled", "answer-lost"])
def test_links_killed_at_each_write_then_run_again_leave_no_duplicate(make_world: Any, after: bool) -> None:
    k = 1
    while True:
        world: ScriptWorld = make_world(f"{int(after)}-{k}")
        killed = world.run("links", "--apply", "--json", kill_at_request=k, writes_only=True, after=after)
        if not killed.killed:
            assert k > 3, "the migration writes a folder, a list, the copies and stamps, and the deletes"
            return
        report = finished(world, "links", "--apply")
        assert {r["result"] for r in report["rows"]} <= {"done", "already done"}
        keys, left = world.stamped()
        assert set(keys) == EH_KEYS and set(keys.values()) == {1}, (k, keys)
        assert left == 0, "every original was deleted once its copy existed"
        with StateStore(world.state_path) as store:
            assert {link.nav_key for link in store.mailbox(EH).links.all()} == EH_KEYS
        again = finished(world, "links", "--apply")
        assert {r["result"] for r in again["rows"]} == {"already done"}
        sync = world.sync("--json")
        data = json.loads(sync.stdout)
        assert all(e["outlook"]["created"] == 0 and e["nav"]["created"] == 0 for e in data["entities"].values())
        k += 1


def test_rollback_killed_halfway_then_run_again_deletes_each_created_item_once(make_world: Any) -> None:
    world: ScriptWorld = make_world("rollback")
    finished(world, "links", "--apply")
    world.config.write_text(
        world.config.read_text().replace("[entities.CONT_SP]\nenabled = false", "[entities.CONT_SP]\nenabled = true")
    )
    world.sync()  # creates the seven salespeople's contacts
    keys, _ = world.stamped()
    assert len(keys) == len(EH_KEYS) + 7
    world.script = "rollback.py"
    killed = world.run("--mode", "delete", "--apply", kill_at_request=1, writes_only=True, after=True)
    assert killed.killed
    report = finished(world, "--mode", "delete", "--apply")
    assert all(r["result"] == "done" for r in report["rows"])
    keys, _ = world.stamped()
    assert not keys
    contacts = [
        c
        for f in world.get("/me/contactFolders")["value"]
        for c in world.get(f"/me/contactFolders/{f['id']}/contacts")["value"]
    ]
    assert sorted(c["displayName"] for c in contacts) == ["A. Gibson's Law Firm", "David Oliver Lawrence", "Lori Kane"]
    again = finished(world, "--mode", "delete", "--apply")
    assert again["rows"] == []
