"""Calendars, events, calendarView and calendarView delta (api-reference/v1.0/api/user-post-calendars.md,
user-post-events.md, calendar-post-events.md, event-get.md, event-update.md, event-delete.md,
user-list-calendarview.md, event-delta.md).

Creating or changing an event with attendees records the meeting messages Graph would send
(`graphsync.sandbox.state.MeetingRequest`). An event with a ``recurrence`` is a series master: calendarView and
its delta answer its occurrences and exceptions in the window, never the master (`graphsync.sandbox.series`);
/events/{id} of an occurrence reads, changes (an exception) or cancels it; /events/{id}/instances lists them
(event-list-instances.md).
"""

from __future__ import annotations

import html
import re
from datetime import UTC
from typing import Any

from graphsync.sandbox import recurrence
from graphsync.sandbox.attached import (
    add_extensions_inline,
    check_extended_properties,
    check_extensions,
    extensions_endpoint,
    set_extended_properties,
)
from graphsync.sandbox.defaults import CALENDARS, calendar_props, events_of, new_item
from graphsync.sandbox.delta import delta_page
from graphsync.sandbox.handling import Ctx, check_if_match, find, method_not_allowed, no_content, ok, touch
from graphsync.sandbox.reading import Renderer, get_one, list_page, render
from graphsync.sandbox.schema import CALENDAR, EVENT, check_body, normalize_body_type
from graphsync.sandbox.series import (
    find_occurrence,
    is_series,
    occurrence_id,
    occurrences,
    parse_occurrence_id,
)
from graphsync.sandbox.state import MeetingRequest, MeetingRequestReason
from graphsync.sandbox.store import Item, Tombstone
from graphsync.sandbox.timezones import (
    graph_time,
    parse_local,
    parse_window_bound,
    read_time,
    timestamp,
    to_utc,
    zone,
)
from graphsync.sandbox.wire import Reply, bad_request, fail, not_found

_NO_TIME = "0001-01-01T00:00:00Z"
_MEETING_FIELDS = ("subject", "body", "start", "end", "location", "locations", "isAllDay", "recurrence")
"""Changes that make Graph send attendees an update; others (categories, reminders) stay private."""


def primary(ctx: Ctx) -> Item:
    return ctx.mailbox.index[ctx.mailbox.default_calendar]


def find_calendar(ctx: Ctx, calendar_id: str) -> Item:
    return find(ctx, calendar_id, "calendar")


# --------------------------------------------------------------------------- calendars


def calendars(ctx: Ctx) -> Reply:
    coll = ctx.mailbox.collection(CALENDARS)
    if ctx.call.method == "GET":
        return list_page(ctx, coll, CALENDAR)
    if ctx.call.method != "POST":
        raise method_not_allowed()
    body = ctx.call.body
    props = check_body(CALENDAR, body)
    name = props.get("name")
    if not isinstance(name, str) or not name.strip():
        raise bad_request("The calendar needs a name.", code="ErrorInvalidRequest")
    if any(c.props["name"].lower() == name.lower() for c in coll.items.values()):
        raise fail(409, "ErrorFolderExists", "A folder with the specified name already exists.")
    if "singleValueExtendedProperties" in body:
        check_extended_properties(body["singleValueExtendedProperties"])
    values = calendar_props(name, ctx.mailbox)
    values.update({k: v for k, v in props.items() if k != "isDefaultCalendar"})
    item = new_item("calendar", CALENDARS, values, with_change_key=True)
    if "singleValueExtendedProperties" in body:
        set_extended_properties(item, body["singleValueExtendedProperties"])
    ctx.mailbox.put(item)
    return ok(render(ctx, item), 201)


def one_calendar(ctx: Ctx, item: Item) -> Reply:
    method = ctx.call.method
    if method == "GET":
        return get_one(ctx, item, CALENDAR)
    if method == "PATCH":
        body = ctx.call.body
        props = check_body(CALENDAR, body)
        props.pop("isDefaultCalendar", None)
        if "singleValueExtendedProperties" in body:
            check_extended_properties(body["singleValueExtendedProperties"])
            set_extended_properties(item, body["singleValueExtendedProperties"])
        item.props.update(props)
        ctx.mailbox.put(item)
        return ok(render(ctx, item))
    if method == "DELETE":
        if item.key == ctx.mailbox.default_calendar:
            raise fail(400, "ErrorCannotDeleteObject", "The default calendar cannot be deleted.")
        ctx.mailbox.drop_collection(events_of(item))
        ctx.mailbox.remove(item)
        return no_content()
    raise method_not_allowed()


