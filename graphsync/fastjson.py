"""JSON on the paths every synced item takes (Graph's requests and answers, the state store's values).

orjson is several times faster than the standard library's ``json``. Where it refuses something the
standard library takes (a lone surrogate in a string, an integer past 64 bits, a key that is not a
string, ``NaN`` in a document), the standard library does the work instead, so results never depend on
which of the two ran: the same values in, the same values out.
"""

from __future__ import annotations

import json
from typing import Any

import orjson


def dumps(value: Any, *, sort_keys: bool = False) -> bytes:
    """Compact JSON as UTF-8 bytes."""
    try:
        return orjson.dumps(value, option=orjson.OPT_SORT_KEYS if sort_keys else 0)
    except TypeError:  # orjson.JSONEncodeError
        return json.dumps(value, separators=(",", ":"), sort_keys=sort_keys).encode()


def loads(data: bytes | bytearray | str) -> Any:
    """The parsed document; ValueError (json.JSONDecodeError) when it is not JSON."""
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        return json.loads(data)
