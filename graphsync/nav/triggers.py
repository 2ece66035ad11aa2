"""NAV's table triggers for the embedded company: what happens on insert, modify and delete.

Each function runs inside one `Session` (one SQLite transaction) and takes values already checked by
`graphsync.nav.values.check_value`. A rule that refuses raises, and the caller rolls the whole transaction
back, so a refused write leaves nothing behind (NAV's ERROR does the same).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Mapping

from graphsync.connectors.dateformula import DateFormulaError, calc_date
from graphsync.connectors.nav import NavTable, TableDef
from graphsync.nav import flowfields, schema, texts
from graphsync.nav.session import Session, typed_key
from graphsync.nav.store import Row
from graphsync.nav.values import check_value

ValueMap = Mapping[str, object]

log = logging.getLogger(__name__)

_DAY = dt.timedelta(days=1)
_MEETING_DEFAULT = dt.timedelta(minutes=30)


# ------------------------------------------------------------------ shared checks


def _require_key(s: Session, t: TableDef, row: Row) -> None:
    for name in t.key:
        if row[name] in ("", 0, None):
            raise texts.must_have_value(t, name, typed_key(t, row))


def _related(s: Session, t: TableDef, field: str, value: object, related: TableDef) -> Row | None:
    """The related record a non-blank field points to (NAV's TableRelation), or the NAV error."""
    if value in ("", None):
        return None
    got = s.get(related, (value,))
    if got is None:
        raise texts.not_in_related_table(t, field, value, related)
    return got


def _stamp_utc(s: Session, row: Row) -> None:
    """Contact's SetLastDateTimeModified: the date and time in UTC, whatever the session's zone (NAV 2018
    Table_5_050_Contact.al: ``UtcNow := DateFilterCalc.ConvertToUtcDateTime(CURRENTDATETIME)``; BC
    CRM/Contact/Contact.Table.al: ``UtcNow := CurrentDateTime() - GetTimeZoneOffset()``)."""
    row["Last Date Modified"] = s.utc_today
    row["Last Time Modified"] = s.now.time()


def _stamp_local(s: Session, row: Row) -> None:
    """To-do's OnInsert / OnModify: ``"Last Date Modified" := TODAY; "Last Time Modified" := TIME`` (NAV 2018
    Table_5_080_To_do.al, BC CRM/Task/Todo.Table.al): the session's own zone."""
    local = s.local_now
    row["Last Date Modified"] = local.date()
    row["Last Time Modified"] = local.time().replace(tzinfo=None)


def _insert_new(s: Session, t: TableDef, row: Row) -> None:
    if s.get(t, typed_key(t, row)) is not None:
        raise texts.already_exists(t, typed_key(t, row))
    s.insert_row(t, row)


def _no_rename(t: TableDef, old: Row, values: ValueMap) -> None:
    for name in t.key:
        if name in values and values[name] != old[name]:
            raise texts.refused(t, typed_key(t, old), texts.RENAME.format(field=name, table=t.name))


# ------------------------------------------------------------------ Contact 5050


def _calculated_name(row: Row) -> str:
    return " ".join(str(row[p]) for p in ("First Name", "Middle Name", "Surname") if row[p])


def _name_breakdown(t: TableDef, row: Row) -> None:
    words = str(row["Name"]).split()
    first, middle, surname = "", "", ""
    if len(words) == 1:
        first = words[0]
    elif len(words) == 2:
        first, surname = words
    elif len(words) > 2:
        first, middle, surname = words[0], words[1], " ".join(words[2:])
    for name, value in (("First Name", first), ("Middle Name", middle), ("Surname", surname)):
        row[name] = check_value(t, t.field(name), value)


def _contact_names_and_company(s: Session, row: Row, given: ValueMap, old: Row | None) -> None:
    t = schema.CONTACT
    if row["Type"] == "Company":
        row["Company No."] = row["No."]
        row["Company Name"] = row["Name"]
        for person_only in ("First Name", "Middle Name", "Surname", "Job Title"):
            row[person_only] = ""
        return
    parts_given = any(p in given for p in ("First Name", "Middle Name", "Surname"))
    if parts_given and "Name" not in given:
        row["Name"] = check_value(t, t.field("Name"), _calculated_name(row))
    elif "Name" in given and not parts_given:
        _name_breakdown(t, row)
    if "Company Name" in given and "Company No." not in given:
        # NAV validates Company No. from the name typed (GetCompNo).
        companies = [c for c in s.select(t, {"Type": "Company"}) if c["Name"] == given["Company Name"]]
        if given["Company Name"] and not companies:
            raise texts.not_in_related_table(t, "Company Name", given["Company Name"], t)
        row["Company No."] = companies[0]["No."] if companies else ""
    company = _related(s, t, "Company No.", row["Company No."], t)
    if company is not None and company["Type"] != "Company":
        raise texts.not_in_related_table(t, "Company No.", row["Company No."], t)
    row["Company Name"] = company["Name"] if company else ""


def _contact_relations(s: Session, row: Row) -> None:
    t = schema.CONTACT
    _related(s, t, "Salesperson Code", row["Salesperson Code"], schema.SALESPERSON)
    _related(s, t, "Territory Code", row["Territory Code"], schema.TERRITORY)


def insert_contact(s: Session, values: ValueMap) -> Row:
    t = schema.CONTACT
    row = s.blank_row(t)
    row.update(values)
    if not row["No."]:
        row["No."] = s.next_no(NavTable.CONTACT)
    _contact_names_and_company(s, row, values, None)
    _contact_relations(s, row)
    _stamp_utc(s, row)
    _insert_new(s, t, row)
    return row


def modify_contact(s: Session, old: Row, values: ValueMap) -> Row:
    t = schema.CONTACT
    _no_rename(t, old, values)
    row = {**old, **values}
    if old["Type"] == "Company" and row["Type"] == "Person" and _persons(s, old["No."]):
        raise texts.refused(t, typed_key(t, old), texts.CONTACT_HAS_PERSONS.format(field="Type"))
    if old["Type"] == "Company" and row["Type"] == "Person" and "Company No." not in values:
        row["Company No."] = ""
    _contact_names_and_company(s, row, values, old)
    _contact_relations(s, row)
    if row == old:
        return old
    _stamp_utc(s, row)
    s.update_row(t, old, row)
    if row["Type"] == "Company" and row["Name"] != old["Name"]:
        # Renaming a company renames it on each of its persons (NAV's Contact.OnModify).
        for person in _persons(s, row["No."]):
            changed = {**person, "Company Name": row["Name"]}
            _stamp_utc(s, changed)
            s.update_row(t, person, changed)
    return row


def _persons(s: Session, company_no: object) -> list[Row]:
    return s.select(schema.CONTACT, {"Company No.": company_no, "Type": "Person"})


def delete_contact(s: Session, row: Row) -> None:
    t = schema.CONTACT
    if flowfields.has_open_todos(s.store, str(row["No."])):
        raise texts.refused(t, typed_key(t, row), texts.CONTACT_OPEN_TODOS.format(no=row["No."], table=t.name))
    s.delete_row(t, row)
    if row["Type"] == "Company":
        for person in _persons(s, row["No."]):
            delete_contact(s, person)


# ------------------------------------------------------------------ Salesperson/Purchaser 13 and Territory 286


def insert_plain(t: TableDef) -> Callable[[Session, ValueMap], Row]:
    def insert(s: Session, values: ValueMap) -> Row:
        row = s.blank_row(t)
        row.update(values)
        _require_key(s, t, row)
        _insert_new(s, t, row)
        return row

    return insert


def modify_plain(t: TableDef) -> Callable[[Session, Row, ValueMap], Row]:
    def modify(s: Session, old: Row, values: ValueMap) -> Row:
        _no_rename(t, old, values)
        row = {**old, **values}
        s.update_row(t, old, row)
        return row

    return modify


def delete_salesperson(s: Session, row: Row) -> None:
    t = schema.SALESPERSON
    if s.select(schema.TODO, {"Salesperson Code": row["Code"], "Closed": False}):
        raise texts.refused(t, typed_key(t, row), texts.SALESPERSON_OPEN_TODOS.format(code=row["Code"]))
    s.delete_row(t, row)


def delete_plain(t: TableDef) -> Callable[[Session, Row], None]:
    def delete(s: Session, row: Row) -> None:
        s.delete_row(t, row)

    return delete


# ------------------------------------------------------------------ To-do 5080


def _is_meeting_or_call(row: Row) -> bool:
    return row["Type"] in ("Meeting", "Phone Call") and not row["All Day Event"]


def _apply_status(s: Session, old: Row | None, row: Row, given: ValueMap) -> None:
    """Status Completed and Closed go together (NAV's OnValidate of Status, Closed and Canceled).

    Closing a to-do that is not canceled through a page (Status or Closed set by a page control) asks
    "Do you want to register an Interaction Log Entry?" (field 13 Closed, OnValidate: ``IF CurrFieldNo <> 0
    THEN IF CONFIRM(Text004,TRUE) THEN CreateInteraction``): a client user answers it (the interaction itself
    is not modelled here), a web-service session fails with the callback error."""
    if "Status" in given:
        row["Closed"] = row["Status"] == "Completed"
    elif "Closed" in given:
        if row["Closed"]:
            row["Status"] = "Completed"
        else:
            row["Canceled"] = False
            if row["Status"] == "Completed":
                row["Status"] = "In Progress"
    elif "Canceled" in given:
        if row["Canceled"] and not row["Closed"]:
            row["Closed"], row["Status"] = True, "Completed"
        elif not row["Canceled"] and row["Closed"]:
            row["Closed"] = False
            if row["Status"] == "Completed":
                row["Status"] = "In Progress"
    if row["Closed"] and row["Status"] != "Completed":
        row["Status"] = "Completed"
    was_closed = bool(old and old["Closed"])
    if row["Closed"] and not was_closed and not row["Canceled"] and s.web_service and s.from_page("Status", "Closed"):
        t = schema.TODO
        raise texts.callback(t, typed_key(t, row), server=s.server, question=texts.REGISTER_INTERACTION_QUESTION)
    if row["Closed"] and (not was_closed or row["Date Closed"] is None):
        row["Date Closed"] = s.today
    if not row["Closed"]:
        row["Date Closed"] = None


_TIMING = ("Date", "Start Time", "Duration", "Ending Date", "Ending Time", "Type", "All Day Event")


def _apply_timing(s: Session, row: Row, given: ValueMap) -> None:
    """Ending Date/Time follow Date + Start Time + Duration, or Duration follows a given end (NAV's
    GetEndDateTime / SetDuration). A to-do that is not a meeting or call counts whole days: Duration 1 day
    ends on its own Date."""
    timed = _is_meeting_or_call(row)
    if row["All Day Event"]:
        row["Start Time"] = None
    date: dt.date = row["Date"]  # type: ignore[assignment]
    start_time: dt.time | None = row["Start Time"]  # type: ignore[assignment]
    start = dt.datetime.combine(date, start_time or dt.time(0))
    end_given = ("Ending Date" in given or "Ending Time" in given) and "Duration" not in given
    if end_given and row["Ending Date"] is not None:
        end_time: dt.time | None = row["Ending Time"]  # type: ignore[assignment]
        end = dt.datetime.combine(row["Ending Date"], end_time or dt.time(0))  # type: ignore[arg-type]
        duration = end - start + (dt.timedelta(0) if timed else _DAY)
        if duration < dt.timedelta(0):
            raise texts.invalid(
                schema.TODO,
                typed_key(schema.TODO, row),
                "Ending Date",
                texts.ENDS_BEFORE_START.format(
                    end=f"{row['Ending Date']} {end_time or ''}".strip(), start=f"{date} {start_time or ''}".strip()
                ),
            )
        row["Duration"] = duration // dt.timedelta(milliseconds=1)
    else:
        if not row["Duration"]:
            row["Duration"] = (_MEETING_DEFAULT if timed else _DAY) // dt.timedelta(milliseconds=1)
        duration = dt.timedelta(milliseconds=int(str(row["Duration"])))
        end = start + duration - (dt.timedelta(0) if timed else _DAY)
    row["Ending Date"] = end.date()
    row["Ending Time"] = end.time() if start_time is not None else None


def _todo_contact(s: Session, row: Row, fill_salesperson: bool) -> None:
    t = schema.TODO
    contact = _related(s, t, "Contact No.", row["Contact No."], schema.CONTACT)
    row["Contact Company No."] = contact["Company No."] if contact else ""
    if contact and fill_salesperson and not row["Salesperson Code"]:
        # Creating a to-do from a contact proposes the contact's salesperson (NAV's CreateTaskFromContact).
        row["Salesperson Code"] = contact["Salesperson Code"]


def _meeting_allowed(s: Session, row: Row, given: ValueMap) -> None:
    """Business Central online refuses Type Meeting when Type is validated (field 8 Type, OnValidate:
    ``if EnvironmentInfo.IsSaaS() and (Type = Type::Meeting) then Error(MeetingSaaSNotSupportedErr)``)."""
    if s.saas and "Type" in given and row["Type"] == "Meeting":
        t = schema.TODO
        raise texts.invalid(t, typed_key(t, row), "Type", texts.MEETING_SAAS)


def _todo_checks(s: Session, row: Row) -> Row:
    t = schema.TODO
    key = typed_key(t, row)
    if not row["Salesperson Code"]:
        raise texts.must_have_value(t, "Salesperson Code", key)
    salesperson = _related(s, t, "Salesperson Code", row["Salesperson Code"], schema.SALESPERSON)
    assert salesperson is not None
    if row["Date"] is None:
        raise texts.must_have_value(t, "Date", key)
    return salesperson


def insert_todo(s: Session, values: ValueMap) -> Row:
    t = schema.TODO
    row = s.blank_row(t)
    row["Priority"] = "Normal"  # InitValue
    row.update(values)
    if not row["No."]:
        row["No."] = s.next_no(NavTable.TODO)
    if not row["Organizer To-do No."]:
        row["Organizer To-do No."] = row["No."]
    _meeting_allowed(s, row, values)
    _todo_contact(s, row, fill_salesperson=True)
    salesperson = _todo_checks(s, row)
    _apply_status(s, None, row, values)
    _apply_timing(s, row, values)
    _stamp_local(s, row)
    if row["Type"] == "Meeting" and not salesperson["E-Mail"]:
        raise texts.refused(t, typed_key(t, row), texts.ORGANIZER_NEEDS_EMAIL.format(name=salesperson["Name"]))
    _insert_new(s, t, row)
    if row["Type"] == "Meeting":
        # As NAV's Create To-do wizard does: the salesperson organizes, the contact attends.
        insert_attendee(
            s,
            {
                "To-do No.": row["No."],
                "Line No.": 10000,
                "Attendance Type": "To-do Organizer",
                "Attendee Type": "Salesperson",
                "Attendee No.": row["Salesperson Code"],
            },
        )
        if row["Contact No."]:
            insert_attendee(
                s,
                {
                    "To-do No.": row["No."],
                    "Line No.": 20000,
                    "Attendance Type": "Required",
                    "Attendee Type": "Contact",
                    "Attendee No.": row["Contact No."],
                },
            )
    return row


def modify_todo(s: Session, old: Row, values: ValueMap) -> Row:
    t = schema.TODO
    _no_rename(t, old, values)
    row = {**old, **values}
    _meeting_allowed(s, row, values)
    if (old["Type"] == "Meeting") != (row["Type"] == "Meeting"):
        raise texts.refused(t, typed_key(t, old), texts.TODO_TYPE_CHANGE)
    if "Contact No." in values:
        _todo_contact(s, row, fill_salesperson=False)
    _todo_checks(s, row)
    _apply_status(s, old, row, values)
    if any(name in values for name in _TIMING):
        _apply_timing(s, row, values)
    if row == old:
        return old
    _stamp_local(s, row)
    s.update_row(t, old, row)
    if row["Type"] == "Meeting" and row["Salesperson Code"] != old["Salesperson Code"]:
        for organizer in s.select(schema.ATTENDEE, {"To-do No.": row["No."], "Attendance Type": "To-do Organizer"}):
            person = _related(s, schema.ATTENDEE, "Attendee No.", row["Salesperson Code"], schema.SALESPERSON)
            assert person is not None
            changed = {**organizer, "Attendee No.": row["Salesperson Code"], "Attendee Name": person["Name"]}
            s.update_row(schema.ATTENDEE, organizer, changed)
    if row["Closed"] and not old["Closed"] and row["Recurring"] and _close_validated(s):
        _create_recurring_todo(s, row)
    return row


def _close_validated(s: Session) -> bool:
    """Whether the close ran field 13 Closed's OnValidate (directly, or from Status or Canceled): any write of a
    client session, and a page write whose Status, Closed or Canceled came through a field control. Not a page
    control whose own trigger assigns ``Closed := TRUE`` in code, as graphsync's completion control does
    (docs/odata.md): that skips OnValidate, and CreateRecurringTask is LOCAL to table 5080, so no page can call
    it either."""
    return s.page_fields is None or s.from_page("Status", "Closed", "Canceled")


def _create_recurring_todo(s: Session, closed: Row) -> Row:
    """Table 5080's CreateRecurringTask, which field 13 Closed's OnValidate calls when a Recurring to-do is
    closed or canceled (``IF Recurring THEN CreateRecurringTask``, after the Confirm a page-validated close
    asks, so a web-service session that is asked fails before this), in the same transaction (NAV 2018
    Table_5_080_To_do.al, CreateRecurringTask@4 and InsertTaskAndRelatedData@14; BC CRM/Task/Todo.Table.al,
    CreateRecurringTask):

    - ``TESTFIELD("Recurring Date Interval")``; a blank Calc. Due Date From is ``ERROR(Text000)``: "... must be
      specified." Either refuses the close itself.
    - ``Task2 := Rec``: every field copied from the to-do as it is being closed, then Status Not Started, Closed,
      Canceled and Date Closed cleared, and Date := CALCDATE(Recurring Date Interval, Date) ("Due Date") or
      from TODAY, the session's day ("Closing Date"); Ending Date and Time follow from Date, Start Time and
      Duration (GetEndDateTime).
    - Inserted under the next number (``CLEAR("No."); INSERT(TRUE)``) as an Organizer to-do, its Organizer
      To-do No. its own number (OnInsert), stamped modified in the session's zone.
    - A meeting's Attendee rows, the organizer's among them, are copied to it as they are
      (``Attendee2 := Attendee; Attendee2."To-do No." := Task2."No."; Attendee2.INSERT``, no trigger): Send
      Invitation, Invitation Response Type and Invitation Sent included. NAV also inserts a to-do per
      attendee (CreateSubTask); the embedded company keeps no such copies (`graphsync.nav.flowfields`).

    Then ``MESSAGE(Text001)``, shown to a client user, written to the server's event log in a web-service
    session (dev-itpro/includes/include-dialog-exceptions-in-non-ui-sessions.md): logged here."""
    t = schema.TODO
    key = typed_key(t, closed)
    interval = str(closed["Recurring Date Interval"] or "")
    if not interval.strip("<> "):
        raise texts.must_have_value(t, "Recurring Date Interval", key)
    if not closed["Calc. Due Date From"]:
        raise texts.invalid(t, key, "Calc. Due Date From", texts.MUST_BE_SPECIFIED.format(field="Calc. Due Date From"))
    due: dt.date = closed["Date"] if closed["Calc. Due Date From"] == "Due Date" else s.today  # type: ignore[assignment]
    try:
        date = calc_date(interval, due)
    except DateFormulaError as exc:
        raise texts.invalid(t, key, "Recurring Date Interval", str(exc)) from None
    row = {
        **closed,
        "No.": s.next_no(NavTable.TODO),
        "Status": "Not Started",
        "Closed": False,
        "Canceled": False,
        "Date Closed": None,
        "Date": date,
        "System To-do Type": "Organizer",
    }
    row["Organizer To-do No."] = row["No."]
    _apply_timing(s, row, {"Date": date})
    _stamp_local(s, row)
    _insert_new(s, t, row)
    if row["Type"] == "Meeting":
        for attendee in s.select(schema.ATTENDEE, {"To-do No.": closed["No."]}):
            s.insert_row(schema.ATTENDEE, {**attendee, "To-do No.": row["No."]})
    log.info(texts.RECURRING_CREATED.format(no=row["No."], closed=closed["No."]))
    return row


def delete_todo(s: Session, row: Row) -> None:
    for attendee in s.select(schema.ATTENDEE, {"To-do No.": row["No."]}):
        s.delete_row(schema.ATTENDEE, attendee)
    s.delete_row(schema.TODO, row)


# ------------------------------------------------------------------ Attendee 5199


def _attendee_party(s: Session, row: Row) -> Row:
    t = schema.ATTENDEE
    related = schema.CONTACT if row["Attendee Type"] == "Contact" else schema.SALESPERSON
    party = _related(s, t, "Attendee No.", row["Attendee No."], related)
    assert party is not None
    return party


def _attendee_checks(s: Session, row: Row) -> tuple[Row, Row]:
    t = schema.ATTENDEE
    key = typed_key(t, row)
    if not row["To-do No."]:
        raise texts.must_have_value(t, "To-do No.", key)
    todo = _related(s, t, "To-do No.", row["To-do No."], schema.TODO)
    assert todo is not None
    if not row["Attendee No."]:
        raise texts.must_have_value(t, "Attendee No.", key)
    others = [a for a in s.select(t, {"To-do No.": row["To-do No."]}) if a["Line No."] != row["Line No."]]
    if row["Attendance Type"] == "To-do Organizer":
        if row["Attendee Type"] != "Salesperson":
            raise texts.refused(t, key, texts.ORGANIZER_MUST_BE_SALESPERSON)
        if any(a["Attendance Type"] == "To-do Organizer" for a in others):
            raise texts.refused(t, key, texts.ONE_ORGANIZER)
    if any(a["Attendee No."] == row["Attendee No."] for a in others):
        raise texts.refused(t, key, texts.ATTENDEE_EXISTS)
    party = _attendee_party(s, row)
    if row["Attendance Type"] == "To-do Organizer" and not party["E-Mail"] and todo["Type"] != "Phone Call":
        raise texts.refused(t, key, texts.ORGANIZER_NEEDS_EMAIL.format(name=party["Name"]))
    row["Attendee Name"] = check_value(t, t.field("Attendee Name"), str(party["Name"])[:50])
    return todo, party


def _send_invitation(s: Session, row: Row, todo: Row, party: Row, given: ValueMap) -> None:
    t = schema.ATTENDEE
    if row["Attendance Type"] == "To-do Organizer":
        row["Send Invitation"] = True
    elif "Send Invitation" not in given:
        row["Send Invitation"] = bool(party["E-Mail"])
    elif row["Send Invitation"] and not party["E-Mail"] and todo["Type"] != "Phone Call":
        raise texts.invalid(
            t, typed_key(t, row), "Send Invitation", texts.NO_EMAIL_FOR_INVITATION.format(name=party["Name"])
        )


def insert_attendee(s: Session, values: ValueMap) -> Row:
    t = schema.ATTENDEE
    row = s.blank_row(t)
    row.update(values)
    if not row["Line No."] and row["To-do No."]:
        lines = [int(str(a["Line No."])) for a in s.select(t, {"To-do No.": row["To-do No."]})]
        row["Line No."] = (max(lines, default=0) // 10000 + 1) * 10000
    todo, party = _attendee_checks(s, row)
    _send_invitation(s, row, todo, party, values)
    _insert_new(s, t, row)
    return row


def modify_attendee(s: Session, old: Row, values: ValueMap) -> Row:
    t = schema.ATTENDEE
    _no_rename(t, old, values)
    row = {**old, **values}
    if old["Attendance Type"] == "To-do Organizer":
        if row["Attendance Type"] != old["Attendance Type"]:
            raise texts.refused(t, typed_key(t, old), texts.CHANGE_ORGANIZER_TYPE)
        if row["Attendee No."] != old["Attendee No."] or row["Attendee Type"] != old["Attendee Type"]:
            raise texts.refused(t, typed_key(t, old), texts.CHANGE_ORGANIZER)
    todo, party = _attendee_checks(s, row)
    _send_invitation(s, row, todo, party, values)
    s.update_row(t, old, row)
    return row


def delete_attendee(s: Session, row: Row) -> None:
    t = schema.ATTENDEE
    if row["Attendance Type"] == "To-do Organizer":
        raise texts.refused(t, typed_key(t, row), texts.DELETE_ORGANIZER)
    s.delete_row(t, row)


# ------------------------------------------------------------------ dispatch

INSERT: Mapping[NavTable, Callable[[Session, ValueMap], Row]] = {
    NavTable.CONTACT: insert_contact,
    NavTable.SALESPERSON: insert_plain(schema.SALESPERSON),
    NavTable.TERRITORY: insert_plain(schema.TERRITORY),
    NavTable.TODO: insert_todo,
    NavTable.ATTENDEE: insert_attendee,
}
MODIFY: Mapping[NavTable, Callable[[Session, Row, ValueMap], Row]] = {
    NavTable.CONTACT: modify_contact,
    NavTable.SALESPERSON: modify_plain(schema.SALESPERSON),
    NavTable.TERRITORY: modify_plain(schema.TERRITORY),
    NavTable.TODO: modify_todo,
    NavTable.ATTENDEE: modify_attendee,
}
DELETE: Mapping[NavTable, Callable[[Session, Row], None]] = {
    NavTable.CONTACT: delete_contact,
    NavTable.SALESPERSON: delete_salesperson,
    NavTable.TERRITORY: delete_plain(schema.TERRITORY),
    NavTable.TODO: delete_todo,
    NavTable.ATTENDEE: delete_attendee,
}