# --------------------------------------------------------------------------- events


def render_event(ctx: Ctx, item: Item, select: list[str] | None = None) -> dict[str, Any]:
    out = render(ctx, item, select)
    tz_name = ctx.prefer.get("outlook.timezone")
    if tz_name:
        target = zone(tz_name)
        all_day = item.props.get("isAllDay")
        for name in ("start", "end"):
            value = out.get(name)
            if value is None:
                continue
            if all_day:
                out[name] = {"dateTime": value["dateTime"], "timeZone": tz_name}
            else:
                moment = parse_local(value["dateTime"]).replace(tzinfo=UTC).astimezone(target)
                out[name] = {"dateTime": graph_time(moment.replace(tzinfo=None)), "timeZone": tz_name}
    return out


def events(ctx: Ctx, calendar: Item) -> Reply:
    coll = ctx.mailbox.collection(events_of(calendar))
    if ctx.call.method == "GET":
        return list_page(ctx, coll, EVENT, renderer=render_event)
    if ctx.call.method != "POST":
        raise method_not_allowed()
    body = ctx.call.body
    props = check_body(EVENT, body)
    normalize_body_type(props)
    transaction = props.get("transactionId")
    if transaction:
        # A create repeated with the same transactionId returns the first event (event.md, transactionId).
        existing = ctx.mailbox.lookup(ctx.mailbox.transactions.get(transaction, ""))
        if existing is not None:
            return ok(render_event(ctx, existing), 201)
    if "start" not in props or "end" not in props:
        # Inferred: Graph needs both to place an event.
        raise bad_request("An event needs 'start' and 'end'.", code="ErrorInvalidRequest")
    times = _event_times(props)
    if props.get("recurrence") is not None:
        props["recurrence"] = recurrence.check(props["recurrence"], times["originalStartTimeZone"])
    attendees = _attendees(props.get("attendees") or [])
    if "singleValueExtendedProperties" in body:
        check_extended_properties(body["singleValueExtendedProperties"])
    check_extensions("event", body.get("extensions"))
    mailbox = ctx.mailbox
    values: dict[str, Any] = {"organizer": {"emailAddress": {"name": mailbox.display_name, "address": mailbox.upn}}}
    values.update(props)
    values.update(times)
    values["attendees"] = attendees
    values["bodyPreview"] = _preview(values.get("body"))
    values["type"] = _event_type(values)
    if props.get("location") and not props.get("locations"):
        values["locations"] = [props["location"]]
    item = new_item("event", coll.key, values, with_change_key=True)
    item.props["iCalUId"] = "040000008200E00074C5B7101A82E008" + item.key[-32:].encode().hex()[:32].upper()
    item.props["webLink"] = f"https://outlook.office365.com/owa/?itemid={item.rest_id}&exvsurl=1&path=/calendar/item"
    if "singleValueExtendedProperties" in body:
        set_extended_properties(item, body["singleValueExtendedProperties"])
    if "extensions" in body:
        add_extensions_inline(item, body["extensions"])
    ctx.mailbox.put(item)
    if transaction:
        ctx.mailbox.transactions[transaction] = item.key
    _send(ctx, item, [a["emailAddress"]["address"] for a in attendees], MeetingRequestReason.INVITATION)
    return ok(render_event(ctx, item), 201)


def one_event(ctx: Ctx, event_id: str, calendar: Item | None = None) -> Reply:
    if parse_occurrence_id(event_id) is not None:
        return _one_occurrence(ctx, event_id)
    item = find(ctx, event_id, "event", events_of(calendar) if calendar is not None else None)
    method = ctx.call.method
    if method == "GET":
        return get_one(ctx, item, EVENT, render_event)
    if method == "PATCH":
        return _update_event(ctx, item)
    if method == "DELETE":
        check_if_match(ctx, item)
        ctx.mailbox.remove(item)
        _send(ctx, item, _addresses(item.props.get("attendees") or []), MeetingRequestReason.CANCELLATION)
        return no_content()
    raise method_not_allowed()


