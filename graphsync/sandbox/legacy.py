"""Items an earlier Outlook client left in a mailbox, each under the MAPI entry id that client recorded.

NAV's Outlook add-in synchronized into the mailbox's default folders (Contacts, Calendar, Tasks: To Do shows
that Tasks folder as its built-in "Tasks" list, ``wellknownListName`` defaultList) and kept each item's entry id
in NAV (table 5302 Outlook Synch. Link). `put_legacy_item` puts such an item into the sandbox so that its entry
id finds it again (`graphsync.sandbox.exchange_ids`): the item is created through the same handler a Graph POST
runs, under the immutable id the entry id carries.
"""

from __future__ import annotations

from enum import Enum
from typing import Any

from graphsync import mapi
from graphsync.sandbox.defaults import NEXT_KEY, TODO_LISTS
from graphsync.sandbox.exchange_ids import key_for
from graphsync.sandbox.router import handle
from graphsync.sandbox.state import SandboxState
from graphsync.sandbox.wire import Call, Principal


class LegacyKind(Enum):
    CONTACT = "contact"
    """A contact in the default Contacts folder."""
    EVENT = "event"
    """An event in the primary calendar."""
    TASK = "task"
    """A task in the built-in Tasks list."""


def put_legacy_item(state: SandboxState, upn: str, kind: LegacyKind, body: dict[str, Any], entry_id: bytes) -> str:
    """Create ``body`` (Graph JSON, checked as a POST's body is) in ``upn``'s default folder for ``kind``, under
    ``entry_id`` (a message entry id of this mailbox's store, `graphsync.mapi`); returns the item's id (its REST
    id; a task's To Do id). ValueError when the entry id is not one of this mailbox or names an item it holds."""
    mailbox = state.mailbox(upn)
    parts = mapi.parse_message_entry_id(entry_id)
    if parts.provider_uid != mapi.store_uid(mailbox.upn):
        raise ValueError(f"the entry id is not one of {mailbox.upn}'s store")
    key = key_for(parts.message)
    if mailbox.lookup(key) is not None:
        raise ValueError(f"{mailbox.upn} already holds the item of this entry id")
    if kind is LegacyKind.CONTACT:
        rest = ["contacts"]
    elif kind is LegacyKind.EVENT:
        rest = ["events"]
    else:
        lists = mailbox.collection(TODO_LISTS).items.values()
        default = next(i for i in lists if i.props.get("wellknownListName") == "defaultList")
        rest = ["todo", "lists", default.key, "tasks"]
    call = Call(
        method="POST",
        segments=["users", mailbox.upn, *rest],
        query={},
        headers={},
        body=body,
        principal=Principal(None),
        base_url="http://sandbox.local",
    )
    token = NEXT_KEY.set(key)
    try:
        reply = handle(state, call, mailbox, rest)
    finally:
        NEXT_KEY.reset(token)
        if state.persistence is not None:
            state.persistence.commit()
    return str(reply.body["id"])
