"""Which NAV fields the published pages must show, from the ``[entities]`` config.

The connector checks them against ``$metadata`` once per run, so that a page missing a field is one clear
error at the start rather than an empty value synced to Outlook.
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
"""What the engine reads besides the field map: entity selection, salesperson matching by e-mail, and a
meeting's attendees."""


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
