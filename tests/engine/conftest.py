from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from graphsync.config.entities import EntitiesConfig, default_entities
from graphsync.connectors.nav import NavTable
from graphsync.connectors.outlook import ItemKind, MeetingScope
from graphsync.engine.context import RunContext, bind_entities, open_run
from graphsync.engine.report import RunReport, SyncOptions
from graphsync.engine.state import StateStore, schema
from graphsync.engine.sync import run
from tests.fakes.nav import FakeNav
from tests.fakes.outlook import FakeMailbox

TERRITORIES = (("EANG", "East Anglia"), ("LND", "London"), ("MID", "Midlands"))


@pytest.fixture(params=["sqlite", "postgresql"])
def state_location(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Where a state-store test opens its store: an SQLite file, then an empty schema on the real PostgreSQL
    server (`tests.services`; skipped, or failed under GRAPHSYNC_REQUIRE_SERVICES=1, without one)."""
    if request.param == "sqlite":
        return str(tmp_path / "s.sqlite")
    return str(request.getfixturevalue("postgres_url"))


DAY = dt.date.today() + dt.timedelta(days=2)
"""The day test meetings are on: inside the default sync window whenever the tests run."""


class World:
    """A NAV company, a mailbox and a state store, with a `sync` that runs the engine over them."""

    def __init__(self, tmp: Path, state: str | None = None) -> None:
        self.tmp = tmp
        self.nav = FakeNav()
        self.box = FakeMailbox()
        self.state = state or str(tmp / "state.sqlite")
        """Where the store is: an SQLite file, or a PostgreSQL URL."""
        self.store = StateStore(self.state)
        self.entities: EntitiesConfig = default_entities()
        self.nav.put(NavTable.SALESPERSON, **{"Code": "EH", "Name": "Ester Henderson", "E-Mail": "eh@contoso.com"})
        for code, name in TERRITORIES:
            # The tests' contacts name these; NAV refuses a Territory Code its Territory table lacks.
            self.nav.put(NavTable.TERRITORY, Code=code, Name=name)

    def lose_state(self) -> None:
        """Everything the store held is gone (a deleted state file, a dropped database), and a new one opens."""
        self.store.close()
        if "://" in self.state:
            with StateStore(self.state) as store, store.engine.begin() as conn:
                schema.metadata.drop_all(conn)
        else:
            Path(self.state).unlink()
        self.store = StateStore(self.state)

    async def sync(self, **options: Any) -> RunReport:
        return await run(self.context(**options))

    def context(self, **options: Any) -> RunContext:
        """The context of a run with these `SyncOptions` (and ``category``, ``window_past_days``,
        ``window_future_days``: the mailbox's `MeetingScope`, as a config's [sync] table gives them)."""
        # A spool of two values: every engine test here also exercises spilling a run's working set to disk
        # and reading it back (the default buffer is only exceeded by runs of thousands of items).
        options.setdefault("spool_buffer", 2)
        self.box.meetings = MeetingScope(
            category=options.pop("category", "Dynamics NAV"),
            past_days=options.pop("window_past_days", 30),
            future_days=options.pop("window_future_days", 365),
        )
        opts = SyncOptions(salesperson_code="EH", **options)
        bound = bind_entities(self.entities, self.nav, time_zone=opts.time_zone)
        return open_run(
            nav=self.nav, mailbox=self.box, state=self.store.mailbox(self.box.mailbox), entities=bound, options=opts
        )

    def company(self, name: str = "A. Gibson's Law Firm", **fields: object) -> str:
        rec = self.nav.insert(NavTable.CONTACT, {"Type": "Company", "Name": name, "Salesperson Code": "EH", **fields})
        return rec.key[0]

    def meeting(self, contact: str, description: str = "discuss proposal", **fields: object) -> str:
        """A meeting of EH's with ``contact``: NAV adds EH as its organizer (line 10000, never an Outlook
        attendee) and the contact as a required attendee (line 20000), invited when it has an e-mail address.
        From 10:00 to 11:00 on ``DAY``, or on the ``Date`` given (NAV refuses a to-do that ends before it starts)."""
        day = fields.get("Date", DAY)
        rec = self.nav.insert(
            NavTable.TODO,
            {
                "Type": "Meeting",
                "System To-do Type": "Organizer",
                "Salesperson Code": "EH",
                "Contact No.": contact,
                "Description": description,
                "Date": day,
                "Start Time": dt.time(10, 0),
                "Ending Date": day,
                "Ending Time": dt.time(11, 0),
                "Priority": "Normal",
                "Status": "Not Started",
                **fields,
            },
        )
        return rec.key[0]

    def attendee(self, todo: str, contact: str, *, invite: bool | None = None) -> None:
        """Add ``contact`` to a meeting as NAV's Attendee Scheduling page does: on the next line, named after the
        contact, invited when it has an e-mail address (or as ``invite`` says)."""
        values: dict[str, object] = {"To-do No.": todo, "Attendee Type": "Contact", "Attendee No.": contact}
        if invite is not None:
            values["Send Invitation"] = invite
        self.nav.insert(NavTable.ATTENDEE, values)

    def send_invitation(self, todo: str, contact: str, invite: bool) -> None:
        """Tick or clear Send Invitation on ``contact``'s line of the meeting (NAV made the meeting's own
        contact an attendee, invited when it has an e-mail address)."""
        (line,) = self.nav.find(NavTable.ATTENDEE, {"To-do No.": todo, "Attendee No.": contact})
        self.nav.modify(NavTable.ATTENDEE, line.key, {"Send Invitation": invite}, if_match=line.etag)

    def contact_item(self, nav_no: str) -> tuple[str, dict[str, Any]]:
        ids = self.box.by_nav_key(ItemKind.CONTACT)
        (item_id,) = ids[f"5050:{nav_no}"]
        return item_id, self.box.items[ItemKind.CONTACT][item_id].data


@pytest.fixture
def world(tmp_path: Path, state_location: str) -> World:
    """Every engine test runs with the state store on SQLite and on PostgreSQL."""
    w = World(tmp_path, state_location if "://" in state_location else None)
    yield w  # type: ignore[misc]
    w.store.close()
    w.nav.close()
