from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from graphsync.connectors.nav import FieldDef, FieldType, NavTable, TableDef
from graphsync.errors import NavValidationError
from graphsync.nav import schema
from graphsync.nav.store import from_db, inc_str, to_db
from graphsync.nav.values import (
    check_value,
    code_upper,
    field_of,
    format_duration,
    format_value,
    parse_duration,
    parse_text,
    utf16_length,
)

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


EMOJI = "\U0001f600"  # one character, two UTF-16 code units


@pytest.mark.parametrize("type_", [FieldType.TEXT, FieldType.CODE])
def test_a_field_length_counts_utf16_code_units_so_an_emoji_takes_two(type_: FieldType) -> None:
    f = _field(type_, 50)
    fits = "A" * 48 + EMOJI
    assert check_value(T, f, fits) == fits  # 48 + 2 = 50
    with pytest.raises(NavValidationError) as raised:
        check_value(T, f, "A" * 49 + EMOJI)  # 50 characters, 51 code units
    assert raised.value.message.startswith(
        "The length of the string is 51, but it must be less than or equal to 50 characters."
    ), raised.value.message
    # Characters of the Basic Multilingual Plane count one each, however odd.
    odd = "\u202e\u200b\u0301\u2028\x00\x85" * 8 + "ab"
    assert check_value(T, f, odd) == (odd if type_ is FieldType.TEXT else odd.strip().upper())


def test_a_lone_surrogate_is_refused_with_a_message_that_can_itself_be_printed() -> None:
    for type_ in (FieldType.TEXT, FieldType.CODE):
        with pytest.raises(NavValidationError) as raised:
            check_value(T, _field(type_, 50), "ab\ud83d")
        message = raised.value.message
        assert "lone surrogate (U+D83D) at position 3" in message, message
        assert '"AB\\ud83d"' in message or '"ab\\ud83d"' in message, message
        message.encode("utf-8")  # a half character in the message would fail here, as in any log or console
    # A whole astral character is not a surrogate to Python (one code point) and is taken.
    assert check_value(T, _field(FieldType.TEXT, 2), EMOJI) == EMOJI


def test_code_upper_cases_character_by_character_as_dotnet_does() -> None:
    # Python's str.upper would make these "STRASSE" and "FIX" (longer than what was typed); NAV keeps them.
    assert check_value(T, _field(FieldType.CODE, 6), "straße") == "STRAßE"
    assert check_value(T, _field(FieldType.CODE, 3), "\ufb01x") == "\ufb01X"
    assert check_value(T, _field(FieldType.CODE, 4), "\u01c6\U00010428") == "\u01c4\U00010400"


@settings(derandomize=True, database=None, max_examples=200)
@given(
    st.text(st.characters() | st.characters(categories=["Cs"]) | st.sampled_from(" \U0001f600\u00df"), max_size=12),
    st.integers(min_value=1, max_value=24),
)
def test_code_and_text_take_a_value_exactly_when_its_utf16_length_fits(value: str, length: int) -> None:
    for type_ in (FieldType.TEXT, FieldType.CODE):
        stored = value.strip() if type_ is FieldType.CODE else value
        # Counted independently of the product: the UTF-16 encoding's size, as .NET would hold the string.
        units = len(stored.encode("utf-16-le", "surrogatepass")) // 2
        has_lone = any(0xD800 <= ord(c) <= 0xDFFF for c in stored)
        try:
            result = check_value(T, _field(type_, length), value)
        except NavValidationError:
            assert has_lone or units > length, (value, length)
        else:
            assert not has_lone and units <= length, (value, length)
            assert isinstance(result, str) and utf16_length(result) == units
            assert result == (code_upper(stored) if type_ is FieldType.CODE else value)
            assert len(result) == len(stored)  # upper-casing never changes a Code's length


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
