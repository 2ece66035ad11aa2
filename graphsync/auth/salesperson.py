"""Which NAV salesperson a mailbox belongs to.

NAV's Outlook synchronization tied a person's Outlook to their salesperson record by e-mail address; graphsync
does the same, comparing the mailbox's user principal name and primary SMTP address case-insensitively with
each salesperson's "E-Mail" and "E-Mail 2". Where the addresses differ (aliases, a renamed domain) the config's
``[mailboxes]`` map names the salesperson explicitly, and wins.
"""

from __future__ import annotations

from collections.abc import Mapping

from graphsync.connectors.nav import NavConnector, NavTable
from graphsync.errors import ConfigError, SalespersonMatchError

EMAIL_FIELDS = ("E-Mail", "E-Mail 2")


def match_salesperson(
    mailbox_upn: str,
    mail: str | None,
    nav: NavConnector,
    explicit: Mapping[str, str],
    *,
    config_file: str | None = None,
) -> str:
    """The salesperson code for a mailbox. ``explicit`` is the config's ``[mailboxes]`` (lower-case UPN ->
    code). Raises SalespersonMatchError when no salesperson (or more than one) has the mailbox's address, and
    ConfigError when the explicit mapping names a salesperson NAV does not have."""
    upn = mailbox_upn.strip().lower()
    code = explicit.get(upn)
    if code is not None:
        if nav.get(NavTable.SALESPERSON, (code,)) is None:
            raise ConfigError(
                file=config_file,
                key=f"mailboxes.{upn!r}",
                expected="the code of a salesperson that exists in NAV",
                got=code,
            )
        return code
    addresses = tuple(dict.fromkeys(a.strip().lower() for a in (mailbox_upn, mail or "") if a.strip()))
    tried: list[tuple[str, str]] = []
    matched: list[str] = []
    for key in nav.keys(NavTable.SALESPERSON):
        record = nav.get(NavTable.SALESPERSON, key)
        if record is None:
            continue  # deleted between listing and reading
        for field in EMAIL_FIELDS:
            value = str(record.fields.get(field) or "").strip()
            if not value:
                continue
            tried.append((record.key[0], value))
            if value.lower() in addresses and record.key[0] not in matched:
                matched.append(record.key[0])
    if len(matched) == 1:
        return matched[0]
    raise SalespersonMatchError(
        file=config_file, mailbox=upn, addresses=addresses, tried=tuple(tried), matched=tuple(matched)
    )
