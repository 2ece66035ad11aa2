"""Real `graphsync worker` processes on Redis and PostgreSQL: twenty mailboxes shared by two workers; one
worker killed with SIGKILL mid-run, its mailbox finished by the other with no duplicate and no lost edit;
beat ticks that overlap on a mailbox (one runs, one is skipped and says so); RabbitMQ by configuration."""

from __future__ import annotations

import base64
import itertools
import json
import os
import signal
import time
from collections import Counter

import pytest

from graphsync.connectors.nav import NavTable
from tests.distributed.cluster import Cluster, expected_contacts, pid_of
from tests.services import RabbitServer, RedisServer

NEW_PHONE = "+44 20 7946 0999"


def _statuses(data: dict[str, object]) -> Counter[str]:
    return Counter(str(m["status"]) for m in data["mailboxes"])  # type: ignore[attr-defined]


def test_two_workers_share_twenty_mailboxes_and_one_killed_mid_run_loses_nothing(cluster: Cluster) -> None:
    w1 = cluster.worker("w1")
    w2 = cluster.worker("w2")
    assert len(cluster.mailboxes) == 20

    # ---- every mailbox's initial load, shared by the two workers
    first = cluster.enqueue_and_wait("--all-mailboxes")
    assert first["exit_code"] == 0 and _statuses(first) == {"ok": 20}, first
    assert {m["mailbox"] for m in first["mailboxes"]} == set(cluster.mailboxes)
    assert {m["worker"] for m in first["mailboxes"]} == {"w1@test", "w2@test"}  # both worked
    contacts = expected_contacts(cluster.root / "nav.sqlite")
    for upn in cluster.mailboxes:
        cluster.assert_converged(upn, contacts=contacts)
    assert Counter((r["mailbox"], r["status"]) for r in cluster.runs()) == {(m, "ok"): 1 for m in cluster.mailboxes}

    # ---- edits on both sides, then a tenant run during which w1 is killed
    with cluster.nav() as nav:
        nav.modify(NavTable.CONTACT, ("CT100006",), {"Phone No.": NEW_PHONE}, if_match="*")
        created = nav.insert(NavTable.CONTACT, {"Type": "Company", "Name": "Brand New Trading Ltd."}).key[0]
    edited = {}
    for upn in cluster.mailboxes:
        with cluster.outlook(upn) as outlook:
            task = outlook.tasks()[0]
            title = f"{upn.split('@')[0]} edited in Outlook"
            outlook.call("PATCH", f"/me/todo/lists/{outlook.todo_list()}/tasks/{task['id']}", {"title": title})
            edited[task["navKey"]] = title
    cluster.set_latency(0.2)  # runs of a few seconds each: time to kill one in the middle
    waiting = cluster.start("enqueue", "--all-mailboxes", "--wait", "--timeout", "240", "--json", log="enqueue.json")

    def w1_mid_run() -> list[str]:
        return [box for box, holder in cluster.lock_holders().items() if pid_of(holder) == w1.pid]

    def w1_recording() -> list[str]:
        # Past the run's start record: a run holds its lock from its first request, but records itself only
        # once its containers are found (engine.sync), so a kill before then leaves no run to be interrupted.
        running = {r["mailbox"] for r in cluster.runs() if r["status"] == "running"}
        return [box for box in w1_mid_run() if box in running]

    cluster.wait_for(w1_recording, what="w1 to be in a mailbox's run", timeout=120, every=0.02)
    time.sleep(0.3)  # a few requests into its run
    held = w1_mid_run()
    w1.send_signal(signal.SIGKILL)
    w1.wait()
    assert waiting.wait(timeout=300) in (0, 1), cluster.log("enqueue.json")[-3000:]
    second = json.loads(cluster.log("enqueue.json")[cluster.log("enqueue.json").index("{") :])
    assert second["exit_code"] == 0 and _statuses(second) == {"ok": 20}, json.dumps(second["mailboxes"])[:3000]
    by_mailbox = {m["mailbox"]: m for m in second["mailboxes"]}
    statuses = {upn: [r["status"] for r in cluster.runs() if r["mailbox"] == upn] for upn in cluster.mailboxes}
    # The mailboxes w1 was in the middle of when it died (read from the runs, not from the lock check just
    # before the kill: w1 may finish one, or start another, in between).
    victims = [upn for upn, seen in statuses.items() if "interrupted" in seen]
    assert victims, (held, statuses)
    for upn in victims:
        # Its task went back to the queue when w1 died, and w2 ran it, taking over the dead worker's lock.
        assert by_mailbox[upn]["worker"] == "w2@test", by_mailbox[upn]
        assert statuses[upn] == ["ok", "interrupted", "ok"], (upn, statuses[upn])
    for upn in set(held) - set(victims):
        # Finished by w1 just before the kill, or locked by it with nothing recorded yet and run by w2.
        assert statuses[upn] == ["ok", "ok"], (upn, statuses[upn])

    # ---- no duplicate, no lost edit, every mailbox converged
    with cluster.nav() as nav:
        descriptions = {f"5080:{t.key[0]}": t.fields["Description"] for t in nav.find(NavTable.TODO, {})}
    for key, title in edited.items():
        assert descriptions[key] == title, (key, descriptions[key])
    for upn in cluster.mailboxes:
        seen = cluster.assert_converged(upn, contacts=contacts + 1)
        assert seen["contacts"]["5050:CT100006"]["businessPhones"] == [NEW_PHONE], upn
        assert f"5050:{created}" in seen["contacts"], upn
    cluster.set_latency(0.0)
    again = cluster.enqueue_and_wait("--all-mailboxes")
    assert _statuses(again) == {"ok": 20}
    assert all(not any(v for k, v in m["counts"].items() if k != "errors") for m in again["mailboxes"]), again
    assert cluster.stop(w2) == 0


