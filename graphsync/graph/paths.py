"""URLs below the version root for one mailbox: ``/me`` (delegated) or ``/users/{upn}`` (app-only)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import quote

from graphsync.connectors.outlook import Containers, ItemKind

IMMUTABLE_IDS = 'IdType="ImmutableId"'


@lru_cache(maxsize=1024)
def seg(value: str) -> str:
    """One path segment: an id's '/' or '+' must not be read as path structure. '@' (a UPN) and '=' (the end
    of a base64 id) are legal in a segment and stay as Graph's own examples write them. Cached: a container's
    id is quoted for every item created in it."""
    return quote(value, safe="@=")


@dataclass(frozen=True)
class MailboxPaths:
    root: str
    """``/me`` or ``/users/{upn}``."""

    @classmethod
    def for_user(cls, upn: str | None) -> MailboxPaths:
        return cls("/me" if upn is None else f"/users/{seg(upn)}")

    def collection(self, kind: ItemKind, containers: Containers) -> str:
        """Where new items of ``kind`` are created."""
        if kind is ItemKind.CONTACT:
            return f"{self.root}/contactFolders/{seg(containers.contact_folder_id)}/contacts"
        if kind is ItemKind.TASK:
            return f"{self.root}/todo/lists/{seg(containers.todo_list_id)}/tasks"
        if containers.calendar_id:
            return f"{self.root}/calendars/{seg(containers.calendar_id)}/events"
        return f"{self.root}/events"

    def item(self, kind: ItemKind, item_id: str, containers: Containers) -> str:
        if kind is ItemKind.CONTACT:
            return f"{self.root}/contacts/{seg(item_id)}"
        if kind is ItemKind.EVENT:
            return f"{self.root}/events/{seg(item_id)}"
        return f"{self.root}/todo/lists/{seg(containers.todo_list_id)}/tasks/{seg(item_id)}"


def item_headers(kind: ItemKind) -> dict[str, str]:
    """Outlook items are addressed by immutable ids, which survive moves between folders; To Do ids have no
    immutable form."""
    return {} if kind is ItemKind.TASK else {"Prefer": IMMUTABLE_IDS}
