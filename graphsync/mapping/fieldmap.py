"""A bound field map: NAV field names, a Graph path or user-defined name, and a converter, per field.

`EntityMap` turns a NAV record or an Outlook item into normalised values (``{field id: str}``) and turns
changed normalised values back into NAV field values or a Graph PATCH body. Field ids are the Outlook
targets (``businessPhones[0]``, ``user:Territory Code``), stable across runs, so the last synced values
stored per field survive map edits.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cached_property, partial
from typing import Any, NamedTuple

from graphsync.errors import NavError
from graphsync.mapping.convert import Converter, DateTimeConverter, one_field_from_nav
from graphsync.mapping.paths import JsonPath, copy_json, trim_lists
from graphsync.text import code_upper


@dataclass(frozen=True)
class FieldMap:
    id: str
    nav_fields: tuple[str, ...]
    """NAV field names (one, or a date and a time)."""
    converter: Converter
    path: JsonPath | None = None
    """The Graph property path; None for a user-defined field."""
    user_field: str | None = None
    """The user-defined field's name (extended property / open extension); None for a path."""
    to_nav: bool = True
    """Whether Outlook's value may be written to NAV (False: read-only in NAV, or a computed field)."""
    to_outlook: bool = True
    """Whether NAV's value may be written to Outlook (False: Outlook owns it, a series' recurrence)."""
    upper: bool = False
    """User-defined fields only: the value is a NAV Code (compared upper-case)."""


ALL_DAY = "isAllDay"
"""Graph's all-day flag. An all-day event's start and end are floating dates (midnight, no zone) and its end
is exclusive (a one-day event ends at the next midnight), unlike NAV's inclusive Ending Date."""


def _all_day_role(f: FieldMap) -> str | None:
    if f.path is not None and f.path.text in ("start", "end") and isinstance(f.converter, DateTimeConverter):
        return f.path.text
    return None


# What `EntityMap` works out once per map for its per-item loops, instead of per field of every item: which
# converter method applies, where a field is read or written, and whether it is an event's start or end.

_TOP, _PATH, _USER = 0, 1, 2
"""Where a field lives in Outlook: a top-level property (a path of one step without index, read and written
whole), a longer path, or the user-defined fields."""


class _NavReader(NamedTuple):
    field_id: str
    name: str | None
    """The one NAV field the converter reads, given its value; None: it is given the values and reads them."""
    convert: Callable[[Any], str]


class _OutlookReader(NamedTuple):
    field_id: str
    source: int
    key: Any
    """The property name (_TOP), the bound `JsonPath.get` (_PATH) or the user-defined field's name (_USER)."""
    convert: Callable[[Any], str]


class _Writer(NamedTuple):
    source: int
    name: str
    """The top-level property (_TOP, _PATH) or the user-defined field's name (_USER)."""
    to_outlook: Callable[[str], Any]
    all_day_to_outlook: Callable[[str], Any] | None
    """The all-day form of an event's start or end; None for other fields."""
    set_at: Callable[[dict[str, Any], Any], None] | None
    """`JsonPath.setter` of a _PATH field."""


def _nav_reader(f: FieldMap) -> _NavReader:
    one = one_field_from_nav(f.converter) if len(f.nav_fields) == 1 else None
    if one is not None:
        return _NavReader(f.id, f.nav_fields[0], one)
    from_nav, names = f.converter.from_nav, f.nav_fields
    return _NavReader(f.id, None, lambda values: from_nav([values.get(n) for n in names]))


def _user_text(raw: Any) -> str:
    return (raw or "").strip()


def _user_code(raw: Any) -> str:
    return code_upper((raw or "").strip())


def _outlook_reader(f: FieldMap, *, all_day: bool) -> _OutlookReader:
    if f.user_field is not None:
        return _OutlookReader(f.id, _USER, f.user_field, _user_code if f.upper else _user_text)
    assert f.path is not None
    role = _all_day_role(f)
    convert: Callable[[Any], str] = f.converter.from_outlook
    if all_day and role is not None:
        assert isinstance(f.converter, DateTimeConverter)
        convert = partial(f.converter.from_outlook_all_day, end=role == "end")
    name = f.path.top_level_name
    if name is not None:
        return _OutlookReader(f.id, _TOP, name, convert)
    return _OutlookReader(f.id, _PATH, f.path.get, convert)


