"""From a request path to the handler: who the mailbox is (``/me`` or ``/users/{id}``), whether the caller
may open it, and which resource the rest of the path names. Segment names match case-insensitively, as
in Graph; ``delta()`` (the SDK's form) is ``delta``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import unquote

from graphsync.sandbox import calendar, categories, contacts, exchange_ids, settings, todo
from graphsync.sandbox.access import MAILBOX_ACCESS_DENIED, check_mailbox_access, check_user_read
from graphsync.sandbox.handling import Ctx, method_not_allowed, ok
from graphsync.sandbox.query import parse_prefer
from graphsync.sandbox.state import SandboxState
from graphsync.sandbox.store import Mailbox
from graphsync.sandbox.wire import Call, Principal, Reply, bad_request, fail, unknown_user

Handler = Callable[[Ctx, list[str]], Reply]
_ = "*"

_ROUTES: list[tuple[tuple[str, ...], Handler]] = [
    # contact folders and contacts
    (("contactfolders",), lambda c, a: contacts.folders(c)),
    (("contactfolders", "delta"), lambda c, a: contacts.folders_delta(c)),
    (("contactfolders", _), lambda c, a: contacts.one_folder(c, a[0])),
    (("contactfolders", _, "contacts"), lambda c, a: contacts.contacts(c, contacts.folder(c, a[0]))),
    (("contactfolders", _, "contacts", "delta"), lambda c, a: contacts.contacts_delta(c, a[0])),
    (("contactfolders", _, "contacts", _), lambda c, a: contacts.one_contact(c, a[1], contacts.folder(c, a[0]))),
    (
        ("contactfolders", _, "contacts", _, "extensions"),
        lambda c, a: contacts.contact_extensions(c, a[1], None, contacts.folder(c, a[0])),
    ),
    (
        ("contactfolders", _, "contacts", _, "extensions", _),
        lambda c, a: contacts.contact_extensions(c, a[1], a[2], contacts.folder(c, a[0])),
    ),
    (("contacts",), lambda c, a: contacts.contacts(c, contacts.default_folder(c))),
    (("contacts", _), lambda c, a: contacts.one_contact(c, a[0])),
    (("contacts", _, "extensions"), lambda c, a: contacts.contact_extensions(c, a[0], None)),
    (("contacts", _, "extensions", _), lambda c, a: contacts.contact_extensions(c, a[0], a[1])),
    # calendars and events
    (("calendars",), lambda c, a: calendar.calendars(c)),
    (("calendars", _), lambda c, a: calendar.one_calendar(c, calendar.find_calendar(c, a[0]))),
    (("calendar",), lambda c, a: calendar.one_calendar(c, calendar.primary(c))),
    (("calendars", _, "events"), lambda c, a: calendar.events(c, calendar.find_calendar(c, a[0]))),
    (("calendar", "events"), lambda c, a: calendar.events(c, calendar.primary(c))),
    (("events",), lambda c, a: calendar.events(c, calendar.primary(c))),
    (("calendars", _, "events", _), lambda c, a: calendar.one_event(c, a[1], calendar.find_calendar(c, a[0]))),
    (("calendar", "events", _), lambda c, a: calendar.one_event(c, a[0], calendar.primary(c))),
    (("events", _), lambda c, a: calendar.one_event(c, a[0])),
    (("events", _, "instances"), lambda c, a: calendar.instances(c, a[0])),
    (("events", _, "extensions"), lambda c, a: calendar.event_extensions(c, a[0], None)),
    (("events", _, "extensions", _), lambda c, a: calendar.event_extensions(c, a[0], a[1])),
    (("calendarview",), lambda c, a: calendar.calendar_view(c, calendar.primary(c))),
    (("calendarview", "delta"), lambda c, a: calendar.calendar_view_delta(c)),
    (("calendar", "calendarview"), lambda c, a: calendar.calendar_view(c, calendar.primary(c))),
    (("calendars", _, "calendarview"), lambda c, a: calendar.calendar_view(c, calendar.find_calendar(c, a[0]))),
    # translateExchangeIds (graphsync.sandbox.exchange_ids)
    (("translateexchangeids",), lambda c, a: exchange_ids.translate(c)),
    # the mailbox's settings
    (("mailboxsettings",), lambda c, a: settings.mailbox_settings(c)),
    (("mailboxsettings", "timezone"), lambda c, a: settings.time_zone(c)),
    # the master category list
    (("outlook", "mastercategories"), lambda c, a: categories.categories(c)),
    (("outlook", "mastercategories", _), lambda c, a: categories.one_category(c, a[0])),
    # To Do
    (("todo", "lists"), lambda c, a: todo.lists(c)),
    (("todo", "lists", "delta"), lambda c, a: todo.lists_delta(c)),
    (("todo", "lists", _), lambda c, a: todo.one_list(c, a[0])),
    (("todo", "lists", _, "tasks"), lambda c, a: todo.tasks(c, todo.find_list(c, a[0]))),
    (("todo", "lists", _, "tasks", "delta"), lambda c, a: todo.tasks_delta(c, a[0])),
    (("todo", "lists", _, "tasks", _), lambda c, a: todo.one_task(c, todo.find_task(c, a[0], a[1]))),
    (
        ("todo", "lists", _, "tasks", _, "linkedresources"),
        lambda c, a: todo.linked_resources(c, todo.find_task(c, a[0], a[1]), None),
    ),
    (
        ("todo", "lists", _, "tasks", _, "linkedresources", _),
        lambda c, a: todo.linked_resources(c, todo.find_task(c, a[0], a[1]), a[2]),
    ),
    (
        ("todo", "lists", _, "tasks", _, "extensions"),
        lambda c, a: todo.task_extensions(c, todo.find_task(c, a[0], a[1]), None),
    ),
    (
        ("todo", "lists", _, "tasks", _, "extensions", _),
        lambda c, a: todo.task_extensions(c, todo.find_task(c, a[0], a[1]), a[2]),
    ),
]

_ZONED = frozenset({"events", "calendar", "calendars", "calendarview"})
"""Where ``Prefer: outlook.timezone`` applies: events (event-get.md and the calendar pages list the header). To Do's
pages list no such header (todotask-get.md, todotasklist-list-tasks.md: Authorization only) and To Do answers its
dates in UTC whatever it asks (microsoft-graph-docs-contrib issue #5927, "the timezone header gets ignored")."""

_BY_LENGTH: dict[int, list[tuple[tuple[str, ...], Handler]]] = {}
for _pattern, _handler in _ROUTES:
    _BY_LENGTH.setdefault(len(_pattern), []).append((_pattern, _handler))


def split_path(path: str) -> list[str]:
    """Segments of a still percent-encoded path: empty ones (``//``) dropped, each segment decoded (an id's
    ``%2F`` is part of the id, not a separator), ``delta()`` read as ``delta``."""
    out = []
    for raw in path.split("/"):
        if not raw:
            continue
        seg = unquote(raw)
        if seg.endswith("()"):
            seg = seg[:-2]
        if seg.lower().startswith("microsoft.graph."):
            seg = seg[len("microsoft.graph.") :]
        out.append(seg)
    return out


def resolve_mailbox(state: SandboxState, call: Call) -> tuple[Mailbox, list[str]]:
    """The mailbox a request addresses and the path segments after it, once the caller may have it: Graph's
    400 (/me without a user), 403 (no permission, another user's mailbox) or 404 (no such user) otherwise
    (`graphsync.sandbox.access`)."""
    segs = call.segments
    head = segs[0].lower() if segs else ""
    principal = call.principal
    if head == "me":
        if principal.upn is None:
            raise bad_request("/me request is only valid with delegated authentication flow.")
        rest = segs[1:]
        _authorize(principal, call.method, rest, own=True)
        return state.mailbox(principal.upn), rest
    if head == "users" and len(segs) >= 2:
        target, rest = segs[1], segs[2:]
        mailbox = state.find_user(target)
        own = principal.upn is not None and mailbox is not None and principal.upn == mailbox.upn
        _authorize(principal, call.method, rest, own=own)
        if mailbox is None:
            if not rest:
                raise fail(
                    404,
                    "Request_ResourceNotFound",
                    f"Resource '{target}' does not exist or one of its queried reference-property objects are not "
                    "present.",
                )
            raise unknown_user(target)
        if principal.upn is not None and not own and rest:
            # Another user's mailbox: not shared with this user (the sandbox has no delegate access).
            raise fail(403, "ErrorAccessDenied", MAILBOX_ACCESS_DENIED)
        return mailbox, rest
    raise bad_request(f"Resource not found for the segment '{segs[0] if segs else ''}'.")


def _authorize(principal: Principal, method: str, rest: list[str], *, own: bool) -> None:
    if rest:
        check_mailbox_access(principal, method, rest)
    else:
        check_user_read(principal, own)


def handle(state: SandboxState, call: Call, mailbox: Mailbox, rest: list[str]) -> Reply:
    """Run the handler the path names (after `resolve_mailbox` and the limiter let the request in)."""
    prefer = parse_prefer(call.header("prefer"))
    ctx = Ctx(state, call, mailbox, prefer, "/".join(call.segments))
    if not rest:
        if call.method != "GET":
            raise method_not_allowed()
        return ok(user_json(ctx, mailbox))
    for pattern, handler in _BY_LENGTH.get(len(rest), ()):
        args: list[str] = []
        for want, seg in zip(pattern, rest, strict=True):
            if want == "*":
                args.append(seg)
            elif want != seg.lower():
                break
        else:
            reply = handler(ctx, args)
            applied: list[str] = []
            if "odata.maxpagesize" in prefer:
                applied.append(f"odata.maxpagesize={prefer['odata.maxpagesize']}")
            if "outlook.timezone" in prefer and rest[0].lower() in _ZONED:
                applied.append(f'outlook.timezone="{prefer["outlook.timezone"]}"')
            if ctx.immutable:
                applied.append('IdType="ImmutableId"')
            if applied:
                reply.headers["Preference-Applied"] = ", ".join(applied)
            return reply
    raise bad_request(f"Resource not found for the segment '{rest[-1]}'.")


def user_json(ctx: Ctx, mailbox: Mailbox) -> dict[str, Any]:
    given, _, surname = mailbox.display_name.partition(" ")
    return {
        "@odata.context": f"{ctx.call.base_url}/v1.0/$metadata#users/$entity",
        "businessPhones": [],
        "displayName": mailbox.display_name,
        "givenName": given or None,
        "jobTitle": None,
        "mail": mailbox.upn,
        "mobilePhone": None,
        "officeLocation": None,
        "preferredLanguage": "en-US",
        "surname": surname or None,
        "userPrincipalName": mailbox.upn,
        "id": mailbox.user_id,
    }
