"""NAV's OData naming and value formats, both ways."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from graphsync.connectors.nav import FieldDef, FieldType
from graphsync.nav import schema
from graphsync.nav.odata.names import OptionForm, decode_option, encode_option, form_of, parse_option, property_name
from graphsync.nav.odata.values import decode, duration_text, encode, filter_literal, parse_duration
from graphsync.nav.odata.watermark import ODataMark
from graphsync.nav.odata.watermark import decode as decode_mark


@pytest.mark.parametrize(
    ("field", "prop"),
    [
        ("Phone No.", "Phone_No"),
        ("Country/Region Code", "Country_Region_Code"),
        ("Last Date Modified", "Last_Date_Modified"),
        ("E-Mail 2", "E_Mail_2"),
        ("To-do No.", "To_do_No"),
        ("Post Code", "Post_Code"),
        # return-obtain-service-metadata-edmx-document.md: ' -> _x0027_, % -> Percent, parentheses dropped.
        ("Commission %", "Commission_Percent"),
        ("Don't", "Don_x0027_t"),
        ("Balance (LCY)", "Balance_LCY"),
        ("Contact's No.", "Contact_x0027_s_No"),
    ],
)
def test_property_names(field: str, prop: str) -> None:
    assert property_name(field) == prop


@pytest.mark.parametrize(
    ("caption", "wire"),
    [
        ("", "_blank_"),
        ("Phone Call", "Phone_x0020_Call"),
        ("To-do Organizer", "To-do_x0020_Organizer"),
        ("Meeting", "Meeting"),
    ],
)
def test_option_values_round_trip(caption: str, wire: str) -> None:
    assert encode_option(caption) == wire
    assert decode_option(wire) == caption


def test_every_option_caption_of_the_schema_round_trips() -> None:
    for t in schema.TABLES.values():
        for f in t.fields:
            for caption in f.options:
                assert decode_option(encode_option(caption)) == caption


def test_blank_date_and_time_are_none() -> None:
    date = schema.TODO.field("Date")
    time = schema.TODO.field("Start Time")
    assert encode(date, None) == "0001-01-01" and decode(date, "0001-01-01") is None
    assert encode(time, None) == "00:00:00" and decode(time, "00:00:00") is None
    assert decode(time, "14:30:00.250") == dt.time(14, 30, 0, 250000)
    assert decode(date, encode(date, dt.date(2030, 1, 2))) == dt.date(2030, 1, 2)


@pytest.mark.parametrize("ms", [0, 1, 1_500, 60_000, 5_400_000, 90_061_001])
def test_durations_round_trip(ms: int) -> None:
    assert parse_duration(duration_text(ms)) == ms


def test_duration_text_reads_like_iso() -> None:
    assert duration_text(5_400_000) == "PT1H30M"
    assert duration_text(0) == "PT0S"


def test_decimals_and_filter_literals() -> None:
    amount = FieldDef(no=1, name="Amount", type=FieldType.DECIMAL)
    assert decode(amount, Decimal("12.50")) == Decimal("12.50")
    assert filter_literal(schema.CONTACT.field("Name"), "O'Neil") == "'O''Neil'"
    assert filter_literal(schema.TODO.field("Date"), dt.date(2030, 1, 2)) == "2030-01-02"
    assert filter_literal(schema.TODO.field("Closed"), False) == "false"
    assert filter_literal(schema.TODO.field("Type"), "Phone Call") == "'Phone_x0020_Call'"


def test_watermarks_round_trip_and_order_by_position() -> None:
    second = dt.datetime(2026, 11, 25, 10, 0, 0, tzinfo=dt.UTC)
    early = ODataMark(second, second + dt.timedelta(milliseconds=5), 41, seen=frozenset({"a", "b"}))
    same_second = ODataMark(second, second + dt.timedelta(milliseconds=700), 41, seen=frozenset({"c"}))
    late = ODataMark(second + dt.timedelta(seconds=1), second, 3, hashes={"EH": "x"})
    for mark in (early, same_second, late):
        assert decode_mark(mark.encode()) == mark
    assert early.encode() < same_second.encode() < late.encode()


@pytest.mark.parametrize(
    ("form", "blank", "call"),
    [
        (OptionForm.CAPTIONS, "", "Phone Call"),
        (OptionForm.NAMES, "_blank_", "Phone_x0020_Call"),
        (OptionForm.NAMES_SPACE, "_x0020_", "Phone_x0020_Call"),
    ],
)
def test_option_forms_are_read_whatever_the_form_and_written_in_the_servers(
    form: OptionForm, blank: str, call: str
) -> None:
    assert (encode_option("", form), encode_option("Phone Call", form)) == (blank, call)
    # Read: every form, whoever sent it.
    assert decode_option(blank) == "" and decode_option(call) == "Phone Call"
    # A server of that form reads its own spelling and not another's.
    assert parse_option(blank, form) == "" and parse_option(call, form) == "Phone Call"
    others = {"", "_blank_", "_x0020_"} - {blank}
    assert all(parse_option(o, form) is None for o in others)
    assert parse_option("Meeting", form) == "Meeting"  # the same in every form


def test_the_form_a_value_shows() -> None:
    assert form_of("_blank_") is OptionForm.NAMES and form_of("_x0020_") is OptionForm.NAMES_SPACE
    assert form_of("Not Started") is OptionForm.CAPTIONS and form_of("Not_x0020_Started") is OptionForm.NAMES
    assert form_of("Meeting") is None


def test_the_servers_date_header_is_the_first_that_reads() -> None:
    import httpx

    from graphsync.nav.odata.http import server_time

    both = httpx.Response(200, headers=[("date", "Wed, 25 Nov 2026 15:00:10 GMT"), ("date", "garbled")])
    assert server_time(both) == dt.datetime(2026, 11, 25, 15, 0, 10, tzinfo=dt.UTC)
    assert server_time(httpx.Response(200)) is None
