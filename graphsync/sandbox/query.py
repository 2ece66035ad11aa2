"""OData query options the sandbox understands: ``$select``, ``$filter``, ``$expand``, ``$top``/``$skip``,
``Prefer`` headers, and the delta/skip tokens of delta rounds.

Only the forms graphsync and Microsoft's examples use are parsed; anything else is refused with the
error Graph gives for a query it cannot evaluate, never silently ignored.
"""

from __future__ import annotations

import base64
import re
import zlib
from collections.abc import Mapping
from dataclasses import dataclass

from graphsync.sandbox.wire import bad_request, fail

_QUOTED = r"'((?:[^']|'')*)'"
_ANY = re.compile(
    r"^singleValueExtendedProperties/any\(\s*(\w+)\s*:\s*\1/id\s+eq\s+" + _QUOTED + r"(?:\s+and\s+\1/value\s+eq\s+"
    r"" + _QUOTED + r")?\s*\)$",
    re.IGNORECASE,
)
_EQ = re.compile(r"^(\w+)\s+eq\s+(?:" + _QUOTED + r"|(true|false|null|-?\d+))$")
_ADDRESS = re.compile(r"^emailAddresses/any\(\s*(\w+)\s*:\s*\1/(\w+)\s+eq\s+" + _QUOTED + r"\s*\)$", re.IGNORECASE)
_EXTENSION = re.compile(r"^extensions/any\(\s*(\w+)\s*:\s*\1/id\s+eq\s+" + _QUOTED + r"\s*\)$", re.IGNORECASE)
_ID_EQ = re.compile(r"^id\s+eq\s+" + _QUOTED + r"$", re.IGNORECASE)


def _unquote(text: str) -> str:
    return text.replace("''", "'")


def split_top(text: str, separator: str) -> list[str]:
    """Split on ``separator`` outside parentheses and quotes (``separator`` in lower case, matched
    case-insensitively)."""
    parts: list[str] = []
    depth, quoted, start, i = 0, False, 0, 0
    lower = text.lower()
    while i < len(text):
        ch = text[i]
        if ch == "'":
            quoted = not quoted
        elif not quoted and ch == "(":
            depth += 1
        elif not quoted and ch == ")":
            depth -= 1
        elif not quoted and depth == 0 and lower.startswith(separator, i):
            parts.append(text[start:i].strip())
            i += len(separator)
            start = i
            continue
        i += 1
    parts.append(text[start:].strip())
    return parts


def invalid_filter(text: str) -> Exception:
    return bad_request(
        f"The query filter contains one or more invalid nodes: {text!r}. The sandbox evaluates "
        "'property eq value', singleValueExtendedProperties/Any(ep: ep/id eq '...' and ep/value eq '...'), "
        "emailAddresses/any(a:a/address eq '...') and Extensions/any(f:f/id eq '...'), joined by 'and'.",
        code="ErrorInvalidUrlQueryFilter",
    )


def same_property(stored: str, wanted: str) -> bool:
    """Whether a filter's extended property id names a stored one: "Filtering the string name (Name) in the id
    of an extended property is case-sensitive" (singlevaluelegacyextendedproperty-get.md); the type and the
    property set are matched in any case, as Graph reads GUIDs and type names."""
    head_s, sep_s, name_s = stored.partition(" Name ")
    head_w, sep_w, name_w = wanted.partition(" Name ")
    if sep_s and sep_w:
        return head_s.lower() == head_w.lower() and name_s == name_w
    return stored.lower() == wanted.lower()


@dataclass(frozen=True)
class Filter:
    """A parsed ``$filter``: every clause must hold."""

    extended: tuple[tuple[str, str | None], ...] = ()
    """(property id, value or None for 'has the property')."""
    equals: tuple[tuple[str, object], ...] = ()
    addresses: tuple[str, ...] = ()
    """emailAddresses/any(a:a/address eq '...') (user-list-contacts.md, "Optional query parameters")."""
    extensions: tuple[str, ...] = ()
    """Extensions/any(f:f/id eq '...'): the extension's id or name (opentypeextension-get.md, "Filter for
    resource instances expanded with a matching extension")."""

    def matches(
        self,
        props: Mapping[str, object],
        ext_props: Mapping[str, tuple[str, str]],
        unset: Mapping[str, object],
        extensions: Mapping[str, Mapping[str, object]] | None = None,
    ) -> bool:
        """Whether an item matches; ``unset`` gives the values of properties the item does not hold,
        ``extensions`` its open extensions by lower-case name."""
        for pid, value in self.extended:
            found = ext_props.get(pid.lower())
            if found is None or not same_property(found[0], pid):
                return False
            # "Filtering the value property of an extended property is case-insensitive"
            # (singlevaluelegacyextendedproperty-get.md).
            if value is not None and found[1].lower() != value.lower():
                return False
        for address in self.addresses:
            # Inferred, not documented: an SMTP address is matched in any case, as Exchange compares strings
            # in filters (the page above says so of extended property values).
            held = props.get("emailAddresses")
            entries = held if isinstance(held, list) else []
            if not any(
                isinstance(e, Mapping) and str(e.get("address") or "").lower() == address.lower() for e in entries
            ):
                return False
        for wanted in self.extensions:
            exts = extensions or {}
            if not any(wanted.lower() in (name, str(ext.get("id", "")).lower()) for name, ext in exts.items()):
                return False
        return all(props.get(name, unset.get(name)) == value for name, value in self.equals)


