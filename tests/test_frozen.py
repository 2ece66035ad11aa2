"""quick_init: the same values as the dataclass's own __init__ would build, faster; refused where it could not be."""

from __future__ import annotations

import dataclasses
from dataclasses import InitVar, dataclass, field
from typing import Any

import pytest

from graphsync.frozen import quick_init


def _defined() -> Any:
    """The class under test, defined anew each call: one left as the dataclass made it, one given quick_init."""

    @dataclass(frozen=True)
    class Item:
        a: str
        b: int = 2
        tags: list[str] = field(default_factory=list)
        c: str | None = field(default=None, kw_only=True)

    return Item


Plain = _defined()
Item = quick_init(_defined())


def test_the_values_are_those_the_dataclass_builds() -> None:
    cases: list[tuple[tuple[str] | tuple[str, int], dict[str, object]]] = [
        (("x",), {}),
        (("x", 5), {"c": "z"}),
        (("x",), {"tags": ["t"], "b": 1}),
    ]
    for args, kwargs in cases:
        quick, plain = Item(*args, **kwargs), Plain(*args, **kwargs)
        assert dataclasses.asdict(quick) == dataclasses.asdict(plain)
    assert Item("x") == Item("x", 2, [], c=None) != Item("x", c="z")
    assert repr(Item("x", c="z")) == repr(Plain("x", c="z"))
    assert repr(Item("x", c="z")).endswith("Item(a='x', b=2, tags=[], c='z')")


def test_a_default_factory_makes_a_new_value_each_time() -> None:
    first, second = Item("x"), Item("y")
    assert first.tags == [] and first.tags is not second.tags


def test_the_signature_and_its_errors_stay() -> None:
    with pytest.raises(TypeError):
        Item()
    with pytest.raises(TypeError):
        Item("x", 2, [], "positional c")
    with pytest.raises(TypeError):
        Item("x", d=1)


def test_still_frozen_and_replace_works() -> None:
    item = Item("x")
    with pytest.raises(dataclasses.FrozenInstanceError):
        item.a = "y"
    assert dataclasses.replace(item, b=9, c="z") == Item("x", 9, c="z")


def test_classes_whose_init_does_more_are_refused() -> None:
    @dataclass(frozen=True)
    class PostInit:
        a: str

        def __post_init__(self) -> None:
            pass

    @dataclass(frozen=True)
    class WithInitVar:
        a: str
        extra: InitVar[int] = 0

    @dataclass(frozen=True)
    class NotInInit:
        a: str
        b: int = field(default=0, init=False)

    @dataclass(frozen=True, slots=True)
    class Slotted:
        a: str

    @dataclass
    class Mutable:
        a: str

    for cls in (PostInit, WithInitVar, NotInInit, Slotted, Mutable):
        with pytest.raises(TypeError):
            quick_init(cls)
