"""Writes as a real NAV page answers them (respx): POST without the key, re-read after every write, and a
meeting's organizer and contact added as attendees when the published to-do page does not add them."""

from __future__ import annotations

import datetime as dt
import json

import httpx
import respx

from graphsync.connectors.nav import FieldType, NavTable
from graphsync.nav.odata.binding import Flavour, StampKind, bind_table
from graphsync.nav.odata.catalogue import ControlKind
from graphsync.nav.odata.connector import ODataNav
from graphsync.nav.odata.metadata import EntitySetInfo, PropertyInfo, parse_metadata
from graphsync.nav.odata.values import encode
from graphsync.navservice.edmx import metadata_document
from graphsync.navservice.pages import Publication
from tests.nav_odata.fake_root import mock_root

ROOT = "https://nav.contoso.local:7048/NAV/ODataV4"
COMPANY = f"{ROOT}/Company('CRONUS%20UK%20Ltd.')"


def entity(table: NavTable, etag: str, **values: object) -> dict[str, object]:
    """A whole entity as NAV's page sends it: every field the page shows, blank unless given (by property)."""
    publication = Publication()
    (page,) = [p for p in (publication.page(s) for s in publication.pages) if p is not None and p.table is table]
    blank = {"Code": "", "Text": "", "Integer": 0, "Boolean": False, "Duration": 0}
    body: dict[str, object] = {"@odata.etag": etag}
    for c in page.controls:
        f = c.field
        if c.kind is not ControlKind.FIELD:
            body[c.prop] = values.get(c.prop, False if f.type is FieldType.BOOLEAN else None)
            continue
        default = f.options[0] if f.options else blank.get(f.type.value)
        body[c.prop] = values.get(c.prop, encode(f, default))
    return body


def connector() -> ODataNav:
    mock_root(respx, ROOT)
    return ODataNav(httpx.Client(), base_url=ROOT, company="CRONUS UK Ltd.")


