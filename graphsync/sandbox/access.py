"""Who a bearer token acts as and what it may do: the sandbox's sign-in, and Graph's permission checks.

Graph admits a request only for a user that exists and with a permission that covers it, and says which check
failed:

- a token it cannot validate: ``401 InvalidAuthenticationToken`` (the sandbox: an unknown token form, a token
  nobody granted, or ``sandbox:<upn>`` for a user it does not hold: Entra issues no token for a user who does
  not exist, so Graph never sees one);
- ``/users/{id | userPrincipalName}`` of a user that does not exist: ``404``, "If a user with the ID doesn't
  exist, this method returns a 404 Not Found error code" (api-reference/v1.0/api/user-get.md, "Response"), with
  the directory's code ``Request_ResourceNotFound`` on the user itself and Exchange's ``ErrorInvalidUser`` ("The
  requested user '...' is invalid.") on anything in its mailbox;
- a permission the token does not carry: the API page's "Permissions" table names what covers each request
  (user-list-contacts.md and user-post-contacts.md: Contacts.Read, Contacts.ReadWrite; user-list-events.md:
  Calendars.Read, Calendars.ReadWrite; todotasklist-list-tasks.md: Tasks.Read, Tasks.ReadWrite, application
  Tasks.Read.All, Tasks.ReadWrite.All; user-get-mailboxsettings.md and outlookuser-list-mastercategories.md:
  MailboxSettings.Read, MailboxSettings.ReadWrite; user-translateexchangeids.md: User.Read ... delegated,
  User.Read.All, User.ReadWrite.All application; user-get.md: User.Read for /me, User.Read.All and higher for
  other users). A mailbox request refused is ``403 ErrorAccessDenied`` (concepts/auth-limit-mailbox-access.md,
  "Handling API errors"; To Do's code is inferred to be Exchange's as well); reading a user refused is the
  directory's ``403 Authorization_RequestDenied``, "Insufficient privileges to complete the operation."
  (MicrosoftDocs SupportArticles-docs, troubleshoot-authorization-requestdenied-graph-api.md). A ReadWrite
  permission covers reading too, as every one of those tables lists it among the read permissions.

The sandbox's own tokens: ``sandbox:<upn>`` acts as that user with every delegated permission of the
resources served (the person in their own Outlook, and graphsync signed in as them); ``sandbox-app`` is an app
granted every application permission the served resources take. `SandboxState.grant_token` accepts any other
token, as a user or as an app, with the permissions a test gives it (what a real sign-in issued).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from graphsync.sandbox.wire import Principal, fail

APP_TOKEN = "sandbox-app"
USER_TOKEN_PREFIX = "sandbox:"

DELEGATED_PERMISSIONS = frozenset(
    {"User.Read", "Contacts.ReadWrite", "Calendars.ReadWrite", "Tasks.ReadWrite", "MailboxSettings.ReadWrite"}
)
"""What ``sandbox:<upn>`` carries: everything a person may do in their own mailbox."""

APPLICATION_PERMISSIONS = frozenset(
    {"User.Read.All", "Contacts.ReadWrite", "Calendars.ReadWrite", "Tasks.ReadWrite.All", "MailboxSettings.ReadWrite"}
)
"""What ``sandbox-app`` carries: every application permission of the resources the sandbox serves."""


@dataclass(frozen=True)
class Grant:
    """A token the sandbox accepts: acting as ``user`` (delegated) or as an app (``user`` None), carrying
    ``permissions`` (Graph's names, such as ``Contacts.ReadWrite``)."""

    user: str | None
    permissions: frozenset[str]


@dataclass(frozen=True)
class _Need:
    """The permissions that cover reading (``read``) and writing (``write``) a resource, for delegated and
    application tokens."""

    read: frozenset[str]
    write: frozenset[str]
    app_read: frozenset[str]
    app_write: frozenset[str]


def _outlook(family: str) -> _Need:
    read, write = frozenset({f"{family}.Read", f"{family}.ReadWrite"}), frozenset({f"{family}.ReadWrite"})
    return _Need(read, write, read, write)


_CONTACTS = _outlook("Contacts")
_CALENDARS = _outlook("Calendars")
_SETTINGS = _outlook("MailboxSettings")
_TASKS = _Need(
    read=frozenset({"Tasks.Read", "Tasks.ReadWrite"}),
    write=frozenset({"Tasks.ReadWrite"}),
    app_read=frozenset({"Tasks.Read.All", "Tasks.ReadWrite.All"}),
    app_write=frozenset({"Tasks.ReadWrite.All"}),
)
_USERS_READ = frozenset({"User.ReadBasic.All", "User.Read", "User.ReadWrite", "User.Read.All", "User.ReadWrite.All"})
_USERS_APP = frozenset({"User.Read.All", "User.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All"})
_TRANSLATE = _Need(_USERS_READ, _USERS_READ, frozenset({"User.Read.All", "User.ReadWrite.All"}), frozenset())

_BY_SEGMENT: Mapping[str, _Need] = {
    "contactfolders": _CONTACTS,
    "contacts": _CONTACTS,
    "calendars": _CALENDARS,
    "calendar": _CALENDARS,
    "events": _CALENDARS,
    "calendarview": _CALENDARS,
    "todo": _TASKS,
    "mailboxsettings": _SETTINGS,
    "outlook": _SETTINGS,
    "translateexchangeids": _TRANSLATE,
}

MAILBOX_ACCESS_DENIED = "Access is denied. Check credentials and try again."


def principal_for(token: str, grants: Mapping[str, Grant], known_user: set[str] | Mapping[str, object]) -> Principal:
    """The principal ``token`` acts as; 401 when the sandbox cannot validate it. ``known_user`` holds the
    user principal names (lower case) of the users that exist."""
    if token == APP_TOKEN:
        return Principal(None, APPLICATION_PERMISSIONS)
    grant = grants.get(token)
    if grant is None and token.startswith(USER_TOKEN_PREFIX) and "@" in token[len(USER_TOKEN_PREFIX) :]:
        grant = Grant(token[len(USER_TOKEN_PREFIX) :].strip().lower(), DELEGATED_PERMISSIONS)
    if grant is None:
        raise fail(
            401,
            "InvalidAuthenticationToken",
            "Access token validation failure: the sandbox accepts 'sandbox:<userPrincipalName>' (delegated), "
            "'sandbox-app' (app-only) and the tokens granted to it (SandboxState.grant_token).",
        )
    if grant.user is not None and grant.user not in known_user:
        raise fail(
            401,
            "InvalidAuthenticationToken",
            f"Access token validation failure: the sandbox has no user {grant.user} (create it first: "
            f"graphsync sandbox seed {grant.user}).",
        )
    return Principal(grant.user, grant.permissions)


def check_user_read(principal: Principal, own: bool) -> None:
    """Reading a user resource (``/me``, ``/users/{id}``): User.Read for one's own, User.Read.All (or a
    directory permission) for another user or as an app (user-get.md, "Permissions")."""
    if principal.app_only:
        allowed = _USERS_APP
    elif own:
        allowed = _USERS_READ
    else:
        allowed = _USERS_READ - {"User.Read", "User.ReadWrite"}
    if not principal.permissions & allowed:
        raise fail(403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.")


def check_mailbox_access(principal: Principal, method: str, rest: list[str]) -> None:
    """A request for something in a mailbox (``rest``: the path after the user), refused with Exchange's 403
    when the token carries no permission that covers it. Paths the sandbox does not serve pass (they answer
    400 later, as Graph does for a segment it does not know)."""
    need = _BY_SEGMENT.get(rest[0].lower()) if rest else None
    if need is None:
        return
    reading = method == "GET" or need is _TRANSLATE
    if principal.app_only:
        allowed = need.app_read if reading else need.app_write
    else:
        allowed = need.read if reading else need.write
    if not principal.permissions & allowed:
        raise fail(403, "ErrorAccessDenied", MAILBOX_ACCESS_DENIED)
