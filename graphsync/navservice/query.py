"""The part of OData's query language NAV's pages accept and graphsync uses.

``$filter``: comparisons (``eq ne gt ge lt le``) of a property with a literal, joined by ``and``. Literals:
``'text'`` (quote doubled inside), integers, ``true``/``false``, and bare dates, times and date-times.
Anything else is refused with NAV's wording for a filter it cannot read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

from graphsync.errors import NavValidationError


class Op(Enum):
    EQ = "eq"
    NE = "ne"
    GT = "gt"
    GE = "ge"
    LT = "lt"
    LE = "le"


@dataclass(frozen=True)
class Bare:
    """An unquoted literal (a date, time or date-time), typed by the property it is compared with."""

    text: str


Literal = str | int | bool | Bare


@dataclass(frozen=True)
class Comparison:
    prop: str
    op: Op
    value: Literal


_TOKEN = re.compile(
    r"\s*(?:(?P<string>'(?:[^']|'')*')|(?P<word>[A-Za-z_][A-Za-z0-9_]*)|(?P<bare>[0-9][0-9:.TZ+\-]*))\s*"
)


def bad_filter(text: str, detail: str) -> NavValidationError:
    return NavValidationError(f"An error occurred while parsing the filter expression '{text}': {detail}")


def _tokens(text: str) -> list[tuple[str, str]]:
    pos, out = 0, []
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise bad_filter(text, f"syntax error at position {pos}")
        kind = m.lastgroup or ""
        out.append((kind, m.group(kind)))
        pos = m.end()
    return out


def parse_filter(text: str) -> list[Comparison]:
    tokens = _tokens(text)
    result: list[Comparison] = []
    i = 0
    while i < len(tokens):
        if len(tokens) < i + 3:
            raise bad_filter(text, "a comparison needs a property, an operator and a value")
        (k1, prop), (k2, op), (k3, raw) = tokens[i : i + 3]
        if k1 != "word" or k2 != "word" or op not in {o.value for o in Op}:
            raise bad_filter(text, f"expected 'Property op value', got {prop} {op} {raw}")
        result.append(Comparison(prop, Op(op), _literal(text, k3, raw)))
        i += 3
        if i < len(tokens):
            if tokens[i] != ("word", "and"):
                raise bad_filter(text, f"only 'and' can join comparisons here, got {tokens[i][1]}")
            i += 1
            if i == len(tokens):
                raise bad_filter(text, "the expression ends with 'and'")
    return result


def _literal(text: str, kind: str, raw: str) -> Literal:
    if kind == "string":
        return raw[1:-1].replace("''", "'")
    if kind == "word":
        if raw in ("true", "false"):
            return raw == "true"
        raise bad_filter(text, f"{raw} is not a value")
    if raw.isdigit() or (raw.startswith("-") and raw[1:].isdigit()):
        return int(raw)
    return Bare(raw)


def parse_key(text: str) -> list[tuple[str | None, Literal]]:
    """``'CT1'`` or ``To_do_No='TD1',Line_No=10000`` -> [(None, 'CT1')] or [(prop, value), ...]."""
    parts: list[tuple[str | None, Literal]] = []
    pos = 0
    pattern = re.compile(
        r"\s*(?:(?P<name>[A-Za-z_][A-Za-z0-9_]*)\s*=\s*)?(?:(?P<string>'(?:[^']|'')*')|(?P<int>-?\d+))\s*"
    )
    while pos < len(text):
        m = pattern.match(text, pos)
        if not m or m.end() == pos:
            raise NavValidationError(f"Bad Request - Error in query syntax: the key ({text}) cannot be read.")
        value: Literal = m.group("string")[1:-1].replace("''", "'") if m.group("string") else int(m.group("int"))
        parts.append((m.group("name"), value))
        pos = m.end()
        if pos < len(text):
            if text[pos] != ",":
                raise NavValidationError(f"Bad Request - Error in query syntax: the key ({text}) cannot be read.")
            pos += 1
    return parts
