"""`GraphMigrationMailbox`: the Outlook side of the migrations (`graphsync.connectors.migration.MigrationMailbox`)
over a `GraphMailbox`: the same session (its pacing, retries and concurrency bound), paths and writer.

What it adds to a sync's requests:
- every contact folder (``/contactFolders`` and the default folder's ``/contacts``; nested folders are not
  walked), every calendar (``/calendars``) and every To Do list (``/todo/lists``, without the built-in
  "Flagged emails" list, whose tasks are e-mails) listed with their items, read with graphsync's stamps and the
  add-in's user-defined fields (`graphsync.connectors.migration.legacy_property_id`) expanded;
- ``POST /users/{id}/translateExchangeIds`` from ``entryId`` to ``restImmutableEntryId`` (graphsync addresses
  contacts and events by immutable id), at most 1000 ids per request (api-reference/v1.0/api/
  user-translateexchangeids.md). It needs User.Read (delegated) or User.Read.All (application);
- removing graphsync's stamps: an extended property cannot be removed through PATCH, so the NAV key and the
  user-defined fields are set to an empty value (which graphsync, and this module, read as none); a task's
  linked resource and open extension are deleted (todotask-delete-linkedresources.md, opentypeextension-delete.md).

Whether an event is in the primary calendar is asked as ``GET /me/calendar/events/{id}``: inferred (not stated
by the docs) to answer 404 for an event of another calendar, as the sandbox does.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from graphsync import mapi
from graphsync.connectors.migration import Folder, FoundItem, Translated, legacy_property_id
from graphsync.connectors.outlook import Containers, ItemKind, OutlookItem, WriteOp, WriteResult
from graphsync.errors import GraphError, NotFoundError
from graphsync.graph.batch import BatchRequest, run_batched
from graphsync.graph.errormap import malformed_response
from graphsync.graph.mailbox import MALFORMED_ID_CODES, GraphMailbox
from graphsync.graph.paths import IMMUTABLE_IDS, seg
from graphsync.graph.stamping import (
    EXTENDED,
    NAV_KEY_PROPERTY,
    TASK_APPLICATION,
    TASK_EXTENSION,
    odata_quote,
    property_id,
    query,
    read_item,
)

_PREFER = {ItemKind.CONTACT: IMMUTABLE_IDS, ItemKind.EVENT: f'{IMMUTABLE_IDS}, outlook.timezone="UTC"'}


def _headers(kind: ItemKind) -> dict[str, str]:
    return {} if kind is ItemKind.TASK else {"Prefer": IMMUTABLE_IDS}


def _expand(kind: ItemKind, user_fields: Sequence[str], legacy_fields: Sequence[str]) -> str:
    if kind is ItemKind.TASK:
        return "linkedResources,extensions"
    ids = [property_id(n) for n in (NAV_KEY_PROPERTY, *user_fields)] + [legacy_property_id(n) for n in legacy_fields]
    return f"{EXTENDED}($filter=" + " or ".join(f"id eq {odata_quote(i)}" for i in ids) + ")"


class GraphMigrationMailbox:
    def __init__(self, mailbox: GraphMailbox) -> None:
        self._mb = mailbox
        # The mailbox's own session and paths: the migration's requests share its pacing and bounds.
        self._session = mailbox._session
        self._paths = mailbox._paths
        self._options = mailbox.options
        self._folders: dict[ItemKind, list[Folder]] = {}

    @property
    def mailbox(self) -> str:
        return self._mb.mailbox

    async def containers(self) -> Containers:
        return await self._mb.provision()

    # ------------------------------------------------------------------ reading

    async def _pages(self, url: str, headers: Mapping[str, str] | None = None) -> list[Mapping[str, Any]]:
        values: list[Mapping[str, Any]] = []
        seen: set[str] = set()
        next_url: str | None = url
        prefer = [f"odata.maxpagesize={self._options.page_size}"]
        if headers and headers.get("Prefer"):
            prefer.append(headers["Prefer"])
        all_headers = {**(headers or {}), "Prefer": ", ".join(prefer)}
        while next_url:
            page = await self._session.call("GET", next_url, headers=all_headers)
            if not isinstance(page, Mapping) or not isinstance(page.get("value"), list):
                raise malformed_response(200, "a listing without 'value'", method="GET", url=next_url)
            values.extend(v for v in page["value"] if isinstance(v, Mapping))
            nxt = page.get("@odata.nextLink")
            next_url = nxt if isinstance(nxt, str) and nxt not in seen else None
            if next_url:
                seen.add(next_url)
        return values

    async def folders(self, kind: ItemKind) -> list[Folder]:
        if kind in self._folders:
            return self._folders[kind]
        root = self._paths.root
        opts = self._options
        found: list[Folder] = []
        if kind is ItemKind.CONTACT:
            found.append(Folder(kind, "", "Contacts", default=True))
            # Asked with the items' Prefer: a contact's parentFolderId then has the form the folders' ids have.
            for f in await self._pages(f"{root}/contactFolders", {"Prefer": IMMUTABLE_IDS}):
                name = str(f.get("displayName") or "")
                found.append(
                    Folder(kind, str(f["id"]), name, graphsync=name.casefold() == opts.contact_folder.casefold())
                )
        elif kind is ItemKind.EVENT:
            for c in await self._pages(f"{root}/calendars"):
                name = str(c.get("name") or "")
                default = c.get("isDefaultCalendar") is True
                ours = name.casefold() == opts.calendar.casefold() if opts.calendar else default
                found.append(Folder(kind, str(c["id"]), name, default=default, graphsync=ours))
        else:
            for t in await self._pages(f"{root}/todo/lists"):
                well_known = t.get("wellknownListName")
                if well_known == "flaggedEmails":
                    continue
                name = str(t.get("displayName") or "")
                found.append(
                    Folder(
                        kind,
                        str(t["id"]),
                        name,
                        default=well_known == "defaultList",
                        graphsync=name.casefold() == opts.todo_list.casefold(),
                    )
                )
        self._folders[kind] = found
        return found

    def _found(
        self,
        kind: ItemKind,
        data: Mapping[str, Any],
        folder: Folder,
        user_fields: Sequence[str],
        legacy_fields: Sequence[str],
    ) -> FoundItem:
        item = read_item(kind, data, user_fields=user_fields)
        legacy: dict[str, str] = {}
        if legacy_fields and kind is not ItemKind.TASK:
            values = {str(p.get("id", "")).lower(): p.get("value") for p in data.get(EXTENDED) or []}
            for name in legacy_fields:
                value = values.get(legacy_property_id(name).lower())
                if isinstance(value, str):
                    legacy[name] = value
        category = kind is ItemKind.EVENT and self._options.category in (data.get("categories") or [])
        return FoundItem(item, folder, legacy, category)

    async def items(
        self, folder: Folder, *, user_fields: Sequence[str] = (), legacy_fields: Sequence[str] = ()
    ) -> list[FoundItem]:
        root = self._paths.root
        kind = folder.kind
        expand = query(expand=_expand(kind, user_fields, legacy_fields))
        if kind is ItemKind.CONTACT:
            base = f"{root}/contacts" if folder.default else f"{root}/contactFolders/{seg(folder.id)}/contacts"
        elif kind is ItemKind.EVENT:
            base = f"{root}/calendars/{seg(folder.id)}/events"
        else:
            base = f"{root}/todo/lists/{seg(folder.id)}/tasks"
        headers = {"Prefer": _PREFER[kind]} if kind in _PREFER else {}
        return [
            self._found(kind, data, folder, user_fields, legacy_fields)
            for data in await self._pages(f"{base}?{expand}", headers)
        ]

    async def get(
        self, kind: ItemKind, ids: Sequence[str], *, user_fields: Sequence[str] = (), legacy_fields: Sequence[str] = ()
    ) -> list[FoundItem | None]:
        if kind is ItemKind.TASK:
            raise ValueError("To Do tasks are read by listing their list (their ids need the list's)")
        if not ids:
            return []
        root = self._paths.root
        expand = query(expand=_expand(kind, user_fields, legacy_fields))
        headers = {"Prefer": _PREFER[kind]}
        # Events are asked of the primary calendar first, which tells whether they are there.
        where = f"{root}/calendar/events" if kind is ItemKind.EVENT else f"{root}/contacts"
        requests = [BatchRequest(str(n), "GET", f"{where}/{seg(i)}?{expand}", headers) for n, i in enumerate(ids)]
        answers = await run_batched(self._session, requests, batch_size=self._options.batch_size)
        folders = await self.folders(kind)
        out: list[FoundItem | None] = []
        elsewhere: list[int] = []
        for n in range(len(ids)):
            answer = answers[str(n)]
            if answer.ok and isinstance(answer.body, Mapping):
                out.append(
                    self._found(
                        kind, answer.body, self._folder_of(kind, answer.body, folders), user_fields, legacy_fields
                    )
                )
            elif isinstance(answer.error, NotFoundError) or (answer.error and answer.error.code in MALFORMED_ID_CODES):
                out.append(None)
                if kind is ItemKind.EVENT and isinstance(answer.error, NotFoundError):
                    elsewhere.append(n)
            else:
                raise answer.error or GraphError("read failed", status=answer.status)
        if elsewhere:
            other = Folder(kind, "", "another calendar")
            retry = [BatchRequest(str(n), "GET", f"{root}/events/{seg(ids[n])}?{expand}", headers) for n in elsewhere]
            again = await run_batched(self._session, retry, batch_size=self._options.batch_size)
            for n in elsewhere:
                answer = again[str(n)]
                if answer.ok and isinstance(answer.body, Mapping):
                    out[n] = self._found(kind, answer.body, other, user_fields, legacy_fields)
                elif not isinstance(answer.error, NotFoundError):
                    raise answer.error or GraphError("read failed", status=answer.status)
        return out

    def _folder_of(self, kind: ItemKind, data: Mapping[str, Any], folders: Sequence[Folder]) -> Folder:
        if kind is ItemKind.EVENT:
            return next((f for f in folders if f.default), Folder(kind, "", "Calendar", default=True))
        parent = str(data.get("parentFolderId") or "")
        found = next((f for f in folders if f.id and f.id == parent), None)
        return found or next(f for f in folders if f.default)

    # ------------------------------------------------------------------ ids

    async def translate_entry_ids(self, entry_ids: Sequence[str]) -> list[Translated]:
        url = f"{self._paths.root}/translateExchangeIds"
        out: list[Translated] = []
        for start in range(0, len(entry_ids), mapi.MAX_TRANSLATE_IDS):
            chunk = list(entry_ids[start : start + mapi.MAX_TRANSLATE_IDS])
            body = {"inputIds": chunk, "sourceIdType": "entryId", "targetIdType": "restImmutableEntryId"}
            answer = await self._session.call("POST", url, body=body)  # converts, changes nothing: repeatable
            values = answer.get("value") if isinstance(answer, Mapping) else None
            if not isinstance(values, list) or len(values) != len(chunk):
                raise malformed_response(
                    200, "a translateExchangeIds answer without one result per id", method="POST", url=url
                )
            for source, result in zip(chunk, values, strict=True):
                if not isinstance(result, Mapping):
                    raise malformed_response(200, "a convertIdResult that is not an object", method="POST", url=url)
                target = result.get("targetId")
                if isinstance(target, str) and target:
                    out.append(Translated(source, target=target))
                    continue
                details = result.get("errorDetails")
                message = "no targetId"
                if isinstance(details, Mapping):
                    message = f"{details.get('code') or 'error'}: {details.get('message') or ''}".strip()
                out.append(Translated(source, error=message))
        return out

    # ------------------------------------------------------------------ writing

    async def find_stamped(
        self, kind: ItemKind, nav_keys: Sequence[str], *, user_fields: Sequence[str] = ()
    ) -> dict[str, OutlookItem]:
        return await self._mb._lookup.find_many(kind, nav_keys, user_fields=user_fields)

    async def write(self, ops: Sequence[WriteOp]) -> list[WriteResult]:
        return await self._mb.write(ops)

    def _url(self, f: FoundItem) -> str:
        """Where an item is, without provisioning anything (a rollback must not make graphsync's folders)."""
        item, root = f.item, self._paths.root
        if item.kind is ItemKind.TASK:
            return f"{root}/todo/lists/{seg(f.folder.id)}/tasks/{seg(item.id)}"
        return f"{root}/{'contacts' if item.kind is ItemKind.CONTACT else 'events'}/{seg(item.id)}"

    async def delete(self, found: Sequence[FoundItem]) -> list[GraphError | None]:
        requests = [BatchRequest(str(n), "DELETE", self._url(f), _headers(f.item.kind)) for n, f in enumerate(found)]
        answers = await run_batched(self._session, requests, batch_size=self._options.batch_size)
        results: list[GraphError | None] = []
        for n in range(len(found)):
            answer = answers[str(n)]
            gone = answer.ok or isinstance(answer.error, NotFoundError)
            results.append(None if gone else answer.error or GraphError("delete failed", status=answer.status))
        return results

    async def unstamp(self, found: Sequence[FoundItem]) -> list[GraphError | None]:
        results: list[GraphError | None] = [None] * len(found)
        patches: list[BatchRequest] = []
        task_reads: list[BatchRequest] = []
        for n, f in enumerate(found):
            item = f.item
            if item.kind is ItemKind.TASK:
                task_reads.append(BatchRequest(str(n), "GET", f"{self._url(f)}/linkedResources"))
                continue
            props = [{"id": property_id(NAV_KEY_PROPERTY), "value": ""}]
            # Only the fields the item holds: writing an empty value of another name would make a named property
            # the mailbox never had (a finite resource).
            props += [{"id": property_id(name), "value": ""} for name, v in (item.user_fields or {}).items() if v]
            body: dict[str, Any] = {EXTENDED: props}
            categories = item.data.get("categories")
            if item.kind is ItemKind.EVENT and isinstance(categories, list) and self._options.category in categories:
                body["categories"] = [c for c in categories if c != self._options.category]
            patches.append(BatchRequest(str(n), "PATCH", self._url(f), _headers(item.kind), body))
        answers = await run_batched(self._session, patches, batch_size=self._options.batch_size)
        for rid, answer in answers.items():
            if not answer.ok:
                results[int(rid)] = answer.error or GraphError("unstamp failed", status=answer.status)
        if task_reads:
            await self._unstamp_tasks(found, task_reads, results)
        return results

    async def _unstamp_tasks(
        self, found: Sequence[FoundItem], reads: list[BatchRequest], results: list[GraphError | None]
    ) -> None:
        answers = await run_batched(self._session, reads, batch_size=self._options.batch_size)
        deletes: list[BatchRequest] = []
        for request in reads:
            n = int(request.id)
            answer = answers[request.id]
            base = request.url.removesuffix("/linkedResources")
            if not answer.ok or not isinstance(answer.body, Mapping):
                results[n] = answer.error or GraphError("task unreadable", status=answer.status)
                continue
            for r in answer.body.get("value") or []:
                if isinstance(r, Mapping) and r.get("applicationName") == TASK_APPLICATION and r.get("id"):
                    deletes.append(
                        BatchRequest(f"{n}:link:{r['id']}", "DELETE", f"{base}/linkedResources/{seg(str(r['id']))}")
                    )
            deletes.append(BatchRequest(f"{n}:ext", "DELETE", f"{base}/extensions/{seg(TASK_EXTENSION)}"))
        done = await run_batched(self._session, deletes, batch_size=self._options.batch_size)
        for rid, answer in done.items():
            n = int(rid.split(":")[0])
            if not answer.ok and not isinstance(answer.error, NotFoundError) and results[n] is None:
                results[n] = answer.error or GraphError("unstamp failed", status=answer.status)

    async def remove_container_if_empty(self, kind: ItemKind) -> bool:
        if kind is ItemKind.EVENT:
            return False  # meetings live in the user's calendar (a dedicated one is the user's to remove)
        ours = next((f for f in await self.folders(kind) if f.graphsync), None)
        if ours is None:
            return False
        root = self._paths.root
        url = (
            f"{root}/contactFolders/{seg(ours.id)}" if kind is ItemKind.CONTACT else f"{root}/todo/lists/{seg(ours.id)}"
        )
        inside = f"{url}/{'contacts' if kind is ItemKind.CONTACT else 'tasks'}?$top=1"
        try:
            page = await self._session.call("GET", inside)
            if not isinstance(page, Mapping) or page.get("value"):
                return False
            await self._session.call("DELETE", url)
        except NotFoundError:
            return False
        self._folders.pop(kind, None)
        return True
