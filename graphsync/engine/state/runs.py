"""Run history: each run of a mailbox, its status and counts, and its item errors."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from graphsync.engine.state._db import Database, now
from graphsync.engine.state.schema import item_errors, runs


@dataclass(frozen=True)
class RunRecord:
    id: int
    mailbox: str
    started_at: str
    finished_at: str | None
    status: str
    """``running``, ``ok``, ``attention`` (item errors or open conflicts), ``stopped``, ``failed`` or
    ``interrupted`` (killed: found still running by the next run)."""
    dry_run: bool
    counts: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ItemErrorRecord:
    run_id: int
    entity: str
    nav_key: str | None
    outlook_id: str | None
    error: str
    message: str


class Runs:
    """One mailbox's run history."""

    def __init__(self, db: Database, mailbox: str) -> None:
        self._db = db
        self._mailbox = mailbox

    def begin(self, *, dry_run: bool) -> int:
        """Record a run's start; returns its id. Called under the mailbox lock, so a run of this mailbox
        still "running" was killed: it is marked "interrupted" so that status does not show it as in progress."""
        with self._db.conn() as conn:
            conn.execute(
                runs.update()
                .where(runs.c.mailbox == self._mailbox, runs.c.status == "running")
                .values(status="interrupted", finished_at=now())
            )
            key = conn.execute(
                runs.insert().values(
                    mailbox=self._mailbox, started_at=now(), status="running", dry_run=dry_run, counts="{}"
                )
            ).inserted_primary_key
            assert key is not None
            return int(key[0])

    def finish(
        self, run_id: int, *, status: str, counts: Mapping[str, Any], errors: Iterable[ItemErrorRecord] = ()
    ) -> None:
        """Record a run's end: its status, its counts and its item errors, in one transaction."""
        rows = [
            {
                "run_id": run_id,
                "entity": e.entity,
                "nav_key": e.nav_key,
                "outlook_id": e.outlook_id,
                "error": e.error,
                "message": e.message,
            }
            for e in errors
        ]
        with self._db.transaction(), self._db.conn() as conn:
            if rows:
                conn.execute(item_errors.insert(), rows)
            conn.execute(
                runs.update()
                .where(runs.c.id == run_id)
                .values(finished_at=now(), status=status, counts=json.dumps(counts, sort_keys=True))
            )

    def recent(self, *, limit: int = 10) -> list[RunRecord]:
        """The latest runs, most recent first."""
        query = sa.select(runs).where(runs.c.mailbox == self._mailbox).order_by(runs.c.id.desc()).limit(limit)
        with self._db.conn() as conn:
            return [
                RunRecord(r.id, r.mailbox, r.started_at, r.finished_at, r.status, bool(r.dry_run), json.loads(r.counts))
                for r in conn.execute(query)
            ]

    def item_errors(self, run_id: int) -> list[ItemErrorRecord]:
        query = sa.select(item_errors).where(item_errors.c.run_id == run_id).order_by(item_errors.c.id)
        with self._db.conn() as conn:
            return [
                ItemErrorRecord(r.run_id, r.entity, r.nav_key, r.outlook_id, r.error, r.message)
                for r in conn.execute(query)
            ]
