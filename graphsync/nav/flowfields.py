"""What NAV calculates instead of storing: a contact's open to-dos and its Next To-do Date.

NAV keeps a copy of each to-do per contact attendee (System To-do Type "Contact Attendee") and its
Next To-do Date FlowField is the earliest open copy's Date. The embedded company keeps no copies; it
reaches the same answer from the organizer to-dos and their Attendee lines: a person's to-dos are those it
is the Contact No. of or a contact attendee of; a company's are those whose Contact Company No. is the
company (its own and its persons').

Every contact read computes the FlowField, so each lookup must go through an index (`store.INDEXES`):
a person's two ways of having a to-do are two separate indexed lookups, combined with UNION ALL, because
one WHERE joining them with OR (or OR EXISTS) makes SQLite scan every to-do for every contact.
"""

from __future__ import annotations

import datetime as dt

from graphsync.nav import schema
from graphsync.nav.store import Store, q

_TODO = q(schema.TODO.name)
_ATTENDEE = q(schema.ATTENDEE.name)
_CONTACT_ATTENDEE = schema.ATTENDEE_TYPES.index("Contact")

_AS_CONTACT = f"SELECT t.{q('Date')} AS d FROM {_TODO} t WHERE t.{q('Contact No.')} = :no AND t.{q('Closed')} = 0"
_AS_ATTENDEE = (
    f"SELECT t.{q('Date')} AS d FROM {_ATTENDEE} a JOIN {_TODO} t ON t.{q('No.')} = a.{q('To-do No.')} "
    f"WHERE a.{q('Attendee No.')} = :no AND a.{q('Attendee Type')} = {_CONTACT_ATTENDEE} AND t.{q('Closed')} = 0"
)
_AS_COMPANY = (
    f"SELECT t.{q('Date')} AS d FROM {_TODO} t WHERE t.{q('Contact Company No.')} = :no AND t.{q('Closed')} = 0"
)

# Public for the tests that check their query plans.
# A to-do the person is both the contact and an attendee of comes twice; neither EXISTS nor MIN minds.
HAS_OPEN_SQL = f"SELECT EXISTS ({_AS_CONTACT}) OR EXISTS ({_AS_ATTENDEE})"
PERSON_NEXT_SQL = f"SELECT MIN(d) FROM ({_AS_CONTACT} UNION ALL {_AS_ATTENDEE})"
COMPANY_NEXT_SQL = f"SELECT MIN(d) FROM ({_AS_COMPANY})"


def has_open_todos(store: Store, contact_no: str) -> bool:
    """Whether a contact is the contact, or a contact attendee, of an open to-do (NAV's delete check)."""
    return store.conn.execute(HAS_OPEN_SQL, {"no": contact_no}).fetchone()[0] == 1


def next_todo_date(store: Store, contact_no: str, *, is_company: bool) -> dt.date | None:
    with store.lock:
        value = store.conn.execute(COMPANY_NEXT_SQL if is_company else PERSON_NEXT_SQL, {"no": contact_no}).fetchone()[
            0
        ]
    return None if value is None else dt.date.fromisoformat(value)
