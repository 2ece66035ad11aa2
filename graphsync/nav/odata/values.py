"""NAV values in OData's JSON, both ways, by NAV field type.

NAV has no null: a blank Date (0D) travels as ``0001-01-01`` and a blank Time (0T) as ``00:00:00``, so
midnight and "no time" look the same over OData (read back as None). Dates are Edm.Date, times
Edm.TimeOfDay, DateTimes Edm.DateTimeOffset in UTC, Durations Edm.Duration (``PT1H30M``), Decimals JSON
numbers, options in the server's form (`graphsync.nav.odata.names.OptionForm`).
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from graphsync.connectors.nav import FieldDef, FieldType
from graphsync.nav.odata.names import OptionForm, decode_option, encode_option

BLANK_DATE = "0001-01-01"
BLANK_TIME = "00:00:00"
_DURATION = re.compile(r"^(-)?P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$")


class BadValue(ValueError):
    """A value in a response is not what the field's type can hold."""


def encode(f: FieldDef, value: object, *, options: OptionForm = OptionForm.NAMES) -> object:
    """A Python value of NAV's type as the JSON NAV's OData expects for field ``f`` (options in the form
    ``options``). Values of another kind are sent as they are, so that NAV answers with its own message."""
    t = f.type
    if t is FieldType.OPTION and isinstance(value, str):
        return encode_option(value, options)
    if t is FieldType.DATE:
        if value is None:
            return BLANK_DATE
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            return value.isoformat()
    if t is FieldType.TIME:
        if value is None:
            return BLANK_TIME
        if isinstance(value, dt.time):
            return value.isoformat(timespec="milliseconds" if value.microsecond else "seconds")
    if t is FieldType.DATETIME:
        if value is None:
            return "0001-01-01T00:00:00Z"
        if isinstance(value, dt.datetime) and value.tzinfo is not None:
            return value.astimezone(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    if t is FieldType.DURATION and isinstance(value, int) and not isinstance(value, bool):
        return duration_text(value)
    if isinstance(value, Decimal):
        return float(value) if value != value.to_integral_value() else int(value)
    return value


def decode(f: FieldDef, raw: object) -> object:
    """A JSON value from NAV's OData as the Python value of field ``f``'s type; BadValue when it cannot be."""
    t = f.type
    try:
        if t in (FieldType.CODE, FieldType.TEXT):
            return "" if raw is None else _str(raw)
        if t is FieldType.OPTION:
            return decode_option(_str(raw))
        if t is FieldType.BOOLEAN:
            if isinstance(raw, bool):
                return raw
            raise BadValue(raw)
        if t is FieldType.INTEGER:
            if isinstance(raw, int) and not isinstance(raw, bool):
                return raw
            raise BadValue(raw)
        if t is FieldType.DECIMAL:
            if isinstance(raw, bool):
                raise BadValue(raw)
            return Decimal(str(raw))
        if t is FieldType.DATE:
            text = _str(raw)
            return None if text in ("", BLANK_DATE) else dt.date.fromisoformat(text)
        if t is FieldType.TIME:
            text = _str(raw)
            if text in ("", BLANK_TIME, "00:00:00.000", "00:00"):
                return None
            parsed = dt.time.fromisoformat(text)
            return parsed.replace(microsecond=(parsed.microsecond // 1000) * 1000)
        if t is FieldType.DATETIME:
            text = _str(raw)
            if text == "" or text.startswith("0001-01-01"):
                return None
            value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
            value = value if value.tzinfo else value.replace(tzinfo=dt.UTC)
            return value.astimezone(dt.UTC)
        if t is FieldType.DURATION:
            if isinstance(raw, int) and not isinstance(raw, bool):
                return raw
            return parse_duration(_str(raw))
    except ValueError as exc:
        raise BadValue(raw) from exc
    raise BadValue(raw)  # pragma: no cover - every FieldType is handled above


def _str(raw: object) -> str:
    if isinstance(raw, str):
        return raw
    raise BadValue(raw)


def duration_text(ms: int) -> str:
    """Milliseconds as an ISO 8601 duration (Edm.Duration)."""
    sign = "-" if ms < 0 else ""
    rest = abs(ms)
    days, rest = divmod(rest, 86_400_000)
    hours, rest = divmod(rest, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    seconds, millis = divmod(rest, 1000)
    out = f"{sign}P" + (f"{days}D" if days else "")
    clock = (f"{hours}H" if hours else "") + (f"{minutes}M" if minutes else "")
    if seconds or millis:
        clock += f"{seconds}.{millis:03d}S" if millis else f"{seconds}S"
    if clock:
        out += "T" + clock
    return out if out not in ("P", "-P") else "PT0S"


def parse_duration(text: str) -> int:
    m = _DURATION.match(text.strip())
    if not m or text.strip() in ("P", "PT"):
        raise BadValue(text)
    sign, days, hours, minutes, seconds = m.groups()
    ms = int(days or 0) * 86_400_000 + int(hours or 0) * 3_600_000 + int(minutes or 0) * 60_000
    ms += round(Decimal(seconds or 0) * 1000)
    return -ms if sign else ms


def filter_literal(f: FieldDef, value: object, *, options: OptionForm = OptionForm.NAMES) -> str:
    """A value as a literal in ``$filter``: strings quoted with ``'`` doubled, dates and times bare."""
    encoded = encode(f, value, options=options)
    if isinstance(encoded, bool):
        return "true" if encoded else "false"
    if isinstance(encoded, int | float):
        return str(encoded)
    text = str(encoded)
    if f.type in (FieldType.DATE, FieldType.TIME, FieldType.DATETIME, FieldType.DURATION):
        return text if f.type is not FieldType.DURATION else f"duration'{text}'"
    return "'" + text.replace("'", "''") + "'"


def key_literal(f: FieldDef, part: str) -> str:
    """A key part (as NAV renders it, text) as a literal in ``Service(...)``."""
    if f.type in (FieldType.INTEGER, FieldType.DURATION):
        int(part)  # a number or ValueError
        return part
    return "'" + part.replace("'", "''") + "'"


_GUID = re.compile(r"^\{?([0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12})\}?$")


def guid_text(raw: str) -> str:
    """An Edm.Guid value (``5d0b...-...``, OData's form, without braces) as NAV formats a GUID: in capitals,
    between braces, as graphsync holds GUIDs (`graphsync.nav.schema`); the null GUID stays blank. BadValue
    when it is not a GUID."""
    m = _GUID.match(raw.strip())
    if m is None:
        if raw.strip() == "":
            return ""
        raise BadValue(raw)
    text = m.group(1).upper()
    return "" if text == "00000000-0000-0000-0000-000000000000" else "{" + text + "}"


def guid_json(text: str) -> str:
    """A GUID as graphsync holds it (NAV's ``{XXXXXXXX-...}``, or blank) as OData's JSON writes an Edm.Guid:
    without braces, in small letters; blank is the null GUID. BadValue when it is not a GUID."""
    if text.strip() == "":
        return "00000000-0000-0000-0000-000000000000"
    m = _GUID.match(text.strip())
    if m is None:
        raise BadValue(text)
    return m.group(1).lower()
