"""The NAV key as graphsync stamps it on Outlook items and stores it in links: ``5050:CT100006``.

The table number makes keys of different tables distinct (a salesperson ``EH`` and a contact ``EH``);
key parts are joined by ``,`` in NAV's key order. A retry reference names an unlinked item by its side and its
key there.
"""

from __future__ import annotations

from graphsync.connectors.nav import NavKey, NavTable
from graphsync.engine.plan import Side


def key_text(table: NavTable, key: NavKey) -> str:
    return f"{int(table)}:{','.join(key)}"


def parse_key(text: str) -> tuple[NavTable, NavKey] | None:
    """The table and key of a stamped key; None when the text is not one graphsync wrote."""
    table, sep, rest = text.partition(":")
    if not sep or not table.isdigit() or not rest:
        return None
    try:
        return NavTable(int(table)), tuple(rest.split(","))
    except ValueError:
        return None


def retry_ref(side: Side, value: str) -> str:
    """A retry reference: the side an unlinked item is known on and its key there (``nav:5050:CT1``, a NAV key;
    ``outlook:AAMk...``, an Outlook id), as the state store keeps it."""
    return f"{side.value}:{value}"


def parse_retry_ref(ref: str) -> tuple[Side, str] | None:
    """The side and key of a retry reference; None when it is not one graphsync wrote."""
    side, sep, value = ref.partition(":")
    try:
        return (Side(side), value) if sep and value else None
    except ValueError:
        return None
