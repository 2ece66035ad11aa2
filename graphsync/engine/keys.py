"""The NAV key as graphsync stamps it on Outlook items and stores it in links: ``5050:CT100006``.

The table number makes keys of different tables distinct (a salesperson ``EH`` and a contact ``EH``);
key parts are joined by ``,`` in NAV's key order.
"""

from __future__ import annotations

from graphsync.connectors.nav import NavKey, NavTable


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
