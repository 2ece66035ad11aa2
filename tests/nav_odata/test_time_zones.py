"""Each table's modified stamp in its own zone, read so that no edit is lost.

NAV's server runs in Berlin (its Services Default Time Zone: web-service sessions stamp to-dos in Berlin
time), one NAV user works in New York and one in Auckland (client sessions stamp to-dos in their own
zones), and contacts are stamped in UTC whoever writes them. Edits land just before and just after a run,
at times of day where the three zones disagree on the date. The company's clock is set by the test (the
service's Date header follows it), so the dates are the same on every day the suite runs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import pytest

from graphsync.connectors.nav import NavTable, Watermark
from graphsync.nav.embedded import EmbeddedNav
from graphsync.nav.odata.connector import ODataNav
from graphsync.navservice.pages import PROFILES
from tests.nav_odata.conftest import Served

BERLIN, NEW_YORK, AUCKLAND = ZoneInfo("Europe/Berlin"), ZoneInfo("America/New_York"), ZoneInfo("Pacific/Auckland")
TODO, CONTACT = NavTable.TODO, NavTable.CONTACT


@dataclass
class Clock:
    now: dt.datetime

    def __call__(self) -> dt.datetime:
        return self.now

    def tick(self, seconds: float = 1) -> None:
        self.now += dt.timedelta(seconds=seconds)


def _todo(nav: EmbeddedNav | ODataNav, description: str) -> str:
    return nav.insert(TODO, {"Salesperson Code": "EH", "Date": dt.date(2030, 2, 1), "Description": description}).key[0]


def _changed(nav: ODataNav, table: NavTable, mark: Watermark) -> tuple[set[str], Watermark]:
    changes = nav.changes(table, mark)
    return {r.key[0] for r in changes.records}, changes.watermark


@pytest.fixture
def clock(company: EmbeddedNav, served: Served) -> Clock:
    company.set_services_default_time_zone("Europe/Berlin")
    company.set_user_time_zone("NYUSER", "America/New_York")
    company.set_user_time_zone("AKLUSER", "Pacific/Auckland")
    served.service.publication = PROFILES["nav2018-graphsync"]
    c = Clock(dt.datetime(2030, 1, 15, 23, 50, tzinfo=dt.UTC))
    company.clock = c
    return c


# 23:50 UTC: Berlin 00:50 on the 16th, New York 18:50 on the 15th, Auckland 12:50 on the 16th. 11:30 UTC:
# Berlin 12:30, New York 06:30, Auckland 00:30 on the next day.
@pytest.mark.parametrize("start", [dt.datetime(2030, 1, 15, 23, 50), dt.datetime(2030, 1, 15, 11, 30)])
@pytest.mark.parametrize("users", [[NEW_YORK, AUCKLAND], None], ids=["zones listed", "any zone"])
def test_no_edit_is_lost_whichever_zone_stamped_it(
    company: EmbeddedNav,
    connect: Callable[..., ODataNav],
    clock: Clock,
    start: dt.datetime,
    users: list[ZoneInfo] | None,
) -> None:
    clock.now = start.replace(tzinfo=dt.UTC)
    nav = connect(server_zone=BERLIN, user_zones=users, clock=clock)
    new_york, auckland = company.as_session(user_id="NYUSER"), company.as_session(user_id="AKLUSER")
    a, b, c = _todo(new_york, "a"), _todo(auckland, "b"), _todo(nav, "c")
    before = _todo(auckland, "written just before the run")
    clock.tick()
    first = nav.changes(TODO, None)
    assert {a, b, c, before} <= {r.key[0] for r in first.records}
    first_contacts = nav.changes(CONTACT, None)
    list(first_contacts.records)

    # Just after the run, each of them edits: the New York user's stamp is hours behind UTC, Auckland's
    # ahead, the web-service session's (graphsync itself) in Berlin time.
    clock.tick()
    new_york.modify(TODO, (a,), {"Description": "a by New York"}, if_match="*")
    clock.tick()
    auckland.modify(TODO, (b,), {"Description": "b by Auckland"}, if_match="*")
    clock.tick()
    nav.modify(TODO, (c,), {"Description": "c over OData"}, if_match="*")
    new_york.modify(CONTACT, ("CT100001",), {"City": "New York"}, if_match="*")
    auckland.modify(CONTACT, ("CT100005",), {"City": "Auckland"}, if_match="*")
    stamped = company.get(TODO, (a,))
    assert stamped is not None and stamped["Last Time Modified"] == (clock.now - dt.timedelta(seconds=2)).astimezone(
        NEW_YORK
    ).time().replace(tzinfo=None, microsecond=0)
    clock.tick(5)

    changed, mark = _changed(nav, TODO, first.watermark)
    assert changed == {a, b, c}  # and not the one written before the first run: seen by key and ETag
    contacts, contacts_mark = _changed(nav, CONTACT, first_contacts.watermark)
    assert contacts == {"CT100001", "CT100005"}

    # Nothing new, nothing returned; an edit much later is.
    clock.tick(3600)
    assert _changed(nav, TODO, mark)[0] == set()
    assert _changed(nav, CONTACT, contacts_mark)[0] == set()
    new_york.modify(TODO, (before,), {"Description": "later"}, if_match="*")
    clock.tick(5)
    assert _changed(nav, TODO, mark)[0] == {before}


def test_a_window_for_the_server_zone_alone_loses_a_western_users_edit(
    company: EmbeddedNav, connect: Callable[..., ODataNav], clock: Clock
) -> None:
    """Why the zones matter: read as if only Berlin stamped to-dos, a New York user's edit is missed."""
    nav = connect(server_zone=BERLIN, user_zones=[], clock=clock)
    todo = _todo(nav, "x")
    first = nav.changes(TODO, None)
    list(first.records)
    clock.tick()
    company.as_session(user_id="NYUSER").modify(TODO, (todo,), {"Description": "by New York"}, if_match="*")
    clock.tick(5)
    assert _changed(nav, TODO, first.watermark)[0] == set()
    # Told that users in New York stamp to-dos too, the same read finds it.
    aware = connect(server_zone=BERLIN, user_zones=[NEW_YORK], clock=clock)
    assert _changed(aware, TODO, first.watermark)[0] == {todo}