def test_beat_ticks_that_overlap_on_a_mailbox_run_it_once_and_the_other_says_so(cluster: Cluster) -> None:
    cluster.only_mailboxes("eh@contoso.com")
    config = cluster.config.read_text(encoding="utf-8")
    cluster.config.write_text(config.replace("visibility_timeout = 10", "visibility_timeout = 300"), encoding="utf-8")
    worker = cluster.worker("w1", concurrency=2)
    cluster.set_latency(1.5)  # EH's initial load outlasts the beat's interval of 10 s
    beat = cluster.start(
        "beat", "--every", "10s", "--schedule-file", str(cluster.root / "beat-schedule"), log="beat.log"
    )
    skipped = "mailbox eh@contoso.com skipped: another run holds its lock"
    cluster.wait_for(lambda: skipped in cluster.log("w1.log"), what="the second tick to find EH locked", timeout=90)
    cluster.wait_for(
        lambda: any(r["status"] == "ok" for r in cluster.runs()), what="the first tick's run to finish", timeout=120
    )
    assert cluster.stop(beat) == 0
    cluster.set_latency(0.0)
    assert cluster.stop(worker) == 0
    log = cluster.log("w1.log")
    assert "mailbox eh@contoso.com: locked" in log and "tenant run: 1 mailboxes queued" in log
    runs = cluster.runs()
    assert runs[0]["status"] == "ok" and all(r["mailbox"] == "eh@contoso.com" for r in runs)
    # Never two runs of the mailbox at once: each started after the one before had finished.
    for before, after in itertools.pairwise(runs):
        assert before["finished_at"] is not None and after["started_at"] >= before["finished_at"], runs
    assert "beat: a tenant-wide run every 0:00:10" in cluster.log("beat.log")


