"""The CSV a person reviews between proposing adoptions and adopting them.

One row per proposed pair or unpaired item or record, with its status and the evidence. ``adopt`` is ``yes`` for
a match and ``no`` for the rest: the reviewer sets ``yes`` on the right pair of an ambiguous group, ``no`` on a
match that is wrong, or pairs an unmatched record with an unmatched item by filling in the other side's key or id
(copied from the other row) and ``yes``. Nothing else may change meaning: a row set to ``yes`` needs a NAV key and
an Outlook id, a record or an item may be adopted once, and the columns stay as written.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from graphsync.engine.keys import parse_key
from graphsync.errors import ReviewFileError

COLUMNS = (
    "mailbox",
    "status",
    "entity",
    "nav_key",
    "nav_name",
    "outlook_id",
    "outlook_folder",
    "outlook_name",
    "evidence",
    "adopt",
)


@dataclass(frozen=True)
class ReviewRow:
    mailbox: str
    status: str
    entity: str
    nav_key: str
    nav_name: str
    outlook_id: str
    outlook_folder: str
    outlook_name: str
    evidence: str
    adopt: bool
    line: int = 0
    """The row's line in the file it was read from (0: not read from a file)."""

    def values(self) -> list[str]:
        return [
            self.mailbox,
            self.status,
            self.entity,
            self.nav_key,
            self.nav_name,
            self.outlook_id,
            self.outlook_folder,
            self.outlook_name,
            self.evidence,
            "yes" if self.adopt else "no",
        ]


def render(rows: Iterable[ReviewRow]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow(row.values())
    return out.getvalue()


def write_review(path: Path, rows: Sequence[ReviewRow]) -> None:
    """Write the proposal (replacing the file only once it is complete: a killed run leaves the old one)."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(render(rows), encoding="utf-8")
    tmp.replace(path)


def read_review(path: Path) -> list[ReviewRow]:
    """The reviewed rows; ReviewFileError naming the line and column of the first thing that is wrong."""
    name = str(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ReviewFileError(file=name, row=0, column="(file)", expected="an existing CSV file") from None
    except UnicodeDecodeError:
        raise ReviewFileError(file=name, row=0, column="(file)", expected="UTF-8 text") from None
    except OSError as exc:
        raise ReviewFileError(file=name, row=0, column="(file)", expected="a readable file", got=exc.strerror) from None
    try:
        records = list(csv.reader(io.StringIO(text)))
    except csv.Error as exc:
        raise ReviewFileError(file=name, row=0, column="(file)", expected="CSV", got=str(exc)) from None
    if not records:
        raise ReviewFileError(file=name, row=1, column="(header)", expected=", ".join(COLUMNS), got="an empty file")
    header = [h.strip() for h in records[0]]
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise ReviewFileError(
            file=name, row=1, column="(header)", expected="the columns " + ", ".join(COLUMNS), got=", ".join(header)
        )
    where = {c: header.index(c) for c in COLUMNS}
    rows: list[ReviewRow] = []
    adopted_nav: dict[str, int] = {}
    adopted_item: dict[str, int] = {}
    for n, record in enumerate(records[1:], start=2):
        if not any(cell.strip() for cell in record):
            continue
        if len(record) != len(header):
            raise ReviewFileError(
                file=name, row=n, column="(row)", expected=f"{len(header)} cells like the header", got=len(record)
            )
        cell = {c: record[i].strip() for c, i in where.items()}
        answer = cell["adopt"].lower()
        if answer not in ("yes", "no"):
            raise ReviewFileError(file=name, row=n, column="adopt", expected="yes or no", got=cell["adopt"])
        if not cell["mailbox"]:
            raise ReviewFileError(file=name, row=n, column="mailbox", expected="the mailbox the row is about", got="")
        adopt = answer == "yes"
        if adopt:
            if not cell["nav_key"] or parse_key(cell["nav_key"]) is None:
                raise ReviewFileError(
                    file=name,
                    row=n,
                    column="nav_key",
                    expected="a NAV key as graphsync writes it (5050:CT100006) on a row to adopt",
                    got=cell["nav_key"],
                )
            if not cell["outlook_id"]:
                raise ReviewFileError(
                    file=name, row=n, column="outlook_id", expected="the Outlook id of the item to adopt", got=""
                )
            key = f"{cell['mailbox'].lower()} {cell['nav_key']}"
            if key in adopted_nav:
                raise ReviewFileError(
                    file=name,
                    row=n,
                    column="adopt",
                    expected=f"one item per NAV record, but line {adopted_nav[key]} adopts one for it too",
                    got="yes",
                )
            item = f"{cell['mailbox'].lower()} {cell['outlook_id']}"
            if item in adopted_item:
                raise ReviewFileError(
                    file=name,
                    row=n,
                    column="adopt",
                    expected=f"one NAV record per item, but line {adopted_item[item]} adopts this item too",
                    got="yes",
                )
            adopted_nav[key] = n
            adopted_item[item] = n
        rows.append(
            ReviewRow(
                mailbox=cell["mailbox"].lower(),
                status=cell["status"],
                entity=cell["entity"],
                nav_key=cell["nav_key"],
                nav_name=cell["nav_name"],
                outlook_id=cell["outlook_id"],
                outlook_folder=cell["outlook_folder"],
                outlook_name=cell["outlook_name"],
                evidence=cell["evidence"],
                adopt=adopt,
                line=n,
            )
        )
    return rows
