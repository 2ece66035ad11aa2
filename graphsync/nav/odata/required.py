"""Which NAV fields the connector reads, and which it cannot do without, from the ``[entities]`` config.

A mapped field a page does not show is synced without (``graphsync doctor`` lists it with what to add); a
field an entity selects on, like those the engine itself needs (`graphsync.nav.odata.binding.ESSENTIAL_FIELDS`),
makes the page unusable when it is missing, because graphsync could not tell which records belong to the
entity.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from graphsync.config.entities import EntitiesConfig, NavFieldRef
from graphsync.connectors.nav import NavTable

ENGINE_FIELDS: Mapping[NavTable, tuple[str, ...]] = MappingProxyType(
    {
        NavTable.CONTACT: ("Type", "Company No.", "Salesperson Code", "E-Mail"),
        NavTable.SALESPERSON: ("Name", "E-Mail", "E-Mail 2"),
        NavTable.TODO: ("Type", "System To-do Type", "Salesperson Code", "Contact No."),
        NavTable.ATTENDEE: (
            "Attendance Type",
            "Attendee Type",
            "Attendee No.",
            "Attendee Name",
            "Send Invitation",
        ),
    }
)
"""What the engine reads besides the field map: entity selection, salesperson matching by e-mail (E-Mail 2
only helps: a salesperson whose address is in neither can be named in ``[mailboxes]``), and a meeting's
attendees."""


def required_fields(entities: EntitiesConfig) -> dict[NavTable, tuple[NavFieldRef, ...]]:
    """Per table, the NAV fields (names or numbers) the enabled entities map or select on, and those the
    engine itself reads, in first-use order without repeats."""
    wanted: dict[NavTable, list[NavFieldRef]] = {t: list(f) for t, f in ENGINE_FIELDS.items()}
    for spec in entities:
        if not spec.enabled:
            continue
        refs = wanted.setdefault(spec.table, [])
        for field in spec.fields:
            refs.extend(ref for ref in field.nav if not (isinstance(ref, str) and ref.startswith("@")))
        refs.extend(cond.field for cond in spec.condition)
    return {table: tuple(dict.fromkeys(refs)) for table, refs in wanted.items()}


def essential_fields(entities: EntitiesConfig) -> dict[NavTable, tuple[NavFieldRef, ...]]:
    """Per table, the fields the enabled entities' conditions select on (the engine's own needs are added by
    the binding)."""
    needed: dict[NavTable, list[NavFieldRef]] = {}
    for spec in entities:
        if spec.enabled:
            needed.setdefault(spec.table, []).extend(cond.field for cond in spec.condition)
    return {table: tuple(dict.fromkeys(refs)) for table, refs in needed.items()}
