"""State files written by earlier graphsyncs open in this one: schema 1 (49d697e, before link origins) and
schema 2 (b9d5f5c, the last before the state store became a package) are migrated to schema 4 (unlinked
items; the links' flag indexes partial), with everything in them.

The files are SQL dumps (``sqlite3 .dump``) of stores each of those commits wrote with its own code: links,
cursors of every kind, a retry, a conflict, a run with an item error, and (schema 2) link origins.
"""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from pathlib import Path

import pytest

from graphsync.engine.origins import Origin
from graphsync.engine.state import (
    SCHEMA_VERSION,
    ContainersCursor,
    DeltaCursor,
    Link,
    MapCursor,
    NavCursor,
    StateStore,
)
from graphsync.engine.unlinks import UnlinkReason

DATA = Path(__file__).parent / "data"
BOX = "eh@contoso.com"


def _written(tmp_path: Path, dump: str) -> Path:
    path = tmp_path / "state.sqlite"
    con = sqlite3.connect(path)
    con.executescript((DATA / dump).read_text(encoding="utf-8"))
    con.close()
    return path


@pytest.mark.parametrize(
    ("dump", "origins"),
    [
        ("state-49d697e-schema1.sql", {}),
        ("state-b9d5f5c-schema2.sql", {"5050:CT100006": Origin.CREATED, "5080:TD000001": Origin.ADOPTED}),
    ],
)
def test_a_state_file_of_an_earlier_graphsync_opens_with_everything_in_it(
    tmp_path: Path, dump: str, origins: dict[str, Origin]
) -> None:
    with StateStore(_written(tmp_path, dump)) as store:
        assert store.schema_version == SCHEMA_VERSION == 4
        box = store.mailbox(BOX)
        assert box.links.get("5050:CT100006") == Link(
            "CONT_COMP",
            "5050:CT100006",
            "AAMkADcontact1",
            {"displayName": "Gibson", "user:Territory Code": "LND"},
            "ck1",
            'W/"1"',
            dirty=False,
            stamped=True,
        )
        assert box.links.count() == {"CONT_COMP": 1, "MEETING": 1}
        assert box.cursors.get(DeltaCursor("contact")) == "https://graph.microsoft.com/v1.0/delta?token=abc"
        assert box.cursors.get(NavCursor(5050, "contact")) == "42"
        assert box.cursors.get(MapCursor("CONT_COMP")) == "0123456789abcdef"
        assert '"contact_folder_id": "f1"' in (box.cursors.get(ContainersCursor()) or "")
        assert box.retries.waiting("task") == ["nav:5080:TD000009"]
        (conflict,) = box.conflicts.all()
        assert conflict.nav_key == "5050:CT100006" and conflict.fields[0]["outlook"] == "Gibsons"
        (run,) = box.runs.recent()
        assert run.status == "attention" and run.counts == {"errors": 1, "nav_create": 1}
        assert [e.message for e in box.runs.item_errors(run.id)] == ["Job Title: too long"]
        assert box.origins.all() == origins
        assert store.mailboxes() == store.linked_mailboxes() == [BOX]
        assert box.unlinked.all() == [] and box.unlinked.marks() == {}
        # Written on from here as any store is: an origin recorded, a link unlinked, the mailbox forgotten.
        box.origins.set({"5080:TD000001": Origin.OUTLOOK})
        assert box.origins.all()["5080:TD000001"] is Origin.OUTLOOK
        link = box.links.get("5080:TD000001")
        assert link is not None
        box.links.drop([link.nav_key])
        box.unlinked.keep([(link, UnlinkReason.OUTLOOK_DELETED)])
        (kept,) = box.unlinked.all()
        # Kept with its base and versions (its flags are the ones a link read back again gets).
        assert (kept.link, kept.reason) == (replace(link, dirty=False), UnlinkReason.OUTLOOK_DELETED)
        removed = box.forget(history=True)
        assert removed["links"] == 1 and removed["runs"] == 1 and removed["item_errors"] == 1
        assert removed["unlinked"] == 1
        assert store.linked_mailboxes() == [] and box.origins.all() == {}
    with StateStore(tmp_path / "state.sqlite") as again:
        assert again.schema_version == 4


@pytest.mark.parametrize("dump", ["state-49d697e-schema1.sql", "state-b9d5f5c-schema2.sql"])
def test_an_earlier_stores_flag_indexes_become_partial_and_answer_the_flag_queries(tmp_path: Path, dump: str) -> None:
    path = _written(tmp_path, dump)
    with StateStore(path) as store:
        box = store.mailbox(BOX)
        flagged = [link for link in box.links.all() if link.dirty or not link.stamped]
        assert box.links.dirty() == flagged and "5050:CT100006" not in {link.nav_key for link in flagged}
        box.links.mark_dirty(["5050:CT100006"])
        assert {link.nav_key for link in box.links.dirty()} == {"5050:CT100006"} | {link.nav_key for link in flagged}
    con = sqlite3.connect(path)
    try:
        indexes = dict(con.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'links'"))
        assert indexes["ix_links_dirty"].endswith("(mailbox) WHERE dirty = 1")
        assert indexes["ix_links_stamped"].endswith("(mailbox) WHERE stamped = 0")
        for flag, index in (("dirty = 1", "ix_links_dirty"), ("stamped = 0", "ix_links_stamped")):
            query = f"EXPLAIN QUERY PLAN SELECT nav_key FROM links WHERE mailbox = ? AND {flag}"
            plan = " ".join(str(row[-1]) for row in con.execute(query, [BOX]))
            assert f"USING INDEX {index}" in plan
    finally:
        con.close()