@respx.mock
def test_meeting_without_attendees_from_the_page_gets_organizer_and_contact() -> None:
    nav = connector()
    stored = entity(
        NavTable.TODO,
        'W/"1"',
        No="TD000042",
        Type="Meeting",
        Salesperson_Code="LT",
        Contact_No="CT100007",
        Date="2030-03-04",
        Start_Time="14:00:00",
        System_To_do_Type="Organizer",
    )
    post_todo = respx.post(f"{COMPANY}/GraphsyncToDos").mock(return_value=httpx.Response(201, json=stored))
    respx.get(url__startswith=f"{COMPANY}/GraphsyncAttendees?").mock(
        return_value=httpx.Response(200, json={"value": []})
    )
    lines = []

    def add_line(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        lines.append(body)
        return httpx.Response(
            201,
            json=entity(NavTable.ATTENDEE, f'W/"{len(lines)}"', **body, Line_No=10000 * len(lines)),
        )

    post_line = respx.post(f"{COMPANY}/GraphsyncAttendees").mock(side_effect=add_line)
    reread = respx.get(url__startswith=f"{COMPANY}/GraphsyncToDos('TD000042')").mock(
        return_value=httpx.Response(200, json={**stored, "@odata.etag": 'W/"2"'})
    )
    for line in range(1, 3):
        respx.get(url__startswith=f"{COMPANY}/GraphsyncAttendees(To_do_No='TD000042',Line_No={line * 10000})").mock(
            return_value=httpx.Response(
                200, json=entity(NavTable.ATTENDEE, 'W/"9"', To_do_No="TD000042", Line_No=line * 10000)
            )
        )
    record = nav.insert(
        NavTable.TODO,
        {"Type": "Meeting", "Contact No.": "CT100007", "Date": dt.date(2030, 3, 4), "Start Time": dt.time(14, 0)},
    )
    sent = json.loads(post_todo.calls.last.request.content)
    assert "No" not in sent  # NAV's number series assigns it
    assert sent == {"Type": "Meeting", "Contact_No": "CT100007", "Date": "2030-03-04", "Start_Time": "14:00:00"}
    assert post_line.call_count == 2
    assert lines[0] == {
        "To_do_No": "TD000042",
        "Attendance_Type": "To-do_x0020_Organizer",
        "Attendee_Type": "Salesperson",
        "Attendee_No": "LT",
    }
    assert lines[1]["Attendee_Type"] == "Contact" and lines[1]["Attendee_No"] == "CT100007"
    assert reread.called and record.etag == 'W/"2"'  # the record as NAV has it after the attendees went in
    assert record.key == ("TD000042",) and record["Start Time"] == dt.time(14, 0)


@respx.mock
def test_modify_sends_only_the_changed_fields_with_if_match_and_rereads() -> None:
    nav = connector()
    patch = respx.patch(f"{COMPANY}/ContactCard('CT100006')").mock(
        return_value=httpx.Response(200, json=entity(NavTable.CONTACT, 'W/"5"', No="CT100006", City="York"))
    )
    respx.get(url__startswith=f"{COMPANY}/ContactCard('CT100006')").mock(
        return_value=httpx.Response(
            200, json=entity(NavTable.CONTACT, 'W/"6"', No="CT100006", City="York", Last_Date_Modified="2026-11-25")
        )
    )
    record = nav.modify(NavTable.CONTACT, ("CT100006",), {"City": "York"}, if_match='W/"4"')
    request = patch.calls.last.request
    assert json.loads(request.content) == {"City": "York"}
    assert request.headers["if-match"] == 'W/"4"'
    assert record.etag == 'W/"6"' and record["Last Date Modified"] == dt.date(2026, 11, 25)


@respx.mock
def test_composite_keys_are_named_in_the_url() -> None:
    nav = connector()
    route = respx.delete(f"{COMPANY}/GraphsyncAttendees(To_do_No='TD1',Line_No=20000)").mock(
        return_value=httpx.Response(204)
    )
    nav.delete(NavTable.ATTENDEE, ("TD1", "20000"), if_match="*")
    assert route.calls.last.request.headers["if-match"] == "*"


def test_business_central_stamp_is_system_modified_at() -> None:
    contacts = parse_metadata(metadata_document(Publication()).encode(), url="x").entity_sets["ContactCard"]
    with_stamp = EntitySetInfo(
        contacts.name,
        contacts.key,
        {**contacts.properties, "SystemModifiedAt": PropertyInfo("SystemModifiedAt", "Edm.DateTimeOffset")},
    )
    bc = bind_table(NavTable.CONTACT, with_stamp, flavour=Flavour.BC)
    assert bc.stamp.kind is StampKind.DATETIME and bc.stamp.datetime_property == "SystemModifiedAt"
    assert "SystemModifiedAt" in bc.select().split(",")
    nav = bind_table(NavTable.CONTACT, with_stamp, flavour=Flavour.NAV)
    assert nav.stamp.kind is StampKind.DATE_AND_TIME and nav.stamp.time_property == "Last_Time_Modified"
    salespeople = bind_table(
        NavTable.SALESPERSON,
        parse_metadata(metadata_document(Publication()).encode(), url="x").entity_sets["SalespersonPurchaserCard"],
        flavour=Flavour.BC,
    )
    assert salespeople.stamp.kind is StampKind.NONE


@respx.mock
def test_todo_stamps_are_local_time_of_whoever_wrote_them_and_contact_stamps_utc() -> None:
    from zoneinfo import ZoneInfo

    from graphsync.nav.odata.watermark import ODataMark

    mock_root(respx, ROOT)
    nav = ODataNav(
        httpx.Client(),
        base_url=ROOT,
        company="CRONUS UK Ltd.",
        server_zone=ZoneInfo("Europe/Berlin"),
        user_zones=[ZoneInfo("America/New_York")],
    )
    # A New York user's edit at 10:00:03 local is 15:00:03 UTC: after a watermark of 15:00:00 UTC.
    todo = entity(NavTable.TODO, 'W/"7"', No="TD000001", Last_Date_Modified="2026-11-25", Last_Time_Modified="10:00:03")
    todos = respx.get(url__startswith=f"{COMPANY}/GraphsyncToDos?").mock(
        return_value=httpx.Response(200, json={"value": [todo]}, headers={"Date": "Wed, 25 Nov 2026 15:00:10 GMT"})
    )
    # A contact stamped 10:00:03 is UTC (SetLastDateTimeModified): long before the watermark.
    contact = entity(
        NavTable.CONTACT, 'W/"8"', No="CT100001", Last_Date_Modified="2026-11-25", Last_Time_Modified="10:00:03"
    )
    respx.get(url__startswith=f"{COMPANY}/ContactCard?").mock(
        return_value=httpx.Response(200, json={"value": [contact]}, headers={"Date": "Wed, 25 Nov 2026 15:00:10 GMT"})
    )
    respx.get(url__startswith=f"{COMPANY}/ChangeLogEntries?").mock(
        return_value=httpx.Response(200, json={"value": [{"Entry_No": 5}]})
    )
    at = dt.datetime(2026, 11, 25, 15, 0, 0, tzinfo=dt.UTC)
    mark = ODataMark(at, at, 5).encode()
    changes = nav.changes(NavTable.TODO, mark)
    assert [r.key for r in changes.records] == [("TD000001",)]
    assert "Last_Date_Modified ge 2026-11-25" in todos.calls.last.request.url.params["$filter"]
    assert changes.watermark > mark
    assert list(nav.changes(NavTable.CONTACT, mark).records) == []


@respx.mock
def test_without_a_date_header_the_read_starts_from_navs_newest_stamp() -> None:
    from graphsync.nav.odata.watermark import decode as decode_mark

    nav = connector()
    written = (dt.datetime.now(dt.UTC) - dt.timedelta(hours=2)).replace(microsecond=0)
    stamped = entity(
        NavTable.CONTACT,
        'W/"3"',
        No="CT100001",
        Last_Date_Modified=written.date().isoformat(),
        Last_Time_Modified=written.time().isoformat(),
    )
    respx.get(url__startswith=f"{COMPANY}/ContactCard?").mock(
        return_value=httpx.Response(200, json={"value": [stamped]})
    )
    respx.get(url__startswith=f"{COMPANY}/ChangeLogEntries?").mock(return_value=httpx.Response(200, json={"value": []}))
    changes = nav.changes(NavTable.CONTACT, None)
    mark = decode_mark(changes.watermark)
    assert mark is not None
    assert mark.position == written  # NAV's own clock, as written into the record