def _update_event(ctx: Ctx, item: Item) -> Reply:
    """PATCH: validate everything first (nothing changes on a 400), apply, then send what Graph would send."""
    check_if_match(ctx, item)
    body = ctx.call.body
    props = check_body(EVENT, body)
    normalize_body_type(props)
    if props.get("recurrence") is not None:
        zone_name = props.get("start", {}).get("timeZone") if isinstance(props.get("start"), dict) else None
        props["recurrence"] = recurrence.check(
            props["recurrence"], zone_name or item.props.get("originalStartTimeZone") or "UTC"
        )
    merged = {**item.props, **props}
    times = _event_times(merged) if any(k in props for k in ("start", "end", "isAllDay")) else {}
    before = _addresses(item.props.get("attendees") or [])
    attendees = _attendees(props["attendees"]) if "attendees" in props else None
    if "singleValueExtendedProperties" in body:
        check_extended_properties(body["singleValueExtendedProperties"])
    check_extensions("event", body.get("extensions"))
    meeting_change = any(k in props and props[k] != item.props.get(k) for k in _MEETING_FIELDS if k not in times)
    meeting_change = meeting_change or any(item.props.get(k) != v for k, v in times.items())
    item.props.update(props)
    item.props.update(times)
    if attendees is not None:
        item.props["attendees"] = attendees
    if "body" in props:
        item.props["bodyPreview"] = _preview(props["body"])
    if "recurrence" in props:
        item.props["type"] = _event_type(item.props)
        if not props["recurrence"]:
            item.occurrences.clear()  # no longer a series: its exceptions and cancellations go with it
    if "location" in props and "locations" not in props:
        # Graph keeps locations in step with a location set alone.
        item.props["locations"] = [props["location"]] if props["location"] else []
    if "singleValueExtendedProperties" in body:
        set_extended_properties(item, body["singleValueExtendedProperties"])
    if "extensions" in body:
        add_extensions_inline(item, body["extensions"])
    touch(ctx, item)
    ctx.mailbox.put(item)
    _send_changes(ctx, item, before, meeting_change=meeting_change)
    return ok(render_event(ctx, item))


def _send_changes(ctx: Ctx, item: Item, before: list[str], *, meeting_change: bool) -> None:
    """Invitations to added attendees, cancellations to removed ones, updates to the others when the meeting
    itself (time, place, subject, body) changed."""
    after = _addresses(item.props.get("attendees") or [])
    _send(ctx, item, [a for a in after if a not in before], MeetingRequestReason.INVITATION)
    _send(ctx, item, [a for a in before if a not in after], MeetingRequestReason.CANCELLATION)
    if meeting_change:
        _send(ctx, item, [a for a in after if a in before], MeetingRequestReason.UPDATE)


def _one_occurrence(ctx: Ctx, event_id: str) -> Reply:
    """GET, PATCH (an exception) or DELETE (a cancellation) of one occurrence of a series (event-get.md,
    event-update.md, event-delete.md: each takes an occurrence's id as it takes any event's)."""
    found = find_occurrence(ctx, event_id)
    if found is None:
        raise not_found()
    master = found.master
    method = ctx.call.method
    if method == "GET":
        return get_one(ctx, found.as_item(), EVENT, _occurrence_renderer(master))
    check_if_match(ctx, master)
    if method == "DELETE":
        master.occurrences[found.day] = None
        touch(ctx, master)
        ctx.mailbox.put(master)
        _send(ctx, master, _addresses(master.props.get("attendees") or []), MeetingRequestReason.CANCELLATION)
        return no_content()
    if method != "PATCH":
        raise method_not_allowed()
    props = check_body(EVENT, ctx.call.body)
    normalize_body_type(props)
    if "recurrence" in props or "attendees" in props:
        raise bad_request(
            "An occurrence of a series takes no recurrence or attendees of its own: change the series master.",
            code="ErrorInvalidRequest",
        )
    changes = dict(found.changes or {})
    if any(k in props for k in ("start", "end", "isAllDay")):
        current = found.as_item().props
        times = _event_times({**current, **changes, **props})
        changes.update({"start": times["start"], "end": times["end"]})
    changes.update({k: v for k, v in props.items() if k not in ("start", "end")})
    master.occurrences[found.day] = changes
    touch(ctx, master)
    ctx.mailbox.put(master)
    if any(k in props for k in _MEETING_FIELDS):
        _send(ctx, master, _addresses(master.props.get("attendees") or []), MeetingRequestReason.UPDATE)
    changed = find_occurrence(ctx, event_id)
    assert changed is not None
    return ok(_occurrence_renderer(master)(ctx, changed.as_item(), None))


def _occurrence_renderer(master: Item) -> Renderer:
    def render_one(ctx: Ctx, view: Item, select: list[str] | None) -> dict[str, Any]:
        out = render_event(ctx, view, select)
        if select is None or "seriesMasterId" in select:
            out["seriesMasterId"] = ctx.item_id(master)
        return out

    return render_one


