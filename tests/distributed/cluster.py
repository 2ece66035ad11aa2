"""A graphsync cluster for the tests: the sandbox on a loopback port in the test process, an embedded NAV
company with 20 salespeople (so 20 mailboxes), the state store on the real PostgreSQL server, Celery's
broker and result backend on the real Redis (or RabbitMQ) server, and real `graphsync worker` and
`graphsync beat` processes that can be stopped or killed with SIGKILL."""

from __future__ import annotations

import datetime as dt
import json
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import httpx
import sqlalchemy as sa

from graphsync.connectors.nav import NavTable
from graphsync.engine.state import StateStore, schema
from graphsync.nav.embedded import EmbeddedNav
from graphsync.sandbox import Faults, SandboxState
from tests.reliability.harness import Outlook, duplicates, subprocess_env
from tests.services import state_toml

EXTRA_SALESPEOPLE = 13
"""CRONUS has 7 salespeople with an e-mail; these make 20 mailboxes."""


def make_company(path: Path) -> list[str]:
    """CRONUS plus salespeople S01..S13 (sNN@contoso.com), and a task of each salesperson's own; the
    mailboxes, sorted."""
    with EmbeddedNav.create(path, demo=True) as nav:
        for n in range(1, EXTRA_SALESPEOPLE + 1):
            code = f"S{n:02d}"
            nav.insert(
                NavTable.SALESPERSON, {"Code": code, "Name": f"Seller {n}", "E-Mail": f"{code.lower()}@contoso.com"}
            )
        for key in list(nav.keys(NavTable.SALESPERSON)):
            code = str(key[0])
            nav.insert(
                NavTable.TODO,
                {
                    "Type": "",
                    "Salesperson Code": code,
                    "Description": f"Call back for {code}",
                    "Date": dt.date.today() + dt.timedelta(days=3),
                },
            )
        return sorted(
            str(r.fields["E-Mail"]).lower() for r in nav.find(NavTable.SALESPERSON, {}) if r.fields.get("E-Mail")
        )


