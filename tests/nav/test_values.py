from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from graphsync.connectors.nav import FieldDef, FieldType, NavTable, TableDef
from graphsync.errors import NavValidationError
from graphsync.nav import schema
from graphsync.nav.store import from_db, inc_str, to_db
from graphsync.nav.values import check_value, field_of, format_duration, format_value, parse_duration, parse_text

T = TableDef(no=1, name="Test", key=("K",), fields=())
TODAY = dt.date(2026, 11, 25)


def _field(type_: FieldType, length: int = 0, options: tuple[str, ...] = ()) -> FieldDef:
    return FieldDef(no=1, name="F", type=type_, length=length, options=options)


def test_code_is_trimmed_and_upper_cased_before_its_length_is_checked() -> None:
    assert check_value(T, _field(FieldType.CODE, 5), "  ab1 ") == "AB1"
    with pytest.raises(NavValidationError):
        check_value(T, _field(FieldType.CODE, 2), "abc")


def test_text_keeps_case_and_spaces() -> None:
    assert check_value(T, _field(FieldType.TEXT, 10), " Mixed ") == " Mixed "


def test_option_by_caption_any_case_or_index() -> None:
    f = _field(FieldType.OPTION, options=("", "Meeting", "Phone Call"))
    assert check_value(T, f, "phone call") == "Phone Call"
    assert check_value(T, f, 1) == "Meeting"
    assert check_value(T, f, "") == ""
    with pytest.raises(NavValidationError, match=r"The existing options are:  ,Meeting,Phone Call"):
        check_value(T, f, "Lunch")


@pytest.mark.parametrize(
    ("type_", "bad"),
    [
        (FieldType.INTEGER, "1"),
        (FieldType.INTEGER, True),
        (FieldType.BOOLEAN, "yes"),
        (FieldType.DATE, dt.datetime(2026, 1, 1)),
        (FieldType.DATETIME, dt.datetime(2026, 1, 1)),  # naive: which zone would it be?
        (FieldType.TIME, "10:00"),
        (FieldType.CODE, 5),
    ],
)
def test_wrong_kinds_cannot_be_evaluated(type_: FieldType, bad: object) -> None:
    with pytest.raises(NavValidationError, match="can't be evaluated"):
        check_value(T, _field(type_, 10), bad)


def test_datetimes_become_utc_milliseconds() -> None:
    value = dt.datetime(2026, 1, 1, 12, 0, 0, 123456, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    assert check_value(T, _field(FieldType.DATETIME), value) == dt.datetime(2026, 1, 1, 10, 0, 0, 123000, dt.UTC)


@pytest.mark.parametrize(
    ("type_", "text", "value"),
    [
        (FieldType.DATE, "today", TODAY),
        (FieldType.DATE, "2030-02-03", dt.date(2030, 2, 3)),
        (FieldType.DATE, "", None),
        (FieldType.TIME, "14:00", dt.time(14)),
        (FieldType.BOOLEAN, "Yes", True),
        (FieldType.BOOLEAN, "false", False),
        (FieldType.INTEGER, "10000", 10000),
        (FieldType.DECIMAL, "1.50", Decimal("1.50")),
        (FieldType.DURATION, "1h30m", 90 * 60_000),
        (FieldType.DURATION, "2 days", 2 * 86_400_000),
        (FieldType.DATETIME, "2026-01-01T10:00:00Z", dt.datetime(2026, 1, 1, 10, tzinfo=dt.UTC)),
    ],
)
def test_parse_text(type_: FieldType, text: str, value: object) -> None:
    assert parse_text(T, _field(type_), text, today=TODAY) == value


@pytest.mark.parametrize(
    ("type_", "text"),
    [(FieldType.DATE, "tomorrow"), (FieldType.BOOLEAN, "maybe"), (FieldType.DURATION, "90"), (FieldType.TIME, "2pm")],
)
def test_parse_text_refuses_what_it_cannot_read(type_: FieldType, text: str) -> None:
    with pytest.raises(NavValidationError, match="can't be evaluated"):
        parse_text(T, _field(type_), text, today=TODAY)


@given(st.integers(min_value=0, max_value=10**12))
def test_durations_round_trip(ms: int) -> None:
    assert parse_duration(format_duration(ms)) == ms


def test_format_value() -> None:
    assert format_value(_field(FieldType.BOOLEAN), True) == "Yes"
    assert format_value(_field(FieldType.TIME), dt.time(9, 30)) == "09:30:00"
    assert format_value(_field(FieldType.DATE), None) == ""
    assert format_value(_field(FieldType.DURATION), 5_400_000) == "1h30m"


@given(st.sampled_from([f for t in schema.TABLES.values() for f in t.fields if f.type is FieldType.OPTION]), st.data())
def test_options_survive_storage(f: FieldDef, data: st.DataObject) -> None:
    caption = data.draw(st.sampled_from(f.options))
    assert from_db(f, to_db(f, caption)) == caption


@pytest.mark.parametrize(
    ("no", "after"), [("CT000001", "CT000002"), ("TD000009", "TD000010"), ("A99B", "A100B"), ("X-7", "X-8")]
)
def test_inc_str(no: str, after: str) -> None:
    assert inc_str(no) == after


def test_field_of_by_name_number_and_unknown() -> None:
    contact = schema.table_def(NavTable.CONTACT)
    assert field_of(contact, "phone no.").no == 9
    assert field_of(contact, "5066").name == "Next To-do Date"
    with pytest.raises(NavValidationError, match="does not exist in table 5050 Contact"):
        field_of(contact, "Colour")


def test_schema_keys_are_fields_and_numbers_unique() -> None:
    for t in schema.TABLES.values():
        numbers = [f.no for f in t.fields]
        assert len(numbers) == len(set(numbers)), t.name
        for name in t.key:
            t.field(name)
