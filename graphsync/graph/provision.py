"""Finding (or, the first time, creating) the folder, list and calendar graphsync keeps items in.

Given the ids remembered from an earlier run, each container is checked by id: gone or renamed is
reported as `ContainerChangedError`, never silently re-made (a new folder would make every item sync
again as new). Without remembered ids the container is looked up by name and created only if missing (a
dry run only looks). A create whose answer was lost is followed by another look-up by name, not by a second create.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from graphsync.connectors.outlook import Containers
from graphsync.errors import ContainerChangedError, GraphError, NotFoundError
from graphsync.graph.errormap import malformed_response
from graphsync.graph.options import GraphMailboxOptions
from graphsync.graph.paths import MailboxPaths, seg
from graphsync.graph.session import GraphSession, is_transient


@dataclass(frozen=True)
class ContainerKind:
    label: str
    collection: str
    name_property: str


ABSENT = ""
"""The id of a container that look-only provisioning (`GraphMailboxOptions.create_containers` False, a dry
run) did not find: the first real run creates it."""

CONTACT_FOLDER = ContainerKind("contact folder", "contactFolders", "displayName")
TODO_LIST = ContainerKind("To Do list", "todo/lists", "displayName")
CALENDAR = ContainerKind("calendar", "calendars", "name")


class Provisioner:
    def __init__(self, *, session: GraphSession, paths: MailboxPaths, options: GraphMailboxOptions) -> None:
        self._session = session
        self._paths = paths
        self._options = options

    async def containers(self, known: Containers | None) -> Containers:
        opts = self._options
        if known is not None:
            await self._check(CONTACT_FOLDER, known.contact_folder_id, opts.contact_folder)
            await self._check(TODO_LIST, known.todo_list_id, opts.todo_list)
            calendar_id = known.calendar_id
            if opts.calendar and calendar_id:
                await self._check(CALENDAR, calendar_id, opts.calendar)
            elif opts.calendar:
                calendar_id = await self._find_or_create(CALENDAR, opts.calendar)
            else:
                calendar_id = None
            return Containers(known.contact_folder_id, known.todo_list_id, calendar_id)
        return Containers(
            contact_folder_id=await self._find_or_create(CONTACT_FOLDER, opts.contact_folder),
            todo_list_id=await self._find_or_create(TODO_LIST, opts.todo_list),
            calendar_id=await self._find_or_create(CALENDAR, opts.calendar) if opts.calendar else None,
        )

    async def _check(self, kind: ContainerKind, container_id: str, name: str) -> None:
        url = f"{self._paths.root}/{kind.collection}/{seg(container_id)}"
        try:
            found = await self._session.call("GET", url)
        except NotFoundError as exc:
            raise ContainerChangedError(
                container=kind.label, container_id=container_id, expected=name, found=None, status=exc.status
            ) from None
        current = str(found.get(kind.name_property, "")) if isinstance(found, Mapping) else ""
        if current.casefold() != name.casefold():
            raise ContainerChangedError(container=kind.label, container_id=container_id, expected=name, found=current)

    async def _find(self, kind: ContainerKind, name: str) -> str | None:
        url: str | None = f"{self._paths.root}/{kind.collection}"
        seen: set[str] = set()
        while url:
            page = await self._session.call("GET", url)
            if not isinstance(page, Mapping) or not isinstance(page.get("value"), list):
                raise malformed_response(200, f"a {kind.label} listing without 'value'", method="GET", url=url)
            for entry in page["value"]:
                # Outlook treats folder names case-insensitively; so does graphsync.
                if isinstance(entry, Mapping) and str(entry.get(kind.name_property, "")).casefold() == name.casefold():
                    return str(entry["id"])
            nxt = page.get("@odata.nextLink")
            url = nxt if isinstance(nxt, str) and nxt not in seen else None
            if url:
                seen.add(url)
        return None

    async def _find_or_create(self, kind: ContainerKind, name: str) -> str:
        attempt = 0
        while True:
            attempt += 1
            found = await self._find(kind, name)
            if found is not None:
                return found
            if not self._options.create_containers:
                return ABSENT
            try:
                created: Any = await self._session.call(
                    "POST", f"{self._paths.root}/{kind.collection}", body={kind.name_property: name}, repeatable=False
                )
            except GraphError as exc:
                # Whether a failed create took effect is unknown: look again before any second attempt.
                if is_transient(exc) and await self._session.wait_before_retry(attempt, exc):
                    continue
                raise
            if not isinstance(created, Mapping) or "id" not in created:
                raise malformed_response(201, f"a new {kind.label} without an id", method="POST", url=kind.collection)
            return str(created["id"])
