"""The permissions graphsync asks Microsoft Graph for."""

from __future__ import annotations

DELEGATED_SCOPES: tuple[str, ...] = (
    "https://graph.microsoft.com/Contacts.ReadWrite",
    "https://graph.microsoft.com/Calendars.ReadWrite",
    "https://graph.microsoft.com/Tasks.ReadWrite",
    "https://graph.microsoft.com/User.Read",
    "https://graph.microsoft.com/MailboxSettings.Read",
)
"""Per-user sign-in. MSAL adds openid, profile and offline_access (the refresh token) on its own and
refuses them in this list. MailboxSettings.Read: the mailbox's time zone, which To Do's dates are days in
(user-get-mailboxsettings.md, "Permissions")."""

APP_ONLY_SCOPE = "https://graph.microsoft.com/.default"
"""Client credentials ask for the application permissions granted to the app registration as a whole
(Contacts.ReadWrite, Calendars.ReadWrite, Tasks.ReadWrite.All, MailboxSettings.Read, admin-consented)."""

DEFAULT_AUTHORITY_HOST = "login.microsoftonline.com"
