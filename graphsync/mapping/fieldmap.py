"""A bound field map: NAV field names, a Graph path or user-defined name, and a converter, per field.

`EntityMap` turns a NAV record or an Outlook item into normalised values (``{field id: str}``) and turns
changed normalised values back into NAV field values or a Graph PATCH body. Field ids are the Outlook
targets (``businessPhones[0]``, ``user:Territory Code``), stable across runs, so the last synced values
stored per field survive map edits.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from graphsync.mapping.convert import Converter, DateTimeConverter
from graphsync.mapping.paths import JsonPath, trim_lists


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
    upper: bool = False
    """User-defined fields only: the value is a NAV Code (compared upper-case)."""


ALL_DAY = "isAllDay"
"""Graph's all-day flag. An all-day event's start and end are floating dates (midnight, no zone) and its end
is exclusive (a one-day event ends at the next midnight), unlike NAV's inclusive Ending Date."""


def _all_day_role(f: FieldMap) -> str | None:
    if f.path is not None and f.path.text in ("start", "end") and isinstance(f.converter, DateTimeConverter):
        return f.path.text
    return None


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

    def field(self, field_id: str) -> FieldMap:
        return self._by_id[field_id]

    def nav_norm(self, values: Mapping[str, object]) -> dict[str, str]:
        """Normalised values of a NAV record (its fields by name, plus any computed ``@`` fields)."""
        return {f.id: f.converter.from_nav([values.get(n) for n in f.nav_fields]) for f in self.fields}

    def outlook_norm(self, data: Mapping[str, Any], user_fields: Mapping[str, str | None] | None) -> dict[str, str]:
        result: dict[str, str] = {}
        all_day = data.get(ALL_DAY) is True
        for f in self.fields:
            if f.user_field is not None:
                text = ((user_fields or {}).get(f.user_field) or "").strip()
                result[f.id] = text.upper() if f.upper else text
                continue
            assert f.path is not None
            role = _all_day_role(f)
            if all_day and role is not None:
                assert isinstance(f.converter, DateTimeConverter)
                result[f.id] = f.converter.from_outlook_all_day(f.path.get(data), end=role == "end")
            else:
                result[f.id] = f.converter.from_outlook(f.path.get(data))
        return result

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
        changes = dict(changes)
        if self._all_day_field is not None and self._all_day_field.id in changes:
            for f in self.fields:
                if _all_day_role(f) is not None and f.id not in changes and f.id in full:
                    changes[f.id] = full[f.id]
        for field_id, norm in changes.items():
            if field_id.startswith("user:") and field_id not in self._by_id:
                # A user-defined field removed from the map: its value is removed from the item.
                user[field_id.removeprefix("user:")] = None
                continue
            f = self.field(field_id)
            if f.user_field is not None:
                user[f.user_field] = norm or None
                continue
            assert f.path is not None
            root = f.path.root
            role = _all_day_role(f)
            if all_day and role is not None:
                assert isinstance(f.converter, DateTimeConverter)
                value = f.converter.to_outlook_all_day(norm, end=role == "end")
            else:
                value = f.converter.to_outlook(norm)
            if len(f.path.steps) == 1 and f.path.steps[0].index is None:
                roots[root] = value  # a top-level property (most fields): replaced whole, nothing to merge
                continue
            if root not in roots:
                roots[root] = copy.deepcopy(current.get(root)) if current else None
            holder = {root: roots[root]}
            f.path.set(holder, value)
            roots[root] = holder[root]
        return {
            root: trim_lists(value) if isinstance(value, list | dict) else value for root, value in roots.items()
        }, user
