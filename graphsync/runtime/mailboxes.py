"""Which mailboxes a tenant-wide run covers: every NAV salesperson's.

A stand-in until the tenant-wide sync's own enumeration lands (issue 24's ``--all-mailboxes``): the same answer,
from NAV rather than from Graph, so that it needs no directory permission. A salesperson's mailbox is the one the
config's ``[mailboxes]`` map names for its code, else its E-Mail; salespeople with neither are left out.
"""

from __future__ import annotations

from collections.abc import Mapping

from graphsync.connectors.nav import NavConnector, NavTable


def salesperson_mailboxes(nav: NavConnector, explicit: Mapping[str, str]) -> dict[str, str]:
    """Mailbox (lower-case user principal name) -> salesperson code, in code order."""
    by_code = {code.upper(): upn.lower() for upn, code in explicit.items()}
    found: dict[str, str] = {}
    for key in nav.keys(NavTable.SALESPERSON):
        record = nav.get(NavTable.SALESPERSON, key)
        if record is None:
            continue
        code = record.key[0]
        mailbox = by_code.get(code.upper()) or str(record.fields.get("E-Mail") or "").strip().lower()
        if mailbox:
            found.setdefault(mailbox, code)
    return found


def mailbox_of(salesperson: str, nav: NavConnector, explicit: Mapping[str, str]) -> str | None:
    """The mailbox of one salesperson (None: neither a ``[mailboxes]`` entry nor an E-Mail)."""
    for mailbox, code in salesperson_mailboxes(nav, explicit).items():
        if code.upper() == salesperson.upper():
            return mailbox
    return None
