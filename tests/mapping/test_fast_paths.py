"""The per-item mapping functions take precomputed fast paths (see `EntityMap`, `JsonPath.get`, `copy_json`,
`OneField`); these tests hold them to the straightforward per-field versions they replace, which are kept
here as the reference."""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from types import MappingProxyType
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from graphsync.mapping.convert import (
    Conversion,
    DateTimeConverter,
    OneField,
    TextConverter,
    make_converter,
    one_field_from_nav,
)
from graphsync.mapping.fieldmap import ALL_DAY, EntityMap, FieldMap
from graphsync.mapping.paths import JsonPath, copy_json, parse_path, trim_lists
from graphsync.text import code_upper

# ----------------------------------------------------------------------------- the reference versions


def _ref_get(path: JsonPath, item: Any) -> Any:
    node: Any = item
    for step in path.steps:
        if not isinstance(node, Mapping):
            return None
        node = node.get(step.name)
        if step.index is not None:
            if not isinstance(node, list) or step.index >= len(node):
                return None
            node = node[step.index]
    return node


def _ref_set(path: JsonPath, target: dict[str, Any], value: Any) -> None:
    node: Any = target
    for pos, step in enumerate(path.steps):
        last = pos == len(path.steps) - 1
        if step.index is None:
            if last:
                node[step.name] = value
                return
            child = node.get(step.name)
            if not isinstance(child, dict):
                child = {}
                node[step.name] = child
            node = child
            continue
        seq = node.get(step.name)
        if not isinstance(seq, list):
            seq = []
            node[step.name] = seq
        while len(seq) <= step.index:
            seq.append("" if last else {})
        if last:
            seq[step.index] = value
            while seq and _ref_blank(seq[-1]):
                seq.pop()
            return
        if not isinstance(seq[step.index], dict):
            seq[step.index] = {}
        node = seq[step.index]


def _ref_blank(value: Any) -> bool:
    if value is None or value == "":
        return True
    if isinstance(value, Mapping):
        return all(_ref_blank(v) for v in value.values())
    return False


def _ref_role(f: FieldMap) -> str | None:
    if f.path is not None and f.path.text in ("start", "end") and isinstance(f.converter, DateTimeConverter):
        return f.path.text
    return None


def _ref_nav_norm(emap: EntityMap, values: Mapping[str, object]) -> dict[str, str]:
    return {f.id: f.converter.from_nav([values.get(n) for n in f.nav_fields]) for f in emap.fields}


def _ref_outlook_norm(
    emap: EntityMap, data: Mapping[str, Any], user_fields: Mapping[str, Any] | None
) -> dict[str, str]:
    result: dict[str, str] = {}
    all_day = data.get(ALL_DAY) is True
    for f in emap.fields:
        if f.user_field is not None:
            text = ((user_fields or {}).get(f.user_field) or "").strip()
            result[f.id] = code_upper(text) if f.upper else text  # NAV's Code: ß stays ß, never SS
            continue
        assert f.path is not None
        role = _ref_role(f)
        if all_day and role is not None:
            assert isinstance(f.converter, DateTimeConverter)
            result[f.id] = f.converter.from_outlook_all_day(_ref_get(f.path, data), end=role == "end")
        else:
            result[f.id] = f.converter.from_outlook(_ref_get(f.path, data))
    return result


