"""Delta rounds, streamed page by page: only one page is held at a time, whatever the mailbox's size.

A round follows ``@odata.nextLink`` until a page carries ``@odata.deltaLink``; the new link is handed out
only after the last page was consumed, and the caller stores it once the round's changes are applied. A
link is used exactly as Graph gave it (parameters are never added). A nextLink seen twice in one round is
a loop and fails the round rather than spinning.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from typing import Any

from graphsync.connectors.outlook import DeltaEntry, ItemKind, Removed
from graphsync.errors import GraphError, GraphsyncError
from graphsync.graph.errormap import malformed_response
from graphsync.graph.session import GraphSession
from graphsync.graph.stamping import read_item

PageFilter = Callable[[list[DeltaEntry]], Awaitable[list[DeltaEntry]]]


class RoundNotFinishedError(GraphsyncError):
    """`delta_link` was asked for before the round's last page was read (a caller bug: storing it would
    skip the unread changes for good)."""

    def __init__(self, *, kind: ItemKind) -> None:
        self.kind = kind
        super().__init__(f"the {kind.value} delta round has unread pages; read them all before taking its link")


def entries_of(kind: ItemKind, page: Mapping[str, Any]) -> list[DeltaEntry]:
    out: list[DeltaEntry] = []
    for raw in page["value"]:
        if not isinstance(raw, Mapping) or not isinstance(raw.get("id"), str) or not raw["id"]:
            # Skipping it would lose the change for good: the round's link moves past it. Stopping the run
            # keeps the old link, so the next run reads the change again.
            shown = (repr(dict(raw)) if isinstance(raw, Mapping) else repr(raw))[:200]
            raise GraphError(f"Graph answered a {kind.value} change without a usable id: {shown}", code="malformedItem")
        removed = raw.get("@removed")
        if removed is not None:
            reason = removed.get("reason", "deleted") if isinstance(removed, Mapping) else "deleted"
            out.append(Removed(kind, str(raw["id"]), str(reason)))
        else:
            out.append(read_item(kind, raw))
    return out


class GraphDeltaRound:
    """One round of a Graph delta query (`graphsync.connectors.outlook.DeltaRound`)."""

    def __init__(
        self,
        *,
        session: GraphSession,
        kind: ItemKind,
        start_url: str | Callable[[], Awaitable[str]],
        link: str | None,
        headers: Mapping[str, str],
        page_filter: PageFilter | None = None,
    ) -> None:
        self.full = link is None
        self._session = session
        self._kind = kind
        self._start = start_url
        self._link = link
        self._headers = dict(headers)
        self._filter = page_filter
        self._next: str | None = None
        self._started = False

    @property
    def delta_link(self) -> str:
        if self._next is None:
            raise RoundNotFinishedError(kind=self._kind)
        return self._next

    async def pages(self) -> AsyncIterator[Sequence[DeltaEntry]]:
        if self._started:
            raise GraphError("a delta round can be read once; start a new round", code="roundReused")
        self._started = True
        url = self._link or (self._start if isinstance(self._start, str) else await self._start())
        seen: set[str] = set()
        while True:
            page = await self._session.call("GET", url, headers=self._headers)
            if not isinstance(page, Mapping) or not isinstance(page.get("value"), list):
                raise malformed_response(200, "a delta page without a 'value' list", method="GET", url=url)
            entries = entries_of(self._kind, page)
            if self._filter is not None and entries:
                entries = await self._filter(entries)
            if entries:
                yield entries
            next_link = page.get("@odata.nextLink")
            delta_link = page.get("@odata.deltaLink")
            if isinstance(next_link, str) and next_link:
                if next_link in seen:
                    raise GraphError(
                        "Graph sent the same @odata.nextLink twice in one round (a paging loop)",
                        code="deltaLoop",
                        method="GET",
                        url=next_link,
                    )
                seen.add(next_link)
                url = next_link
            elif isinstance(delta_link, str) and delta_link:
                self._next = delta_link
                return
            else:
                raise malformed_response(200, "a delta page with neither nextLink nor deltaLink", method="GET", url=url)
