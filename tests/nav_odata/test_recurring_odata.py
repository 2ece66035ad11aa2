"""Recurring to-dos over OData: what closing one does in a web-service session (NAV 2018 Table_5_080_To_do.al,
field 13 Closed's OnValidate: the Confirm comes before ``IF Recurring THEN CreateRecurringTask``), and the engine
passing an Outlook series on to the next to-do when it reads NAV through its pages (docs/engine.md, "Recurring
series"; docs/odata.md, "Completing to-dos")."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest

from graphsync.auth.sandbox import SandboxTokenSource
from graphsync.config.entities import EntityName, default_entities
from graphsync.connectors.nav import NavRecord, NavTable
from graphsync.engine.report import RunReport, SyncOptions
from graphsync.engine.state import StateStore
from graphsync.engine.sync import run_sync
from graphsync.graph import GraphMailbox, GraphMailboxOptions
from graphsync.nav.embedded import EmbeddedNav
from graphsync.nav.odata.connector import ODataNav
from graphsync.runtime.odata import required_fields
from graphsync.sandbox import SandboxState, create_app
from tests.nav_odata.conftest import Served

TODO = NavTable.TODO
TODOS = "Company('CRONUS%20UK%20Ltd.')/GraphsyncToDos"
USER = "eh@contoso.com"
HEADERS = {"Authorization": f"Bearer sandbox:{USER}", "Prefer": 'IdType="ImmutableId"'}
TODAY = dt.datetime.now(dt.UTC).date()
MONDAY = TODAY + dt.timedelta(days=7 - TODAY.weekday())
WEEK = dt.timedelta(weeks=1)


def _recurring(company: EmbeddedNav, **values: object) -> NavRecord:
    return company.insert_todo(
        {
            "Type": "Meeting",
            "Salesperson Code": "EH",
            "Description": "weekly review",
            "Date": MONDAY,
            "Start Time": dt.time(10, 0),
            "Ending Date": MONDAY,
            "Ending Time": dt.time(11, 0),
            "Recurring": True,
            "Recurring Date Interval": "1W",
            "Calc. Due Date From": "Due Date",
            **values,
        }
    )


def _count(company: EmbeddedNav) -> int:
    return len(list(company.find(TODO, {})))


def test_a_web_service_session_closes_a_recurring_to_do_only_as_navs_source_lets_it(
    served: Served, company: EmbeddedNav, caplog: pytest.LogCaptureFixture
) -> None:
    served.service.server_time_zone = "Pacific/Auckland"
    meeting = _recurring(company, **{"Calc. Due Date From": "Closing Date"})
    number = meeting.key[0]
    before = _count(company)
    with httpx.Client(base_url=served.url) as http:
        # Status or Closed through the page: the Confirm is a callback error; the next to-do is never made.
        for body in ({"Status": "Completed"}, {"Closed": True}):
            refused = http.patch(f"{TODOS}('{number}')", json=body, headers={"If-Match": "*"})
            assert refused.json()["error"]["code"] == "Application_CallbackNotAllowed"
        assert _count(company) == before
        # graphsync's completion control assigns Closed in code: no OnValidate, so no CreateRecurringTask (LOCAL
        # to table 5080: no page can call it).
        done = http.patch(f"{TODOS}('{number}')", json={"GraphsyncCompleted": True}, headers={"If-Match": "*"})
        assert done.status_code == 200 and done.json()["Closed"] is True
        assert _count(company) == before
        # Canceling asks nothing: CreateRecurringTask runs in the web-service session, dated from its TODAY (the
        # Services Default Time Zone), and its MESSAGE goes to the event log.
        other = _recurring(company, **{"Calc. Due Date From": "Closing Date"}).key[0]
        with caplog.at_level(logging.INFO, logger="graphsync.nav.triggers"):
            canceled = http.patch(f"{TODOS}('{other}')", json={"Canceled": True}, headers={"If-Match": "*"})
        assert canceled.status_code == 200, canceled.text
        made = http.get(TODOS, params={"$filter": "Closed eq false and Recurring eq true"}).json()["value"]
    auckland = dt.datetime.now(dt.timezone(dt.timedelta(hours=12))).date()  # NZST; NZDT is a day ahead too
    [new] = [t for t in made if t["No"] not in (number, other)]
    assert dt.date.fromisoformat(new["Date"]) - WEEK in (auckland, auckland + dt.timedelta(days=1))
    assert (new["Description"], new["Recurring_Date_Interval"]) == ("weekly review", "1W")
    assert f"has been created from recurring Task {other}." in caplog.text


class World:
    def __init__(self, nav: ODataNav, company: EmbeddedNav, client: httpx.AsyncClient, store: StateStore) -> None:
        self.nav = nav
        self.company = company
        """The NAV database itself, for what a NAV user does in the client."""
        self.client = client
        self.store = store
        self.box = GraphMailbox(upn=None, client=client, tokens=SandboxTokenSource(USER), options=GraphMailboxOptions())

    async def sync(self) -> RunReport:
        report = await run_sync(
            nav=self.nav,
            mailbox=self.box,
            store=self.store,
            entities=default_entities(),
            options=SyncOptions(salesperson_code="EH", entities=frozenset({EntityName.MEETING})),
        )
        assert report.ok, report.errors
        return report

    async def graph(self, method: str, url: str, body: dict[str, Any] | None = None) -> Any:
        response = await self.client.request(method, url, json=body, headers=HEADERS)
        assert response.status_code < 300, response.text
        return response.json() if response.content else None

    async def reviews(self) -> list[dict[str, Any]]:
        events = (await self.graph("GET", "/me/events?$top=500"))["value"]
        return [e for e in events if e["subject"] == "weekly review"]


@pytest.fixture
async def world(tmp_path: Any, connect: Callable[..., ODataNav], company: EmbeddedNav) -> AsyncIterator[World]:
    state = SandboxState.seeded(USER)
    store = StateStore(tmp_path / "state.sqlite")
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=create_app(state)), base_url="http://sandbox/v1.0"
    ) as client:
        yield World(connect(required=required_fields(default_entities())), company, client, store)
    store.close()


async def test_the_next_to_do_read_over_odata_takes_the_series_over(world: World) -> None:
    first = _recurring(world.company, Recurring=False)
    await world.sync()
    [event] = await world.reviews()
    weekly = {"type": "weekly", "interval": 1, "daysOfWeek": ["monday"]}
    rng = {"type": "noEnd", "startDate": str(MONDAY)}
    await world.graph("PATCH", f"/me/events/{event['id']}", {"recurrence": {"pattern": weekly, "range": rng}})
    await world.sync()  # the to-do becomes Recurring, 1W from its due date, written through the page
    # A NAV user closes it in the client: NAV makes the next one, which graphsync reads through the page.
    world.company.modify(TODO, first.key, {"Status": "Completed"}, if_match="*")
    [second] = [t for t in world.company.find(TODO, {"Description": "weekly review"}) if not t["Closed"]]
    assert second["Date"] == MONDAY + WEEK
    await world.sync()
    reviews = await world.reviews()
    assert [(e["id"], e["type"]) for e in reviews] == [(event["id"], "seriesMaster")]
    links = {link.nav_key: link.outlook_id for link in world.store.mailbox(world.box.mailbox).links.all()}
    assert links[f"5080:{second.key[0]}"] == event["id"] and f"5080:{first.key[0]}" not in links
    again = await world.sync()
    assert not any(v for k, v in again.counts.items() if k.startswith(("nav_", "outlook_")))