def _ref_outlook_body(
    emap: EntityMap, changes: Mapping[str, str], current: Mapping[str, Any] | None, full: Mapping[str, str] | None
) -> tuple[dict[str, Any], dict[str, str | None]]:
    by_id = {f.id: f for f in emap.fields}
    flag = next((f for f in emap.fields if f.path is not None and f.path.text == ALL_DAY), None)
    roots: dict[str, Any] = {}
    user: dict[str, str | None] = {}
    full = full or {}
    if flag is not None and flag.id in changes:
        all_day = changes[flag.id] == "1"
    elif flag is not None and flag.id in full:
        all_day = full[flag.id] == "1"
    else:
        all_day = bool(current and current.get(ALL_DAY) is True)
    changes = dict(changes)
    if flag is not None and flag.id in changes:
        for f in emap.fields:
            if _ref_role(f) is not None and f.id not in changes and f.id in full:
                changes[f.id] = full[f.id]
    for field_id, norm in changes.items():
        if field_id.startswith("user:") and field_id not in by_id:
            user[field_id.removeprefix("user:")] = None
            continue
        f = by_id[field_id]
        if f.user_field is not None:
            user[f.user_field] = norm or None
            continue
        assert f.path is not None
        root = f.path.root
        role = _ref_role(f)
        if all_day and role is not None:
            assert isinstance(f.converter, DateTimeConverter)
            value = f.converter.to_outlook_all_day(norm, end=role == "end")
        else:
            value = f.converter.to_outlook(norm)
        if len(f.path.steps) == 1 and f.path.steps[0].index is None:
            roots[root] = value
            continue
        if root not in roots:
            roots[root] = copy.deepcopy(current.get(root)) if current else None
        holder = {root: roots[root]}
        _ref_set(f.path, holder, value)
        roots[root] = holder[root]
    return {root: trim_lists(v) if isinstance(v, list | dict) else v for root, v in roots.items()}, user


# ----------------------------------------------------------------------------- a map of every kind of field


def _field(field_id: str, nav: tuple[str, ...], conversion: Conversion, **kw: Any) -> FieldMap:
    converter = make_converter(
        conversion, time_zone="Europe/London", values=(("High", "high"), ("Waiting", "waitingOnOthers"))
    )
    if field_id.startswith("user:"):
        return FieldMap(field_id, nav, converter, user_field=field_id.removeprefix("user:"), **kw)
    return FieldMap(field_id, nav, converter, path=parse_path(field_id), **kw)


MAP = EntityMap(
    (
        _field("displayName", ("Name",), Conversion.TEXT),
        _field("user:Salesperson Code", ("Salesperson Code",), Conversion.CODE, upper=True),
        _field("user:Note", ("Note",), Conversion.TEXT),
        _field("businessPhones[0]", ("Phone",), Conversion.TEXT),
        _field("businessPhones[1]", ("Phone 2",), Conversion.TEXT),
        _field("emailAddresses[1].address", ("E-Mail 2",), Conversion.TEXT),
        _field("businessAddress.countryOrRegion", ("Country",), Conversion.COUNTRY),
        _field("businessAddress.city", ("City",), Conversion.CODE),
        _field("importance", ("Priority",), Conversion.OPTION),
        _field("start", ("Date", "Start Time"), Conversion.DATETIME),
        _field("end", ("Ending Date", "Ending Time"), Conversion.DATETIME),
        _field("isAllDay", ("All Day",), Conversion.BOOLEAN),
        _field("dueDateTime", ("Due",), Conversion.DATE),
        _field("count", ("Count",), Conversion.INTEGER),
        _field("amount", ("Amount",), Conversion.DECIMAL),
        _field("body", ("Text",), Conversion.BODY),
        _field("attendees", ("@Attendees",), Conversion.ATTENDEES),
        _field("location.displayName", ("Location",), Conversion.TEXT),
    )
)
KEYS = ["address", "name", "dateTime", "timeZone", "content", "contentType", "type", "emailAddress", "city"]

leaves = (
    st.none()
    | st.booleans()
    | st.integers(-5, 5)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=4)
    | st.sampled_from(["", " x ", "High", "united kingdom", "2026-07-01T09:00:00.0000000", "2026-03-29", "html"])
)
json_values = st.recursive(
    leaves, lambda c: st.lists(c, max_size=3) | st.dictionaries(st.sampled_from(KEYS), c, max_size=3), max_leaves=8
)
texts = st.none() | st.text(max_size=4) | st.sampled_from(["", " x ", "gb", "High", "waitingonothers", " a \n\n b "])

