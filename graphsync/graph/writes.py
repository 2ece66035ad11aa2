"""Writes: every `WriteOp` becomes one request in a $batch of at most 20, and gets its own result.

No write can make a second copy of an item:
- nothing is re-sent blindly: `run_batched` re-sends only transient failures, and only through this module;
- a create whose outcome is unknown (no answer, or a 5xx) is first looked up by its NAV key; found means
  it was created, and the found item is the result;
- events also carry a ``transactionId`` (the caller's, else one derived from the NAV key), with which
  Exchange itself drops a repeated create;
- updates and deletes are safe to repeat; a delete answered 404 has reached its goal and counts as done.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

from graphsync.connectors.outlook import Containers, ItemKind, WriteAction, WriteOp, WriteResult
from graphsync.errors import GraphError, NotFoundError
from graphsync.graph.batch import BatchAnswer, BatchRequest, run_batched
from graphsync.graph.lookup import NavKeyLookup
from graphsync.graph.paths import MailboxPaths, item_headers, seg
from graphsync.graph.session import GraphSession
from graphsync.graph.stamping import (
    PROPERTY_SET,
    TASK_EXTENSION,
    read_item,
    stamp_create,
    stamp_update,
    task_extension,
    task_link,
    written_item,
)

_TRANSACTION_NAMESPACE = uuid.UUID(PROPERTY_SET)


def transaction_id_for(nav_key: str) -> str:
    """The transactionId used when the caller gives none: stable for a NAV key. The engine should pass its
    own, derived from the NAV key and the link generation, so that an event deleted on purpose can be
    created again (Exchange would drop a create repeating an old transactionId)."""
    return str(uuid.uuid5(_TRANSACTION_NAMESPACE, nav_key))


def if_match_value(version: str) -> str:
    """An ETag for If-Match: Graph's ``@odata.etag`` as given, a bare changeKey wrapped as a weak ETag."""
    return version if version.startswith(('W/"', '"')) else f'W/"{version}"'


def unconfirmed(op: WriteOp, cause: GraphError) -> GraphError:
    return GraphError(
        f"the create of {op.nav_key!r} got no clear answer and the look-up by NAV key failed too ({cause.message})",
        status=cause.status,
        code="createUnconfirmed",
        request_id=cause.request_id,
        method=cause.method,
        url=cause.url,
    )


def _invalid(op: WriteOp) -> GraphError | None:
    if op.action is WriteAction.CREATE and not op.nav_key:
        return GraphError("a create needs the NAV key to stamp on the item", code="invalidWriteOp")
    if op.action is not WriteAction.CREATE and not op.item_id:
        return GraphError(f"a {op.action.value} needs the item id", code="invalidWriteOp")
    return None


