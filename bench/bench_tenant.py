"""Tenant-wide runs: many mailboxes under Outlook's per-mailbox limits, in one process and on Celery workers.

The tenant: 40 salespeople (--quick: 8), each with a world of 500 items of their own (--quick: 100): 400
contacts (one company per five, the rest its persons; 80 with --quick), 50 meetings and 50 tasks (10 and 10),
all theirs, so each mailbox syncs its own 500 (contacts by the condition ``"Salesperson Code" = "@owner"``,
salespeople not synced). The sandbox runs in its own process on a loopback port with 20 ms added to every
request and Outlook's per-mailbox limits on: 4 concurrent requests and a window scaled so that a mailbox's
initial load spans five windows, 100 requests per 2 s (--quick: 20 per 1 s), so a mailbox's ceiling is 50
writes per second (--quick: 20); graphsync's request budget is set to the window, as `[graph]
request_budget` is to Graph's 10,000 per 600 s.

Measured, each in a fresh process of its own (its CPU and peak memory its own) against a fresh sandbox:

- `sync --all-mailboxes` (`graphsync.runtime.tenant.run_tenant`, the command's library) at several
  ``--concurrency`` values: the initial load of every mailbox, then 1% of each mailbox's records changed in
  NAV and another 1% of its items in Outlook, and the run that syncs them;
- the same load with fewer mailboxes at the default concurrency (does CPU per item grow with the tenant?);
- one and two `graphsync worker` processes (Celery; PostgreSQL state, Redis broker), the same initial load
  and 1% run, the workers' CPU read from /proc;
- the busy core: the same initial load, every mailbox at once, against a sandbox without limits or added
  latency, so that graphsync's process never waits for Outlook's limits (its CPU share of the wall time is
  printed).

Printed: mailboxes per minute, writes per second and their ratio to the summed ceilings of the mailboxes
being synced at once (min(concurrency, mailboxes) x a mailbox's ceiling), CPU per item (with and without the
embedded NAV company's share: against a real NAV that work is the NAV server's), peak memory, and the number
of mailboxes one core keeps at Graph's real per-mailbox ceiling (10,000 requests per 600 s = 16.7 writes
per second): 1 s / (CPU per item x 16.7), with the CPU per item of the busy core. A core keeping that many
mailboxes at their ceiling is busy all the time; the paced runs keep it busy a tenth to a half of the time,
and on a virtual machine the same work costs a quarter to a half more CPU when it comes in short bursts
between waits than when it runs without pause (bench/README.md, "tenant": the two runs make the same
requests and the same Python calls, within 1%). The paced runs' figure is printed too
(``mailboxes_per_core_from_the_paced_runs``).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import math
import os
import secrets
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import _common as c
import httpx

from graphsync.connectors.nav import NavTable
from graphsync.nav.embedded import EmbeddedNav

GRAPH_CEILING = 10_000 / 600
"""Writes per second Graph allows one app in one mailbox (10,000 requests per 600 s): what a mailbox
"at its ceiling" asks of graphsync's CPU."""
LATENCY = 0.020
CONCURRENT = 4
UNLIMITED = (1_000_000, 1.0)
"""graphsync's request budget for the busy core's run, whose sandbox has no limits: never waited for."""


def _shape(quick: bool) -> dict[str, Any]:
    if quick:
        return {"mailboxes": 8, "size": c.WorldSize(80, 10, 10), "window": (20, 1.0), "concurrency": (2, 8)}
    return {"mailboxes": 40, "size": c.WorldSize(400, 50, 50), "window": (100, 2.0), "concurrency": (4, 8, 16, 40)}


# ---------------------------------------------------------------------- the tenant's NAV company


def _codes(count: int) -> list[str]:
    return [f"T{n:02d}" for n in range(1, count + 1)]


def _upn(code: str) -> str:
    return f"{code.lower()}@contoso.com"


