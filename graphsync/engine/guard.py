"""The mass-delete guard: a run that would delete much of what is linked is refused unless allowed.

A wrong condition, an emptied folder or a NAV filter gone wrong looks, to a sync, exactly like a person
deleting everything; the guard turns that into a question instead of an irreversible run.
"""

from __future__ import annotations

from collections.abc import Mapping

from graphsync.config.entities import EntityName
from graphsync.errors import GraphsyncError


class MassDeleteError(GraphsyncError):
    """The run would delete ``deletes`` of ``linked`` items of ``entity``: more than ``share`` and ``minimum``."""

    def __init__(self, *, entity: EntityName, deletes: int, linked: int, share: float, minimum: int) -> None:
        self.entity = entity
        self.deletes = deletes
        self.linked = linked
        self.share = share
        self.minimum = minimum
        super().__init__(f"{entity.value}: {deletes} of {linked} linked items would be deleted")


def check_mass_delete(
    deletes: Mapping[EntityName, int], linked: Mapping[EntityName, int], *, share: float, minimum: int
) -> None:
    """Raise MassDeleteError for the first entity over both limits."""
    for entity, count in deletes.items():
        total = linked.get(entity, 0)
        if count > minimum and count > share * total:
            raise MassDeleteError(entity=entity, deletes=count, linked=total, share=share, minimum=minimum)