def parse_filter(text: str) -> Filter:
    extended: list[tuple[str, str | None]] = []
    equals: list[tuple[str, object]] = []
    addresses: list[str] = []
    extensions: list[str] = []
    value: object
    for clause in split_top(text.strip(), " and "):
        while clause.startswith("(") and clause.endswith(")"):
            clause = clause[1:-1].strip()
        any_match = _ANY.match(clause)
        if any_match:
            value = any_match.group(3)
            extended.append((_unquote(any_match.group(2)), None if value is None else _unquote(value)))
            continue
        address = _ADDRESS.match(clause)
        if address:
            if address.group(2).lower() != "address":
                # "you can use $filter, any, and the eq operator on only the address sub-property of instances
                # in an emailAddresses collection" (user-list-contacts.md).
                raise bad_request(
                    f"emailAddresses can be filtered on its address only, not on {address.group(2)!r}.",
                    code="ErrorInvalidUrlQueryFilter",
                )
            addresses.append(_unquote(address.group(3)))
            continue
        extension = _EXTENSION.match(clause)
        if extension:
            extensions.append(_unquote(extension.group(2)))
            continue
        eq = _EQ.match(clause)
        if eq is None:
            raise invalid_filter(text)
        name, quoted, literal = eq.group(1), eq.group(2), eq.group(3)
        if quoted is not None:
            value = _unquote(quoted)
        else:
            value = {"true": True, "false": False, "null": None}.get(literal)
            if literal not in ("true", "false", "null"):
                value = int(literal)
        equals.append((name, value))
    return Filter(tuple(extended), tuple(equals), tuple(addresses), tuple(extensions))


def parse_select(text: str | None, allowed: frozenset[str], type_name: str) -> list[str] | None:
    if not text:
        return None
    names = [n.strip() for n in text.split(",") if n.strip()]
    for name in names:
        if name not in allowed:
            raise bad_request(
                f"Could not find a property named '{name}' on type '{type_name}'.", code="RequestBroker--ParseUri"
            )
    return names


def parse_expand(text: str | None, allowed: frozenset[str]) -> dict[str, list[str] | None]:
    """``$expand`` -> navigation property -> the ids its ``$filter=id eq ...`` names (None: all)."""
    if not text:
        return {}
    out: dict[str, list[str] | None] = {}
    by_lower = {a.lower(): a for a in allowed}
    for part in split_top(text, ","):
        name, _, rest = part.partition("(")
        nav = by_lower.get(name.strip().lower())
        if nav is None:
            raise bad_request(f"Could not find a property named '{name.strip()}' to expand.", code="BadRequest")
        if not rest:
            out[nav] = None
            continue
        inner = rest.rstrip()
        if not inner.endswith(")"):
            raise bad_request(f"The $expand option {part!r} is not well formed.", code="BadRequest")
        option = inner[:-1].strip()
        key, _, expression = option.partition("=")
        if key.strip().lower() != "$filter":
            raise bad_request(f"Only $filter is supported inside $expand, got {option!r}.", code="BadRequest")
        ids: list[str] = []
        for alternative in split_top(expression.strip(), " or "):
            while alternative.startswith("(") and alternative.endswith(")"):
                alternative = alternative[1:-1].strip()
            match = _ID_EQ.match(alternative)
            if match is None:
                raise invalid_filter(expression)
            ids.append(_unquote(match.group(1)))
        out[nav] = ids
    return out


def parse_prefer(header: str | None) -> dict[str, str]:
    """``Prefer: odata.maxpagesize=2, IdType="ImmutableId"`` -> {"odata.maxpagesize": "2", "idtype": ...}."""
    if not header:
        return {}
    out: dict[str, str] = {}
    for part in header.split(","):
        name, _, value = part.strip().partition("=")
        if name:
            out[name.strip().lower()] = value.strip().strip('"')
    return out


def page_size(top: str | None, prefer: dict[str, str], default: int, maximum: int = 1000) -> int:
    for text in (top, prefer.get("odata.maxpagesize")):
        if text is None:
            continue
        try:
            size = int(text)
        except ValueError:
            raise bad_request(f"Invalid page size {text!r}: a positive integer is expected.") from None
        if size < 1:
            raise bad_request(f"Invalid page size {text!r}: a positive integer is expected.")
        return min(size, maximum)
    return default


@dataclass(frozen=True)
class DeltaToken:
    """Where a delta round stands. ``since``: changes after this number are news (0: a full round);
    ``upto``: the round returns changes up to this number; ``cursor``: the last change already returned.
    ``window`` (calendarView only) is the time window in whole seconds since the epoch, and ``select``
    the ``$select`` of the round's first request."""

    epoch: int
    scope: int
    since: int
    upto: int
    cursor: int
    window: tuple[int, int] | None = None
    select: str = ""

    def encode(self) -> str:
        fields = [self.epoch, self.scope, self.since, self.upto, self.cursor]
        text = ".".join(str(f) for f in fields)
        if self.window is not None:
            text += f".{self.window[0]}.{self.window[1]}"
        if self.select:
            text += "~" + self.select
        return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, token: str) -> DeltaToken:
        try:
            text = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
            numbers, _, select = text.partition("~")
            values = [int(v) for v in numbers.split(".")]
            window = (values[5], values[6]) if len(values) == 7 else None
            if len(values) not in (5, 7):
                raise ValueError(text)
            return cls(values[0], values[1], values[2], values[3], values[4], window, select)
        except (ValueError, UnicodeDecodeError, IndexError):
            raise fail(410, "syncStateInvalid", "The sync state token is not valid; start a new delta round.") from None


def scope_of(collection_key: str) -> int:
    """A short fingerprint of the collection a token belongs to, so a token is refused elsewhere."""
    return zlib.crc32(collection_key.encode())
