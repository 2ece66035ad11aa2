"""What NAV calculates instead of storing: a contact's open to-dos and its Next To-do Date.

NAV keeps a copy of each to-do per contact attendee (System To-do Type "Contact Attendee") and its
Next To-do Date FlowField is the earliest open copy's Date. The embedded company keeps no copies; it
reaches the same answer from the organizer to-dos and their Attendee lines: a person's to-dos are those it
is the Contact No. of or a contact attendee of; a company's are those whose Contact Company No. is the
company (its own and its persons').
"""

from __future__ import annotations

import datetime as dt

from graphsync.nav import schema
from graphsync.nav.store import Store, q

_TODO = q(schema.TODO.name)
_ATTENDEE = q(schema.ATTENDEE.name)
_CONTACT_ATTENDEE = schema.ATTENDEE_TYPES.index("Contact")

_PERSON_TODOS = (
    f"FROM {_TODO} t WHERE t.{q('Closed')} = 0 AND (t.{q('Contact No.')} = :no OR EXISTS ("
    f"SELECT 1 FROM {_ATTENDEE} a WHERE a.{q('To-do No.')} = t.{q('No.')} "
    f"AND a.{q('Attendee Type')} = {_CONTACT_ATTENDEE} AND a.{q('Attendee No.')} = :no))"
)
_COMPANY_TODOS = f"FROM {_TODO} t WHERE t.{q('Closed')} = 0 AND t.{q('Contact Company No.')} = :no"


def has_open_todos(store: Store, contact_no: str) -> bool:
    """Whether a contact is the contact, or a contact attendee, of an open to-do (NAV's delete check)."""
    return store.conn.execute(f"SELECT EXISTS (SELECT 1 {_PERSON_TODOS})", {"no": contact_no}).fetchone()[0] == 1


def next_todo_date(store: Store, contact_no: str, *, is_company: bool) -> dt.date | None:
    sql = f"SELECT MIN(t.{q('Date')}) {_COMPANY_TODOS if is_company else _PERSON_TODOS}"
    with store.lock:
        value = store.conn.execute(sql, {"no": contact_no}).fetchone()[0]
    return None if value is None else dt.date.fromisoformat(value)