# Values each kind of field converts without an error, most of the time: an error in any field ends the
# call, which would hide a difference in the other fields' values.
date_times = st.fixed_dictionaries(
    {},
    optional={
        "dateTime": st.sampled_from(["", "2026-07-01T09:00:00.0000000", "2026-03-29T01:30:00", "2026-10-25", "bad"]),
        "timeZone": st.sampled_from(["UTC", "Europe/London", "Pacific Standard Time", "GMT Standard Time", "Nowhere"]),
    },
)
attendee = st.fixed_dictionaries(
    {},
    optional={
        "type": st.sampled_from(["required", "Optional", "resource", ""]),
        "emailAddress": st.fixed_dictionaries({}, optional={"address": texts, "name": texts}),
    },
)
bodies = st.fixed_dictionaries(
    {},
    optional={"contentType": st.sampled_from(["text", "html", "HTML"]), "content": texts | st.just("<p>a&amp;b</p>")},
)
OUTLOOK_VALUES: dict[str, Any] = {
    "CountryConverter": texts,
    "OptionConverter": texts,
    "DateTimeConverter": date_times,
    "DateConverter": date_times,
    "BooleanConverter": st.booleans() | st.none(),
    "NumberConverter": st.none() | st.integers(-5, 5) | st.floats(-9, 9) | st.sampled_from(["1.50", " 2 ", "x"]),
    "BodyConverter": bodies,
    "AttendeesConverter": st.lists(attendee, max_size=3),
}
NAV_VALUES: dict[str, Any] = {
    "DateTimeConverter": st.none() | st.dates(dt.date(1990, 1, 1), dt.date(2100, 1, 1)) | st.times(),
    "DateConverter": st.none() | st.dates(dt.date(1990, 1, 1), dt.date(2100, 1, 1)),
    "BooleanConverter": st.booleans() | st.none() | st.integers(0, 1),
    "NumberConverter": st.none() | st.integers(-5, 5) | st.decimals(-9, 9, places=2) | st.sampled_from(["1.50", "x"]),
}
NORMS: dict[str, list[str]] = {
    "DateTimeConverter": ["", "2026-07-01T10:00:00", "2026-03-29T01:30:00", "2026-10-25T01:30:00", "x"],
    "DateConverter": ["", "2026-07-01", "2026-02-28"],
    "BooleanConverter": ["", "0", "1"],
    "NumberConverter": ["0", "12", "1.5", "x"],
    "AttendeesConverter": ["", "required:a@x;optional:b@y", ";", "x"],
}


def _kind(f: FieldMap) -> str:
    return type(f.converter).__name__


def _shuffled(mapping: dict[str, Any]) -> Any:
    return st.permutations(list(mapping.items())).map(dict)


def _sometimes(good: Any, anything: Any) -> Any:
    return st.one_of(good, good, good, anything)


nav_records = st.fixed_dictionaries(
    {},
    optional={
        n: _sometimes(NAV_VALUES.get(_kind(f), texts), leaves | st.dates() | st.times())
        for f in MAP.fields
        for n in f.nav_fields
    },
)
items = st.fixed_dictionaries(
    {"isAllDay": st.sampled_from([True, False, None, "true"])},
    optional={
        f.path.root: _sometimes(OUTLOOK_VALUES.get(_kind(f), texts), json_values)
        for f in MAP.fields
        if f.path is not None and f.path.top_level_name is not None and f.path.root != ALL_DAY
    }
    | {
        "emailAddresses": _sometimes(
            st.lists(st.fixed_dictionaries({}, optional={"address": texts}), max_size=3), json_values
        )
    }
    | {r: json_values for r in ("businessPhones", "businessAddress", "location", "id")},
).flatmap(_shuffled)
user_fields = st.none() | st.fixed_dictionaries(
    {}, optional={"Salesperson Code": _sometimes(texts, leaves), "Note": texts, "Other": texts}
)
changes = st.fixed_dictionaries(
    {},
    optional={f.id: st.sampled_from(NORMS.get(_kind(f), ["", "x", "GB", "High", "waiting", " a "])) for f in MAP.fields}
    | {"user:Gone": st.just("x"), "unknown": st.just("x")},
).flatmap(_shuffled)
fulls = st.none() | st.fixed_dictionaries(
    {}, optional={f.id: st.sampled_from(NORMS.get(_kind(f), ["", "x"])) for f in MAP.fields}
)


