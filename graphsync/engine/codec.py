"""How a run's values are written to its spool: as plain tuples of built-in types, derived from their fields.

Pickling the dataclasses as they are works, but reading them back is what a spooled run spends most of
its CPU on: every enum member is rebuilt through a Python-level call, and a plan holds one object per
field. As tuples of strings, dicts and dates, with enums as their values, a value costs a fraction of
that; and an entity binding (large, shared by every item) is written as its name only.

The codecs are derived from the types' own fields (a frozen dataclass's, a named tuple's) when a spool is
first used, so that a field added to a type is carried through the spool without anyone remembering to
(a hand-written codec once dropped `OutlookItem.missing`, and a partial item came back whole after a
spill). Each field is encoded by its declared type: an enum by its value, a type with a codec of its own
by that codec (`derive` registers it), a tuple of such values element by element, ``X | None`` as X or None,
and anything else (strings, numbers, dates, dicts of those) as it is. A field whose values need another
form names a codec of its own (``fields=``). The encoder and decoder of a type are generated as one
function each, so that a derived codec costs what a hand-written one did.
"""

from __future__ import annotations

import dataclasses
import enum
import types
import typing
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple, TypeVar, Union

from graphsync.connectors.nav import NavRecord
from graphsync.connectors.outlook import OutlookItem, Removed
from graphsync.engine.plan import CreatedChanges, FieldChange, FieldConflict, ItemPlan, SidePlan
from graphsync.engine.state import Link

T = TypeVar("T")


class Codec(NamedTuple):
    encode: Callable[[Any], Any]
    decode: Callable[[Any], Any]


_CODECS: dict[type, Codec] = {}
"""The codec of every type derived so far, used for the fields of later ones."""


def _field_names(cls: type) -> tuple[str, ...]:
    if dataclasses.is_dataclass(cls):
        return tuple(f.name for f in dataclasses.fields(cls))
    names = getattr(cls, "_fields", None)
    if names is None:
        raise TypeError(f"{cls.__name__} is neither a dataclass nor a named tuple: no fields to derive a codec from")
    return tuple(names)


def _optional(hint: Any) -> Any | None:
    """X for ``X | None``; None for any other type."""
    if typing.get_origin(hint) in (Union, types.UnionType):
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        if len(args) == 1 and len(typing.get_args(hint)) == 2:
            return args[0]
    return None


def _field_codec(hint: Any) -> Codec | None:
    """The codec a field of type ``hint`` takes; None: its values go as they are."""
    inner = _optional(hint)
    if inner is not None:
        codec = _field_codec(inner)
        if codec is None:
            return None
        enc, dec = codec

        def enc_optional(v: Any) -> Any:
            return None if v is None else enc(v)

        def dec_optional(v: Any) -> Any:
            return None if v is None else dec(v)

        return Codec(enc_optional, dec_optional)
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        members = {m.value: m for m in hint}
        return Codec(lambda v: v.value, members.__getitem__)
    if isinstance(hint, type) and hint in _CODECS:
        return _CODECS[hint]
    if typing.get_origin(hint) is tuple:
        args = typing.get_args(hint)
        if len(args) == 2 and args[1] is Ellipsis and (element := _field_codec(args[0])) is not None:
            enc, dec = element
            return Codec(lambda v: tuple([enc(x) for x in v]), lambda v: tuple([dec(x) for x in v]))
    return None


def derive(cls: type[T], *, fields: Mapping[str, Codec] | None = None, register: bool = True) -> Codec:
    """The codec of ``cls`` (a frozen dataclass or a named tuple): a tuple of its fields' encoded values, in
    declaration order. ``fields`` gives a codec of its own to the fields named. Registered for the fields of
    types derived later (``register=False``: a codec bound to one run, such as one holding its entities)."""
    names = _field_names(cls)
    hints = typing.get_type_hints(cls)
    given = dict(fields or {})
    unknown = set(given) - set(names)
    if unknown:
        raise TypeError(f"{cls.__name__} has no field {', '.join(sorted(unknown))}")
    env: dict[str, Any] = {"_cls": cls, "_new": tuple.__new__}
    enc_parts: list[str] = []
    dec_parts: list[str] = []
    for i, name in enumerate(names):
        codec = given.get(name) or _field_codec(hints[name])
        if codec is None:
            enc_parts.append(f"v.{name}")
            dec_parts.append(f"t[{i}]")
        else:
            env[f"_e{i}"], env[f"_d{i}"] = codec
            enc_parts.append(f"_e{i}(v.{name})")
            dec_parts.append(f"_d{i}(t[{i}])")
    args = ", ".join(dec_parts)
    # A named tuple is made by tuple.__new__ (its own __new__ is a Python-level wrapper); a dataclass by its
    # __init__, which also runs any check it makes.
    make = f"_new(_cls, ({args},))" if not dataclasses.is_dataclass(cls) else f"_cls({args})"
    source = f"def encode(v):\n    return ({', '.join(enc_parts)},)\ndef decode(t):\n    return {make}\n"
    exec(compile(source, f"<codec of {cls.__qualname__}>", "exec"), env)  # source built above from field names
    codec = Codec(env["encode"], env["decode"])
    if register:
        _CODECS[cls] = codec
    return codec


def tagged(*classes: type) -> Codec:
    """The codec of a value that is one of ``classes`` (each with a codec): its class's place, then its tuple."""
    codecs = [_CODECS[cls] for cls in classes]
    places = {cls: (n, codecs[n].encode) for n, cls in enumerate(classes)}
    decoders = [c.decode for c in codecs]

    def encode(v: Any) -> Any:
        if v is None:
            return None
        n, enc = places[type(v)]
        return (n, enc(v))

    def decode(t: Any) -> Any:
        return None if t is None else decoders[t[0]](t[1])

    return Codec(encode, decode)


def _encode_changes(changes: Any) -> Any:
    # A create's changes as the values they write (a dict: half the size of triples, and what applying needs).
    if isinstance(changes, CreatedChanges):
        return changes.values
    return tuple([tuple(c) for c in changes])


def _decode_changes(t: Any) -> Any:
    if isinstance(t, dict):
        return CreatedChanges(t)
    new = tuple.__new__  # see plan.CreatedChanges._all
    return tuple([new(FieldChange, c) for c in t])


def _decode_conflicts(t: Any) -> tuple[FieldConflict, ...]:
    new = tuple.__new__
    return tuple([new(FieldConflict, c) for c in t])


RECORD = derive(NavRecord)
OUTLOOK_ITEM = derive(OutlookItem)
REMOVED = derive(Removed)
DELTA_ENTRY = tagged(OutlookItem, Removed)
"""A delta round's entry: an Outlook item or a removal (or None: an item fetched and found gone)."""
LINK = derive(Link)
SIDE_PLAN = derive(SidePlan, fields={"changes": Codec(_encode_changes, _decode_changes)})
PLAN = derive(ItemPlan, fields={"conflicts": Codec(lambda v: tuple([tuple(c) for c in v]), _decode_conflicts)})


def optional(codec: Codec) -> Codec:
    """``codec`` for a value that may be None."""
    enc, dec = codec
    return Codec(lambda v: None if v is None else enc(v), lambda t: None if t is None else dec(t))


OPTIONAL_RECORD = optional(RECORD)
