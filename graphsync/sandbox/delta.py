"""Delta rounds over a collection (see `graphsync.sandbox.store` for how positions are numbered):
``@odata.nextLink`` with ``$skiptoken`` until ``@odata.deltaLink`` with ``$deltatoken``.

A token this sandbox cannot follow is answered as Graph answers a sync state it no longer has: ``410``
with ``syncStateNotFound`` (concepts/delta-query-overview.md, "Token duration"; concepts/errors.md) for
a token it did not issue to this mailbox (another sandbox instance, a restart without ``--data``, a data
file older than the token) or one invalidated on purpose, and ``410 syncStateInvalid`` for one it cannot
read at all (undocumented; Outlook has been seen answering it). Both are answered before the folder or
list in the link's path is looked up: that id is as foreign as the token, and a 404 for it would tell
the client "the folder is gone" instead of "start a full round".
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from graphsync.sandbox.handling import DEFAULT_PAGE, Ctx, ok
from graphsync.sandbox.query import DeltaToken, page_size, parse_select, scope_of
from graphsync.sandbox.reading import Renderer, render
from graphsync.sandbox.schema import Resource
from graphsync.sandbox.store import Collection, Item, Tombstone
from graphsync.sandbox.wire import Reply, fail

InScope = Callable[[Item, tuple[int, int]], bool]
Expand = Callable[
    [Ctx, "Item | None", "Tombstone | None", "tuple[int, int] | None", bool], "list[dict[str, Any]] | None"
]
"""A change that stands for several entries (a series: its occurrences), or None to report it as it is."""


def delta_page(
    ctx: Ctx,
    coll: Collection,
    resource: Resource,
    *,
    renderer: Renderer = render,
    window: tuple[int, int] | None = None,
    in_window: InScope | None = None,
    default_page: int = DEFAULT_PAGE,
    typed: str | None = None,
    expand: Expand | None = None,
) -> Reply:
    """One page of a delta round over ``coll`` (see `graphsync.sandbox.store` for how positions work).

    A first request (no token) starts a full round; ``$deltatoken`` starts a round of the changes since
    that token's round; ``$skiptoken`` continues a round. With ``window`` (calendarView), items outside
    the window are left out of a full round and reported ``@removed`` in later rounds. ``typed`` is an
    ``@odata.type`` every entry carries (Graph's event delta names it).
    """
    q = ctx.call.query
    mailbox = ctx.mailbox
    scope = scope_of(coll.key)
    skip_text = q.get("$skiptoken")
    token = known_token(ctx)
    if token is not None:
        # Checked after the generation: a foreign token names a foreign collection too, and "not found"
        # (start over) is the answer that fits it.
        if token.scope != scope:
            raise fail(410, "syncStateInvalid", "The sync state token belongs to another collection.")
        if skip_text is None:
            token = DeltaToken(mailbox.epoch, scope, token.upto, mailbox.seq, token.upto, token.window, token.select)
        window = token.window
    else:
        token = DeltaToken(mailbox.epoch, scope, 0, mailbox.seq, 0, window, q.get("$select", ""))
    select = parse_select(token.select, resource.selectable(), resource.odata_type)
    size = page_size(None, ctx.prefer, default_page)
    quirks = ctx.state.faults.delta_quirks
    body: dict[str, Any] = {"@odata.context": f"{ctx.call.base_url}/v1.0/$metadata#Collection({resource.name})"}
    if quirks and skip_text is None:
        # Graph may open a round with an empty page that still has a nextLink (delta-query-overview.md).
        body["@odata.nextLink"] = ctx.link(**{"$skiptoken": token.encode()})
        body["value"] = []
        return ok(body)
    values: list[dict[str, Any]] = []
    cursor = token.cursor
    more = False
    incremental = token.since > 0
    # With quirks, a page starts again at the previous page's last entry: the same item twice in a round.
    after = token.cursor - 1 if quirks and token.cursor > token.since and size > 1 else token.cursor
    for seq, key in coll.changes(after, token.upto):
        if len(values) >= size:
            more = True
            break
        cursor = seq
        item = coll.items.get(key)
        if expand is not None:
            expanded = expand(ctx, item, coll.tombstones.get(key) if item is None else None, window, incremental)
            if expanded is not None:
                values.extend({"@odata.type": typed, **e} if typed else e for e in expanded)
                continue
        entry: dict[str, Any] = {"@odata.type": typed} if typed else {}
        if item is not None and (window is None or in_window is None or in_window(item, window)):
            entry.update(renderer(ctx, item, select))
        elif incremental:
            rest_id = item.rest_id if item is not None else coll.tombstones[key].rest_id
            entry.update({"id": key if ctx.immutable else rest_id, "@removed": {"reason": "deleted"}})
        else:
            continue
        values.append(entry)
    if quirks:
        values.reverse()  # no order is promised within a round
    if more:
        nxt = DeltaToken(mailbox.epoch, scope, token.since, token.upto, cursor, window, token.select)
        body["@odata.nextLink"] = ctx.link(**{"$skiptoken": nxt.encode()})
    else:
        done = DeltaToken(mailbox.epoch, scope, token.upto, token.upto, token.upto, window, token.select)
        body["@odata.deltaLink"] = ctx.link(**{"$deltatoken": done.encode()})
    body["value"] = values
    return ok(body)


def known_token(ctx: Ctx) -> DeltaToken | None:
    """The request's ``$skiptoken`` or ``$deltatoken``, if this mailbox can follow it; None for a first
    request. Delta routes whose path names a folder or list call this before looking that up."""
    q = ctx.call.query
    skip_text, delta_text = q.get("$skiptoken"), q.get("$deltatoken")
    if skip_text is None and not delta_text:
        # An empty $deltatoken is the initial query: the Location of Graph's 410 "synchronization reset"
        # is such a URL (delta-query-overview.md).
        return None
    token = DeltaToken.decode(skip_text if skip_text is not None else delta_text or "")
    mailbox = ctx.mailbox
    # The generation is random per mailbox and kept in the data file, so a token of another instance or
    # of a restart without the data file fails here, as does an invalidated one. A token past the
    # mailbox's last change comes from a newer copy of the data (an older file restored): following it
    # would silently skip the changes numbered in between.
    if token.epoch != mailbox.epoch or token.upto > mailbox.seq:
        raise fail(
            410,
            "syncStateNotFound",
            "The sync state generation is not found (it expired, was reset, or was issued elsewhere); "
            "start a new delta round.",
        )
    return token