def test_rabbitmq_is_a_broker_by_configuration_alone(cluster: Cluster, rabbitmq_server: RabbitServer) -> None:
    cluster.only_mailboxes("eh@contoso.com", "lt@contoso.com")
    cluster.write_config(broker=rabbitmq_server.url, backend="rpc://", prefix="", queue=rabbitmq_server.queue)
    worker = cluster.worker("w1")
    done = cluster.enqueue_and_wait("--all-mailboxes")
    assert done["exit_code"] == 0 and _statuses(done) == {"ok": 2}, done
    assert {m["mailbox"] for m in done["mailboxes"]} == {"eh@contoso.com", "lt@contoso.com"}
    assert cluster.stop(worker) == 0


def test_a_warm_shutdown_gives_a_running_mailbox_back_to_the_queue(cluster: Cluster) -> None:
    cluster.only_mailboxes("eh@contoso.com")
    first = cluster.worker("w1")
    cluster.set_latency(0.5)  # EH's initial load takes a while: time to stop the worker in its middle
    cluster.run("enqueue", "--user", "eh@contoso.com")
    cluster.wait_for(lambda: cluster.lock_holders(), what="w1 to start EH's run", timeout=60, every=0.05)
    time.sleep(1.5)
    assert cluster.stop(first) == 0  # SIGTERM: a warm shutdown
    assert "stopped" in [r["status"] for r in cluster.runs()], cluster.runs()
    assert "the worker is shutting down" in cluster.log("w1.log")
    cluster.set_latency(0.0)
    second = cluster.worker("w2")  # the task is in the queue again: w2 resumes the mailbox at once
    cluster.wait_for(lambda: [r for r in cluster.runs() if r["status"] == "ok"], what="w2 to finish EH", timeout=90)
    assert [r["status"] for r in cluster.runs()] == ["stopped", "ok"]
    cluster.assert_converged("eh@contoso.com", contacts=expected_contacts(cluster.root / "nav.sqlite"))
    assert cluster.stop(second) == 0


def test_a_task_carries_the_mailbox_and_the_options_and_nothing_secret(
    cluster: Cluster, redis_server: RedisServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    from graphsync.config import load_config
    from graphsync.distributed.app import celery_app, enqueue
    from graphsync.runtime import RunSettings
    from graphsync.runtime.mailboxes import MailboxSource, TenantMailbox

    secrets = {"GRAPHSYNC_BROKER_PASSWORD": "br0ker-pw", "GRAPHSYNC_DB_PASSWORD": "db-pw-123"}
    for name, value in secrets.items():
        monkeypatch.setenv(name, value)
    text = cluster.config.read_text(encoding="utf-8")
    text = text.replace("[distributed]\n", '[distributed]\nbroker_password = "env:GRAPHSYNC_BROKER_PASSWORD"\n')
    if "\npassword = " in text:  # the test server's own password, by reference already
        secrets["GS_TEST_STATE_PASSWORD"] = os.environ["GS_TEST_STATE_PASSWORD"]
    else:
        text = text.replace("[state]\n", '[state]\npassword = "env:GRAPHSYNC_DB_PASSWORD"\n')
    cluster.config.write_text(text, "utf-8")
    config = load_config(cluster.config)
    app = celery_app(config)
    app.conf.broker_url = redis_server.url  # the test server takes no password; the config's is only carried along
    mailbox = TenantMailbox("eh@contoso.com", "EH", MailboxSource.NAV)
    enqueue(app, config, [mailbox], RunSettings(dry_run=True))
    raw = _queued_messages(redis_server, cluster.queue)
    assert len(raw) == 1 and not any(value in raw[0] for value in secrets.values())
    body = json.loads(base64.b64decode(json.loads(raw[0])["body"]))
    assert body[0] == [
        {
            "mailbox": "eh@contoso.com",
            "salesperson": "EH",
            "source": "nav",
            "dry_run": True,
            "full": False,
            "allow_mass_delete": False,
            "entities": None,
        }
    ]


def _queued_messages(redis_server: RedisServer, queue: str) -> list[str]:
    import redis

    client = redis.Redis.from_url(redis_server.url)
    try:
        return [m.decode() for m in client.lrange(f"{redis_server.prefix}{queue}", 0, -1)]
    finally:
        client.close()