def build_company(path: Path, mailboxes: int, size: c.WorldSize) -> None:
    """Salespeople T01.. each with bench/_common.py's world of their own."""
    today = dt.date.today()
    with EmbeddedNav.create(path, demo=False) as nav:
        for code in _codes(mailboxes):
            c.fill_salesperson(nav, size, today, code=code, name=f"Seller {code}", email=_upn(code))
        c.log_changes(nav)


def config_text(base_url: str, window: tuple[int, float], *, state: str) -> str:
    return (
        '[nav]\nkind = "embedded"\npath = "nav.sqlite"\n\n'
        f'[graph]\nkind = "sandbox"\nbase_url = "{base_url}/v1.0"\n'
        f"request_budget = {window[0]}\nrequest_budget_seconds = {window[1]}\n\n"
        f"[state]\n{state}\n\n"
        '[entities.CONT_COMP]\ncondition = { "Salesperson Code" = "@owner" }\n\n'
        '[entities.CONT_PERS]\ncondition = { "Salesperson Code" = "@owner" }\n\n'
        "[entities.CONT_SP]\nenabled = false\n"
    )


async def prepare_sandbox(base_url: str, window: tuple[int, float], mailboxes: int, *, limits: bool = True) -> None:
    """The tenant's salespeople as the sandbox's users (Graph answers 404 for a mailbox that does not exist)
    and (``limits``) Outlook's per-mailbox limits and the added latency."""
    await c.seed_users(*(_upn(code) for code in _codes(mailboxes)), base_url=f"{base_url}/v1.0")
    if not limits:
        return
    async with c.control(base_url) as ctl:
        await c.put(ctl, "/limits", {"concurrent": CONCURRENT, "windowRequests": window[0], "windowSeconds": window[1]})
        await c.put(ctl, "/faults", {"latency": LATENCY})


# ---------------------------------------------------------------------- 1% changed on each side


async def make_changes(nav_path: Path, base_url: str, upns: list[str], share: float) -> int:
    """``share`` of each mailbox's contacts changed in NAV (their phone) and as many other contacts in Outlook
    (their business phone, as a person's Outlook would); how many changes in all."""
    changed = 0
    with EmbeddedNav(nav_path) as nav:
        by_owner: dict[str, list[tuple[str, ...]]] = {}
        for record in nav.find(NavTable.CONTACT, {}):
            by_owner.setdefault(str(record.fields["Salesperson Code"]), []).append(record.key)
        for upn in upns:
            keys = by_owner.get(upn.split("@")[0].upper(), [])
            for key in keys[: max(1, int(len(keys) * share))]:
                nav.modify(NavTable.CONTACT, key, {"Phone No.": "+44 20 0000 0001"}, if_match="*")
                changed += 1
    headers = {"Authorization": "Bearer sandbox-app"}
    async with httpx.AsyncClient(base_url=f"{base_url}/v1.0", headers=headers, timeout=120) as client:
        for upn in upns:
            folders = await _graph(client, "GET", f"/users/{upn}/contactFolders")
            folder = next(f["id"] for f in folders["value"] if f["displayName"] == "Dynamics NAV")
            contacts: list[dict[str, Any]] = []
            url: str | None = f"/users/{upn}/contactFolders/{folder}/contacts?$top=1000"
            while url:
                page = await _graph(client, "GET", url)
                contacts.extend(page["value"])
                url = page.get("@odata.nextLink")
            contacts.sort(key=lambda item: str(item.get("displayName")))
            count = max(1, int(len(contacts) * share))
            for item in contacts[-count:]:  # the other end from NAV's: no item changed on both sides
                body = {"businessPhones": ["+44 20 0000 0002"]}
                await _graph(client, "PATCH", f"/users/{upn}/contacts/{item['id']}", body)
                changed += 1
    return changed


async def _graph(client: httpx.AsyncClient, method: str, url: str, body: dict[str, Any] | None = None) -> Any:
    """A request as a person's Outlook makes it, under the same per-mailbox limits: a 429 is waited out."""
    while True:
        response = await client.request(method, url, json=body)
        if response.status_code == 429:
            await asyncio.sleep(float(response.headers.get("Retry-After", "1")))
            continue
        response.raise_for_status()
        return response.json() if response.content else None


