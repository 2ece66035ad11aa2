from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from graphsync.mapping.convert import Conversion, ConversionError, html_to_text, make_converter
from graphsync.mapping.fieldmap import EntityMap, FieldMap
from graphsync.mapping.paths import parse_path


def test_paths_read_and_write_nested_and_indexed_values() -> None:
    item = {"emailAddresses": [{"address": "a@x", "name": "A"}], "businessAddress": {"city": "Leeds"}}
    assert parse_path("emailAddresses[0].address").get(item) == "a@x"
    assert parse_path("emailAddresses[1].address").get(item) is None
    assert parse_path("businessAddress.city").get(item) == "Leeds"
    target: dict[str, object] = {}
    parse_path("emailAddresses[1].address").set(target, "b@x")
    assert target == {"emailAddresses": [{}, {"address": "b@x"}]}
    phones = {"businessPhones": ["1", "2"]}
    parse_path("businessPhones[1]").set(phones, "")
    assert phones == {"businessPhones": ["1"]}


@pytest.mark.parametrize("bad", ["", "a..b", "phones[x]", "1abc", "a[0][1]", "a.b["])
def test_bad_paths_are_refused(bad: str) -> None:
    with pytest.raises(ValueError, match="not a Graph property path"):
        parse_path(bad)


def test_text_and_code_normalise_whitespace_and_case() -> None:
    text = make_converter(Conversion.TEXT)
    assert text.from_nav(["  Gibson "]) == text.from_outlook("Gibson") == "Gibson"
    assert text.from_outlook(None) == text.from_nav([None]) == ""
    code = make_converter(Conversion.CODE)
    assert code.from_outlook("eang") == code.from_nav(["EANG"]) == "EANG" and code.to_nav("EANG") == ("EANG",)


def test_country_code_and_name() -> None:
    conv = make_converter(Conversion.COUNTRY)
    assert conv.to_outlook("GB") == "United Kingdom"
    assert conv.from_outlook("united kingdom") == conv.from_nav(["gb"]) == "GB"
    assert conv.from_outlook("Atlantis") == "Atlantis"


def test_options_map_to_graph_enums() -> None:
    conv = make_converter(Conversion.OPTION, values=(("High", "high"), ("Waiting", "waitingOnOthers")))
    assert conv.to_outlook("High") == "high" and conv.from_outlook("HIGH") == "High"
    assert conv.from_outlook("waitingOnOthers") == "Waiting"


def test_datetime_in_the_configured_zone() -> None:
    conv = make_converter(Conversion.DATETIME, time_zone="Europe/London")
    norm = conv.from_nav([dt.date(2026, 7, 1), dt.time(10, 0)])
    assert norm == "2026-07-01T10:00:00"
    assert conv.to_outlook(norm) == {"dateTime": "2026-07-01T09:00:00.0000000", "timeZone": "UTC"}
    assert conv.from_outlook({"dateTime": "2026-07-01T09:00:00.0000000", "timeZone": "UTC"}) == norm
    assert conv.from_outlook({"dateTime": "2026-07-01T10:00:00", "timeZone": "Europe/London"}) == norm
    assert conv.to_nav(norm) == (dt.date(2026, 7, 1), dt.time(10, 0))
    assert conv.to_nav(conv.from_nav([dt.date(2026, 7, 1), None])) == (dt.date(2026, 7, 1), None)
    assert conv.from_nav([None, None]) == "" and conv.to_outlook("") is None
    with pytest.raises(ConversionError):
        conv.from_outlook({"dateTime": "soon", "timeZone": "UTC"})


