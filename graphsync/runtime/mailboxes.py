"""Which mailboxes a tenant-wide run syncs: one function, for `graphsync sync --all-mailboxes`, `graphsync
enqueue`, `graphsync status --all-mailboxes` and the migration scripts' ``--all-mailboxes`` and tenant report.

    tenant_mailboxes(config, nav)                       every salesperson's mailbox, and [mailboxes]
    tenant_mailboxes(config, nav, users=["a@x", ...])   exactly these (repeated --user)
    mailbox_of(code, nav, config.mailboxes)             the mailbox of one salesperson, as the list has it

A mailbox is a NAV salesperson's E-Mail (E-Mail 2 when E-Mail is blank), as NAV's Outlook synchronization
tied a person's Outlook to their salesperson; the config's ``[mailboxes]`` map names the others (aliases, a
renamed domain) and wins: a salesperson it maps is not also synced under their E-Mail, which would be a
second mailbox for one salesperson. Nothing is checked against Graph here: a mailbox the app may not open,
or a map entry naming a salesperson NAV lacks, fails that mailbox's run, never the enumeration.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum

from graphsync.auth.salesperson import EMAIL_FIELDS
from graphsync.config import Config
from graphsync.connectors.nav import NavConnector, NavTable
from graphsync.errors import ConfigError


class MailboxSource(Enum):
    NAV = "nav"
    """A salesperson's E-Mail (or E-Mail 2) in NAV."""
    CONFIG = "config"
    """The config's ``[mailboxes]`` map."""
    COMMAND_LINE = "command line"
    """Named with ``--user``."""


@dataclass(frozen=True)
class TenantMailbox:
    upn: str
    """The mailbox's user principal name (or address), lower case."""
    salesperson: str | None
    """The NAV salesperson code; None when it is to be matched when the mailbox runs (a ``--user`` not in
    ``[mailboxes]``, or an address several salespeople share: that run then fails naming them)."""
    source: MailboxSource


def _address(value: object) -> str:
    return str(value or "").strip().lower()


def salesperson_addresses(nav: NavConnector) -> dict[str, list[str]]:
    """Every salesperson's mailbox address (E-Mail, else E-Mail 2) -> the codes that have it, in NAV key
    order. Salespeople without an address have no mailbox."""
    found: dict[str, list[str]] = {}
    for key in nav.keys(NavTable.SALESPERSON):
        record = nav.get(NavTable.SALESPERSON, key)
        if record is None:
            continue  # deleted between listing and reading
        address = next((a for a in (_address(record.fields.get(f)) for f in EMAIL_FIELDS) if a), "")
        if "@" in address:
            found.setdefault(address, []).append(str(record.key[0]))
    return found


def tenant_mailboxes(config: Config, nav: NavConnector, *, users: Sequence[str] = ()) -> list[TenantMailbox]:
    """The mailboxes to sync: ``users`` when given (each once, in the order given), else every NAV
    salesperson with an e-mail address and every ``[mailboxes]`` entry, sorted by address. ConfigError for a
    ``users`` entry that is not an address."""
    if users:
        return list(_named(config, users))
    return _listed(config.mailboxes, nav)


def _listed(mailboxes: Mapping[str, str], nav: NavConnector) -> list[TenantMailbox]:
    mapped = dict(mailboxes)
    mapped_codes = set(mapped.values())
    chosen: dict[str, TenantMailbox] = {
        upn: TenantMailbox(upn, code, MailboxSource.CONFIG) for upn, code in mapped.items()
    }
    for address, codes in salesperson_addresses(nav).items():
        if address in chosen:
            continue  # the map names this mailbox's salesperson explicitly
        unmapped = [code for code in codes if code not in mapped_codes]
        if not unmapped:
            continue  # every salesperson of this address is synced under the mailbox the map gives them
        # Several salespeople with one address: the run matches by e-mail and fails naming them all.
        chosen[address] = TenantMailbox(address, unmapped[0] if len(codes) == 1 else None, MailboxSource.NAV)
    return [chosen[upn] for upn in sorted(chosen)]


def mailbox_of(salesperson: str, nav: NavConnector, mailboxes: Mapping[str, str]) -> str | None:
    """The mailbox `tenant_mailboxes` lists for the salesperson ``salesperson`` (``mailboxes``: a config's
    ``[mailboxes]`` map): the map's entry for the code, else the salesperson's address, even one several
    salespeople share (that mailbox's run then fails naming them). None: the salesperson has no mailbox."""
    code = salesperson.upper()
    listed = _listed(mailboxes, nav)
    for mailbox in listed:
        if mailbox.salesperson is not None and mailbox.salesperson.upper() == code:
            return mailbox.upn
    shared = {address for address, codes in salesperson_addresses(nav).items() if code in {c.upper() for c in codes}}
    return next((m.upn for m in listed if m.salesperson is None and m.upn in shared), None)


def _named(config: Config, users: Iterable[str]) -> Iterable[TenantMailbox]:
    seen: set[str] = set()
    for user in users:
        upn = user.strip().lower()
        if "@" not in upn or any(c.isspace() for c in upn):
            raise ConfigError(file=None, key="--user", expected="a user principal name (name@domain)", got=user)
        if upn in seen:
            continue
        seen.add(upn)
        yield TenantMailbox(upn, config.mailboxes.get(upn), MailboxSource.COMMAND_LINE)