def _writer(f: FieldMap) -> _Writer:
    if f.user_field is not None:
        return _Writer(_USER, f.user_field, f.converter.to_outlook, None, None)
    assert f.path is not None
    role = _all_day_role(f)
    all_day = None
    if role is not None:
        assert isinstance(f.converter, DateTimeConverter)
        all_day = partial(f.converter.to_outlook_all_day, end=role == "end")
    source = _TOP if f.path.top_level_name is not None else _PATH
    return _Writer(source, f.path.root, f.converter.to_outlook, all_day, f.path.setter)


def _trimmed(value: Any) -> Any:
    """`trim_lists` of a value `outlook_body` built, for less work in the usual case of a flat object (a
    dateTimeTimeZone, an itemBody): it has no list to trim, so a shallow copy is the same result."""
    if type(value) is dict:
        for v in value.values():
            if isinstance(v, list | dict):
                return trim_lists(value)
        return dict(value)
    return trim_lists(value) if isinstance(value, list | dict) else value


@dataclass(frozen=True)
class EntityMap:
    fields: tuple[FieldMap, ...]

    @property
    def user_fields(self) -> tuple[str, ...]:
        return tuple(f.user_field for f in self.fields if f.user_field)

    @cached_property
    def _by_id(self) -> dict[str, FieldMap]:
        # Looked up for every changed field of every item written: a dict, not a scan of the fields.
        return {f.id: f for f in self.fields}

    @cached_property
    def _all_day_field(self) -> FieldMap | None:
        return next((f for f in self.fields if f.path is not None and f.path.text == ALL_DAY), None)

    @cached_property
    def _nav_readers(self) -> tuple[_NavReader, ...]:
        return tuple(_nav_reader(f) for f in self.fields)

    @cached_property
    def _outlook_readers(self) -> tuple[_OutlookReader, ...]:
        return tuple(_outlook_reader(f, all_day=False) for f in self.fields)

    @cached_property
    def _all_day_outlook_readers(self) -> tuple[_OutlookReader, ...]:
        return tuple(_outlook_reader(f, all_day=True) for f in self.fields)

    @cached_property
    def _writers(self) -> dict[str, _Writer]:
        return {f.id: _writer(f) for f in self.fields if f.to_outlook}

    @cached_property
    def _outlook_owned(self) -> frozenset[str]:
        """Fields Outlook owns (a series' recurrence): a body never carries them, whoever asks for one."""
        return frozenset(f.id for f in self.fields if not f.to_outlook)

    @cached_property
    def _all_day_ids(self) -> tuple[str, ...]:
        """The fields that change form when the all-day flag changes (an event's start and end)."""
        return tuple(f.id for f in self.fields if _all_day_role(f) is not None)

    def field(self, field_id: str) -> FieldMap:
        return self._by_id[field_id]

    def nav_norm(self, values: Mapping[str, object]) -> dict[str, str]:
        """Normalised values of a NAV record (its fields by name, plus any computed ``@`` fields)."""
        get = values.get
        return {
            field_id: convert(get(name)) if name is not None else convert(values)
            for field_id, name, convert in self._nav_readers
        }

    def nav_norm_each(self, values: Mapping[str, object]) -> tuple[dict[str, str], dict[str, NavError]]:
        """`nav_norm` field by field: the values that convert, and why each of the others does not (taken only
        once `nav_norm` raised, so that one bad value does not hide the others' changes)."""
        result: dict[str, str] = {}
        errors: dict[str, NavError] = {}
        for field_id, name, convert in self._nav_readers:
            try:
                result[field_id] = convert(values.get(name)) if name is not None else convert(values)
            except NavError as exc:
                errors[field_id] = exc
        return result, errors

    def outlook_norm(self, data: Mapping[str, Any], user_fields: Mapping[str, str | None] | None) -> dict[str, str]:
        result: dict[str, str] = {}
        readers = self._all_day_outlook_readers if data.get(ALL_DAY) is True else self._outlook_readers
        # A top-level property of something that is not an object reads as None, as `JsonPath.get` does.
        top = data.get if type(data) is dict or isinstance(data, Mapping) else {}.get
        user = (user_fields or {}).get
        for field_id, source, key, convert in readers:
            if source == _TOP:
                raw = top(key)
            elif source == _USER:
                raw = user(key)
            else:
                raw = key(data)
            result[field_id] = convert(raw)
        return result

    def outlook_norm_each(
        self, data: Mapping[str, Any], user_fields: Mapping[str, str | None] | None
    ) -> tuple[dict[str, str], dict[str, NavError]]:
        """`outlook_norm` field by field: the values that convert, and why each of the others cannot become a
        NAV value (taken only once `outlook_norm` raised)."""
        result: dict[str, str] = {}
        errors: dict[str, NavError] = {}
        for f in self.fields:
            try:
                result.update(EntityMap((f,)).outlook_norm(data, user_fields))
            except NavError as exc:
                errors[f.id] = exc
        return result, errors

    def _all_day(self, changes: Mapping[str, str], current: Mapping[str, Any] | None, full: Mapping[str, str]) -> bool:
        f = self._all_day_field
        if f is not None:
            if f.id in changes:
                return changes[f.id] == "1"
            if f.id in full:
                return full[f.id] == "1"
        return bool(current and current.get(ALL_DAY) is True)

    def nav_values(self, changes: Mapping[str, str]) -> dict[str, object]:
        """NAV field values for changed normalised values (ConversionError when one cannot be converted)."""
        values: dict[str, object] = {}
        for field_id, norm in changes.items():
            f = self.field(field_id)
            for name, value in zip(f.nav_fields, f.converter.to_nav(norm), strict=False):
                values[name] = value
        return values

    def nav_values_each(self, changes: Mapping[str, str]) -> tuple[dict[str, dict[str, object]], dict[str, NavError]]:
        """`nav_values` per changed field (its NAV field values, by field id), and why each field whose value
        cannot be converted cannot (taken only once `nav_values` raised, or NAV refused one field's value)."""
        values: dict[str, dict[str, object]] = {}
        errors: dict[str, NavError] = {}
        for field_id, norm in changes.items():
            try:
                values[field_id] = self.nav_values({field_id: norm})
            except NavError as exc:
                errors[field_id] = exc
        return values, errors

    def write_group(self, field_id: str) -> str:
        """The piece of an Outlook item a field's value is written with, named by its top-level property: the
        fields under one property go together (a body writes it whole), a user-defined field alone, and an
        event's start, end and all-day flag together (each one's form depends on the flag, and Graph checks that
        the end is after the start). Graph refuses a body whole; a piece is what can be refused alone."""
        f = self._by_id.get(field_id)
        if f is None or f.path is None:
            return field_id  # a user-defined field (or one removed from the map): its own piece
        if f.path.text == ALL_DAY or _all_day_role(f) is not None:
            return "start, end"
        return f.path.root

    def _with_all_day_fields(self, changes: Mapping[str, str], full: Mapping[str, str]) -> Mapping[str, str]:
        """``changes`` plus, when the all-day flag changes, the start and end from ``full``: they then change
        form, not value. Copied only then (the flag rarely changes)."""
        f = self._all_day_field
        if f is None or f.id not in changes:
            return changes
        extended = dict(changes)
        for field_id in self._all_day_ids:
            if field_id not in extended and field_id in full:
                extended[field_id] = full[field_id]
        return extended

    def outlook_body(
        self,
        changes: Mapping[str, str],
        current: Mapping[str, Any] | None,
        full: Mapping[str, str] | None = None,
    ) -> tuple[dict[str, Any], dict[str, str | None]]:
        """A Graph body (whole top-level properties, so list and object siblings survive) and user fields.

        ``current`` is the item's JSON as last seen (None for a create); ``full`` the source side's values of
        every field, used when the all-day flag changes (start and end then change form, not value)."""
        roots: dict[str, Any] = {}
        user: dict[str, str | None] = {}
        full = full or {}
        all_day = self._all_day(changes, current, full)
        writers = self._writers
        for field_id, norm in self._with_all_day_fields(changes, full).items():
            w = writers.get(field_id)
            if w is None:
                if field_id in self._outlook_owned:
                    continue
                if field_id.startswith("user:"):
                    # A user-defined field removed from the map: its value is removed from the item.
                    user[field_id.removeprefix("user:")] = None
                    continue
                self.field(field_id)  # KeyError: not a field of this map
            assert w is not None
            source, name, to_outlook, all_day_to_outlook, set_at = w
            if source == _USER:
                user[name] = norm or None
                continue
            value = all_day_to_outlook(norm) if all_day and all_day_to_outlook is not None else to_outlook(norm)
            if source == _TOP:
                roots[name] = value  # a top-level property (most fields): replaced whole, nothing to merge
                continue
            if name not in roots:
                roots[name] = copy_json(current.get(name)) if current else None
            assert set_at is not None
            set_at(roots, value)  # writes below roots[name] only
        return {root: value if type(value) is str else _trimmed(value) for root, value in roots.items()}, user
