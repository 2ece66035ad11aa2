"""Decisions waiting to be acted on, for one item kind: held in the run's spool, or (a fresh start) made
as NAV gives its records and never held.

Both hand out their decisions in chunks (`chunks`), which is how they are acted on and recorded.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator, Iterator, Mapping

from graphsync.config.entities import EntityName
from graphsync.engine.binding import BoundEntity
from graphsync.engine.codec import LINK, OUTLOOK_ITEM, PLAN, Codec, derive, optional
from graphsync.engine.decide import Decision
from graphsync.engine.report import ItemFailure
from graphsync.engine.spool import Spool, SpoolList

_FAILURE = optional(derive(ItemFailure))


def decision_codec(entities: Mapping[EntityName, BoundEntity]) -> Codec:
    """A decision in the spool: derived from its fields, its entity written by name (a binding is large and
    shared by every item of the entity)."""
    by_value = {name.value: entity for name, entity in entities.items()}
    entity = Codec(lambda e: e.name.value, by_value.__getitem__)
    return derive(
        Decision,
        fields={
            "entity": entity,
            "link": optional(LINK),
            "outlook": optional(OUTLOOK_ITEM),
            "plan": PLAN,
            "failure": _FAILURE,
        },
        register=False,
    )


class Queue:
    """A kind's decisions, spooled, handed out in NAV's entity order (companies before persons, so that a
    person created in NAV finds its company there)."""

    def __init__(self, spool: Spool, entities: Mapping[EntityName, BoundEntity]) -> None:
        self._spool = spool
        self._codec = decision_codec(entities)
        self._lists: dict[EntityName, SpoolList[Decision]] = {}

    def add(self, d: Decision) -> None:
        part = self._lists.get(d.entity.name)
        if part is None:
            part = self._lists[d.entity.name] = self._spool.new_list(
                encode=self._codec.encode, decode=self._codec.decode
            )
        part.append(d)

    def __len__(self) -> int:
        return sum(len(part) for part in self._lists.values())

    @property
    def total(self) -> int | None:
        return len(self)

    def __iter__(self) -> Iterator[Decision]:
        for name in EntityName:
            if name in self._lists:
                yield from self._lists[name]

    async def chunks(self, size: int) -> AsyncIterator[list[Decision]]:
        for name in EntityName:
            if name in self._lists:
                for chunk in self._lists[name].chunks(size):
                    yield chunk

    async def release(self) -> None:
        """Free the spool's buffer of this kind's decisions (the kind is done)."""
        for part in self._lists.values():
            self._spool.drop(part)
        self._lists.clear()


class Stream:
    """A fresh start's decisions, made as NAV gives its records and never held: nothing of it is linked, so
    nothing can be deleted and the mass-delete guard has nothing to wait for. They come in NAV's order; the
    entity order does not matter, as nothing is created in NAV from them. Taken once."""

    def __init__(self, decisions: AsyncGenerator[list[Decision], None]) -> None:
        self._decisions = decisions
        self._taken = False

    async def __aiter__(self) -> AsyncIterator[Decision]:
        if self._taken:
            raise RuntimeError("a fresh start's decisions were taken already")
        self._taken = True
        async for decisions in self._decisions:
            for d in decisions:
                yield d

    async def chunks(self, size: int) -> AsyncIterator[list[Decision]]:
        if self._taken:
            raise RuntimeError("a fresh start's decisions were taken already")
        self._taken = True
        chunk: list[Decision] = []
        async for decisions in self._decisions:
            chunk.extend(decisions)
            while len(chunk) >= size:
                yield chunk[:size]
                chunk = chunk[size:]
        if chunk:
            yield chunk

    @property
    def total(self) -> int | None:
        """Not known until read: progress shows no total."""
        return None

    async def release(self) -> None:
        """Stop reading: a run stopped before the kind was done leaves the rest of the read unread, and the
        read (a NAV change set being paged through) is closed now, not whenever its iterators are collected."""
        self._taken = True
        await self._decisions.aclose()
