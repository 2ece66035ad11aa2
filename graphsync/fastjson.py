"""JSON on the paths every synced item takes (Graph's requests and answers, the state store's values).

orjson is several times faster than the standard library's ``json``. Where it refuses something the
standard library takes (a lone surrogate in a string, an integer past 64 bits or a key that is not a
string to write; ``NaN`` or an escaped lone surrogate to read), the standard library does the work
instead, so results do not depend on which of the two ran. Two differences are left: orjson reads an
integer past 64 bits as a float, and writes NaN and the infinities as null (the standard library writes
tokens that are not JSON, which Graph would refuse). Neither kind of number reaches here: Graph's and the
state store's values are normalised strings, and NAV's integers are 32-bit.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import orjson


def dumps(value: Any, *, sort_keys: bool = False, default: Callable[[Any], Any] | None = None) -> bytes:
    """Compact JSON as UTF-8 bytes; ``default`` turns what JSON has no type for into something it has."""
    option = orjson.OPT_SORT_KEYS if sort_keys else 0
    if default is not None:
        # orjson writes dates and dataclasses itself, in its own way; the standard library asks ``default``.
        option |= orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
    try:
        return orjson.dumps(value, default=default, option=option)
    except TypeError:  # orjson.JSONEncodeError
        return json.dumps(value, separators=(",", ":"), sort_keys=sort_keys, default=default).encode()


def loads(data: bytes | bytearray | str) -> Any:
    """The parsed document; ValueError (json.JSONDecodeError) when it is not JSON."""
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        return json.loads(data)
