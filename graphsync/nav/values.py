"""NAV field values: checking them as NAV does, reading them from text, and writing them as text.

`check_value` is what NAV does when a value is assigned to a field: Code is upper-cased and trimmed,
a string longer than the field is refused, an option must be one of the field's captions, a value of the
wrong kind "can't be evaluated". Errors carry NAV's wording (`NavValidationError.message`).

A Text[n] or Code[n] field holds n UTF-16 code units, not n characters: NAV's strings are .NET strings and
its columns SQL ``nvarchar(n)``, so a character outside the Basic Multilingual Plane (an emoji) takes two of
the n, and NAV's "length of the string" counts it twice. A lone surrogate (half of such a pair, which JSON's
``\ud83d`` escape can carry) is no character at all: no UTF-8 file, database or JSON body can hold it, so it
is refused like an overlong value instead of failing later wherever the value is written.

`parse_text` reads what a person types (``2026-11-25``, ``today``, ``14:00``, ``yes``, ``1h30m``) and
`format_value` writes a value back in the same form, so the two round-trip.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation

from graphsync.connectors.nav import FieldDef, FieldType, TableDef
from graphsync.errors import NavValidationError
from graphsync.text import code_upper, escaped, lone_surrogate

_TRUE = frozenset({"yes", "true", "1", "y"})
_FALSE = frozenset({"no", "false", "0", "n", ""})
_DURATION_UNITS_MS = {
    "d": 86_400_000,
    "day": 86_400_000,
    "days": 86_400_000,
    "h": 3_600_000,
    "hour": 3_600_000,
    "hours": 3_600_000,
    "m": 60_000,
    "min": 60_000,
    "mins": 60_000,
    "minute": 60_000,
    "minutes": 60_000,
    "s": 1_000,
    "sec": 1_000,
    "second": 1_000,
    "seconds": 1_000,
    "ms": 1,
}
_DURATION_PART = re.compile(r"\s*(\d+)\s*([a-z]+)\s*")


def field_of(table: TableDef, ref: str | int) -> FieldDef:
    """A field by NAV name (any case) or number; NavValidationError listing the fields when there is none."""
    try:
        return table.field(ref)
    except KeyError:
        raise NavValidationError(
            f"The field {ref} does not exist in table {table.no} {table.name}. "
            f"Fields: {', '.join(f.name for f in table.fields)}",
            table=table.no,
            field=str(ref),
        ) from None


def _cannot_evaluate(table: TableDef, f: FieldDef, value: object) -> NavValidationError:
    return NavValidationError(
        f'The value "{value}" can\'t be evaluated into type {f.type.value}.', table=table.no, field=f.name
    )


def option_list(f: FieldDef) -> str:
    """The captions as NAV lists them: a blank first option shows as a space (`` ,Meeting,Phone Call``)."""
    return ",".join(c or " " for c in f.options)


def utf16_length(text: str) -> int:
    """The length NAV sees: UTF-16 code units, so each character past U+FFFF (an emoji) counts 2."""
    if text.isascii():
        return len(text)
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def printable(text: str) -> str:
    """A value quoted for a message, lone surrogates written as ``\\udxxx`` so the message itself can be
    printed, logged and stored as UTF-8."""
    return '"' + escaped(text) + '"'


def check_value(table: TableDef, f: FieldDef, value: object) -> object:
    """The value as NAV stores it after assignment to field ``f``, or NavValidationError in NAV's words."""
    t = f.type
    if t in (FieldType.CODE, FieldType.TEXT):
        if not isinstance(value, str):
            raise _cannot_evaluate(table, f, value)
        text = code_upper(value.strip()) if t is FieldType.CODE else value
        lone = lone_surrogate(text)
        if lone is not None:
            raise NavValidationError(
                f"The value {printable(text)} has a lone surrogate (U+{ord(lone.group()):04X}) at position "
                f"{lone.start() + 1}: half of a character, which cannot be stored.",
                table=table.no,
                field=f.name,
            )
        length = utf16_length(text)
        if f.length and length > f.length:
            raise NavValidationError(
                f"The length of the string is {length}, but it must be less than or equal to {f.length} "
                f"characters. Value: {text}",
                table=table.no,
                field=f.name,
            )
        return text
    if t is FieldType.OPTION:
        if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < len(f.options):
            return f.options[value]
        if isinstance(value, str):
            for caption in f.options:
                if caption.lower() == value.strip().lower():
                    return caption
        raise NavValidationError(
            f"'{value}' is not an option for {f.name} in {table.name}. The existing options are: {option_list(f)}",
            table=table.no,
            field=f.name,
        )
    if t is FieldType.BOOLEAN:
        if not isinstance(value, bool):
            raise _cannot_evaluate(table, f, value)
        return value
    if t in (FieldType.INTEGER, FieldType.DURATION):
        if isinstance(value, bool) or not isinstance(value, int):
            raise _cannot_evaluate(table, f, value)
        return value
    if t is FieldType.DECIMAL:
        if isinstance(value, bool) or not isinstance(value, int | Decimal):
            raise _cannot_evaluate(table, f, value)
        return Decimal(value)
    if t is FieldType.DATE:
        if value is None or (isinstance(value, dt.date) and not isinstance(value, dt.datetime)):
            return value
        raise _cannot_evaluate(table, f, value)
    if t is FieldType.TIME:
        if value is None or isinstance(value, dt.time):
            return None if value is None else value.replace(microsecond=(value.microsecond // 1000) * 1000)
        raise _cannot_evaluate(table, f, value)
    if t is FieldType.DATETIME:
        if value is None:
            return None
        if isinstance(value, dt.datetime) and value.tzinfo is not None:
            utc = value.astimezone(dt.UTC)
            return utc.replace(microsecond=(utc.microsecond // 1000) * 1000)
        raise _cannot_evaluate(table, f, value)
    raise _cannot_evaluate(table, f, value)  # pragma: no cover - every FieldType is handled above


def blank_value(f: FieldDef) -> object:
    """NAV's initial value of a field (Init): '' for text, 0, No, the first option, 0D / 0T / 0DT."""
    return {
        FieldType.CODE: "",
        FieldType.TEXT: "",
        FieldType.INTEGER: 0,
        FieldType.DURATION: 0,
        FieldType.DECIMAL: Decimal(0),
        FieldType.BOOLEAN: False,
        FieldType.OPTION: f.options[0] if f.options else "",
    }.get(f.type)


def has_value(f: FieldDef, value: object) -> bool:
    """True unless the value is the field's blank (what NAV's change log skips on insert and delete)."""
    return value != blank_value(f)


# ------------------------------------------------------------------ text in, text out


def parse_text(table: TableDef, f: FieldDef, text: str, *, today: dt.date) -> object:
    """A value typed by a person, read as field ``f`` expects it; NavValidationError when it cannot be."""
    t = f.type
    raw = text.strip()
    try:
        if t in (FieldType.CODE, FieldType.TEXT, FieldType.OPTION):
            return text
        if t is FieldType.BOOLEAN:
            if raw.lower() in _TRUE:
                return True
            if raw.lower() in _FALSE:
                return False
            raise ValueError(raw)
        if t is FieldType.INTEGER:
            return int(raw or "0")
        if t is FieldType.DECIMAL:
            return Decimal(raw or "0")
        if t is FieldType.DURATION:
            return parse_duration(raw)
        if t is FieldType.DATE:
            if not raw:
                return None
            if raw.lower() == "today":
                return today
            return dt.date.fromisoformat(raw)
        if t is FieldType.TIME:
            return dt.time.fromisoformat(raw) if raw else None
        if t is FieldType.DATETIME:
            if not raw:
                return None
            value = dt.datetime.fromisoformat(raw.replace("Z", "+00:00"))
            return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    except (ValueError, InvalidOperation):
        pass
    raise _cannot_evaluate(table, f, text)


def parse_duration(text: str) -> int:
    """``1h30m``, ``90 minutes``, ``2d``, ``45s``, ``250ms`` -> milliseconds. A bare number is refused: the
    unit would be a guess (only 0 needs none)."""
    raw = text.strip().lower()
    if raw in ("", "0"):
        return 0
    pos, total = 0, 0
    while pos < len(raw):
        m = _DURATION_PART.match(raw, pos)
        if not m or m.group(2) not in _DURATION_UNITS_MS:
            raise ValueError(text)
        total += int(m.group(1)) * _DURATION_UNITS_MS[m.group(2)]
        pos = m.end()
    return total


def format_duration(ms: int) -> str:
    if ms == 0:
        return "0"
    parts = []
    rest = ms
    for unit, size in (("d", 86_400_000), ("h", 3_600_000), ("m", 60_000), ("s", 1_000), ("ms", 1)):
        n, rest = divmod(rest, size)
        if n:
            parts.append(f"{n}{unit}")
    return "".join(parts)


def format_value(f: FieldDef, value: object) -> str:
    """A value as text: ISO dates and times, Yes/No, option captions, durations as ``1h30m``."""
    if value is None:
        return ""
    if f.type is FieldType.BOOLEAN:
        return "Yes" if value else "No"
    if f.type is FieldType.DURATION and isinstance(value, int):
        return format_duration(value)
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    if isinstance(value, dt.time):
        return value.isoformat(timespec="milliseconds" if value.microsecond else "seconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def json_value(f: FieldDef, value: object) -> object:
    """A value for JSON output: str/int/bool kept, dates and times as ISO text, decimals as text."""
    if value is None or isinstance(value, bool | int | str):
        return value
    return format_value(f, value)
