"""A mailbox's settings: ``/mailboxSettings`` and ``/mailboxSettings/timeZone`` (api-reference/v1.0/api/
user-get-mailboxsettings.md, user-update-mailboxsettings.md, resources/mailboxsettings.md).

The time zone is answered in the form it was set in, Windows or IANA ("This GET operation returns the user's
preferred time zone in the format that the administrator has set up. If you want that time zone to be in a
specific format (Windows or IANA), you can first update the preferred time zone in that format"). A new
mailbox's is "UTC", as in the page's example, unless the control endpoint seeded it with another.
"""

from __future__ import annotations

from typing import Any

from graphsync.sandbox.handling import Ctx, method_not_allowed, ok
from graphsync.sandbox.schema import OBJ, STR, Resource, check_body
from graphsync.sandbox.timezones import zone
from graphsync.sandbox.wire import Reply

MAILBOX_SETTINGS = Resource(
    "mailboxSettings",
    {"timeZone": STR, "dateFormat": STR, "timeFormat": STR, "language": OBJ},
    frozenset({"automaticRepliesSetting", "workingHours", "userPurpose", "delegateMeetingMessageDeliveryOptions"}),
    has_change_key=False,
)


def check_time_zone(name: str) -> str:
    """A time zone name Graph accepts (Windows or IANA), as given; else Graph's 400 (`zone`)."""
    zone(name)
    return name


def _settings(ctx: Ctx) -> dict[str, Any]:
    mailbox = ctx.mailbox
    values = mailbox.settings
    return {
        "@odata.context": f"{ctx.call.base_url}/v1.0/$metadata#users('{mailbox.upn}')/mailboxSettings",
        "archiveFolder": None,
        "timeZone": mailbox.time_zone,
        "automaticRepliesSetting": {
            "status": "disabled",
            "externalAudience": "all",
            "internalReplyMessage": "",
            "externalReplyMessage": "",
        },
        "dateFormat": values.get("dateFormat", "MM/dd/yyyy"),
        "timeFormat": values.get("timeFormat", "hh:mm tt"),
        "delegateMeetingMessageDeliveryOptions": "sendToDelegateOnly",
        "language": values.get("language", {"locale": "en-US", "displayName": "English (United States)"}),
        "workingHours": {
            "daysOfWeek": ["monday", "tuesday", "wednesday", "thursday", "friday"],
            "startTime": "08:00:00.0000000",
            "endTime": "17:00:00.0000000",
            "timeZone": {"name": mailbox.time_zone},
        },
        "userPurpose": {"value": "user"},
    }


def mailbox_settings(ctx: Ctx) -> Reply:
    method = ctx.call.method
    if method == "GET":
        return ok(_settings(ctx))
    if method != "PATCH":
        raise method_not_allowed()
    props = check_body(MAILBOX_SETTINGS, ctx.call.body)
    if "timeZone" in props:
        check_time_zone(props["timeZone"])
    mailbox = ctx.mailbox
    for name, value in props.items():
        if name == "timeZone":
            mailbox.time_zone = value
        else:
            mailbox.settings[name] = value
    ctx.state.save_settings(mailbox)
    # The answer holds the properties the request set (user-update-mailboxsettings.md, "Response").
    answer = {k: v for k, v in _settings(ctx).items() if k in props}
    return ok({"@odata.context": f"{ctx.call.base_url}/v1.0/$metadata#Me/mailboxSettings", **answer})


def time_zone(ctx: Ctx) -> Reply:
    """``GET /mailboxSettings/timeZone``: the string alone, as OData answers a property."""
    if ctx.call.method != "GET":
        raise method_not_allowed()
    context = f"{ctx.call.base_url}/v1.0/$metadata#users('{ctx.mailbox.upn}')/mailboxSettings/timeZone"
    return ok({"@odata.context": context, "value": ctx.mailbox.time_zone})