def instances(ctx: Ctx, event_id: str) -> Reply:
    """``/events/{id}/instances?startDateTime=...&endDateTime=...`` (event-list-instances.md): a series'
    occurrences and exceptions in the window; a single event itself, when it lies in it."""
    if ctx.call.method != "GET":
        raise method_not_allowed()
    master = find(ctx, event_id, "event")
    window = _window(ctx)
    coll = ctx.mailbox.collection(master.collection)
    if not is_series(master):
        inside = [master] if in_window(master, window) else []
        return list_page(ctx, coll, EVENT, renderer=render_event, items=inside)
    views = [o.as_item() for o in occurrences(master, window)]
    return list_page(ctx, coll, EVENT, renderer=_occurrence_renderer(master), items=views)


def event_extensions(ctx: Ctx, event_id: str, ext_id: str | None) -> Reply:
    return extensions_endpoint(ctx, find(ctx, event_id, "event"), ext_id)


# --------------------------------------------------------------------------- calendarView


def _window(ctx: Ctx) -> tuple[int, int]:
    q = ctx.call.query
    start, end = q.get("startDateTime"), q.get("endDateTime")
    if not start or not end:
        raise bad_request(
            "This request requires a time window specified by the query string parameters StartDateTime and "
            "EndDateTime.",
            code="ErrorInvalidParameter",
        )
    return parse_window_bound(start, "startDateTime"), parse_window_bound(end, "endDateTime")


def span(item: Item) -> tuple[float, float]:
    """The event's start and end in seconds, parsed once per change (calendarView reads them on every page)."""
    start_text, end_text = item.props["start"]["dateTime"], item.props["end"]["dateTime"]
    cached = item.span
    if cached is None or cached[0] != start_text or cached[1] != end_text:
        cached = item.span = (start_text, end_text, timestamp(start_text), timestamp(end_text))
    return cached[2], cached[3]


def in_window(item: Item, window: tuple[int, int]) -> bool:
    start, end = span(item)
    if end <= start:
        # An event of no duration is in the window if its moment is.
        return window[0] <= start < window[1]
    return start < window[1] and end > window[0]


def calendar_view(ctx: Ctx, calendar: Item) -> Reply:
    """Single events and the occurrences of series in the window, by start (user-list-calendarview.md)."""
    if ctx.call.method != "GET":
        raise method_not_allowed()
    window = _window(ctx)
    coll = ctx.mailbox.collection(events_of(calendar))
    inside: list[Item] = []
    masters: dict[str, Item] = {}
    for item in coll.items.values():
        if is_series(item):
            for found in occurrences(item, window):
                view = found.as_item()
                masters[view.key] = item
                inside.append(view)
        elif in_window(item, window):
            inside.append(item)
    inside.sort(key=lambda i: span(i)[0])

    def renderer(ctx: Ctx, item: Item, select: list[str] | None) -> dict[str, Any]:
        master = masters.get(item.key)
        return render_event(ctx, item, select) if master is None else _occurrence_renderer(master)(ctx, item, select)

    return list_page(ctx, coll, EVENT, renderer=renderer, items=inside)


def calendar_view_delta(ctx: Ctx) -> Reply:
    """Delta over the primary calendar's window (the only calendarView delta v1.0 has)."""
    if ctx.call.method != "GET":
        raise method_not_allowed()
    q = ctx.call.query
    for option in ("$select", "$filter", "$expand", "$orderby"):
        if option in q:
            raise bad_request(
                f"{option} is not supported on calendarView delta (event-delta.md).", code="ErrorInvalidUrlQuery"
            )
    # An empty $deltatoken is a first request (delta-query-overview.md), which takes its window from the URL.
    tokens = "$skiptoken" in q or bool(q.get("$deltatoken"))
    window = None if tokens else _window(ctx)
    coll = ctx.mailbox.collection(events_of(primary(ctx)))
    # Delta pages name each entry's type, removals included (delta-query-events.md).
    return delta_page(
        ctx,
        coll,
        EVENT,
        renderer=render_event,
        window=window,
        in_window=in_window,
        typed="#microsoft.graph.event",
        expand=_series_changes,
    )