class Writer:
    def __init__(
        self,
        *,
        session: GraphSession,
        paths: MailboxPaths,
        lookup: NavKeyLookup,
        containers: Callable[[], Awaitable[Containers]],
        category: str,
        batch_size: int,
    ) -> None:
        self._session = session
        self._paths = paths
        self._lookup = lookup
        self._containers = containers
        self._category = category
        self._batch_size = batch_size

    def _request(self, rid: str, op: WriteOp, containers: Containers) -> BatchRequest:
        headers = item_headers(op.kind)
        if op.action is WriteAction.CREATE:
            transaction = (op.transaction_id or transaction_id_for(op.nav_key)) if op.kind is ItemKind.EVENT else None
            body = stamp_create(
                op.kind, op.body, op.nav_key, op.user_fields, category=self._category, transaction_id=transaction
            )
            return BatchRequest(rid, "POST", self._paths.collection(op.kind, containers), headers, body)
        assert op.item_id is not None
        if op.if_match:
            headers = {**headers, "If-Match": if_match_value(op.if_match)}
        url = self._paths.item(op.kind, op.item_id, containers)
        if op.action is WriteAction.DELETE:
            return BatchRequest(rid, "DELETE", url, headers)
        body = stamp_update(op.kind, op.body, op.user_fields, nav_key=op.nav_key)
        return BatchRequest(rid, "PATCH", url, headers, body)

    async def write(self, ops: Sequence[WriteOp]) -> list[WriteResult]:
        containers = await self._containers()
        results: dict[int, WriteResult] = {}
        requests: dict[str, tuple[int, WriteOp]] = {}
        batch: list[BatchRequest] = []
        for n, op in enumerate(ops):
            problem = _invalid(op)
            if problem is not None:
                results[n] = WriteResult(op.op_id, error=problem)
                continue
            rid = str(n)
            requests[rid] = (n, op)
            batch.append(self._request(rid, op, containers))

        async def settle(unknown: list[BatchRequest]) -> dict[str, BatchAnswer]:
            return await self._settle_creates([requests[r.id][1] for r in unknown], [r.id for r in unknown])

        answers = await run_batched(self._session, batch, batch_size=self._batch_size, settle=settle)
        for rid, (n, op) in requests.items():
            results[n] = self._result(op, answers[rid])
        await self._write_task_fields(ops, results, containers)
        await self._stamp_tasks(ops, results, containers)
        return [results[n] for n in range(len(ops))]

    async def _settle_creates(self, ops: list[WriteOp], rids: list[str]) -> dict[str, BatchAnswer]:
        """Creates whose outcome is unknown that did happen: answered with the item found by NAV key."""
        settled: dict[str, BatchAnswer] = {}
        by_kind: dict[ItemKind, list[tuple[str, WriteOp]]] = {}
        for rid, op in zip(rids, ops, strict=True):
            if op.action is WriteAction.CREATE:
                by_kind.setdefault(op.kind, []).append((rid, op))
        for kind, pairs in by_kind.items():
            try:
                found = await self._lookup.find_many(kind, [op.nav_key for _, op in pairs])
            except GraphError as exc:
                # Cannot tell whether they were created: sending them again could duplicate, so they stop
                # here with an error; the next run looks them up by NAV key before creating.
                for rid, op in pairs:
                    settled[rid] = BatchAnswer(rid, 0, error=unconfirmed(op, exc))
                continue
            for rid, op in pairs:
                if op.nav_key in found:
                    settled[rid] = BatchAnswer(rid, 201, {}, dict(found[op.nav_key].data))
        return settled

    def _result(self, op: WriteOp, answer: BatchAnswer) -> WriteResult:
        if op.action is WriteAction.DELETE:
            if answer.ok or isinstance(answer.error, NotFoundError):
                return WriteResult(op.op_id)
            return WriteResult(op.op_id, error=answer.error)
        if not answer.ok:
            return WriteResult(op.op_id, error=answer.error or GraphError("write failed", status=answer.status))
        body = answer.body
        data: Mapping[str, Any] = body if type(body) is dict or isinstance(body, Mapping) else {}
        item = written_item(
            op.kind, data, item_id=op.item_id or "", nav_key=op.nav_key, user_fields=dict(op.user_fields)
        )
        return WriteResult(op.op_id, item)

    async def _write_task_fields(
        self, ops: Sequence[WriteOp], results: dict[int, WriteResult], containers: Containers
    ) -> None:
        """A task update's user fields live in its open extension, written by a request of its own (PATCH,
        or POST where the task has none yet). A failure there is the op's failure."""
        todo = {
            n: op
            for n, op in enumerate(ops)
            if op.kind is ItemKind.TASK and op.action is WriteAction.UPDATE and op.user_fields and results[n].ok
        }
        if not todo:
            return
        base = {n: self._paths.item(ItemKind.TASK, op.item_id or "", containers) for n, op in todo.items()}
        patch = [
            BatchRequest(
                str(n), "PATCH", f"{base[n]}/extensions/{seg(TASK_EXTENSION)}", {}, task_extension(op.user_fields)
            )
            for n, op in todo.items()
        ]
        answers = await run_batched(self._session, patch, batch_size=self._batch_size)
        missing = [n for n in todo if isinstance(answers[str(n)].error, NotFoundError)]
        if missing:
            post = [
                BatchRequest(str(n), "POST", f"{base[n]}/extensions", {}, task_extension(todo[n].user_fields))
                for n in missing
            ]
            answers.update(await run_batched(self._session, post, batch_size=self._batch_size))
        for n, op in todo.items():
            answer = answers[str(n)]
            if not answer.ok:
                results[n] = WriteResult(op.op_id, error=answer.error or GraphError("extension write failed"))

    async def _stamp_tasks(
        self, ops: Sequence[WriteOp], results: dict[int, WriteResult], containers: Containers
    ) -> None:
        """An update stamps the NAV key, as a PATCH does on contacts and events (that is how an item a person made
        in Outlook becomes linked). A task keeps it in a linkedResource, which a PATCH of the task cannot set: the
        task is read with its linked resources (batched) and graphsync's link is added where it is missing. A
        failure there is the op's failure, so the item stays unstamped and is tried again next run."""
        todo = {
            n: op
            for n, op in enumerate(ops)
            if op.kind is ItemKind.TASK and op.action is WriteAction.UPDATE and op.nav_key and results[n].ok
        }
        if not todo:
            return
        base = {n: self._paths.item(ItemKind.TASK, op.item_id or "", containers) for n, op in todo.items()}
        read = [BatchRequest(str(n), "GET", f"{base[n]}?$expand=linkedResources") for n in todo]
        answers = await run_batched(self._session, read, batch_size=self._batch_size)
        missing: list[int] = []
        for n, op in todo.items():
            answer = answers[str(n)]
            if not answer.ok or not isinstance(answer.body, Mapping):
                results[n] = WriteResult(op.op_id, error=answer.error or GraphError("task unreadable"))
            elif read_item(ItemKind.TASK, answer.body, user_fields=()).nav_key != op.nav_key:
                missing.append(n)
        if not missing:
            return
        post = [
            BatchRequest(str(n), "POST", f"{base[n]}/linkedResources", {}, task_link(todo[n].nav_key)) for n in missing
        ]
        posted = await run_batched(self._session, post, batch_size=self._batch_size)
        for n in missing:
            answer = posted[str(n)]
            if not answer.ok:
                error = answer.error or GraphError("linked resource write failed", status=answer.status)
                results[n] = WriteResult(todo[n].op_id, error=error)
