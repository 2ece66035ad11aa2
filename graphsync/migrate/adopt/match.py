"""Matching Outlook items a mailbox already holds to NAV records: pure.

- Contacts (in any contact folder, the default one included), to the mailbox's companies, persons and
  salespeople: by e-mail address (any of the contact's, against NAV's E-Mail and E-Mail 2); when no address
  matches, by name and company (a person's Name and Company Name against the contact's display name, or given
  name and surname, and company; a company's or salesperson's Name against the display name).
- Events (in the calendar graphsync syncs, within its window), to the mailbox's meetings: by subject and start;
  the attendees (the invited ones, by address) must agree too, else the pair is ambiguous.
- To Do tasks (in any list), to the mailbox's other to-dos: by title and due date.

Values are compared as graphsync reads them (`graphsync.mapping`: dates in the mailbox's time zone, trimmed
text), names and e-mail addresses also without case. One candidate on each side is a match; more than one on
either side makes every pair involved ambiguous, for a person to choose. Items and records with no candidate
are listed as unmatched.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum

from graphsync.config.entities import EntityName
from graphsync.connectors.migration import FoundItem
from graphsync.connectors.nav import NavRecord
from graphsync.connectors.outlook import ItemKind
from graphsync.engine.binding import BoundEntity


class Status(Enum):
    MATCHED = "matched"
    AMBIGUOUS = "ambiguous"
    UNMATCHED = "unmatched"


@dataclass(frozen=True)
class NavSideItem:
    entity: BoundEntity
    record: NavRecord
    nav_key: str
    name: str
    norm: dict[str, str]
    """The record's values as graphsync reads them, by field id."""


@dataclass(frozen=True)
class OutlookSideItem:
    found: FoundItem
    entity_kind: ItemKind
    norm_by_entity: dict[EntityName, dict[str, str]]
    """The item's values as each entity of its kind reads them."""

    @property
    def id(self) -> str:
        return self.found.item.id

    @property
    def name(self) -> str:
        data = self.found.item.data
        for key in ("displayName", "subject", "title"):
            if data.get(key):
                return str(data[key])
        return ""


@dataclass(frozen=True)
class Pair:
    status: Status
    nav: NavSideItem | None
    outlook: OutlookSideItem | None
    evidence: str


def _fold(text: str) -> str:
    return " ".join(text.split()).casefold()


def _emails(item: OutlookSideItem) -> set[str]:
    out = set()
    for entry in item.found.item.data.get("emailAddresses") or []:
        if isinstance(entry, dict) and entry.get("address"):
            out.add(str(entry["address"]).strip().lower())
    return out


def _nav_emails(n: NavSideItem) -> set[str]:
    return {str(n.record.fields.get(f) or "").strip().lower() for f in ("E-Mail", "E-Mail 2")} - {""}


def _names(item: OutlookSideItem) -> set[str]:
    data = item.found.item.data
    names = {_fold(str(data.get("displayName") or ""))}
    parts = [str(data.get(k) or "") for k in ("givenName", "middleName", "surname")]
    names.add(_fold(" ".join(p for p in parts if p)))
    names.add(_fold(" ".join(p for p in (parts[0], parts[2]) if p)))
    return names - {""}


def _name_and_company(n: NavSideItem, item: OutlookSideItem) -> bool:
    if _fold(n.name) not in _names(item):
        return False
    company = _fold(str(item.found.item.data.get("companyName") or ""))
    if n.entity.name is EntityName.CONT_PERS:
        return company == _fold(str(n.record.fields.get("Company Name") or ""))
    if n.entity.name is EntityName.CONT_COMP:
        return company in ("", _fold(n.name))
    return True


def _contact_candidates(item: OutlookSideItem, navs: Sequence[NavSideItem]) -> tuple[list[NavSideItem], str]:
    emails = _emails(item)
    by_email = [n for n in navs if emails & _nav_emails(n)]
    if by_email:
        shared = sorted(emails & set().union(*(_nav_emails(n) for n in by_email)))
        return by_email, "e-mail " + ", ".join(shared)
    by_name = [n for n in navs if _name_and_company(n, item)]
    company = str(item.found.item.data.get("companyName") or "")
    return by_name, f"name {item.name!r}" + (f" and company {company!r}" if company else "")


