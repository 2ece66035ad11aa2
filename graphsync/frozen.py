"""A faster ``__init__`` for the frozen dataclasses a run builds per item.

A frozen dataclass's generated ``__init__`` sets each field through ``object.__setattr__`` (its own
``__setattr__`` refuses), which costs several times a plain assignment: for the ten or so values an initial
load builds per item (the plan, the write, Graph's answer, the link), about a twentieth of graphsync's CPU.
`quick_init` gives such a class an ``__init__`` with the same signature that fills the instance's
``__dict__`` in one call. Everything else stays the dataclass's own: equality, hashing, ``repr``,
`dataclasses.replace` (which calls this ``__init__``), and the refusal to set an attribute afterwards.

Only classes whose ``__init__`` does nothing but set their fields qualify (no ``__post_init__``, no
``InitVar``, no field left out of ``__init__``, no ``__slots__``): anything else is a TypeError when the
class is defined, not a value built differently.
"""

from __future__ import annotations

import dataclasses
import inspect
from typing import Any, TypeVar, cast

T = TypeVar("T")

_MISSING = object()
"""Stands for a field with a default factory not given (the factory is called then, once per instance)."""


def quick_init(cls: type[T]) -> type[T]:
    """Give the frozen dataclass ``cls`` an ``__init__`` that fills its ``__dict__`` in one call."""
    params = getattr(cls, "__dataclass_params__", None)
    if params is None or not params.frozen:
        raise TypeError(f"quick_init is for frozen dataclasses, and {cls.__qualname__} is not one")
    if "__slots__" in cls.__dict__ or hasattr(cls, "__post_init__"):
        raise TypeError(f"quick_init cannot build {cls.__qualname__}: it has __slots__ or a __post_init__")
    fields = dataclasses.fields(cast(Any, cls))
    taken = list(inspect.signature(cls.__init__).parameters)[1:]
    if any(not f.init for f in fields) or sorted(taken) != sorted(f.name for f in fields):
        # A field left out of __init__, or a parameter that is no field (an InitVar).
        raise TypeError(f"quick_init cannot build {cls.__qualname__}: its __init__ does more than set its fields")
    names: dict[str, Any] = {"MISSING": _MISSING}
    positional: list[str] = []
    keyword: list[str] = []
    factories: list[str] = []
    for f in fields:
        if f.default is not dataclasses.MISSING:
            names[f"default_{f.name}"] = f.default
            parameter = f"{f.name}=default_{f.name}"
        elif f.default_factory is not dataclasses.MISSING:
            names[f"factory_{f.name}"] = f.default_factory
            parameter = f"{f.name}=MISSING"
            factories.append(f"    if {f.name} is MISSING:\n        {f.name} = factory_{f.name}()\n")
        else:
            parameter = f.name
        (keyword if f.kw_only else positional).append(parameter)
    signature = ", ".join(["self", *positional, *(["*", *keyword] if keyword else [])])
    values = ", ".join(f"{f.name!r}: {f.name}" for f in fields)
    source = f"def __init__({signature}):\n{''.join(factories)}    self.__dict__.update({{{values}}})\n"
    exec(source, names)
    init = names["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    init.__module__ = cls.__module__
    init.__doc__ = cls.__init__.__doc__
    cls.__init__ = init  # type: ignore[method-assign]
    return cls
