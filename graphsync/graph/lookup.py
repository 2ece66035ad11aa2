"""Finding items by the NAV key graphsync stamped on them: how an interrupted create is found again.

Contacts and events: a $filter on the NAV-key extended property, one request per key (batched when there
are several). To Do tasks: Graph v1.0 documents no $filter on ``linkedResources``, so the list is paged
through with its linked resources expanded and matched here: one pass serves any number of keys, but it
costs one request per page of the whole list (see docs/graph-client.md).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence

from graphsync.connectors.outlook import Containers, ItemKind, OutlookItem
from graphsync.errors import GraphError
from graphsync.graph.batch import BatchRequest, run_batched
from graphsync.graph.errormap import malformed_response
from graphsync.graph.paths import MailboxPaths, item_headers
from graphsync.graph.session import GraphSession
from graphsync.graph.stamping import expand_value, nav_key_filter, query, read_item


class NavKeyLookup:
    def __init__(
        self,
        *,
        session: GraphSession,
        paths: MailboxPaths,
        containers: Callable[[], Awaitable[Containers]],
        page_size: int,
        batch_size: int,
    ) -> None:
        self._session = session
        self._paths = paths
        self._containers = containers
        self._page_size = page_size
        self._batch_size = batch_size

    async def find_many(
        self, kind: ItemKind, keys: Sequence[str], *, user_fields: Sequence[str] = ()
    ) -> dict[str, OutlookItem]:
        """The stamped item for each key that has one (keys without an item are left out)."""
        wanted = list(dict.fromkeys(keys))
        if not wanted:
            return {}
        containers = await self._containers()
        if kind is ItemKind.TASK:
            return await self._scan_tasks(containers, set(wanted), user_fields)
        collection = self._paths.collection(kind, containers)
        expand = expand_value(kind, user_fields)
        requests = [
            BatchRequest(
                str(n), "GET", f"{collection}?{query(filter=nav_key_filter(k), expand=expand)}", item_headers(kind)
            )
            for n, k in enumerate(wanted)
        ]
        answers = await run_batched(self._session, requests, batch_size=self._batch_size)
        found: dict[str, OutlookItem] = {}
        for n, key in enumerate(wanted):
            answer = answers[str(n)]
            if not answer.ok:
                raise answer.error or GraphError("look-up by NAV key failed", status=answer.status)
            values = answer.body.get("value") if isinstance(answer.body, Mapping) else None
            if not isinstance(values, list):
                raise malformed_response(
                    answer.status, "a filtered listing without 'value'", method="GET", url=requests[n].url
                )
            items = [read_item(kind, v, user_fields=user_fields) for v in values if isinstance(v, Mapping)]
            match = next((i for i in items if i.nav_key == key), None)
            if match is not None:
                found[key] = match
        return found

    async def _scan_tasks(
        self, containers: Containers, keys: set[str], user_fields: Sequence[str]
    ) -> dict[str, OutlookItem]:
        url: str | None = (
            f"{self._paths.collection(ItemKind.TASK, containers)}?{query(expand=expand_value(ItemKind.TASK, ()))}"
        )
        headers = {"Prefer": f"odata.maxpagesize={self._page_size}"}
        found: dict[str, OutlookItem] = {}
        seen: set[str] = set()
        while url and len(found) < len(keys):
            page = await self._session.call("GET", url, headers=headers)
            if not isinstance(page, Mapping) or not isinstance(page.get("value"), list):
                raise malformed_response(200, "a task listing without 'value'", method="GET", url=url)
            for raw in page["value"]:
                if isinstance(raw, Mapping):
                    item = read_item(ItemKind.TASK, raw, user_fields=user_fields)
                    if item.nav_key in keys and item.nav_key not in found:
                        found[item.nav_key] = item
            nxt = page.get("@odata.nextLink")
            url = nxt if isinstance(nxt, str) and nxt not in seen else None
            if url:
                seen.add(url)
        return found