def _norm(item: OutlookSideItem, n: NavSideItem) -> dict[str, str]:
    return item.norm_by_entity.get(n.entity.name, {})


def _addresses(token_list: str) -> set[str]:
    return {t.partition(":")[2].lower() for t in token_list.split(";") if t}


def _event_candidates(item: OutlookSideItem, navs: Sequence[NavSideItem]) -> tuple[list[NavSideItem], str, bool]:
    """Candidates by subject and start, and whether their attendees agree (for one candidate)."""
    found = [
        n
        for n in navs
        if n.norm.get("subject")
        and _fold(n.norm["subject"]) == _fold(_norm(item, n).get("subject", ""))
        and n.norm.get("start") == _norm(item, n).get("start")
    ]
    if not found:
        return [], "", True
    n = found[0]
    evidence = f"subject {n.norm['subject']!r} and start {n.norm.get('start')}"
    if len(found) == 1:
        nav_att, out_att = _addresses(n.norm.get("attendees", "")), _addresses(_norm(item, n).get("attendees", ""))
        if nav_att != out_att:
            missing = ", ".join(sorted(nav_att - out_att)) or "none"
            extra = ", ".join(sorted(out_att - nav_att)) or "none"
            return found, f"{evidence}; attendees differ (only in NAV: {missing}; only in Outlook: {extra})", False
        if nav_att:
            evidence += f" and attendees {', '.join(sorted(nav_att))}"
    return found, evidence, True


def _task_candidates(item: OutlookSideItem, navs: Sequence[NavSideItem]) -> tuple[list[NavSideItem], str]:
    found = [
        n
        for n in navs
        if n.norm.get("title")
        and _fold(n.norm["title"]) == _fold(_norm(item, n).get("title", ""))
        and n.norm.get("dueDateTime", "") == _norm(item, n).get("dueDateTime", "")
    ]
    if not found:
        return [], ""
    due = found[0].norm.get("dueDateTime") or "none"
    return found, f"title {found[0].norm['title']!r} and due date {due}"


def match(kind: ItemKind, navs: Sequence[NavSideItem], items: Sequence[OutlookSideItem]) -> list[Pair]:
    """Every record and item of one kind, as matched, ambiguous or unmatched pairs (see the module docstring)."""
    candidates: dict[str, tuple[list[NavSideItem], str, bool]] = {}
    for item in items:
        if kind is ItemKind.CONTACT:
            found, evidence = _contact_candidates(item, navs)
            candidates[item.id] = (found, evidence, True)
        elif kind is ItemKind.EVENT:
            candidates[item.id] = _event_candidates(item, navs)
        else:
            found, evidence = _task_candidates(item, navs)
            candidates[item.id] = (found, evidence, True)
    claims: dict[str, list[str]] = {}
    for item_id, (found, _, _) in candidates.items():
        for n in found:
            claims.setdefault(n.nav_key, []).append(item_id)
    pairs: list[Pair] = []
    paired: set[str] = set()
    for item in items:
        found, evidence, agree = candidates[item.id]
        if not found:
            pairs.append(Pair(Status.UNMATCHED, None, item, "no NAV record has its e-mail, name or values"))
            continue
        unique = len(found) == 1 and len(claims[found[0].nav_key]) == 1 and agree
        for n in found:
            paired.add(n.nav_key)
            why = evidence
            if len(found) > 1:
                why += f" (also fits {len(found) - 1} other record(s))"
            elif len(claims[n.nav_key]) > 1:
                why += f" (the record also fits {len(claims[n.nav_key]) - 1} other item(s))"
            pairs.append(Pair(Status.MATCHED if unique else Status.AMBIGUOUS, n, item, why))
    for n in navs:
        if n.nav_key not in paired:
            pairs.append(Pair(Status.UNMATCHED, n, None, "no Outlook item has its e-mail, name or values"))
    return pairs
