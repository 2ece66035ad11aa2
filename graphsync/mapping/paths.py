"""Paths into Graph JSON items: ``displayName``, ``businessPhones[0]``, ``emailAddresses[1].address``.

A path is dot-separated property names, each optionally followed by one ``[index]``. Reading a path that
does not exist gives None; writing one creates what is missing, padding lists with blank entries.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

_STEP = re.compile(r"^([A-Za-z@][A-Za-z0-9_.@]*?)(?:\[(\d+)\])?$")
_PATH = re.compile(r"^[A-Za-z][A-Za-z0-9]*(\[\d+\])?(\.[A-Za-z][A-Za-z0-9]*(\[\d+\])?)*$")


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

    def get(self, item: Mapping[str, Any]) -> Any:
        node: Any = item
        for step in self.steps:
            if not isinstance(node, Mapping):
                return None
            node = node.get(step.name)
            if step.index is not None:
                if not isinstance(node, list) or step.index >= len(node):
                    return None
                node = node[step.index]
        return node

    def set(self, target: dict[str, Any], value: Any) -> None:
        """Write ``value`` at this path inside ``target`` (modified in place)."""
        node: Any = target
        for pos, step in enumerate(self.steps):
            last = pos == len(self.steps) - 1
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
                seq.append("" if last else {})  # a new blank entry each time, never a shared one
            if last:
                seq[step.index] = value
                _trim(seq)
                return
            if not isinstance(seq[step.index], dict):
                seq[step.index] = {}
            node = seq[step.index]
        raise AssertionError("unreachable: a path has at least one step")


def _blank(value: Any) -> bool:
    if value is None or value == "":
        return True
    if isinstance(value, Mapping):
        return all(_blank(v) for v in value.values())
    return False


def _trim(seq: list[Any]) -> None:
    # Graph rejects or keeps blank entries ("" phone numbers, addresses without address); a blank value at
    # the end of a list means "no such entry", so the list shrinks rather than carrying an empty slot.
    while seq and _blank(seq[-1]):
        seq.pop()


def trim_lists(value: Any) -> Any:
    """Blank trailing entries removed from every list inside ``value`` (used after several writes)."""
    if isinstance(value, list):
        items = [trim_lists(v) for v in value]
        _trim(items)
        return items
    if isinstance(value, dict):
        return {k: trim_lists(v) for k, v in value.items()}
    return value


def is_valid_path(text: str) -> bool:
    return bool(_PATH.match(text))


def parse_path(text: str) -> JsonPath:
    """Parse a path; ValueError (naming the syntax) when it is not one."""
    if not is_valid_path(text):
        raise ValueError(f"{text!r} is not a Graph property path such as 'businessPhones[0]' or 'start'")
    steps = []
    for part in text.split("."):
        m = _STEP.match(part)
        assert m is not None  # guaranteed by _PATH
        steps.append(Step(m.group(1), int(m.group(2)) if m.group(2) is not None else None))
    return JsonPath(text, tuple(steps))
