"""Paths into Graph JSON items: ``displayName``, ``businessPhones[0]``, ``emailAddresses[1].address``.

A path is dot-separated property names, each optionally followed by one ``[index]``. Reading a path that
does not exist gives None; writing one creates what is missing, padding lists with blank entries.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from graphsync.config.outlook import is_valid_path

_STEP = re.compile(r"^([A-Za-z@][A-Za-z0-9_.@]*?)(?:\[(\d+)\])?$")


@dataclass(frozen=True)
class Step:
    name: str
    index: int | None = None


@dataclass(frozen=True)
class JsonPath:
    """A parsed path. ``root`` is the top-level property a write replaces as a whole in a PATCH."""

    text: str
    steps: tuple[Step, ...]

    @property
    def root(self) -> str:
        return self.steps[0].name

    @cached_property
    def top_level_name(self) -> str | None:
        """The property name when the path is one step without an index (``displayName``), else None: such a
        path reads and writes one top-level property, the case of most fields."""
        if len(self.steps) == 1 and self.steps[0].index is None:
            return self.steps[0].name
        return None

    @cached_property
    def _parents(self) -> tuple[Step, ...]:
        # The steps above the last, walked by every `set` (a write of a nested field of every item).
        return self.steps[:-1]

    def get(self, item: Mapping[str, Any]) -> Any:
        # Called per field per item: a one-step path is a single lookup (a dict is a Mapping, checked first
        # because the generic isinstance goes through the ABC machinery).
        name = self.top_level_name
        if name is not None:
            return item.get(name) if type(item) is dict or isinstance(item, Mapping) else None
        node: Any = item
        for step in self.steps:
            if type(node) is not dict and not isinstance(node, Mapping):
                return None
            node = node.get(step.name)
            if step.index is not None:
                if not isinstance(node, list) or step.index >= len(node):
                    return None
                node = node[step.index]
        return node

    @cached_property
    def setter(self) -> Callable[[dict[str, Any], Any], None]:
        """`set`, made once for this path's shape: the shapes of the default field maps (``a.b``, ``a[0].b``,
        ``a[0]``) written without walking the steps, which a write of every nested field of every item did."""
        steps = self.steps
        if len(steps) == 2 and steps[1].index is None:
            parent, leaf = steps[0], steps[1].name

            def set_below(target: dict[str, Any], value: Any) -> None:
                _child(target, parent)[leaf] = value

            return set_below
        if len(steps) == 1 and steps[0].index is not None:
            name, index = steps[0].name, steps[0].index

            def set_in_list(target: dict[str, Any], value: Any) -> None:
                seq = _list_at(target, name, index, last=True)
                seq[index] = value
                _trim(seq)

            return set_in_list
        return self.set

    def set(self, target: dict[str, Any], value: Any) -> None:
        """Write ``value`` at this path inside ``target`` (modified in place)."""
        node: Any = target
        for step in self._parents:
            node = _child(node, step)
        last = self.steps[-1]
        if last.index is None:
            node[last.name] = value
            return
        seq = _list_at(node, last.name, last.index, last=True)
        seq[last.index] = value
        _trim(seq)


def _list_at(node: dict[str, Any], name: str, index: int, *, last: bool) -> list[Any]:
    """The list ``node[name]`` (a new one if it is something else), padded to hold ``index``."""
    seq = node.get(name)
    if not isinstance(seq, list):
        seq = []
        node[name] = seq
    while len(seq) <= index:
        seq.append("" if last else {})  # a new blank entry each time, never a shared one
    return seq


def _child(node: dict[str, Any], step: Step) -> dict[str, Any]:
    """The object at ``step`` below ``node``, created (replacing anything that is not an object) if missing."""
    if step.index is None:
        child = node.get(step.name)
        if not isinstance(child, dict):
            child = {}
            node[step.name] = child
        return child
    seq = _list_at(node, step.name, step.index, last=False)
    entry = seq[step.index]
    if not isinstance(entry, dict):
        entry = {}
        seq[step.index] = entry
    return entry


def _blank(value: Any) -> bool:
    if value is None or value == "":
        return True
    # A dict (the usual object) tested first: the generic Mapping test goes through the ABC machinery. A loop,
    # not all() over a generator: this runs for the entries of every list written to Graph.
    if type(value) is dict or isinstance(value, Mapping):
        for v in value.values():  # noqa: SIM110
            if not _blank(v):
                return False
        return True
    return False


def _trim(seq: list[Any]) -> None:
    # Graph rejects or keeps blank entries ("" phone numbers, addresses without address); a blank value at
    # the end of a list means "no such entry", so the list shrinks rather than carrying an empty slot.
    while seq and _blank(seq[-1]):
        seq.pop()


def trim_lists(value: Any) -> Any:
    """Blank trailing entries removed from every list inside ``value`` (used after several writes)."""
    if isinstance(value, list):
        items = [trim_lists(v) if isinstance(v, _CONTAINERS) else v for v in value]
        _trim(items)
        return items
    if isinstance(value, dict):
        # Leaves are kept as they are without a call each: this runs for every object written to Graph.
        return {k: trim_lists(v) if isinstance(v, _CONTAINERS) else v for k, v in value.items()}
    return value


_CONTAINERS = (list, dict)


def copy_json(value: Any) -> Any:
    """``copy.deepcopy`` of a Graph JSON value, several times faster: objects and lists are copied, the
    immutable leaves (str, numbers, bools, None) shared, as deepcopy does. Anything else, or an object or
    list met twice (deepcopy keeps such sharing), is left to deepcopy itself."""
    try:
        return _copy_json(value, set())
    except _NotPlainJson:
        return copy.deepcopy(value)


class _NotPlainJson(Exception):
    pass


_LEAVES = (str, int, float, bool, type(None))


def _copy_json(value: Any, seen: set[int]) -> Any:
    kind = type(value)
    if kind in _LEAVES:
        return value
    if kind is not dict and kind is not list:
        raise _NotPlainJson
    if id(value) in seen:
        raise _NotPlainJson
    seen.add(id(value))
    if kind is list:
        return [_copy_json(v, seen) for v in value]
    result = {}
    for k, v in value.items():
        if type(k) not in _LEAVES:
            raise _NotPlainJson
        result[k] = _copy_json(v, seen)
    return result


def parse_path(text: str) -> JsonPath:
    """Parse a path; ValueError (naming the syntax) when it is not one."""
    if not is_valid_path(text):
        raise ValueError(f"{text!r} is not a Graph property path such as 'businessPhones[0]' or 'start'")
    steps = []
    for part in text.split("."):
        m = _STEP.match(part)
        assert m is not None  # guaranteed by is_valid_path
        steps.append(Step(m.group(1), int(m.group(2)) if m.group(2) is not None else None))
    return JsonPath(text, tuple(steps))