def _series_changes(
    ctx: Ctx, item: Item | None, tomb: Tombstone | None, window: tuple[int, int] | None, incremental: bool
) -> list[dict[str, Any]] | None:
    """A series' entries in a calendarView delta round; None for anything else. event-delta.md: the round
    answers occurrences and exceptions, not the master: a full round each occurrence in the window, a later
    one each occurrence of a changed series again, the cancelled ones and the master's own id (an event it
    may have answered as a single instance before it became a series) as ``@removed``, and every occurrence
    of a deleted series as ``@removed``."""
    master = item if item is not None else _deleted_series(tomb)
    if master is None or not is_series(master) or window is None:
        return None
    removed = []
    if incremental:
        removed.append({"id": ctx.item_id(master), "@removed": {"reason": "deleted"}})
    if item is None:
        return removed + [_removed_occurrence(ctx, master, o.day) for o in occurrences(master, window)]
    render_one = _occurrence_renderer(master)
    entries = [render_one(ctx, o.as_item(), None) for o in occurrences(master, window)]
    if incremental:
        removed += [_removed_occurrence(ctx, master, day) for day, kept in master.occurrences.items() if kept is None]
    return removed + entries


def _deleted_series(tomb: Tombstone | None) -> Item | None:
    if tomb is None or not tomb.data or not tomb.data.get("recurrence"):
        return None
    return Item("event", tomb.key, tomb.rest_id, "", tomb.data)


def _removed_occurrence(ctx: Ctx, master: Item, day: str) -> dict[str, Any]:
    return {"id": occurrence_id(ctx.item_id(master), day), "@removed": {"reason": "deleted"}}


# --------------------------------------------------------------------------- event pieces


def _event_times(props: dict[str, Any]) -> dict[str, Any]:
    """Validated start/end, stored in UTC (all-day events: their dates, at midnight, as given)."""
    start, start_tz = read_time(props.get("start"), "start")
    end, end_tz = read_time(props.get("end"), "end")
    if props.get("isAllDay"):
        midnight = all(t.hour == t.minute == t.second == t.microsecond == 0 for t in (start, end))
        if not midnight or end <= start or start_tz.lower() != end_tz.lower():
            raise bad_request(
                "An all-day event's start and end must be at midnight, in the same time zone, end after start.",
                code="ErrorPropertyValidationFailure",
            )
        stored_start, stored_end = start, end
    else:
        stored_start, stored_end = to_utc(start, start_tz), to_utc(end, end_tz)
        if stored_end < stored_start:
            raise bad_request("The event's end is before its start.", code="ErrorInvalidRequest")
    tz_label = start_tz if props.get("isAllDay") else "UTC"
    return {
        "start": {"dateTime": graph_time(stored_start), "timeZone": tz_label},
        "end": {"dateTime": graph_time(stored_end), "timeZone": tz_label},
        "originalStartTimeZone": start_tz,
        "originalEndTimeZone": end_tz,
    }


def _event_type(props: dict[str, Any]) -> str:
    # A recurring event is a series master; its occurrences are not expanded by the sandbox (docs/sandbox.md).
    return "seriesMaster" if props.get("recurrence") else "singleInstance"


def _attendees(values: Any) -> list[dict[str, Any]]:
    if not isinstance(values, list):
        raise bad_request("'attendees' must be a JSON array.", code="RequestBodyRead")
    out = []
    for value in values:
        email = value.get("emailAddress") if isinstance(value, dict) else None
        address = email.get("address") if isinstance(email, dict) else None
        if not isinstance(email, dict) or not isinstance(address, str) or "@" not in address:
            raise bad_request("Each attendee needs an emailAddress with an address.", code="ErrorInvalidRecipients")
        out.append(
            {
                "type": str(value.get("type") or "required").lower(),
                "status": value.get("status") or {"response": "none", "time": _NO_TIME},
                "emailAddress": {"name": email.get("name") or address, "address": address},
            }
        )
    return out


def _addresses(attendees: list[dict[str, Any]]) -> list[str]:
    return [a["emailAddress"]["address"].lower() for a in attendees]


def _send(ctx: Ctx, item: Item, attendees: list[str], reason: MeetingRequestReason) -> None:
    if item.props.get("isDraft"):
        return
    for address in attendees:
        ctx.state.meeting_requests.append(
            MeetingRequest(ctx.mailbox.upn, address.lower(), item.key, item.props.get("subject") or "", reason)
        )


_TAG = re.compile(r"<[^>]+>")


def _preview(body: Any) -> str:
    if not isinstance(body, dict):
        return ""
    text = str(body.get("content") or "")
    if str(body.get("contentType", "")).lower() == "html":
        text = html.unescape(_TAG.sub(" ", text))
    return " ".join(text.split())[:255]
