"""graphsync.fastjson: orjson where it can, the standard library where orjson refuses; the same values either way."""

from __future__ import annotations

import datetime as dt
import json
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from graphsync import fastjson

# Integers within 64 bits and finite floats: the two differences the module docstring names.
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@given(json_values)
def test_round_trips_like_the_standard_library(value: object) -> None:
    for sort_keys in (False, True):
        text = fastjson.dumps(value, sort_keys=sort_keys)
        assert fastjson.loads(text) == json.loads(json.dumps(value, sort_keys=sort_keys))
        assert json.loads(text) == fastjson.loads(text)


def test_sorted_keys_are_sorted() -> None:
    assert fastjson.dumps({"b": 1, "a": {"d": 2, "c": 3}}, sort_keys=True) == b'{"a":{"c":3,"d":2},"b":1}'


@pytest.mark.parametrize(
    "value",
    [
        {"text": "\ud800 a lone surrogate"},
        {"big": 2**70},
        {1: "an integer key"},
    ],
)
def test_what_orjson_refuses_is_written_by_the_standard_library(value: object) -> None:
    assert json.loads(fastjson.dumps(value)) == json.loads(json.dumps(value))


def test_what_orjson_cannot_read_is_read_by_the_standard_library() -> None:
    assert math.isnan(fastjson.loads(b'{"n": NaN}')["n"])
    assert fastjson.loads('"\\ud800"') == "\ud800"


def test_not_json_is_a_value_error() -> None:
    with pytest.raises(ValueError):
        fastjson.loads(b"{not json")


def test_default_decides_for_dates_as_the_standard_library_would() -> None:
    value = {"at": dt.datetime(2026, 11, 26, 10, 30), "on": dt.date(2026, 11, 26)}
    assert json.loads(fastjson.dumps(value, default=str)) == json.loads(json.dumps(value, default=str))
