"""NAV records as the planner sees them: routed to an entity, with MEETING's computed attendee fields.

A meeting's Outlook attendees come from NAV's Attendee table (5199): the organizer row is left out;
an attendee with Send Invitation becomes a Graph attendee, by the E-Mail of the contact or salesperson
its Attendee No. points to (by key, never by name); the others are listed in the event body, so that
no one NAV did not mean to invite receives a meeting request.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping

from graphsync.config.entities import ATTENDEE_NOTE_FIELD, ATTENDEES_FIELD, EntityName
from graphsync.connectors.nav import NavConnector, NavRecord, NavTable
from graphsync.engine.binding import BoundEntity
from graphsync.mapping.convert import attendee_token

ORGANIZER = "To-do Organizer"
NOTE_HEADING = "Also attending (not invited):"


class NavSide:
    def __init__(
        self, nav: NavConnector, owner: str, *, window: tuple[dt.date | None, dt.date | None] = (None, None)
    ) -> None:
        self._nav = nav
        self._owner = owner
        self._window = window
        self._emails: dict[tuple[str, str], str] = {}

    def route(self, entities: Iterable[BoundEntity], record: NavRecord) -> BoundEntity | None:
        """The entity a record belongs to (the first whose selection and condition it meets)."""
        for entity in entities:
            if entity.table is record.table and entity.matches(record.fields, self._owner):
                return entity
        return None

    def outside_window(self, entity: BoundEntity, record: NavRecord) -> bool:
        """A meeting dated outside the sync window: left alone (see `SyncOptions.window_past_days`)."""
        if entity.name is not EntityName.MEETING:
            return False
        date = record.fields.get("Date")
        if not isinstance(date, dt.date):
            return False
        start, end = self._window
        return (start is not None and date < start) or (end is not None and date > end)

    def after_window(self, record: NavRecord) -> bool:
        date = record.fields.get("Date")
        end = self._window[1]
        return isinstance(date, dt.date) and end is not None and date > end

    def values(self, entity: BoundEntity, record: NavRecord) -> dict[str, object]:
        """The record's fields, plus the computed fields its entity maps."""
        values = dict(record.fields)
        if entity.name is EntityName.MEETING:
            invited, note = self.attendees(str(record.key[0]))
            values[ATTENDEES_FIELD] = invited
            values[ATTENDEE_NOTE_FIELD] = note
        return values

    def _email(self, attendee_type: str, number: str) -> str:
        table = NavTable.SALESPERSON if attendee_type == "Salesperson" else NavTable.CONTACT
        cached = self._emails.get((attendee_type, number))
        if cached is None:
            record = self._nav.get(table, (number,))
            cached = str(record.fields.get("E-Mail") or "") if record else ""
            self._emails[(attendee_type, number)] = cached
        return cached

    def attendees(self, todo_no: str) -> tuple[str, str]:
        """(invited attendees in normalised form, the body text listing the others)."""
        invited: list[str] = []
        others: list[str] = []
        for row in self._nav.find(NavTable.ATTENDEE, {"To-do No.": todo_no}):
            fields: Mapping[str, object] = row.fields
            if fields.get("Attendance Type") == ORGANIZER:
                continue
            kind = "optional" if fields.get("Attendance Type") == "Optional" else "required"
            number = str(fields.get("Attendee No.") or "")
            email = self._email(str(fields.get("Attendee Type") or "Contact"), number) if number else ""
            if fields.get("Send Invitation") and email:
                invited.append(attendee_token(kind, email))
            else:
                name = str(fields.get("Attendee Name") or number)
                others.append(f"{name} ({fields.get('Attendee Type')} {number})" if number else name)
        note = "\n".join([NOTE_HEADING, *sorted(others)]) if others else ""
        return ";".join(sorted(set(invited))), note