def _outcome(fn: Callable[[], Any]) -> tuple[Any, ...]:
    try:
        result = fn()
    except Exception as exc:  # the same exception is the expected behaviour
        return ("raised", type(exc), str(exc))
    return ("returned", repr(result))  # repr: the same values, in the same order


FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(nav_records)
def test_nav_norm_is_the_per_field_conversion(values: dict[str, object]) -> None:
    assert _outcome(lambda: MAP.nav_norm(values)) == _outcome(lambda: _ref_nav_norm(MAP, values))


@FUZZ
@given(items, user_fields)
@example({}, {"Salesperson Code": "ß"})  # a Code NAV upper-cases character by character: ß stays ß (CI found it)
def test_outlook_norm_is_the_per_field_conversion(item: dict[str, Any], user: dict[str, Any] | None) -> None:
    assert _outcome(lambda: MAP.outlook_norm(item, user)) == _outcome(lambda: _ref_outlook_norm(MAP, item, user))


@FUZZ
@given(changes, st.none() | items, fulls)
def test_outlook_body_is_the_per_field_write(
    changes: dict[str, str], current: dict[str, Any] | None, full: dict[str, str] | None
) -> None:
    before = copy.deepcopy((changes, current, full))
    new = _outcome(lambda: MAP.outlook_body(changes, current, full))
    assert (changes, current, full) == before  # nothing given is modified
    assert new == _outcome(lambda: _ref_outlook_body(MAP, changes, current, full))


@FUZZ
@given(
    st.sampled_from(["0", "1", ""]),
    changes,
    st.none() | items,
    st.fixed_dictionaries({}, optional={"start": st.sampled_from(NORMS["DateTimeConverter"]), "end": st.just("")}),
)
def test_outlook_body_rewrites_start_and_end_when_the_all_day_flag_changes(
    flag: str, changes: dict[str, str], current: dict[str, Any] | None, full: dict[str, str]
) -> None:
    changes = {"isAllDay": flag, **{k: v for k, v in changes.items() if k not in ("start", "end")}}
    assert _outcome(lambda: MAP.outlook_body(changes, current, full)) == _outcome(
        lambda: _ref_outlook_body(MAP, changes, current, full)
    )


def test_outlook_body_trims_the_lists_inside_an_object_it_merges_into() -> None:
    current = {"businessAddress": {"street": "1 High St", "lines": ["a", "", {"x": ""}], "more": {"l": [""]}}}
    body, _ = MAP.outlook_body({"businessAddress.city": "LEEDS"}, current)
    assert body == {"businessAddress": {"street": "1 High St", "lines": ["a"], "more": {"l": []}, "city": "LEEDS"}}
    assert (
        repr((body, {}))
        == _outcome(lambda: _ref_outlook_body(MAP, {"businessAddress.city": "LEEDS"}, current, None))[1]
    )


@FUZZ
@given(st.sampled_from([f.path for f in MAP.fields if f.path is not None]), json_values | items, json_values)
def test_paths_read_and_write_as_a_step_by_step_walk(path: JsonPath, item: Any, value: Any) -> None:
    assert path.get(item) == _ref_get(path, item)
    if isinstance(item, dict):
        mine, ref = copy.deepcopy(item), copy.deepcopy(item)
        assert _outcome(lambda: path.set(mine, value)) == _outcome(lambda: _ref_set(path, ref, value))
        assert repr(mine) == repr(ref)
        made, walked = copy.deepcopy(item), copy.deepcopy(item)  # the setter made for the path's shape
        assert _outcome(lambda: path.setter(made, value)) == _outcome(lambda: _ref_set(path, walked, value))
        assert repr(made) == repr(walked)


def test_the_default_maps_shapes_have_setters_of_their_own() -> None:
    """``a.b``, ``a[0]`` and ``a[0].b`` (addresses, phones, e-mail addresses) are written without the walk;
    longer paths take it."""
    shapes = ["businessAddress.city", "businessPhones[0]", "emailAddresses[1].address", "a.b.c", "a[0].b[1]"]
    setters = {text: parse_path(text).setter.__name__ for text in shapes}
    assert setters == {
        "businessAddress.city": "set_below",
        "businessPhones[0]": "set_in_list",
        "emailAddresses[1].address": "set_below",
        "a.b.c": "set",
        "a[0].b[1]": "set",
    }


