"""NAV's own error wording (NAV 2018 labels and platform messages), filled in with the facts of a case.

The exceptions carry these sentences in ``message``; `graphsync.cli.messages` shows them verbatim, as a NAV
user would have read them.
"""

from __future__ import annotations

from collections.abc import Sequence

from graphsync.connectors.nav import TableDef
from graphsync.errors import (
    NavConcurrencyError,
    NavDialogError,
    NavNotFoundError,
    NavRefusedError,
    NavValidationError,
)


def identification(t: TableDef, key: Sequence[object]) -> str:
    return ",".join(f"{name}='{value}'" for name, value in zip(t.key, key, strict=True))


def key_filter(t: TableDef, key: Sequence[object]) -> str:
    return ", ".join(f"{name}={value}" for name, value in zip(t.key, key, strict=True))


def _nav_key(key: Sequence[object]) -> tuple[str, ...]:
    return tuple(str(k) for k in key)


def not_found(t: TableDef, key: Sequence[object]) -> NavNotFoundError:
    return NavNotFoundError(
        f"The {t.name} does not exist. Identification fields and values: {identification(t, key)}",
        table=t.no,
        key=_nav_key(key),
    )


def already_exists(t: TableDef, key: Sequence[object]) -> NavRefusedError:
    return NavRefusedError(
        f"The {t.name} already exists. Identification fields and values: {identification(t, key)}",
        table=t.no,
        key=_nav_key(key),
    )


def changed_by_another_user(t: TableDef, key: Sequence[object]) -> NavConcurrencyError:
    return NavConcurrencyError(
        f"Another user has modified the record for this {t.name} after you retrieved it from the database. "
        "Enter your changes again in the updated window, or start the interrupted activity again. "
        f"Identification fields and values: {identification(t, key)}",
        table=t.no,
        key=_nav_key(key),
    )


def must_have_value(t: TableDef, field: str, key: Sequence[object]) -> NavValidationError:
    """NAV's TESTFIELD message."""
    return NavValidationError(
        f"{field} must have a value in {t.name}: {key_filter(t, key)}. It cannot be zero or empty.",
        table=t.no,
        key=_nav_key(key),
        field=field,
    )


def not_in_related_table(t: TableDef, field: str, value: object, related: TableDef) -> NavValidationError:
    """NAV's TableRelation message."""
    return NavValidationError(
        f"The field {field} of table {t.name} contains a value ({value}) that cannot be found in the related "
        f"table ({related.name}).",
        table=t.no,
        field=field,
    )


def refused(t: TableDef, key: Sequence[object], message: str) -> NavRefusedError:
    return NavRefusedError(message, table=t.no, key=_nav_key(key))


def invalid(t: TableDef, key: Sequence[object], field: str, message: str) -> NavValidationError:
    return NavValidationError(message, table=t.no, key=_nav_key(key), field=field)


# NAV 2018 labels (Contact, To-do, Attendee, Salesperson/Purchaser).
CONTACT_OPEN_TODOS = "You cannot delete the {no} record of the {table} because there are one or more to-dos open."
CONTACT_HAS_PERSONS = "{field} cannot be changed because there are one or more related people linked to the contact."
SALESPERSON_OPEN_TODOS = "You cannot delete the salesperson/purchaser with code {code} because it has open to-dos."
TODO_TYPE_CHANGE = (
    "You cannot change a to-do type from Blank or Phone Call to Meeting and vice versa. "
    "You can only change a To-do type from Blank to Phone Call or from Phone Call to Blank."
)
ORGANIZER_MUST_BE_SALESPERSON = "A to-do organizer must always be a salesperson."
ONE_ORGANIZER = "You cannot have more than one to-do organizer."
ATTENDEE_EXISTS = "This attendee already exists."
NO_EMAIL_FOR_INVITATION = (
    "You cannot select the Send Invitation for {name} because he/she does not have an e-mail address."
)
ORGANIZER_NEEDS_EMAIL = "You cannot set {name} as organizer because he/she does not have email address."
DELETE_ORGANIZER = "You cannot delete a to-do organizer."
CHANGE_ORGANIZER = "You cannot change the to-do organizer."
CHANGE_ORGANIZER_TYPE = "You cannot change an Attendance Type for a to-do organizer."
RENAME = "You cannot change {field} of a {table} here: it is part of the primary key (rename the record in NAV)."
ENDS_BEFORE_START = "The to-do cannot end before it starts: it ends {end} but starts {start}."
READ_ONLY_TABLE = (
    "The {table} table is maintained by NAV and cannot be written directly "
    "(change logging is switched on and off per table and field in Change Log Setup)."
)
FLOWFIELD = "The field {field} of table {table} is calculated by NAV (a FlowField) and cannot be changed."

# To-do 5080, field 13 Closed, OnValidate: the question a page-validated close asks (Text004 in NAV 2018's
# Table_5_080_To_do.al and in BC's CRM/Task/Todo.Table.al).
REGISTER_INTERACTION_QUESTION = "Do you want to register an Interaction Log Entry?"
# To-do 5080, CreateRecurringTask: Text000 (a blank Calc. Due Date From) and Text001 (the message it shows,
# "%1 No. %2 has been created from recurring %3 %4." with the table's caption, "Task" in NAV 2018 and BC).
MUST_BE_SPECIFIED = "{field} must be specified."
RECURRING_CREATED = "Task No. {no} has been created from recurring Task {closed}."
# BC's CRM/Task/Todo.Table.al, label MeetingSaaSNotSupportedErr, raised by field 8 Type's OnValidate when
# EnvironmentInfo.IsSaaS().
MEETING_SAAS = "You cannot create a task of type Meeting because you're not using an on-premises deployment."


def callback(t: TableDef, key: Sequence[object], *, server: str, question: str) -> NavDialogError:
    """A Confirm in a session without a client. The wording follows MicrosoftDocs dynamics365smb-devitpro-pb,
    dev-itpro/includes/include-dialog-exceptions-in-non-ui-sessions.md ("... attempted to issue a client
    callback to show a confirmation dialog box.") and the NavNCLCallbackNotAllowedException row of
    dev-itpro/webservices/dynamics-error-codes.md, which continues with the question."""
    return NavDialogError(
        f"{server} attempted to issue a client callback to show a confirmation dialog box. {question}",
        table=t.no,
        key=_nav_key(key),
    )