# ---------------------------------------------------------------------- one process: sync --all-mailboxes


def _status_kib(field: str, pid: str = "self") -> int | None:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith(f"{field}:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def _reset_peak() -> None:
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as refs:
            refs.write("5")
    except OSError:
        pass


async def _tenant_run(root: Path, nav: c.TimedNav, upns: list[str] | None, concurrency: int) -> dict[str, Any]:
    from graphsync.config import load_config
    from graphsync.runtime.mailboxes import tenant_mailboxes
    from graphsync.runtime.tenant import run_tenant
    from graphsync.runtime.wiring import Runtime

    config = load_config(root / "graphsync.toml")
    async with Runtime(config, nav=nav) as rt:  # type: ignore[arg-type]
        mailboxes = tenant_mailboxes(config, rt.nav, users=upns or ())
        _reset_peak()
        before = _status_kib("VmRSS") or 0
        wall, cpu, nav_cpu = time.perf_counter(), time.process_time(), nav.cpu
        tenant = await run_tenant(rt, mailboxes, concurrency=concurrency)
        cpu, wall, nav_cpu = time.process_time() - cpu, time.perf_counter() - wall, nav.cpu - nav_cpu
        peak = _status_kib("VmHWM") or 0
    statuses: dict[str, int] = {}
    for outcome in tenant.outcomes:
        statuses[outcome.status.value] = statuses.get(outcome.status.value, 0) + 1
    failed = [o for o in tenant.outcomes if o.report is None or not o.report.ok]
    if failed:
        o = failed[0]
        why = o.error or (o.report.errors[:1] if o.report else None)
        raise RuntimeError(f"{len(failed)} mailboxes did not finish cleanly; first: {o.upn} {o.status.value}: {why}")
    return {
        "mailboxes": len(mailboxes),
        "items_written": sum(c.writes(o.report) for o in tenant.outcomes if o.report),
        "wall_seconds": round(wall, 2),
        "cpu_seconds": round(cpu, 2),
        "nav_cpu_seconds": round(nav_cpu, 2),
        "rss_before_mib": round(before / 1024, 1),
        "peak_rss_growth_mib": round((peak - before) / 1024, 1),
        "mailbox_seconds_median": round(statistics.median(o.seconds for o in tenant.outcomes), 2),
        "statuses": statuses,
    }


def _warm_up() -> None:
    """Import what a run imports on first use (the Graph SDK's pipeline, the engine), so that the measured
    CPU is the runs' and not a second of imports spread over their items."""
    import graphsync.auth.factory
    import graphsync.engine.sync
    import graphsync.graph.mailbox
    import graphsync.graph.pipeline
    import graphsync.graph.transport
    import graphsync.runtime.scoped
    import graphsync.runtime.tenant  # noqa: F401
    from graphsync.graph.pipeline import GraphPipeline

    del GraphPipeline


async def _worker(args: dict[str, Any]) -> dict[str, Any]:
    _warm_up()
    root = Path(args["root"])
    nav = c.TimedNav(EmbeddedNav(root / "nav.sqlite"))
    try:
        figures: dict[str, Any] = {"reference_loop_seconds": _reference_loop()}
        figures["initial_load"] = await _tenant_run(root, nav, args["upns"], args["concurrency"])
        upns = args["upns"] or [_upn(code) for code in _codes(args["mailboxes"])]
        figures["initial_load"]["graph_requests_per_mailbox"] = await _requests_per_mailbox(args["base_url"], upns)
        if args["changes"]:
            changed = await make_changes(root / "nav.sqlite", args["base_url"], upns, 0.01)
            figures["incremental"] = await _tenant_run(root, nav, args["upns"], args["concurrency"])
            figures["incremental"]["changes"] = changed
    finally:
        nav.close()
    return figures


async def _requests_per_mailbox(base_url: str, upns: list[str]) -> int:
    """The median of the mailboxes' Graph requests so far, as the sandbox's throttling counted them."""
    return int(statistics.median([sum((await c.request_counts(base_url, upn)).values()) for upn in upns]))


def _fastest(window: tuple[int, float], requests: int) -> float:
    """The earliest a mailbox's ``requests`` can all be let in, from an idle window (bench_load's measure):
    a window's worth at once, then one more each window length."""
    return window[1] * ((requests - 1) // window[0])


def _reference_loop() -> float:
    started = time.process_time()
    total = 0
    for i in range(3_000_000):
        total += i * i
    return round(time.process_time() - started, 3)


def _derive(run: dict[str, Any], *, concurrency: int, ceiling: float, fastest: float) -> dict[str, Any]:
    """Rates and ratios of a run's raw figures."""
    wall, cpu, nav_cpu = run["wall_seconds"], run["cpu_seconds"], run["nav_cpu_seconds"]
    written = run["items_written"]
    at_once = min(concurrency, run["mailboxes"])
    rate = written / wall
    out = {
        **run,
        "mailboxes_per_minute": round(run["mailboxes"] / wall * 60, 1),
        "writes_per_second": round(rate, 1),
        "cpu_us_per_item": round(cpu / max(written, 1) * 1e6, 1),
        "cpu_us_per_item_without_nav": round((cpu - nav_cpu) / max(written, 1) * 1e6, 1),
        "cpu_share_of_wall": round(cpu / wall, 2),
        "cpu_ms_per_mailbox": round(cpu / run["mailboxes"] * 1000, 1),
    }
    if ceiling:
        waves = math.ceil(run["mailboxes"] / at_once)
        out["summed_ceiling_writes_per_second"] = round(at_once * ceiling, 1)
        out["ratio_to_summed_ceiling"] = round(rate / (at_once * ceiling), 3)
        out["fastest_possible_seconds"] = round(waves * fastest, 1)
        out["ratio_to_fastest_possible"] = round(waves * fastest / wall, 3) if fastest else None
        out["cpu_allows_writes_per_second"] = round(1e6 / out["cpu_us_per_item"], 1)
    return out


def _one_process(
    company: Path,
    tmp: Path,
    shape: dict[str, Any],
    concurrency: int,
    *,
    upns: list[str] | None,
    limits: bool = True,
) -> dict[str, Any]:
    """One measured run in a worker process of its own; ``limits`` False: the busy core's (no sandbox limits or
    latency, the initial load only)."""
    root = tmp / f"one-{concurrency}-{len(upns or []) or shape['mailboxes']}{'' if limits else '-busy'}"
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir()
    shutil.copyfile(company, root / "nav.sqlite")
    window = shape["window"] if limits else UNLIMITED
    with c.sandbox_process() as base_url:
        c.run_async(prepare_sandbox(base_url, window, shape["mailboxes"], limits=limits))
        (root / "graphsync.toml").write_text(config_text(base_url, window, state='path = "state.sqlite"'), "utf-8")
        args = {
            "root": str(root),
            "base_url": base_url,
            "upns": upns,
            "concurrency": concurrency,
            "mailboxes": shape["mailboxes"],
            "changes": upns is None and limits,
        }
        done = subprocess.run(
            [sys.executable, __file__, "--worker", json.dumps(args)], capture_output=True, text=True, check=False
        )
    if done.returncode != 0:
        raise RuntimeError(f"the tenant benchmark's worker failed:\n{done.stderr[-5000:]}")
    figures: dict[str, Any] = json.loads(done.stdout)
    ceiling = window[0] / window[1] if limits else 0
    fastest = _fastest(window, figures["initial_load"]["graph_requests_per_mailbox"])
    out = {"concurrency": concurrency, "reference_loop_seconds": figures["reference_loop_seconds"]}
    out["initial_load"] = _derive(figures["initial_load"], concurrency=concurrency, ceiling=ceiling, fastest=fastest)
    if "incremental" in figures:
        out["incremental"] = _derive(figures["incremental"], concurrency=concurrency, ceiling=0, fastest=0)
    return out


# ---------------------------------------------------------------------- Celery workers


def _postgres_admin() -> str | None:
    import psycopg

    urls = (
        [os.environ["GRAPHSYNC_TEST_POSTGRES"]]
        if os.environ.get("GRAPHSYNC_TEST_POSTGRES")
        else [
            "postgresql://postgres@127.0.0.1:5432/postgres",
            "postgresql://root@127.0.0.1:5432/postgres",
        ]
    )
    for url in urls:
        try:
            with psycopg.connect(url, connect_timeout=3, autocommit=True) as conn:
                conn.execute("SELECT 1")
            return url
        except psycopg.Error:
            continue
    return None


def _redis_url() -> str | None:
    import redis

    url = os.environ.get("GRAPHSYNC_TEST_REDIS") or "redis://127.0.0.1:6379/0"
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=3)
        client.ping()
        client.close()
        return url
    except redis.RedisError:
        return None


def _proc_cpu(pid: int) -> float:
    with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def _finished_runs(state_url: str) -> tuple[int, int]:
    import sqlalchemy as sa

    engine = sa.create_engine(state_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                sa.text("SELECT status, count(*) FROM runs WHERE finished_at IS NOT NULL GROUP BY status")
            )
            counts = {r[0]: int(r[1]) for r in rows}
    except sa.exc.ProgrammingError:  # no table yet
        return 0, 0
    finally:
        engine.dispose()
    return sum(counts.values()), sum(v for k, v in counts.items() if k != "ok")


def _celery(company: Path, tmp: Path, shape: dict[str, Any], workers: int, concurrency: int) -> dict[str, Any]:
    import psycopg

    admin, redis_url = _postgres_admin(), _redis_url()
    if admin is None or redis_url is None:
        missing = " and ".join(n for n, v in (("PostgreSQL", admin), ("Redis", redis_url)) if v is None)
        return {"skipped": f"needs {missing} (GRAPHSYNC_TEST_POSTGRES / GRAPHSYNC_TEST_REDIS)"}
    root = tmp / f"celery-{workers}"
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir()
    shutil.copyfile(company, root / "nav.sqlite")
    database = f"graphsync_bench_{secrets.token_hex(5)}"
    queue = f"graphsync-bench-{secrets.token_hex(5)}"
    prefix = f"{queue}:"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {database}")
    parts = httpx.URL(admin)
    state_url = f"postgresql+psycopg://{parts.username}@{parts.host}:{parts.port or 5432}/{database}"
    state = f'url = "{state_url}"'
    if parts.password:  # by reference, as a config must; the workers inherit this process's environment
        os.environ["GS_BENCH_STATE_PASSWORD"] = parts.password
        state += '\npassword = "env:GS_BENCH_STATE_PASSWORD"'
        state_url = f"postgresql+psycopg://{parts.userinfo.decode()}@{parts.host}:{parts.port or 5432}/{database}"
    window = shape["window"]
    procs: list[subprocess.Popen[bytes]] = []
    try:
        with c.sandbox_process() as base_url:
            c.run_async(prepare_sandbox(base_url, window, shape["mailboxes"]))
            (root / "graphsync.toml").write_text(
                config_text(base_url, window, state=state)
                + f'\n[distributed]\nbroker_url = "{redis_url}"\nqueue = "{queue}"\nkey_prefix = "{prefix}"\n',
                "utf-8",
            )
            command = [sys.executable, "-m", "graphsync", "--config", str(root / "graphsync.toml")]
            for n in range(workers):
                log = (root / f"worker{n}.log").open("wb")
                procs.append(
                    subprocess.Popen(
                        [*command, "worker", "--concurrency", str(concurrency), "--name", f"bench{n}@bench"],
                        stdout=log,
                        stderr=subprocess.STDOUT,
                        cwd=root,
                    )
                )
                log.close()
            deadline = time.monotonic() + 120
            while not all("ready" in (root / f"worker{n}.log").read_text("utf-8", "replace") for n in range(workers)):
                if time.monotonic() > deadline or any(p.poll() is not None for p in procs):
                    logs = "\n".join((root / f"worker{n}.log").read_text("utf-8", "replace")[-2000:] for n in range(2))
                    raise RuntimeError(f"the Celery workers did not start:\n{logs}")
                time.sleep(0.2)
            from graphsync.config import load_config
            from graphsync.distributed.app import celery_app, enqueue
            from graphsync.runtime.mailboxes import tenant_mailboxes
            from graphsync.runtime.wiring import RunSettings

            config = load_config(root / "graphsync.toml")
            app = celery_app(config)
            with EmbeddedNav(root / "nav.sqlite") as nav:
                mailboxes = tenant_mailboxes(config, nav)
            out: dict[str, Any] = {"workers": workers, "concurrency_per_worker": concurrency}
            upns = [_upn(code) for code in _codes(shape["mailboxes"])]
            ceiling = window[0] / window[1]
            for phase, expected in (("initial_load", len(upns)), ("incremental", 2 * len(upns))):
                changed = 0
                if phase == "incremental":
                    changed = c.run_async(make_changes(root / "nav.sqlite", base_url, upns, 0.01))
                cpu = sum(_proc_cpu(p.pid) for p in procs)
                wall = time.perf_counter()
                deadline = time.monotonic() + 1800
                # As `graphsync enqueue --all-mailboxes` does, in this process (a command's start-up is not the
                # workers' time).
                enqueue(app, config, mailboxes, RunSettings())
                while (done := _finished_runs(state_url))[0] < expected:
                    if time.monotonic() > deadline:
                        raise RuntimeError("the Celery runs did not finish")
                    time.sleep(0.1)
                wall = time.perf_counter() - wall
                cpu = sum(_proc_cpu(p.pid) for p in procs) - cpu
                items = _items_written(state_url, phase)
                if phase == "initial_load":
                    requests = c.run_async(_requests_per_mailbox(base_url, upns))
                run = {
                    "mailboxes": len(upns),
                    "items_written": items,
                    "wall_seconds": round(wall, 2),
                    "cpu_seconds": round(cpu, 2),
                    "nav_cpu_seconds": 0.0,
                    "not_ok_runs": done[1],
                    "worker_peak_rss_mib": [round((_status_kib("VmHWM", str(p.pid)) or 0) / 1024, 1) for p in procs],
                }
                if changed:
                    run["changes"] = changed
                else:
                    run["graph_requests_per_mailbox"] = requests
                derived = _derive(
                    run,
                    concurrency=workers * concurrency,
                    ceiling=ceiling if phase == "initial_load" else 0,
                    fastest=_fastest(window, requests),
                )
                derived.pop("cpu_us_per_item_without_nav")  # the workers' NAV share is not timed apart
                out[phase] = derived
            return out
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
        _delete_redis_keys(redis_url, prefix)


def _items_written(state_url: str, phase: str) -> int:
    import sqlalchemy as sa

    engine = sa.create_engine(state_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(sa.text("SELECT mailbox, counts FROM runs WHERE finished_at IS NOT NULL ORDER BY id"))
            latest: dict[str, dict[str, int]] = {}
            for mailbox, counts in rows:
                latest[mailbox] = json.loads(counts)
    finally:
        engine.dispose()
    return sum(v for counts in latest.values() for k, v in counts.items() if k.startswith(("nav_", "outlook_")))


def _delete_redis_keys(url: str, prefix: str) -> None:
    import redis

    client = redis.Redis.from_url(url)
    try:
        for key in client.scan_iter(match=f"{prefix}*", count=1000):
            client.delete(key)
    finally:
        client.close()


# ---------------------------------------------------------------------- the benchmark


def run(*, quick: bool) -> dict[str, Any]:
    shape = _shape(quick)
    window = shape["window"]
    size: c.WorldSize = shape["size"]
    results: dict[str, Any] = {
        "tenant": f"{shape['mailboxes']} mailboxes x {size.items} items",
        "window": f"{window[0]} requests per {window[1]} s per mailbox, {CONCURRENT} concurrent",
        "latency_ms": LATENCY * 1000,
        "mailbox_ceiling_writes_per_second": window[0] / window[1],
    }
    with c.scratch() as scratch:
        tmp = Path(scratch)
        company = tmp / "tenant.sqlite"
        started = time.perf_counter()
        build_company(company, shape["mailboxes"], size)
        results["nav_company_build_seconds"] = round(time.perf_counter() - started, 1)
        one = {f"concurrency={n}": _one_process(company, tmp, shape, n, upns=None) for n in shape["concurrency"]}
        results["one_process"] = one
        default = _default_concurrency()
        fewer = [_upn(code) for code in _codes(shape["mailboxes"] // 4)]
        results["fewer_mailboxes"] = _one_process(company, tmp, shape, default, upns=fewer)
        results["busy_core"] = _one_process(company, tmp, shape, shape["mailboxes"], upns=None, limits=False)
        results["celery"] = {f"workers={n}": _celery(company, tmp, shape, n, default) for n in (1, 2)}
    results["summary"] = _summary(results, default)
    return results


def _default_concurrency() -> int:
    from graphsync.runtime.tenant import DEFAULT_CONCURRENCY

    return DEFAULT_CONCURRENCY


def _summary(results: dict[str, Any], default: int) -> dict[str, Any]:
    loads = {int(name.split("=")[1]): r["initial_load"] for name, r in results["one_process"].items()}
    without_nav = statistics.median(r["cpu_us_per_item_without_nav"] for r in loads.values())
    with_nav = statistics.median(r["cpu_us_per_item"] for r in loads.values())
    fewer = results["fewer_mailboxes"]["initial_load"]
    busy = results["busy_core"]["initial_load"]
    summary: dict[str, Any] = {
        "by_concurrency": {
            n: {
                "writes_per_second": r["writes_per_second"],
                "ratio_to_summed_ceiling": r["ratio_to_summed_ceiling"],
                "ratio_to_fastest_possible": r["ratio_to_fastest_possible"],
                "cpu_share_of_wall": r["cpu_share_of_wall"],
                "peak_rss_growth_mib": r["peak_rss_growth_mib"],
            }
            for n, r in sorted(loads.items())
        },
        "cpu_us_per_item_median": with_nav,
        "cpu_us_per_item_without_nav_median": without_nav,
        "busy_core_cpu_share_of_wall": busy["cpu_share_of_wall"],
        "busy_core_cpu_us_per_item_without_nav": busy["cpu_us_per_item_without_nav"],
        "busy_core_cpu_us_per_item": busy["cpu_us_per_item"],
        "mailboxes_per_core_at_graph_ceiling": round(1e6 / (busy["cpu_us_per_item_without_nav"] * GRAPH_CEILING)),
        "mailboxes_per_core_at_graph_ceiling_with_embedded_nav": round(1e6 / (busy["cpu_us_per_item"] * GRAPH_CEILING)),
        "mailboxes_per_core_from_the_paced_runs": round(1e6 / (without_nav * GRAPH_CEILING)),
    }
    if default in loads:
        summary["cpu_per_item_ratio_all_to_quarter_of_mailboxes"] = round(
            loads[default]["cpu_us_per_item_without_nav"] / fewer["cpu_us_per_item_without_nav"], 2
        )
    return summary


if __name__ == "__main__":
    if sys.argv[1:2] == ["--worker"]:
        print(json.dumps(asyncio.run(_worker(json.loads(sys.argv[2])))))
    else:
        print(json.dumps(run(quick="--quick" in sys.argv), indent=2))