def test_date_body_boolean_numbers() -> None:
    date = make_converter(Conversion.DATE)
    assert date.from_outlook(date.to_outlook(date.from_nav([dt.date(2026, 1, 2)]))) == "2026-01-02"
    body = make_converter(Conversion.BODY)
    html = {
        "contentType": "html",
        "content": "<html><head><style>x</style></head><body><p>Hi &amp; bye</p></body></html>",
    }
    assert body.from_outlook(html) == "Hi & bye" == body.from_nav(["Hi & bye"])
    assert html_to_text("a<br>b") == "a\nb"
    boolean = make_converter(Conversion.BOOLEAN)
    assert boolean.from_nav([True]) == boolean.from_outlook(True) == "1"
    dec = make_converter(Conversion.DECIMAL)
    assert dec.from_nav([Decimal("1.50")]) == dec.from_outlook(1.5) == "1.5"
    with pytest.raises(ConversionError):
        make_converter(Conversion.INTEGER).from_outlook("many")


def test_attendees_compare_by_type_and_address_only() -> None:
    conv = make_converter(Conversion.ATTENDEES)
    graph = [
        {"type": "required", "emailAddress": {"address": "B@x.com", "name": "B"}, "status": {"response": "accepted"}},
        {"type": "optional", "emailAddress": {"address": "a@x.com"}},
    ]
    assert conv.from_outlook(graph) == "optional:a@x.com;required:b@x.com"
    assert (
        conv.from_outlook(conv.to_outlook("optional:a@x.com;required:b@x.com")) == "optional:a@x.com;required:b@x.com"
    )


def test_entity_map_patch_keeps_siblings_of_written_values() -> None:
    text = make_converter(Conversion.TEXT)
    emap = EntityMap(
        (
            FieldMap("emailAddresses[0].address", ("E-Mail",), text, path=parse_path("emailAddresses[0].address")),
            FieldMap(
                "user:Territory Code",
                ("Territory Code",),
                make_converter(Conversion.CODE),
                user_field="Territory Code",
                upper=True,
            ),
        )
    )
    current = {"emailAddresses": [{"address": "old@x", "name": "Old"}, {"address": "second@x"}]}
    body, user = emap.outlook_body({"emailAddresses[0].address": "new@x", "user:Territory Code": "EANG"}, current)
    assert body == {"emailAddresses": [{"address": "new@x", "name": "Old"}, {"address": "second@x"}]}
    assert user == {"Territory Code": "EANG"}
    assert current["emailAddresses"][0]["address"] == "old@x"  # the item read is not modified
    assert emap.outlook_norm(current, {"Territory Code": "eang"}) == {
        "emailAddresses[0].address": "old@x",
        "user:Territory Code": "EANG",
    }
    assert emap.nav_values({"user:Territory Code": "MID"}) == {"Territory Code": "MID"}
    _, removed = emap.outlook_body({"user:Gone": ""}, current)
    assert removed == {"Gone": None}


def test_all_day_events_use_floating_dates_with_an_exclusive_end() -> None:
    conv = make_converter(Conversion.DATETIME, time_zone="America/New_York")
    boolean = make_converter(Conversion.BOOLEAN)
    emap = EntityMap(
        (
            FieldMap("start", ("Date", "Start Time"), conv, path=parse_path("start")),
            FieldMap("end", ("Ending Date", "Ending Time"), conv, path=parse_path("end")),
            FieldMap("isAllDay", ("All Day Event",), boolean, path=parse_path("isAllDay")),
        )
    )
    nav = {"start": "2026-12-01T00:00:00", "end": "2026-12-01T00:00:00", "isAllDay": "1"}
    body, _ = emap.outlook_body(nav, None)
    assert body["start"] == {"dateTime": "2026-12-01T00:00:00.0000000", "timeZone": "UTC"}
    assert body["end"] == {"dateTime": "2026-12-02T00:00:00.0000000", "timeZone": "UTC"}
    assert emap.outlook_norm(body, None) == nav
    # Turning all-day off rewrites start and end in their timed form, from NAV's values.
    timed = {**nav, "isAllDay": "0", "start": "2026-12-01T09:00:00", "end": "2026-12-01T10:00:00"}
    body, _ = emap.outlook_body({"isAllDay": "0"}, body, timed)
    assert body["start"] == {"dateTime": "2026-12-01T14:00:00.0000000", "timeZone": "UTC"}
    assert emap.outlook_norm(body, None) == timed