def test_stamps_per_table_and_session(company: EmbeddedNav, clock: Clock) -> None:
    web = company.as_session(web_service=True)
    todo = web.insert(TODO, {"Salesperson Code": "EH", "Date": dt.date(2030, 2, 1), "Description": "x"})
    assert (todo["Last Date Modified"], todo["Last Time Modified"]) == (dt.date(2030, 1, 16), dt.time(0, 50))
    contact = company.as_session(user_id="AKLUSER").modify(CONTACT, ("CT100001",), {"City": "Wanaka"}, if_match="*")
    assert (contact["Last Date Modified"], contact["Last Time Modified"]) == (dt.date(2030, 1, 15), dt.time(23, 50))
    assert company.system_modified_at(CONTACT, ("CT100001",)) == clock.now


def test_an_edit_just_after_daylight_saving_time_ends_is_found(
    company: EmbeddedNav, connect: Callable[..., ODataNav], clock: Clock
) -> None:
    """New York leaves daylight saving time at 06:00 UTC on 3 November 2030: a read at 01:59:58 EDT, then an
    edit at 01:00:01 EST, stamped an hour *before* the read in New York's wall-clock time."""
    clock.now = dt.datetime(2030, 11, 3, 5, 59, 57, tzinfo=dt.UTC)
    nav = connect(server_zone=BERLIN, user_zones=[NEW_YORK], clock=clock)
    todo = _todo(nav, "x")
    clock.tick()
    first = nav.changes(TODO, None)
    list(first.records)
    clock.tick(3)
    company.as_session(user_id="NYUSER").modify(TODO, (todo,), {"Description": "after the change"}, if_match="*")
    stamped = company.get(TODO, (todo,))
    assert stamped is not None and stamped["Last Time Modified"] == dt.time(1, 0, 1)
    clock.tick(5)
    assert _changed(nav, TODO, first.watermark)[0] == {todo}