@FUZZ
@given(json_values)
def test_copy_json_is_a_deep_copy(value: Any) -> None:
    copied = copy_json(value)
    assert repr(copied) == repr(copy.deepcopy(value))
    if isinstance(value, list | dict) and value:
        assert copied is not value


def test_copy_json_keeps_what_deepcopy_keeps() -> None:
    shared = {"address": "a@x"}
    value = {"emailAddresses": [shared, shared], "when": dt.date(2026, 1, 1), "n": Decimal("1.5")}
    copied = copy_json(value)
    assert copied == value and copied["emailAddresses"][0] is copied["emailAddresses"][1]  # sharing kept
    assert copied["emailAddresses"][0] is not shared
    loop: list[Any] = []
    loop.append(loop)
    assert copy_json(loop)[0] is not loop


def test_a_path_of_one_step_reads_only_objects() -> None:
    path = parse_path("displayName")
    assert path.top_level_name == "displayName" and parse_path("a[0]").top_level_name is None
    assert path.get({"displayName": "x"}) == "x" and path.get({}) is None
    assert path.get(MappingProxyType({"displayName": "y"})) == "y"
    assert path.get(["displayName"]) is None and path.get("displayName") is None  # type: ignore[arg-type]


@pytest.mark.parametrize("conversion", [c for c in Conversion if c not in (Conversion.DATETIME, Conversion.RECURRENCE)])
@pytest.mark.parametrize("value", [None, "", " Ab ", 3, 1.5, True, Decimal("2.50"), dt.date(2026, 1, 2), "x1", [1]])
def test_one_field_converters_read_the_first_value(conversion: Conversion, value: object) -> None:
    converter = make_converter(conversion, values=(("High", "high"),))
    one = one_field_from_nav(converter)
    assert one is not None
    assert _outcome(lambda: one(value)) == _outcome(lambda: converter.from_nav([value]))


def test_a_converter_overriding_from_nav_is_called_as_the_protocol_says() -> None:
    @dataclass(frozen=True)
    class Initials(TextConverter):
        def from_nav(self, values: Sequence[object]) -> str:
            return "".join(str(v)[:1] for v in values)

    @dataclass(frozen=True)
    class Plain:
        def from_nav(self, values: Sequence[object]) -> str:
            return str(values[0])

    assert one_field_from_nav(Initials()) is None and one_field_from_nav(Plain()) is None  # type: ignore[arg-type]
    assert isinstance(Initials(), OneField)
    emap = EntityMap(
        (
            FieldMap("displayName", ("Name",), Initials(), path=parse_path("displayName")),
            FieldMap("jobTitle", ("Job",), Plain(), path=parse_path("jobTitle")),  # type: ignore[arg-type]
        )
    )
    assert emap.nav_norm({"Name": "Ada", "Job": 7}) == {"displayName": "A", "jobTitle": "7"}


@pytest.mark.parametrize("text", ["high", "HIGH", "Hi", "", "waitingOnOthers", "Waiting", "x"])
def test_option_tables_match_as_a_scan_of_the_pairs_does(text: str) -> None:
    pairs = (("High", "high"), ("Urgent", "HIGH"), ("Waiting", "waitingOnOthers"), ("waiting", "deferred"))
    conv = make_converter(Conversion.OPTION, values=pairs)
    scanned = next((caption for caption, graph in pairs if graph.lower() == text.lower()), text)
    assert conv.from_outlook(text) == scanned
    assert conv.to_outlook(text) == next((graph for caption, graph in pairs if caption.lower() == text.lower()), text)


@FUZZ
@given(st.datetimes(dt.datetime(1, 1, 2), dt.datetime(9999, 12, 30)))
def test_graph_date_times_are_written_as_strftime_writes_them(moment: dt.datetime) -> None:
    conv = make_converter(Conversion.DATETIME, time_zone="UTC")
    expected = moment.strftime("%Y-%m-%dT%H:%M:%S.0000000")
    assert conv.to_outlook(moment.isoformat()) == {"dateTime": expected, "timeZone": "UTC"}
