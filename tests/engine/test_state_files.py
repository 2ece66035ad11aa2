"""State files written by earlier graphsyncs open in this one: schema 1 (49d697e, before link origins) and
schema 2 (b9d5f5c, the last before the state store became a package) are migrated to schema 3 (unlinked
items), with everything in them.

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
        assert store.schema_version == SCHEMA_VERSION == 3
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
        assert again.schema_version == 3