@dataclass
class Cluster:
    root: Path
    sandbox_url: str
    sandbox: SandboxState
    state_url: str
    mailboxes: list[str]
    processes: list[subprocess.Popen[str]] = field(default_factory=list)
    queue: str = ""

    @property
    def config(self) -> Path:
        return self.root / "graphsync.toml"

    def write_config(
        self, *, broker: str, backend: str | None, prefix: str, queue: str, visibility_timeout: int = 10
    ) -> None:
        backend_line = f'result_backend = "{backend}"\n' if backend else ""
        prefix_line = f'key_prefix = "{prefix}"\n' if prefix else ""
        self.queue = queue
        self.config.write_text(
            '[nav]\nkind = "embedded"\npath = "nav.sqlite"\n\n'
            f'[graph]\nkind = "sandbox"\nbase_url = "{self.sandbox_url}/v1.0"\n\n'
            f"[state]\n{state_toml(self.state_url)}\n\n"
            f'[distributed]\nbroker_url = "{broker}"\n{backend_line}queue = "{queue}"\n{prefix_line}'
            f"visibility_timeout = {visibility_timeout}\n",
            encoding="utf-8",
        )

    def env(self) -> dict[str, str]:
        return subprocess_env(self.root)

    def command(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "graphsync", "--config", str(self.config), *args]

    def start(self, *args: str, log: str) -> subprocess.Popen[str]:
        out: IO[str] = (self.root / log).open("w", encoding="utf-8")
        proc = subprocess.Popen(
            self.command(*args), cwd=self.root, env=self.env(), stdout=out, stderr=subprocess.STDOUT, text=True
        )
        out.close()
        self.processes.append(proc)
        return proc

    def worker(self, name: str, *, concurrency: int = 2) -> subprocess.Popen[str]:
        proc = self.start("worker", "--concurrency", str(concurrency), "--name", f"{name}@test", log=f"{name}.log")
        self.wait_for(lambda: "ready" in self.log(f"{name}.log"), what=f"worker {name} to start", timeout=60)
        return proc

    def run(self, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            self.command(*args), cwd=self.root, env=self.env(), capture_output=True, text=True, timeout=timeout
        )

    def enqueue_and_wait(self, *args: str, timeout: float = 240) -> dict[str, Any]:
        done = self.run("enqueue", *args, "--wait", "--timeout", str(timeout), "--json", timeout=timeout + 60)
        assert "Traceback" not in done.stderr, done.stderr
        data: dict[str, Any] = json.loads(done.stdout)
        assert data["exit_code"] == done.returncode, (data, done.stderr[-2000:])
        return data

    def log(self, name: str) -> str:
        path = self.root / name
        return path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""

    def stop(self, proc: subprocess.Popen[str], *, timeout: float = 60) -> int:
        """SIGTERM (a warm shutdown) and wait."""
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        return int(proc.returncode)

    def close(self) -> None:
        for proc in self.processes:
            if proc.poll() is None:
                proc.kill()
                proc.wait()

    @staticmethod
    def wait_for(check: Callable[[], Any], *, what: str, timeout: float = 120, every: float = 0.1) -> Any:
        deadline = time.monotonic() + timeout
        while True:
            value = check()
            if value:
                return value
            assert time.monotonic() < deadline, f"timed out waiting for {what}"
            time.sleep(every)

    def set_latency(self, seconds: float) -> None:
        self.sandbox.set_faults(Faults(latency=seconds))

    # ------------------------------------------------------------------ the state store and both sides

    def store(self) -> StateStore:
        return StateStore(self.state_url)

    def runs(self) -> list[dict[str, Any]]:
        with self.store() as store, store.engine.connect() as conn:
            rows = conn.execute(sa.select(schema.runs).order_by(schema.runs.c.id))
            return [dict(r._mapping) for r in rows]

    def lock_holders(self) -> dict[str, str]:
        with self.store() as store, store.engine.connect() as conn:
            return {r.mailbox: r.holder for r in conn.execute(sa.select(schema.locks))}

    def only_mailboxes(self, *keep: str) -> None:
        """Every other salesperson loses their e-mail address: the tenant is these mailboxes alone."""
        with self.nav() as nav:
            for record in nav.find(NavTable.SALESPERSON, {}):
                if str(record.fields.get("E-Mail") or "").lower() not in keep:
                    nav.modify(NavTable.SALESPERSON, record.key, {"E-Mail": ""}, if_match="*")

    def nav(self) -> EmbeddedNav:
        return EmbeddedNav(self.root / "nav.sqlite")

    @contextmanager
    def outlook(self, upn: str) -> Iterator[Outlook]:
        """The mailbox as its owner's Outlook sees it (a delegated sandbox token: /me is the mailbox)."""
        headers = {"Authorization": f"Bearer sandbox:{upn}", "Prefer": 'IdType="ImmutableId", odata.maxpagesize=1000'}
        with Outlook(httpx.Client(base_url=f"{self.sandbox_url}/v1.0", headers=headers, timeout=60)) as outlook:
            yield outlook

    def assert_converged(self, upn: str, *, contacts: int) -> dict[str, Any]:
        """The mailbox holds each NAV contact and salesperson once (by stamped key and by name), and its own
        salesperson's task; its contacts and tasks, by NAV key."""
        with self.outlook(upn) as outlook:
            items = outlook.contacts()
            tasks = outlook.tasks()
        keys = [c["navKey"] for c in items]
        assert not duplicates(keys), (upn, duplicates(keys))
        assert not duplicates([c["displayName"] for c in items]), (upn, duplicates([c["displayName"] for c in items]))
        assert len(items) == contacts and None not in keys, (upn, len(items), contacts)
        assert not duplicates([t["navKey"] for t in tasks]), (upn, tasks)
        return {"contacts": {c["navKey"]: c for c in items}, "tasks": {t["navKey"]: t for t in tasks}}


def expected_contacts(nav_path: Path) -> int:
    """Contacts plus salespeople: what each mailbox's folder holds once synced (no condition limits them)."""
    with EmbeddedNav(nav_path) as nav:
        return len(list(nav.keys(NavTable.CONTACT))) + len(list(nav.keys(NavTable.SALESPERSON)))


def pid_of(holder: str) -> int | None:
    parts = holder.split()
    return int(parts[1]) if len(parts) == 4 and parts[0] == "pid" else None
